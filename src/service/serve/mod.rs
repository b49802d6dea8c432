//! `cachecore serve`: the HTTP invalidation API (issue 14), self-hosted, so webhooks can
//! invalidate. The same engine as the CLI (`crate::engine::invalidation`) behind axum.
//!
//! - [`handlers`]: one function per endpoint; [`api`]: answers, errors, bodies.
//! - [`auth`]: who is calling (token, JWT or anonymous); [`tokens`]: API tokens and scopes
//!   (hashed in Redis, shared by every replica); [`jwt`]: the product's HS256 JWTs.
//! - [`jobs`]: drains that outlive their request, and finishing unfinished runs at start.
//! - [`metrics`], [`limit`], [`state`] (connection, log), [`tls`], [`policy`], [`probes`].
//!
//! Stateless by design: a replica keeps nothing that another needs. Tokens are read from
//! Redis on every request; a job is the dep's record of unfinished runs; rate limits and
//! metrics are per process, as their consumers expect.

pub(crate) mod api;
pub(crate) mod auth;
mod handlers;
mod jobs;
pub mod jwt;
pub(crate) mod limit;
pub(crate) mod metrics;
mod policy;
mod probes;
pub(crate) mod state;
mod tls;
pub mod tokens;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::error::{Exit, invalid};
use crate::interrupt::Interrupt;
use crate::service::http::{Limits, listener};
use crate::store::ConnectOptions;
use api::{ApiError, LogFields};
pub use state::App;
pub use state::DrainSettings;
use state::log;

/// Everything `serve` needs, resolved from its flags.
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: String,
    pub tls: Option<(PathBuf, PathBuf)>,
    pub drains: DrainSettings,
    pub rate_limit: u32,
    /// Failed authentications per second per client address before 429.
    pub auth_failure_limit: u32,
    pub limits: Limits,
    pub auth: AuthSettings,
    /// `--anonymous-on-public-listener`: anonymous callers on a non-loopback listener.
    pub anonymous_on_public_listener: bool,
}

/// How callers may authenticate, from the flags.
#[derive(Debug, Clone, Default)]
pub struct AuthSettings {
    /// `--anonymous-scope`: what a request without any credential may do (empty: refused).
    pub anonymous_scopes: Vec<tokens::Scope>,
    /// `--anonymous-rate-limit`: anonymous requests per second per client address.
    pub anonymous_rate_limit: u32,
    /// `--jwt-secret-file` or `CACHECORE_JWT_SECRET`, with `--jwt-scope`.
    pub jwt: Option<jwt::JwtAuth>,
}

/// How long shutdown waits for background drains to stop at a batch boundary.
const DRAIN_STOP_WAIT: Duration = Duration::from_secs(30);

/// Serves until SIGTERM or Ctrl-C, then stops accepting, lets in-flight requests finish,
/// stops background drains between two batches (their runs stay in Redis for the next
/// start) and returns success.
pub async fn run(settings: Settings, connect: ConnectOptions) -> Result<Exit> {
    run_with(settings, connect, |_| Router::new()).await
}

/// As [`run`], with the routes `mount` makes from the shared [`App`] served beside the
/// invalidation API on the same listener (the gateway's, issue 25). Its routes must not
/// repeat one of the API's; the API's fallback (404) answers what neither matches.
pub async fn run_with(
    settings: Settings,
    connect: ConnectOptions,
    mount: impl FnOnce(Arc<App>) -> Router,
) -> Result<Exit> {
    // A URL that cannot work is a usage error now, not an "unreachable" forever.
    connect.validate()?;
    let tls = match &settings.tls {
        Some((cert, key)) => Some(tls::server_config(cert, key)?),
        None => None,
    };
    let open_files = listener::raise_open_file_limit();
    let mut limits = settings.limits.clone();
    limits.max_connections =
        listener::effective_max_connections(limits.max_connections, open_files);
    let listener = listener::bind(&settings.listen)
        .await
        .map_err(|e| invalid(format!("cannot listen on {}: {e}", settings.listen)))?;
    let addr = listener.local_addr()?;
    refuse_public_anonymous(&settings, addr)?;
    // The store's own events are JSON log lines here, like everything else serve says.
    crate::store::on_event(|e| match e {
        crate::store::StoreEvent::Resend {
            endpoint,
            error,
            attempt,
            why,
        } => log(
            "redis_resend",
            serde_json::json!({"endpoint": endpoint, "error": crate::redact::scrub(error), "attempt": attempt, "why": why}),
        ),
    });
    let stop = Interrupt::default();
    let app = Arc::new(App::new(connect, &settings, stop.clone()));
    let shutdown = shutdown_signal(Signals::register()?, stop);
    let redis_ok = app.redis.store().await.is_ok();
    log(
        "listening",
        serde_json::json!({
            "addr": addr.to_string(),
            "tls": tls.is_some(),
            "redis": if redis_ok { "ready" } else { "unreachable" },
            "version": env!("CARGO_PKG_VERSION"),
            "max_connections": limits.max_connections,
            "open_files_limit": open_files,
            "header_timeout_ms": limits.header_timeout.as_millis() as u64,
            "body_timeout_ms": limits.body_timeout.as_millis() as u64,
            "anonymous": anonymous_announcement(&settings.auth),
            "jwt": settings.auth.jwt.as_ref().map(|j| serde_json::json!({
                "scopes": scope_texts(&j.scopes),
                "secret_from": match j.source {
                    jwt::SecretSource::File => "--jwt-secret-file",
                    jwt::SecretSource::Env => jwt::SECRET_ENV,
                },
                "leeway_secs": jwt::LEEWAY_SECS,
            })),
        }),
    );
    tokio::spawn(jobs::resume_unfinished(app.clone()));
    let router = router(app.clone()).merge(mount(app.clone()));
    listener::serve(
        listener,
        tls,
        router,
        limits,
        app.connections.clone(),
        shutdown,
        DRAIN_STOP_WAIT,
    )
    .await;
    let deadline = Instant::now() + DRAIN_STOP_WAIT;
    while app.metrics.drains_in_progress() > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    log(
        "stopped",
        serde_json::json!({"drains_left_running": app.metrics.drains_in_progress()}),
    );
    Ok(Exit::Success)
}

