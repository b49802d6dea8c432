//! The race-safe write of a miss's answer, after the upstream's answer is complete.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;

use super::super::Gateway;
use super::lock;
use crate::store::GatewayWrite;

/// An answer to cache once the upstream's is complete.
pub struct Pending {
    pub gw: Arc<Gateway>,
    pub key: String,
    pub deps_json: String,
    pub checks: Vec<crate::store::WriteDep>,
    pub stream: bool,
    /// The entry's TTL: fresh + stale window.
    pub ttl: Duration,
    /// The coalescing lock, released once the entry is written (or not).
    pub lock: Option<lock::Lock>,
}

impl Pending {
    /// [`Pending::write`] in a task of its own; a refusal is counted in the metrics.
    pub fn write_in_background(self, body: Bytes) {
        tokio::spawn(async move {
            let gw = self.gw.clone();
            if let Some(why) = self.write(&body).await {
                gw.metrics.not_written(why);
            }
        });
    }

    /// Writes `body` unless a declared dep moved since the request started; the reason
    /// when nothing was written.
    pub async fn write(self, body: &[u8]) -> Option<&'static str> {
        let gw = &self.gw;
        let Some(mut store) = gw.store().await else {
            return Some("redis_unavailable");
        };
        let w = GatewayWrite {
            key: &self.key,
            body,
            deps_json: &self.deps_json,
            created_at_ms: now_ms(),
            ttl_secs: self.ttl.as_secs(),
            deps: &self.checks,
        };
        let written = gw.bounded(store.gateway_write(&w)).await;
        // Followers waiting on this lock find the entry (or its absence) from now on.
        drop(self.lock);
        match written {
            Some(None) => {
                gw.metrics.written(body.len());
                None
            }
            Some(Some(_moved)) => Some("dep_moved_during_request"),
            None => Some("redis_unavailable"),
        }
    }
}

pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
