//! One function per endpoint. Each checks, in order: the token (401, or 503 when Redis
//! cannot answer), the rate limit (429), the body (413, 400 naming the field), the scope
//! (403); only then does it touch anything. Engine refusals answer 409, unchanged.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::api::{ApiError, ClientAddr, LogFields, document, json_response, parse_json, read_body};
use super::jobs::{self, Caller, Outcome};
use super::state::App;
use super::tokens::{self, Principal};
use crate::engine::invalidation::{Plan, Report};
use crate::layout::{DepId, Namespace, validate_hash};
use crate::store::{HashCondition, Store};

type Shared = State<Arc<App>>;

/// The reason recorded in the audit trail: bounded and printable.
const MAX_REASON: usize = 1024;

/// Puts the request's log fields on the response, and stamps the token's last use after
/// a success (at most once a second per token and replica; never for a refused request,
/// which must change nothing).
fn finish(app: &Arc<App>, result: Result<Response, ApiError>, mut log: LogFields) -> Response {
    let mut resp = result.unwrap_or_else(IntoResponse::into_response);
    if let Some(set) = resp.extensions().get::<LogFields>() {
        log.error = set.error.or(log.error);
    }
    if resp.status().is_success()
        && let Some(name) = log.token.clone()
        && app.touch_due(&name)
    {
        let app = app.clone();
        tokio::spawn(async move {
            if let Ok(mut store) = app.redis.store().await
                && let Err(e) = tokens::touch(&mut store, &name).await
            {
                app.redis.failed(&e).await;
            }
        });
    }
    resp.extensions_mut().insert(log);
    resp
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

/// The caller, from `Authorization: Bearer`, then the rate limit. An address that keeps
/// failing is answered 429 before any Redis round trip: a 401 would otherwise cost one
/// lookup each, and cost nothing to send.
async fn authenticate(
    app: &App,
    client: ClientAddr,
    headers: &HeaderMap,
    log: &mut LogFields,
) -> Result<(Principal, Store), ApiError> {
    let address = client.0.ip().to_string();
    if let Err(wait) = app.auth_failures.check(&address, Instant::now()) {
        app.metrics.auth_failures_limited();
        return Err(retry_after(
            ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_auth_failures",
                format!(
                    "too many failed authentications from this address (over --auth-failure-limit); retry after {} ms with a valid token; nothing was changed",
                    wait.as_millis()
                ),
            ),
            wait,
        ));
    }
    let found = lookup(app, headers).await;
    if let Err(e) = &found
        && e.status == StatusCode::UNAUTHORIZED
    {
        let _ = app.auth_failures.admit(&address, Instant::now());
    }
    let (principal, store) = found?;
    log.token = Some(principal.name.clone());
    if let Err(wait) = app.limiter.admit(&principal.name, Instant::now()) {
        let err = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "token {} is over its rate limit on this server; retry after {} ms; nothing was changed",
                principal.name,
                wait.as_millis()
            ),
        );
        return Err(retry_after(err, wait));
    }
    Ok((principal, store))
}

fn retry_after(mut err: ApiError, wait: Duration) -> ApiError {
    err.retry_after_secs = Some(wait.as_secs_f64().ceil().max(1.0) as u64);
    err
}

/// The token of `Authorization: Bearer`, looked up in Redis.
async fn lookup(app: &App, headers: &HeaderMap) -> Result<(Principal, Store), ApiError> {
    let Some(token) = bearer(headers) else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "missing_token",
            "send Authorization: Bearer <token> (make one with `cachecore token create`)",
        ));
    };
    let mut store = app.redis.store().await?;
    let started = Instant::now();
    let found = tokens::verify(&mut store, token).await;
    app.metrics
        .redis_round_trip("token_lookup", started.elapsed());
    match found {
        Ok(Some(p)) => Ok((p, store)),
        Ok(None) => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unknown_token",
            "the token is unknown or was revoked",
        )),
        Err(e) => {
            app.redis.failed(&e).await;
            Err(ApiError::from_failure(&e, "authorization"))
        }
    }
}

fn forbidden(p: &Principal, field: &str, what: String) -> ApiError {
    let scopes: Vec<String> = p.scopes.iter().map(tokens::Scope::text).collect();
    ApiError::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        format!(
            "token {} may not {what} (its scopes: {}); nothing was changed",
            p.name,
            scopes.join(", ")
        ),
    )
    .field(field)
}

fn check_reason(reason: &Option<String>) -> Result<(), ApiError> {
    match reason {
        Some(r) if r.len() > MAX_REASON || r.chars().any(char::is_control) => {
            Err(ApiError::invalid(
                "reason",
                format!("reason must be at most {MAX_REASON} bytes without control characters"),
            ))
        }
        _ => Ok(()),
    }
}

