//! One function per endpoint. Each checks, in order: the token (401, or 503 when Redis
//! cannot answer), the rate limit (429), the body (413, 400 naming the field), the scope
//! (403); only then does it touch anything. Engine refusals answer 409, unchanged.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::api::{
    ApiError, ClientAddr, InvalidateBody, LogFields, check_reason, document, forbidden, hash_field,
    json_response, parse_json, read_body,
};
use super::auth::authenticate;
use super::jobs::{self, Caller, Outcome};
use super::state::App;
use super::tokens::{self, Kind, Principal};
use crate::engine::invalidation::{Plan, Report, generated_hash};
use crate::layout::{DepId, Namespace};
use crate::store::HashCondition;

type Shared = State<Arc<App>>;

/// Members per SSCAN page of `GET /v1/deps/{dep_id}` (the CLI's default).
const INSPECT_PAGE: usize = 1000;

/// Puts the request's log fields on the response, counts an anonymous request, and stamps
/// a stored token's last use after a success (at most once a second per token and
/// replica; never for a refused request, which must change nothing).
pub(super) fn finish(
    app: &Arc<App>,
    result: Result<Response, ApiError>,
    mut log: LogFields,
) -> Response {
    let mut resp = result.unwrap_or_else(IntoResponse::into_response);
    if let Some(set) = resp.extensions().get::<LogFields>() {
        log.error = set.error.or(log.error);
    }
    if log.auth == Some(Kind::Anonymous) {
        app.metrics.anonymous(resp.status().as_u16());
    }
    if resp.status().is_success()
        && log.auth == Some(Kind::Token)
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

/// A dep id of a request body. A policy dep in a list is refused with the forms that roll
/// one (the layout's own message names the CLI, not the API).
fn user_dep(id: &str, field: &str) -> Result<DepId, ApiError> {
    if id == super::policy::BARE_POLICY_DEP || id.starts_with(crate::layout::POLICY_DEP_PREFIX) {
        return Err(ApiError::invalid(
            field,
            format!(
                "{field}: a policy version is rolled one namespace at a time: POST /v1/invalidate {{\"dep_id\": \"cc:policy-version:NS\", \"new_hash\": \"...\"}} or POST /v1/namespaces/NS/policy/roll"
            ),
        ));
    }
    DepId::parse_user(id).map_err(|e| ApiError::invalid(field, format!("{field}: {e}")))
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

/// The 200 answer: the `invalidate --json` fields, with the product's `ok` and
/// `keys_deleted` (L1 + L2).
#[derive(Serialize)]
struct Invalidated<'a> {
    ok: bool,
    #[serde(flatten)]
    report: &'a Report,
    keys_deleted: u64,
}

impl<'a> Invalidated<'a> {
    fn of(report: &'a Report) -> Invalidated<'a> {
        Invalidated {
            ok: true,
            report,
            keys_deleted: report.l1_deleted + report.l2_deleted,
        }
    }
}

/// The 202 answer. `ok`: the new hash is recorded, so no entry tagged with an older one
/// is served any more (the layout's freshness rule); `state` says the deletion goes on.
#[derive(Serialize)]
struct Accepted<'a> {
    ok: bool,
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
    if super::policy::is_policy_dep(&body.dep_id) {
        return super::policy::roll_from_invalidate(app, &principal, store, body, log).await;
    }
    let dep = user_dep(&body.dep_id, "dep_id")?;
    log.dep = Some(dep.as_str().to_string());
    let new_hash = match body.new_hash {
        Some(h) => {
            hash_field("new_hash", &h)?;
            h
        }
        None => generated_hash(),
    };
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
        new_hash.clone(),
        condition,
        body.soft.unwrap_or(false),
    );
    let caller = Caller {
        user: principal.audit_user(),
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
        Outcome::Done(report) if !report.interrupted => Ok(document(
            StatusCode::OK,
            "invalidate",
            &Invalidated::of(&report),
        )),
        Outcome::Done(_) => Ok(accepted(&dep, &new_hash, "unfinished")),
        Outcome::Accepted => Ok(accepted(&dep, &new_hash, "draining")),
    }
}

