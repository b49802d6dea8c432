//! `POST /v1/chat/completions`: credential -> namespace -> deps -> one-step lookup ->
//! (miss) coalescing lock -> upstream -> race-safe write -> answer. Every Redis step is
//! bounded and fails open: the request then goes on uncached.

mod coalesce;
mod lock;
mod lookup;
mod stream;
mod write;

pub use lookup::Likely;
pub use write::{Pending, now_ms};

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt as _;

use super::Gateway;
use super::deps::{DEPS_HEADER, Declaration};
use super::identity::{Caller, identify, resolve};
use super::upstream::incoming;
use super::verdict::{Verdict, Windows, judge, plan_write};
use crate::layout::{Namespace, RequestKey, request_key, write_deps};
use crate::service::log;
use crate::service::serve::api::{ApiError, ClientAddr, LogFields};
use crate::store::Found;

/// Request bodies above this are refused (413): far above any prompt a model takes.
const REQUEST_LIMIT: usize = 16 << 20;
/// Upstream answers above this are passed through but not cached.
pub const CACHE_LIMIT: usize = 32 << 20;
/// `X-Cachecore-Coalesce: off`: this request goes upstream even when another identical
/// one is in flight (intentional sampling).
const COALESCE_HEADER: &str = "x-cachecore-coalesce";

/// What one request did, for its log line and headers.
#[derive(Default)]
pub struct Trace {
    pub tier: &'static str,
    pub ns: Option<String>,
    pub caller: Option<String>,
    pub auth: Option<&'static str>,
    pub deps: usize,
    pub upstream_ms: Option<f64>,
    pub age_secs: u64,
    pub refused: Option<(&'static str, String)>,
    pub not_written: Option<&'static str>,
    pub coalesced: bool,
}

pub async fn completions(
    State(gw): State<Arc<Gateway>>,
    client: ClientAddr,
    req: Request,
) -> Response {
    let started = Instant::now();
    let mut trace = Trace {
        tier: "BYPASS",
        ..Trace::default()
    };
    let resp = match handle(&gw, client, req, &mut trace).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    };
    finish(&gw, resp, &trace, started)
}

async fn handle(
    gw: &Arc<Gateway>,
    client: ClientAddr,
    req: Request,
    trace: &mut Trace,
) -> Result<Response, ApiError> {
    let (parts, body) = req.into_parts();
    let mut log_fields = LogFields::default();
    let caller = identify(gw, client, &parts.headers, &mut log_fields).await?;
    let (declared, body) = match read_declared(gw, &parts.headers, body, trace).await {
        Ok(read) => read,
        Err(e) => {
            // A credential that does not verify is a 401 first, as on every route.
            resolve(gw, client, caller, &mut log_fields).await?;
            return Err(e);
        }
    };
    match caller {
        Caller::Bypass => {
            admit_bypass(gw, client)?;
            return Ok(forward_uncached(gw, &parts.headers, body, trace).await);
        }
        // Recorded (metric, log, back-off) where it failed, once.
        Caller::RedisDown => {
            return Ok(forward_uncached(gw, &parts.headers, body, trace).await);
        }
        Caller::Cached { .. } | Caller::Token { .. } => {}
    }
    let parsed = std::str::from_utf8(&body)
        .ok()
        .and_then(|t| request_key(t).ok());
    // Not JSON: the upstream will say what is wrong; nothing to cache.
    let Some(RequestKey {
        fingerprint: fp,
        stream,
    }) = parsed
    else {
        let caller = resolve(gw, client, caller, &mut log_fields).await?;
        lookup::note(trace, &caller);
        return Ok(forward_uncached(gw, &parts.headers, body, trace).await);
    };
    let coalesce = !parts
        .headers
        .get(COALESCE_HEADER)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"off"));
    let ids: Vec<&str> = declared.iter().map(|d| d.id.as_str()).collect();
    let lock_value = lock::new_lock_value();
    let lock = coalesce.then(|| (lock::LOCK_PREFIX, lock_value.as_str(), lock::lock_ttl(gw)));
    let first = lookup::first(gw, client, caller, &fp, &ids, lock, &mut log_fields, trace).await?;
    let Some(first) = first else {
        return Ok(forward_uncached(gw, &parts.headers, body, trace).await);
    };
    let (mut found, mut held) = (first.found, first.held);
    let request = cacheable(gw, first.ns, first.grant, fp, declared, stream, coalesce);
    if first.peeked {
        let verdict = judge(
            &found,
            &request.ns,
            &request.declared,
            &request.windows,
            now_ms(),
        );
        if let Some(hit) = answer_hit(gw, &request, &found, verdict, &parts.headers, &body, trace) {
            // Not in the table yet (its peek asked for the lock): the next one only reads.
            if first.lock_asked {
                gw.likely.seen_cached(&request.ns, &request.fingerprint);
            }
            return Ok(hit);
        }
        // Not served. No entry, and the lock was asked for (or is not wanted): a miss, as
        // the script would find it. Otherwise the lookup script looks again, judged (and a
        // refusal recorded) as a first lookup is, taking the lock on a miss if the peek
        // did not.
        if found.body.is_some() || !(first.lock_asked || lock.is_none()) {
            let relock = if held.is_some() { None } else { lock };
            found = match lookup::again(gw, &request, false, relock).await {
                Some(f) => f,
                None => return Ok(forward_uncached(gw, &parts.headers, body, trace).await),
            };
        }
    }
    // The lock the second look took, if it did (the first one's is already held).
    if held.is_none() {
        held = lookup::taken(gw, &found, lock, &request.ns, &request.fingerprint);
    }
    let tried = coalesce::FirstTry::of(held, coalesce && found.body.is_none());
    Ok(cached(gw, &parts.headers, body, &request, found, tried, trace).await)
}