fn hash_field(field: &str, hash: &str) -> Result<(), ApiError> {
    validate_hash(hash).map_err(|e| ApiError::invalid(field, format!("{field}: {e}")))
}

fn plan(app: &App, dep: DepId, new_hash: String, condition: HashCondition, soft: bool) -> Plan {
    Plan {
        dep,
        new_hash: Some(new_hash),
        condition,
        soft,
        dry_run: false,
        max_keys: None,
        batch_size: app.drains.batch_size,
        pipeline_depth: app.drains.pipeline_depth,
        pacer: app.drains.pacer.clone(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InvalidateBody {
    dep_id: String,
    new_hash: String,
    if_hash: Option<String>,
    soft: Option<bool>,
    reason: Option<String>,
}

#[derive(Serialize)]
struct Accepted<'a> {
    dep_id: &'a str,
    new_hash: &'a str,
    /// `draining` (going on in the background) or `unfinished` (stopped by a shutdown;
    /// the next start of any replica finishes it).
    state: &'static str,
    job_id: String,
    job_url: String,
}

pub async fn invalidate(
    State(app): Shared,
    client: ClientAddr,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let mut log = LogFields::default();
    let result = invalidate_inner(&app, client, &headers, body, &mut log).await;
    finish(&app, result, log)
}

async fn invalidate_inner(
    app: &Arc<App>,
    client: ClientAddr,
    headers: &HeaderMap,
    body: Body,
    log: &mut LogFields,
) -> Result<Response, ApiError> {
    let (principal, store) = authenticate(app, client, headers, log).await?;
    let body: InvalidateBody =
        parse_json(&read_body(headers, body, app.limits.body_timeout).await?)?;
    let dep = DepId::parse_user(&body.dep_id)
        .map_err(|e| ApiError::invalid("dep_id", format!("dep_id: {e}")))?;
    log.dep = Some(dep.as_str().to_string());
    hash_field("new_hash", &body.new_hash)?;
    if let Some(h) = &body.if_hash {
        hash_field("if_hash", h)?;
    }
    check_reason(&body.reason)?;
    if !principal.may_touch_dep(&dep) {
        let what = format!("invalidate {}", dep.as_str());
        return Err(forbidden(&principal, "dep_id", what));
    }
    let conditional = body.if_hash.is_some();
    let condition = body
        .if_hash
        .map_or(HashCondition::Any, HashCondition::Equals);
    let plan = plan(
        app,
        dep.clone(),
        body.new_hash.clone(),
        condition,
        body.soft.unwrap_or(false),
    );
    let caller = Caller {
        token: principal.name.clone(),
        reason: body.reason,
    };
    let outcome = match jobs::invalidate_within_budget(app, store, plan, caller).await {
        Ok(outcome) => outcome,
        Err(e) => {
            app.redis.failed(&e).await;
            let err = ApiError::from_failure(&e, "dep_id");
            // A refusal is always the compare-and-set: name the field that set it.
            return Err(if err.status == StatusCode::CONFLICT && conditional {
                err.field("if_hash")
            } else {
                err
            });
        }
    };
    match outcome {
        Outcome::Done(report) if !report.interrupted => {
            Ok(document(StatusCode::OK, "invalidate", &report))
        }
        Outcome::Done(_) => Ok(accepted(&dep, &body.new_hash, "unfinished")),
        Outcome::Accepted => Ok(accepted(&dep, &body.new_hash, "draining")),
    }
}

fn accepted(dep: &DepId, new_hash: &str, state: &'static str) -> Response {
    let job_id = jobs::job_id(dep, new_hash);
    let job_url = format!("/v1/jobs/{job_id}");
    let mut resp = document(
        StatusCode::ACCEPTED,
        "invalidate",
        &Accepted {
            dep_id: dep.as_str(),
            new_hash,
            state,
            job_id: job_id.clone(),
            job_url: job_url.clone(),
        },
    );
    if let Ok(v) = HeaderValue::from_str(&job_url) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ManyBody {
    dep_ids: Vec<String>,
    new_hash: String,
    reason: Option<String>,
}

/// At most this many deps per request: they run as one wave (one pipeline per step).
const MAX_MANY: usize = 1000;

#[derive(Serialize)]
struct DepResult<'a> {
    dep_id: &'a str,
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    report: Option<&'a Report>,
}

#[derive(Serialize)]
struct ManyDoc<'a> {
    deps: usize,
    succeeded: usize,
    failed: usize,
    results: Vec<DepResult<'a>>,
}

pub async fn invalidate_many(
    State(app): Shared,
    client: ClientAddr,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let mut log = LogFields::default();
    let result = invalidate_many_inner(&app, client, &headers, body, &mut log).await;
    finish(&app, result, log)
}

async fn invalidate_many_inner(
    app: &Arc<App>,
    client: ClientAddr,
    headers: &HeaderMap,
    body: Body,
    log: &mut LogFields,
) -> Result<Response, ApiError> {
    let (principal, store) = authenticate(app, client, headers, log).await?;
    let body: ManyBody = parse_json(&read_body(headers, body, app.limits.body_timeout).await?)?;
    if body.dep_ids.is_empty() || body.dep_ids.len() > MAX_MANY {
        return Err(ApiError::invalid(
            "dep_ids",
            format!("dep_ids must list 1 to {MAX_MANY} deps"),
        ));
    }
    hash_field("new_hash", &body.new_hash)?;
    check_reason(&body.reason)?;
    let mut deps: Vec<DepId> = Vec::with_capacity(body.dep_ids.len());
    for (i, id) in body.dep_ids.iter().enumerate() {
        let field = format!("dep_ids[{i}]");
        let dep = DepId::parse_user(id)
            .map_err(|e| ApiError::invalid(&field, format!("{field}: {e}")))?;
        if let Some(first) = deps.iter().position(|d| d == &dep) {
            return Err(ApiError::invalid(
                &field,
                format!("{field} repeats dep_ids[{first}]"),
            ));
        }
        if !principal.may_touch_dep(&dep) {
            return Err(forbidden(
                &principal,
                &field,
                format!("invalidate {}", dep.as_str()),
            ));
        }
        deps.push(dep);
    }
    if deps.len() == 1 {
        log.dep = Some(deps[0].as_str().to_string());
    }
    let plans: Vec<Plan> = deps
        .into_iter()
        .map(|d| plan(app, d, body.new_hash.clone(), HashCondition::Any, false))
        .collect();
    let caller = Caller {
        token: principal.name.clone(),
        reason: body.reason,
    };
    let results = jobs::invalidate_wave_task(app, store, plans.clone(), caller)
        .await
        .map_err(|e| ApiError::from_failure(&e, "dep_ids"))?;
    let mut doc = ManyDoc {
        deps: plans.len(),
        succeeded: 0,
        failed: 0,
        results: Vec::with_capacity(plans.len()),
    };
    for (plan, result) in plans.iter().zip(&results) {
        let (ok, status, error, report) = match result {
            Ok(r) if !r.interrupted => (true, None, None, Some(r)),
            Ok(r) => (
                false,
                Some(503),
                Some("stopped by a shutdown; the next start of any replica finishes it".into()),
                Some(r),
            ),
            Err(e) => {
                let api = ApiError::from_failure(e, "dep_id");
                (false, Some(api.status.as_u16()), Some(api.message), None)
            }
        };
        if ok {
            doc.succeeded += 1;
        } else {
            doc.failed += 1;
        }
        doc.results.push(DepResult {
            dep_id: plan.dep.as_str(),
            ok,
            status,
            error,
            report,
        });
    }
    // 200 only when every dep is done: a caller that reads the status alone is never told
    // "done" for a failed dep. Otherwise the highest status of the failed ones, with the
    // same document.
    let status = doc
        .results
        .iter()
        .filter_map(|r| r.status)
        .max()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    Ok(document(status, "invalidate_many", &doc))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RollBody {
    to: Option<String>,
}

pub async fn policy_roll(
    State(app): Shared,
    client: ClientAddr,
    Path(ns): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let mut log = LogFields::default();
    let result = policy_roll_inner(&app, client, ns, &headers, body, &mut log).await;
    finish(&app, result, log)
}

async fn policy_roll_inner(
    app: &Arc<App>,
    client: ClientAddr,
    ns: String,
    headers: &HeaderMap,
    body: Body,
    log: &mut LogFields,
) -> Result<Response, ApiError> {
    let (principal, mut store) = authenticate(app, client, headers, log).await?;
    let bytes = read_body(headers, body, app.limits.body_timeout).await?;
    // An empty body is `{}`: `curl -X POST .../policy/roll` rolls to the next number.
    let body: RollBody = if bytes.iter().all(u8::is_ascii_whitespace) {
        RollBody::default()
    } else {
        parse_json(&bytes)?
    };
    let ns = Namespace::parse(&ns)
        .map_err(|e| ApiError::invalid("namespace", format!("namespace: {e}")))?;
    log.dep = Some(DepId::policy(&ns).as_str().to_string());
    if let Some(to) = &body.to {
        hash_field("to", to)?;
    }
    if !principal.may_roll(ns.as_str()) {
        return Err(forbidden(
            &principal,
            "namespace",
            format!("roll the policy of namespace {ns}"),
        ));
    }
    let started = Instant::now();
    let roll = super::policy::roll(&mut store, &ns, body.to.as_deref(), &principal.name).await;
    let doc = match roll {
        Ok(doc) => doc,
        Err(e) => {
            app.redis.failed(&e).await;
            let api = ApiError::from_failure(&e, "to");
            return Err(if api.status == StatusCode::CONFLICT {
                api.field("to")
            } else {
                api
            });
        }
    };
    let mut doc = doc;
    doc.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(document(StatusCode::OK, "policy roll", &doc))
}

pub async fn dep(
    State(app): Shared,
    client: ClientAddr,
    Path(dep_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let mut log = LogFields::default();
    let result = dep_inner(&app, client, dep_id, &headers, &mut log).await;
    finish(&app, result, log)
}

async fn dep_inner(
    app: &Arc<App>,
    client: ClientAddr,
    dep_id: String,
    headers: &HeaderMap,
    log: &mut LogFields,
) -> Result<Response, ApiError> {
    let (principal, mut store) = authenticate(app, client, headers, log).await?;
    let dep =
        DepId::parse(&dep_id).map_err(|e| ApiError::invalid("dep_id", format!("dep_id: {e}")))?;
    log.dep = Some(dep.as_str().to_string());
    if !principal.may_touch_dep(&dep) {
        return Err(forbidden(
            &principal,
            "dep_id",
            format!("read {}", dep.as_str()),
        ));
    }
    let ctx = crate::commands::Context {
        connect: app.redis.options().clone(),
        out: crate::output::Output {
            json: true,
            quiet: true,
        },
        interrupt: app.stop.clone(),
        reason: None,
    };
    match crate::commands::inspect_document(&mut store, &ctx, &dep).await {
        Ok(doc) => Ok(json_response(StatusCode::OK, &doc)),
        Err(e) => {
            app.redis.failed(&e).await;
            Err(ApiError::from_failure(&e, "dep_id"))
        }
    }
}

pub async fn job(
    State(app): Shared,
    client: ClientAddr,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let mut log = LogFields::default();
    let result = job_inner(&app, client, id, &headers, &mut log).await;
    finish(&app, result, log)
}

async fn job_inner(
    app: &Arc<App>,
    client: ClientAddr,
    id: String,
    headers: &HeaderMap,
    log: &mut LogFields,
) -> Result<Response, ApiError> {
    let (principal, mut store) = authenticate(app, client, headers, log).await?;
    let Some((dep, new_hash)) = jobs::parse_job_id(&id) else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no_such_job",
            "not a job id (job ids come from a 202 answer of POST /v1/invalidate)",
        ));
    };
    log.dep = Some(dep.as_str().to_string());
    if !principal.may_touch_dep(&dep) {
        return Err(forbidden(
            &principal,
            "id",
            format!("read jobs of {}", dep.as_str()),
        ));
    }
    let started = Instant::now();
    let status = jobs::status(&mut store, &dep, &new_hash).await;
    app.metrics
        .redis_round_trip("job_status", started.elapsed());
    match status {
        Ok(s) => Ok(document(StatusCode::OK, "job", &s)),
        Err(e) => {
            app.redis.failed(&e).await;
            Err(ApiError::from_failure(&e, "id"))
        }
    }
}

pub async fn healthz() -> Response {
    json_response(
        StatusCode::OK,
        &serde_json::json!({"version": crate::output::JSON_VERSION, "status": "alive"}),
    )
}

pub async fn readyz(State(app): Shared) -> Response {
    let mut log = LogFields::default();
    let result = async {
        let mut store = app.redis.store().await?;
        let started = Instant::now();
        let pinged = store.ping().await;
        app.metrics.redis_round_trip("ping", started.elapsed());
        match pinged {
            Ok(()) => Ok(json_response(
                StatusCode::OK,
                &serde_json::json!({"version": crate::output::JSON_VERSION, "status": "ready"}),
            )),
            Err(e) => {
                // A server that does not answer PING is not worth keeping a socket to.
                app.redis.reset().await;
                Err(ApiError::unavailable(crate::error::one_line(&e)))
            }
        }
    }
    .await;
    log.token = None;
    finish(&app, result, log)
}

pub async fn metrics(State(app): Shared) -> Response {
    let mut text = app.metrics.render();
    app.connections.render(&mut text, "cachecore_http");
    let mut resp = Response::new(Body::from(text));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    resp
}

pub async fn not_found() -> Response {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such endpoint (see `cachecore serve --help`)",
    )
    .into_response()
}
