//! Coalescing (issue 25, item 7): N concurrent identical misses, on any number of
//! replicas, make one upstream call. The first takes a lock in Redis (SET NX PX) and goes
//! upstream; the others poll for its entry, bounded by `--coalesce-wait`, and go upstream
//! themselves when it does not come (the leader failed, its answer was not cacheable). A
//! request with `X-Cachecore-Coalesce: off` never waits.
//!
//! The stale window: a HIT_L1_STALE starts one background refresh, under a lock of its own.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::response::Response;

use super::super::Gateway;
use super::super::verdict::plan_write;
use super::lock::{LOCK_PREFIX, Lock, lock_ttl, new_lock_value};
use super::{Cacheable, Pending, Trace, forward, lookup, serve_hit};
use crate::layout::write_deps;

/// How often a follower looks for the leader's entry.
const FOLLOW_POLL: Duration = Duration::from_millis(20);

pub enum Role {
    Leader(Lock),
    /// A follower served the leader's entry.
    Served(Response),
    /// No lock (Redis away, or the wait ran out): go upstream without one.
    Alone,
}

/// What the request's lookup did with the lock: took it, found it held, or did not try
/// (the entry it found was refused).
pub enum FirstTry {
    Took(Lock),
    Held,
    NotTried,
}

impl FirstTry {
    /// `held`: the lock this request holds; `waits`: it may wait for one it does not (it
    /// coalesces, and no entry was found).
    pub fn of(held: Option<Lock>, waits: bool) -> FirstTry {
        match held {
            Some(lock) => FirstTry::Took(lock),
            None if waits => FirstTry::Held,
            None => FirstTry::NotTried,
        }
    }
}

async fn try_lock(gw: &Arc<Gateway>, key: String) -> Option<Option<Lock>> {
    let value = new_lock_value();
    let mut store = gw.store().await?;
    let took = gw
        .bounded(store.gateway_lock(&key, &value, lock_ttl(gw)))
        .await?;
    Some(took.then(|| Lock::held(gw, key, value)))
}

pub async fn lead_or_follow(
    gw: &Arc<Gateway>,
    req: &Cacheable,
    headers: &HeaderMap,
    body: &Bytes,
    trace: &mut Trace,
    first: FirstTry,
) -> Role {
    let key = format!("{LOCK_PREFIX}{}", req.key);
    let took = match first {
        FirstTry::Took(lock) => Some(Some(lock)),
        FirstTry::Held => Some(None),
        FirstTry::NotTried => try_lock(gw, key.clone()).await,
    };
    match took {
        None => return Role::Alone,
        Some(Some(lock)) => return Role::Leader(lock),
        Some(None) => {}
    }
    let deadline = Instant::now() + gw.settings.coalesce_wait;
    while Instant::now() < deadline {
        tokio::time::sleep(FOLLOW_POLL).await;
        let Some(found) = lookup::again(gw, req, false, None).await else {
            return Role::Alone;
        };
        let mut scratch = Trace::default();
        if let Some(resp) = serve_hit(gw, req, &found, headers, body, &mut scratch) {
            gw.metrics.coalesced();
            trace.coalesced = true;
            trace.tier = scratch.tier;
            trace.age_secs = scratch.age_secs;
            return Role::Served(resp);
        }
        // The leader is gone without an entry: this request leads now.
        match try_lock(gw, key.clone()).await {
            None => return Role::Alone,
            Some(Some(lock)) => return Role::Leader(lock),
            Some(None) => {}
        }
    }
    Role::Alone
}

/// Starts one refresh of a stale entry unless one is running (on any replica).
pub fn refresh_in_background(
    gw: &Arc<Gateway>,
    req: &Cacheable,
    headers: &HeaderMap,
    body: &Bytes,
) {
    let now_secs = super::now_ms() / 1000;
    if req.refresh_until_secs.is_some_and(|exp| exp <= now_secs) {
        // The JWT that asked has expired: no upstream call on its behalf.
        return;
    }
    let (gw, req, headers, body) = (gw.clone(), req.clone(), headers.clone(), body.clone());
    tokio::spawn(async move {
        let Some(Some(lock)) = try_lock(&gw, format!("cc:gateway:refresh:{}", req.key)).await
        else {
            return;
        };
        let Some(found) = lookup::again(&gw, &req, true, None).await else {
            return;
        };
        let Ok((records, checks)) = plan_write(&req.ns, &req.declared, &found.request_current)
        else {
            return;
        };
        let write = Pending {
            gw: gw.clone(),
            key: req.key.clone(),
            deps_json: write_deps(&records),
            checks,
            stream: req.stream,
            ttl: req.windows.fresh + req.windows.stale,
            lock: Some(lock),
        };
        let mut trace = Trace::default();
        let resp = forward(&gw, &headers, body, &mut trace, Some(write)).await;
        // A streamed refresh is written when its body ends: read it through.
        let _ = axum::body::to_bytes(resp.into_body(), super::CACHE_LIMIT).await;
        crate::service::log(
            "stale_refresh",
            serde_json::json!({"namespace": req.ns.to_string(), "upstream_ms": trace.upstream_ms, "not_written": trace.not_written}),
        );
    });
}