/// The declared deps and the body, or why the request is refused (nothing forwarded).
async fn read_declared(
    gw: &Gateway,
    headers: &HeaderMap,
    body: Body,
    trace: &mut Trace,
) -> Result<(Arc<Declaration>, Bytes), ApiError> {
    static NONE: std::sync::LazyLock<Arc<Declaration>> =
        std::sync::LazyLock::new(|| Arc::new(Declaration::new(Vec::new())));
    let declared = match headers.get(DEPS_HEADER) {
        Some(v) => gw.deps_memo.parse(v.as_bytes()).map_err(|m| {
            ApiError::invalid("X-Cachecore-Deps", format!("{m}; nothing was forwarded"))
        })?,
        None => NONE.clone(),
    };
    trace.deps = declared.len();
    Ok((declared, read_request(gw, headers, body).await?))
}

/// A request without a credential within --bypass-rate-limit, or its 429.
fn admit_bypass(gw: &Gateway, client: ClientAddr) -> Result<(), ApiError> {
    gw.bypass_limiter
        .admit(&client.0.ip().to_string(), Instant::now())
        .map_err(|wait| {
            crate::service::serve::auth::retry_after(
                ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    "requests without a cachecore credential from this address are over --bypass-rate-limit",
                ),
                wait,
            )
        })
}

/// The request as the cache answers it: its namespace and windows (the caller's, else ours).
fn cacheable(
    gw: &Gateway,
    ns: Namespace,
    grant: Option<crate::service::serve::jwt::Grant>,
    fingerprint: String,
    declared: Arc<Declaration>,
    stream: bool,
    coalesce: bool,
) -> Cacheable {
    let grant = grant.unwrap_or_default();
    let secs = |claim: Option<u64>, default: Duration| claim.map_or(default, Duration::from_secs);
    Cacheable {
        windows: Windows {
            fresh: secs(grant.fresh_ttl_secs, gw.settings.fresh),
            stale: secs(grant.stale_window_secs, gw.settings.stale),
        },
        refresh_until_secs: grant.exp,
        key: ns.l1_key(&fingerprint),
        fingerprint,
        ns,
        declared,
        stream,
        coalesce,
    }
}

/// A request the cache may answer.
#[derive(Clone)]
pub struct Cacheable {
    /// The gateway's windows, or the caller's JWT's own.
    pub windows: Windows,
    /// A JWT's `exp`: no background refresh on its behalf after it.
    pub refresh_until_secs: Option<u64>,
    pub key: String,
    pub fingerprint: String,
    pub ns: Namespace,
    pub declared: Arc<Declaration>,
    pub stream: bool,
    pub coalesce: bool,
}

async fn read_request(gw: &Gateway, headers: &HeaderMap, body: Body) -> Result<Bytes, ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!(
                "the request body is over {} MiB; nothing was forwarded",
                REQUEST_LIMIT >> 20
            ),
        )
    };
    if declared.is_some_and(|n| n > REQUEST_LIMIT as u64) {
        return Err(too_large());
    }
    let timeout = gw.app.limits.body_timeout;
    match tokio::time::timeout(timeout, axum::body::to_bytes(body, REQUEST_LIMIT)).await {
        Err(_) => {
            let mut e = ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "body_timeout",
                "the request body did not arrive within --body-timeout; nothing was forwarded",
            );
            e.close = true;
            Err(e)
        }
        Ok(Err(_)) => Err(too_large()),
        Ok(Ok(b)) => Ok(b),
    }
}

