//! What every request shares: the Redis connection (re-established after a failure),
//! settings, metrics, the rate limiter, and the structured log. Nothing here is needed
//! for correctness across replicas: tokens, jobs and unfinished runs live in Redis.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::AuthSettings;
use super::Settings;
use super::api::ApiError;
use super::limit::RateLimiter;
use super::metrics::Metrics;
use crate::error::is_connection_error;
use crate::interrupt::Interrupt;
use crate::pace::Pacer;
use crate::service::http::{ConnCounters, Limits};
use crate::store::{ConnectOptions, Store};

pub use crate::service::log;

/// How a drain runs (the `invalidate` pace flags).
#[derive(Debug, Clone)]
pub struct DrainSettings {
    pub budget: Duration,
    pub batch_size: usize,
    pub pipeline_depth: usize,
    /// `--rate`: shared by every drain of this process.
    pub pacer: Pacer,
}

/// Renders a mounted service's metrics into the `/metrics` text.
pub type ExtraMetrics = Box<dyn Fn(&mut String) + Send + Sync>;

pub struct App {
    pub redis: Redis,
    pub drains: DrainSettings,
    pub metrics: Metrics,
    pub limiter: RateLimiter,
    /// Failed authentications per client address: over it, 429 before any Redis work.
    pub auth_failures: RateLimiter,
    /// Anonymous requests per client address (`--anonymous-rate-limit`).
    pub anonymous_limiter: RateLimiter,
    /// Who may call: anonymous scopes, JWT verification.
    pub auth: AuthSettings,
    pub limits: Limits,
    /// What the listener's limits did (rendered with the metrics).
    pub connections: Arc<ConnCounters>,
    /// Set at shutdown: drains stop between two batches, their runs left in Redis for the
    /// next start of any replica.
    pub stop: Interrupt,
    /// When this process last wrote each token's last use (at most once a second).
    touched: Mutex<HashMap<String, Instant>>,
    /// Metrics of a service mounted beside the API (the gateway's), appended to /metrics.
    pub extra_metrics: std::sync::OnceLock<ExtraMetrics>,
}

impl App {
    pub fn new(connect: ConnectOptions, settings: &Settings, stop: Interrupt) -> App {
        App {
            redis: Redis {
                options: connect,
                current: tokio::sync::Mutex::new(None),
            },
            drains: settings.drains.clone(),
            metrics: Metrics::default(),
            limiter: RateLimiter::new(settings.rate_limit),
            auth_failures: RateLimiter::new(settings.auth_failure_limit),
            anonymous_limiter: RateLimiter::new(settings.auth.anonymous_rate_limit),
            auth: settings.auth.clone(),
            limits: settings.limits.clone(),
            connections: Arc::default(),
            stop,
            touched: Mutex::default(),
            extra_metrics: std::sync::OnceLock::new(),
        }
    }

    /// Whether `name`'s last use is due to be written again (then it counts as written).
    pub fn touch_due(&self, name: &str) -> bool {
        let now = Instant::now();
        let mut touched = self.touched.lock().expect("touch map poisoned");
        match touched.get(name) {
            Some(at) if now.duration_since(*at) < Duration::from_secs(1) => false,
            _ => {
                touched.insert(name.to_string(), now);
                true
            }
        }
    }
}

/// The shared connection. A request takes a clone (cheap: one multiplexed socket); after
/// a connection failure the next request dials again, so the service recovers from a
/// Redis restart by itself.
pub struct Redis {
    options: ConnectOptions,
    current: tokio::sync::Mutex<Option<Store>>,
}

impl Redis {
    pub async fn store(&self) -> Result<Store, ApiError> {
        let mut current = self.current.lock().await;
        if let Some(store) = current.as_ref() {
            return Ok(store.clone());
        }
        match Store::connect(&self.options).await {
            Ok(store) => {
                *current = Some(store.clone());
                Ok(store)
            }
            Err(e) => Err(ApiError::unavailable(crate::error::one_line(&e))),
        }
    }

    /// Called with every failure: a broken connection is dropped, to be dialled again.
    pub async fn failed(&self, err: &anyhow::Error) {
        if is_connection_error(err) {
            self.reset().await;
        }
    }

    /// Drops the connection whatever the error: the next request dials again.
    pub async fn reset(&self) {
        *self.current.lock().await = None;
    }
}