fn scope_texts(scopes: &[tokens::Scope]) -> Vec<String> {
    scopes.iter().map(tokens::Scope::text).collect()
}

/// What anonymous callers may do, for the start line: every operator reading it sees that
/// requests without a credential are served, and what they can touch.
fn anonymous_announcement(auth: &AuthSettings) -> serde_json::Value {
    if auth.anonymous_scopes.is_empty() {
        return serde_json::Value::Null;
    }
    serde_json::json!({
        "scopes": scope_texts(&auth.anonymous_scopes),
        "rate_limit_per_address": auth.anonymous_rate_limit,
    })
}

/// Anonymous callers are served only on a loopback listener unless the operator says
/// twice that anyone who can connect may invalidate.
fn refuse_public_anonymous(settings: &Settings, addr: std::net::SocketAddr) -> Result<()> {
    if settings.auth.anonymous_scopes.is_empty()
        || settings.anonymous_on_public_listener
        || addr.ip().to_canonical().is_loopback()
    {
        return Ok(());
    }
    Err(invalid(format!(
        "--anonymous-scope on {addr}, which other hosts can reach, lets anyone who can connect invalidate {}: listen on a loopback address (127.0.0.1), or add --anonymous-on-public-listener to acknowledge it",
        scope_texts(&settings.auth.anonymous_scopes).join(", ")
    )))
}

fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/v1/invalidate", post(handlers::invalidate))
        .route("/v1/invalidate_many", post(handlers::invalidate_many))
        .route(
            "/v1/namespaces/{ns}/policy/roll",
            post(handlers::policy_roll),
        )
        // A dep id may hold `/`: the rest of the path is the id (percent-decoded).
        .route("/v1/deps/{*dep_id}", get(handlers::dep))
        .route("/v1/jobs/{id}", get(handlers::job))
        .route("/healthz", get(probes::healthz))
        .route("/health", get(probes::healthz))
        .route("/readyz", get(probes::readyz))
        .route("/metrics", get(probes::metrics))
        .fallback(probes::not_found)
        .layer(axum::middleware::from_fn_with_state(app.clone(), observe))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            |_: Box<dyn std::any::Any + Send>| {
                ApiError::new(
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "the server failed on this request (a bug: please report it)",
                )
                .into_response()
            },
        ))
        .with_state(app)
}

/// Counts and logs every request: one JSON line on stderr with the route template (never
/// the raw path, which may hold anything), status, dep, duration and token name.
async fn observe(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let resp = next.run(req).await;
    let took = started.elapsed();
    let status = resp.status().as_u16();
    app.metrics.request(&route, &method, status, took);
    let fields = resp
        .extensions()
        .get::<LogFields>()
        .cloned()
        .unwrap_or_default();
    log(
        "request",
        serde_json::json!({
            "method": method,
            "route": route,
            "status": status,
            "duration_ms": (took.as_secs_f64() * 1e6).round() / 1e3,
            "token": fields.token,
            "auth": fields.auth.map(tokens::Kind::word),
            "dep": fields.dep,
            "error": fields.error,
            "auth_failure": fields.auth_failure,
        }),
    );
    resp
}

/// SIGTERM and SIGINT, registered at once: from the call on, neither can end the
/// process before the server has decided how to stop.
struct Signals {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

impl Signals {
    fn register() -> std::io::Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
        })
    }

    /// The next one, by name.
    async fn next(&mut self) -> &'static str {
        tokio::select! {
            _ = self.int.recv() => "SIGINT",
            _ = self.term.recv() => "SIGTERM",
        }
    }
}

/// Resolves at the first SIGTERM or Ctrl-C, and sets `stop` so drains end at a batch
/// boundary. A second signal exits at once (130), as the CLI does.
async fn shutdown_signal(mut signals: Signals, stop: Interrupt) {
    let name = signals.next().await;
    log(
        "shutting_down",
        serde_json::json!({"signal": name, "note": "no new connections; in-flight requests finish; drains stop at a batch boundary and are finished by the next start"}),
    );
    stop.set();
    tokio::spawn(async move {
        signals.next().await;
        log("exiting_now", serde_json::json!({"why": "a second signal"}));
        std::process::exit(Exit::Interrupted.code());
    });
}