/// After the first lookup: a hit, or a miss answered upstream (coalesced when it may be).
async fn cached(
    gw: &Arc<Gateway>,
    headers: &HeaderMap,
    body: Bytes,
    req: &Cacheable,
    found: Found,
    tried: coalesce::FirstTry,
    trace: &mut Trace,
) -> Response {
    if let Some(hit) = serve_hit(gw, req, &found, headers, &body, trace) {
        return hit;
    }
    // A refused entry: the deps' current hashes, which a miss records, were not read.
    let found = if found.body.is_some() {
        match lookup::again(gw, req, true, None).await {
            Some(f) => f,
            None => return forward_uncached(gw, headers, body, trace).await,
        }
    } else {
        found
    };
    let plan = plan_write(&req.ns, &req.declared, &found.request_current);
    let (records, checks) = match plan {
        Ok(p) => p,
        Err(id) => {
            // A lock taken in the lookup is released here (dropped with `tried`).
            trace.not_written = Some("declared_hash_stale");
            trace.refused.get_or_insert(("declared_hash_stale", id));
            gw.metrics.miss();
            trace.tier = "MISS";
            return forward(gw, headers, body, trace, None).await;
        }
    };
    let deps_json = write_deps(&records);
    let lock = if req.coalesce {
        match coalesce::lead_or_follow(gw, req, headers, &body, trace, tried).await {
            coalesce::Role::Leader(lock) => Some(lock),
            coalesce::Role::Served(resp) => return resp,
            coalesce::Role::Alone => None,
        }
    } else {
        None
    };
    gw.metrics.miss();
    trace.tier = "MISS";
    // Written in a moment (unless a dep moves): the next identical request peeks.
    gw.likely.seen_cached(&req.ns, &req.fingerprint);
    let write = Pending {
        gw: gw.clone(),
        key: req.key.clone(),
        deps_json,
        checks,
        stream: req.stream,
        ttl: req.windows.fresh + req.windows.stale,
        lock,
    };
    forward(gw, headers, body, trace, Some(write)).await
}

/// The cached answer when the entry may be served; records a refusal otherwise.
pub fn serve_hit(
    gw: &Arc<Gateway>,
    req: &Cacheable,
    found: &Found,
    headers: &HeaderMap,
    body: &Bytes,
    trace: &mut Trace,
) -> Option<Response> {
    let verdict = judge(found, &req.ns, &req.declared, &req.windows, now_ms());
    if let Verdict::Refused { reason, detail } = verdict {
        gw.metrics.refused(reason);
        trace.refused = Some((reason, detail));
        return None;
    }
    let hit = answer_hit(gw, req, found, verdict, headers, body, trace);
    // Found by the script: the next one's peek only reads.
    if hit.is_some() {
        gw.likely.seen_cached(&req.ns, &req.fingerprint);
    }
    hit
}

/// The cached answer when `verdict` serves the entry (fresh, or stale while one refresh
/// runs); `None`, recording nothing, otherwise.
fn answer_hit(
    gw: &Arc<Gateway>,
    req: &Cacheable,
    found: &Found,
    verdict: Verdict,
    headers: &HeaderMap,
    body: &Bytes,
    trace: &mut Trace,
) -> Option<Response> {
    let (age, stale) = match verdict {
        Verdict::Fresh { age } => (age, false),
        Verdict::Stale { age } => (age, true),
        Verdict::Absent | Verdict::Unread | Verdict::Refused { .. } => return None,
    };
    if stale {
        coalesce::refresh_in_background(gw, req, headers, body);
    }
    trace.tier = if stale { "HIT_L1_STALE" } else { "HIT_L1" };
    trace.age_secs = age.as_secs();
    let cached = found.body.clone().unwrap_or_default();
    let content_type = if req.stream {
        "text/event-stream"
    } else {
        "application/json"
    };
    let mut resp = Response::new(Body::from(cached));
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    Some(resp)
}

/// Forwards without reading or writing the cache.
async fn forward_uncached(
    gw: &Arc<Gateway>,
    headers: &HeaderMap,
    body: Bytes,
    trace: &mut Trace,
) -> Response {
    gw.metrics.bypass();
    trace.tier = "BYPASS";
    forward(gw, headers, body, trace, None).await
}

