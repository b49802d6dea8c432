//! `cachecore gateway` (issue 25): an OpenAI-compatible caching reverse proxy on the
//! Redis contract, with `serve`'s invalidation API on the same listener.
//!
//! - [`identity`]: credential -> namespace, or BYPASS; [`deps`]: `X-Cachecore-Deps`.
//! - [`chat`]: `POST /v1/chat/completions`: lookup, coalescing, upstream, race-safe write.
//! - [`verdict`]: whether a found entry may be served (the contract's freshness rule).
//! - [`upstream`]: the HTTP client; [`metrics`].
//!
//! The cache fails open: a Redis that is away or slow sends requests upstream uncached,
//! never answers a 5xx of its own.

mod chat;
mod deps;
mod identity;
mod metrics;
mod other;
mod upstream;
mod verdict;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Result;
use axum::Router;
use axum::routing::{any, post};

use crate::error::Exit;
use crate::service::log;
use crate::service::serve::limit::RateLimiter;
use crate::service::serve::{self, App};
use crate::store::{ConnectOptions, Store};
pub use upstream::Upstream;

/// The gateway's own settings, beside `serve`'s.
#[derive(Debug, Clone)]
pub struct Settings {
    pub upstream: String,
    /// Read from `--upstream-key-file` or `CACHECORE_UPSTREAM_KEY`; never logged.
    pub upstream_key: String,
    pub upstream_timeout: Duration,
    pub fresh: Duration,
    pub stale: Duration,
    /// How long followers wait for a leader's entry before going upstream themselves.
    pub coalesce_wait: Duration,
    /// BYPASS requests per second per client address.
    pub bypass_rate_limit: u32,
    /// Bound of every Redis step of a request: past it, the request goes on uncached.
    pub redis_timeout: Duration,
}

pub struct Gateway {
    pub app: Arc<App>,
    pub upstream: Upstream,
    pub settings: Settings,
    pub metrics: metrics::Metrics,
    pub bypass_limiter: RateLimiter,
    /// Each verified token's namespace, so its hits need no script (see [`chat`]).
    pub token_namespaces: identity::Namespaces,
    /// The requests seen cached, looked up by a peek (see [`chat`]).
    pub likely: chat::Likely,
    /// `X-Cachecore-Deps` headers already parsed (see [`deps::Memo`]).
    pub deps_memo: deps::Memo,
    /// Until when (ms since `born`) Redis is taken as away: requests skip it, so an outage
    /// costs each request nothing rather than a connect timeout.
    down_until_ms: AtomicU64,
    born: Instant,
}

/// After a Redis failure, how long requests go uncached before Redis is tried again.
const REDIS_BACKOFF: Duration = Duration::from_secs(1);

impl Gateway {
    fn now_ms(&self) -> u64 {
        self.born.elapsed().as_millis() as u64
    }

    /// Releases a coalescing lock: tried whatever the back-off (a release that waited it
    /// out would leave the lock until it expires, and every identical miss on every
    /// replica waiting on it), and once more after the back-off if that failed.
    pub async fn release_lock(&self, key: &str, value: &str) {
        for attempt in 0..2 {
            if attempt > 0 {
                tokio::time::sleep(REDIS_BACKOFF).await;
            }
            let timeout = self.settings.redis_timeout;
            let Ok(Ok(mut store)) = tokio::time::timeout(timeout, self.app.redis.store()).await
            else {
                continue;
            };
            if let Ok(Ok(())) =
                tokio::time::timeout(timeout, store.gateway_unlock(key, value)).await
            {
                return;
            }
        }
    }

    /// The shared Redis connection, unless Redis is known to be away.
    pub async fn store(&self) -> Option<Store> {
        if self.now_ms() < self.down_until_ms.load(Ordering::Relaxed) {
            return None;
        }
        match tokio::time::timeout(self.settings.redis_timeout, self.app.redis.store()).await {
            Ok(Ok(store)) => Some(store),
            Ok(Err(e)) => {
                self.redis_failed(&e.message).await;
                None
            }
            Err(_) => {
                self.redis_failed("no connection within --redis-timeout")
                    .await;
                None
            }
        }
    }

    /// Records a Redis failure: metric, log, back-off, and a new connection next time.
    pub async fn redis_failed(&self, why: &str) {
        self.metrics.redis_error();
        let until = self.now_ms() + REDIS_BACKOFF.as_millis() as u64;
        let before = self.down_until_ms.swap(until, Ordering::Relaxed);
        if before <= self.now_ms() {
            log(
                "gateway_redis_unavailable",
                serde_json::json!({"error": crate::redact::scrub(why), "uncached_for_ms": REDIS_BACKOFF.as_millis() as u64}),
            );
        }
        self.app.redis.reset().await;
    }

    /// A Redis step bounded by `--redis-timeout`; `None` (after recording it) on failure.
    pub async fn bounded<T>(
        &self,
        step: impl std::future::Future<Output = Result<T>>,
    ) -> Option<T> {
        match tokio::time::timeout(self.settings.redis_timeout, step).await {
            Ok(Ok(v)) => Some(v),
            Ok(Err(e)) => {
                self.redis_failed(&crate::error::one_line(&e)).await;
                None
            }
            Err(_) => {
                self.redis_failed("a Redis step took longer than --redis-timeout")
                    .await;
                None
            }
        }
    }
}

/// Serves the gateway and the invalidation API until SIGTERM (in-flight requests finish).
pub async fn run(
    api: serve::Settings,
    settings: Settings,
    connect: ConnectOptions,
) -> Result<Exit> {
    let upstream = Upstream::new(
        &settings.upstream,
        &settings.upstream_key,
        settings.upstream_timeout,
    )?;
    log(
        "gateway",
        serde_json::json!({
            "upstream": crate::redact::scrub(&settings.upstream),
            "fresh_secs": settings.fresh.as_secs(),
            "stale_secs": settings.stale.as_secs(),
            "coalesce_wait_ms": settings.coalesce_wait.as_millis() as u64,
        }),
    );
    let mut upstream = Some(upstream);
    serve::run_with(api, connect, move |app| {
        let gw = Arc::new(Gateway {
            bypass_limiter: RateLimiter::new(settings.bypass_rate_limit),
            token_namespaces: identity::Namespaces::default(),
            likely: chat::Likely::default(),
            deps_memo: deps::Memo::default(),
            app: app.clone(),
            upstream: upstream.take().expect("mounted once"),
            settings,
            metrics: metrics::Metrics::default(),
            down_until_ms: AtomicU64::new(0),
            born: Instant::now(),
        });
        let for_metrics = gw.clone();
        let _ = app
            .extra_metrics
            .set(Box::new(move |out| for_metrics.metrics.render(out)));
        router(gw)
    })
    .await
}

fn router(gw: Arc<Gateway>) -> Router {
    Router::new()
        .route("/v1/chat/completions", post(chat::completions))
        // Every other /v1/ route of the upstream (models, embeddings, ...): forwarded,
        // uncached, with the same credential stripping.
        .route("/v1/{*rest}", any(other::forward_other))
        .with_state(gw)
}