fn accepted(dep: &DepId, new_hash: &str, state: &'static str) -> Response {
    let job_id = jobs::job_id(dep, new_hash);
    let job_url = format!("/v1/jobs/{job_id}");
    let mut resp = document(
        StatusCode::ACCEPTED,
        "invalidate",
        &Accepted {
            ok: true,
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
    /// When omitted, each dep gets a generated hash of its own (as the product's client
    /// does), returned in its result.
    new_hash: Option<String>,
    reason: Option<String>,
}

/// At most this many deps per request: they run as one wave (one pipeline per step).
const MAX_MANY: usize = 1000;

/// One dep's result. Each key once: a result with a report takes `dep_id` from it (a
/// document with a key twice is refused by strict parsers).
#[derive(Serialize)]
struct DepResult<'a> {
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    dep_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    report: Option<&'a Report>,
    #[serde(skip_serializing_if = "Option::is_none")]
    keys_deleted: Option<u64>,
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
    if let Some(h) = &body.new_hash {
        hash_field("new_hash", h)?;
    }
    check_reason(&body.reason)?;
    let deps = many_deps(&body.dep_ids, &principal)?;
    if deps.len() == 1 {
        log.dep = Some(deps[0].as_str().to_string());
    }
    let plans: Vec<Plan> = deps
        .into_iter()
        .map(|d| {
            let hash = body.new_hash.clone().unwrap_or_else(generated_hash);
            plan(app, d, hash, HashCondition::Any, false)
        })
        .collect();
    let caller = Caller {
        user: principal.audit_user(),
        reason: body.reason,
    };
    let results = jobs::invalidate_wave_task(app, store, plans.clone(), caller)
        .await
        .map_err(|e| ApiError::from_failure(&e, "dep_ids"))?;
    Ok(many_answer(&plans, &results))
}

/// Every listed dep, valid, once, and in the caller's scopes; the first that is not is
/// the answer (named by its place in the list), and nothing is done.
fn many_deps(ids: &[String], principal: &Principal) -> Result<Vec<DepId>, ApiError> {
    let mut deps: Vec<DepId> = Vec::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        let field = format!("dep_ids[{i}]");
        let dep = user_dep(id, &field)?;
        if let Some(first) = deps.iter().position(|d| d == &dep) {
            return Err(ApiError::invalid(
                &field,
                format!("{field} repeats dep_ids[{first}]"),
            ));
        }
        if !principal.may_touch_dep(&dep) {
            return Err(forbidden(
                principal,
                &field,
                format!("invalidate {}", dep.as_str()),
            ));
        }
        deps.push(dep);
    }
    Ok(deps)
}

/// One result per dep, and the status of the whole.
fn many_answer(plans: &[Plan], results: &[anyhow::Result<Report>]) -> Response {
    let mut doc = ManyDoc {
        deps: plans.len(),
        succeeded: 0,
        failed: 0,
        results: Vec::with_capacity(plans.len()),
    };
    for (plan, result) in plans.iter().zip(results) {
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
            ok,
            dep_id: report.is_none().then_some(plan.dep.as_str()),
            status,
            error,
            report,
            keys_deleted: report.map(|r| r.l1_deleted + r.l2_deleted),
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
    document(status, "invalidate_many", &doc)
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
    let user = principal.audit_user();
    let roll = super::policy::roll(&mut store, &ns, body.to.as_deref(), &user, None).await;
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
    let bar = indicatif::ProgressBar::hidden();
    let read = crate::engine::inspect::inspect_dep(
        &mut store,
        &dep,
        None,
        INSPECT_PAGE,
        &bar,
        &app.stop,
        |_| Ok(true),
    )
    .await;
    match read {
        Ok(stats) => {
            let doc = crate::engine::inspect::Inspection {
                deps: std::slice::from_ref(&stats),
                ok: None,
                interrupted: app.stop.is_set(),
            };
            Ok(json_response(
                StatusCode::OK,
                &crate::output::document("deps inspect", &doc),
            ))
        }
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