/// Sends the request upstream; with `write`, a complete answer is cached.
pub async fn forward(
    gw: &Arc<Gateway>,
    headers: &HeaderMap,
    body: Bytes,
    trace: &mut Trace,
    write: Option<Pending>,
) -> Response {
    let started = Instant::now();
    let sent = gw
        .upstream
        .send(Method::POST, "/chat/completions", headers, Body::from(body))
        .await;
    let resp = match sent {
        Ok(r) => r,
        Err(e) => {
            trace.upstream_ms = Some(ms(started.elapsed()));
            trace.not_written = write.is_some().then_some("upstream_failed");
            return upstream_unreachable(&e);
        }
    };
    let (parts, incoming_body) = resp.into_parts();
    let mut out_headers = incoming(&parts.headers);
    let streaming = write.as_ref().is_some_and(|w| w.stream)
        || parts
            .headers
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
    if streaming {
        return stream::pass_through(
            parts.status,
            out_headers,
            incoming_body,
            write,
            started,
            trace,
        );
    }
    let read = tokio::time::timeout(gw.upstream.timeout, incoming_body.collect()).await;
    let took = started.elapsed();
    trace.upstream_ms = Some(ms(took));
    gw.metrics.upstream(took);
    let bytes = match read {
        Ok(Ok(c)) => c.to_bytes(),
        _ => {
            trace.not_written = write.is_some().then_some("upstream_body_failed");
            return upstream_unreachable(&anyhow::anyhow!(
                "the upstream's answer broke off or did not finish within --upstream-timeout"
            ));
        }
    };
    if let Some(w) = write {
        match complete_json(parts.status, &bytes) {
            Err(why) => {
                trace.not_written = Some(why);
                gw.metrics.not_written(why);
            }
            // The answer leaves without waiting for its write (a Redis round trip off every
            // miss). This replica's next lookup is sent after the write on the same
            // connection, so it finds the entry; another replica's finds the lock held
            // until the write is done and waits for it as a follower.
            Ok(()) => w.write_in_background(bytes.clone()),
        }
    }
    out_headers.remove(header::CONTENT_LENGTH);
    let mut resp = Response::new(Body::from(bytes));
    *resp.status_mut() = parts.status;
    *resp.headers_mut() = out_headers;
    resp
}

/// Whether a non-streamed answer is complete: a 2xx JSON with choices that all carry a
/// finish_reason.
fn complete_json(status: StatusCode, body: &[u8]) -> Result<(), &'static str> {
    if !status.is_success() {
        return Err("upstream_status");
    }
    if body.len() > CACHE_LIMIT {
        return Err("too_large");
    }
    let v: serde_json::Value = serde_json::from_slice(body).map_err(|_| "not_json")?;
    let choices = v
        .get("choices")
        .and_then(|c| c.as_array())
        .ok_or("no_choices")?;
    let done = !choices.is_empty()
        && choices
            .iter()
            .all(|c| c.get("finish_reason").is_some_and(|f| f.is_string()));
    if done {
        Ok(())
    } else {
        Err("no_finish_reason")
    }
}

pub fn upstream_unreachable(e: &anyhow::Error) -> Response {
    ApiError::new(
        StatusCode::BAD_GATEWAY,
        "upstream_unreachable",
        crate::error::one_line(e),
    )
    .into_response()
}

pub fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

/// The cache headers and the request's log line.
fn finish(gw: &Gateway, mut resp: Response, trace: &Trace, started: Instant) -> Response {
    let h = resp.headers_mut();
    let hit = trace.tier.starts_with("HIT");
    h.insert("x-cache", HeaderValue::from_static(trace.tier));
    h.insert(
        "x-cache-age",
        HeaderValue::from(if hit { trace.age_secs } else { 0 }),
    );
    h.insert(
        "x-cache-similarity",
        HeaderValue::from_static(if hit { "1.00" } else { "0.00" }),
    );
    if let Some((reason, detail)) = &trace.refused
        && let Ok(v) = HeaderValue::from_str(&format!("{reason} {detail}"))
    {
        h.insert("x-cache-refused", v);
    }
    let took = started.elapsed();
    if hit {
        gw.metrics.hit(trace.tier == "HIT_L1_STALE", took);
    }
    log(
        "chat",
        serde_json::json!({
            "status": resp.status().as_u16(),
            "tier": trace.tier,
            "namespace": trace.ns,
            "caller": trace.caller,
            "auth": trace.auth,
            "deps": trace.deps,
            "upstream_ms": trace.upstream_ms,
            "duration_ms": ms(took),
            "refused": trace.refused.as_ref().map(|r| r.0),
            "not_written": trace.not_written,
            "coalesced": trace.coalesced,
        }),
    );
    resp
}
