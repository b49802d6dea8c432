//! `POST /v1/namespaces/{ns}/policy/roll`, and the product's form of it, `POST
//! /v1/invalidate` with the policy dep (issue 24): the version rules and the
//! compare-and-set of `cachecore policy roll` (without `--purge`: a purge is a long scan of
//! the namespace, which belongs to the CLI or a cron job, not to a request).

use std::sync::Arc;
use std::time::Instant;

use anyhow::Result;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use super::api::{ApiError, LogFields, document};
use super::api::{InvalidateBody, check_reason, forbidden, hash_field};
use super::state::App;
use super::tokens::Principal;
use crate::engine::policy;
use crate::layout::{DepId, Namespace, POLICY_DEP_PREFIX};
use crate::store::Store;

/// The product's global form: the policy dep without a namespace.
pub const BARE_POLICY_DEP: &str = "cc:policy-version";

/// Whether a `dep_id` of `/v1/invalidate` names a policy version.
pub fn is_policy_dep(id: &str) -> bool {
    id == BARE_POLICY_DEP || id.starts_with(POLICY_DEP_PREFIX)
}

/// The answer of a roll sent to `/v1/invalidate`: the product's `ok`, the dep, and
/// `keys_deleted` 0 (a roll deletes nothing: entries of the old version are no longer
/// read, and `cachecore policy purge` deletes them), with the fields of `policy roll`.
#[derive(Serialize)]
struct RolledDep<'a> {
    ok: bool,
    dep_id: &'a str,
    keys_deleted: u64,
    #[serde(flatten)]
    rolled: &'a Rolled,
}

/// `{"dep_id": "cc:policy-version:NS", "new_hash": V}` rolls namespace NS to V (the next
/// number without `new_hash`), with the rules and the `policy:NS` scope of the roll route.
/// The bare `cc:policy-version` names the caller's one namespace.
pub(super) async fn roll_from_invalidate(
    app: &Arc<App>,
    principal: &Principal,
    mut store: Store,
    body: InvalidateBody,
    log: &mut LogFields,
) -> Result<Response, ApiError> {
    if body.if_hash.is_some() {
        return Err(ApiError::invalid(
            "if_hash",
            "if_hash does not apply to a policy version: a roll is its own compare-and-set (never back to an earlier version)",
        ));
    }
    if body.soft.is_some() {
        return Err(ApiError::invalid(
            "soft",
            "soft does not apply to a policy version: a roll deletes nothing (`cachecore policy purge` does)",
        ));
    }
    check_reason(&body.reason)?;
    let ns = match body.dep_id.strip_prefix(POLICY_DEP_PREFIX) {
        Some(ns) => ns.to_string(),
        None => match principal.only_namespace() {
            Ok(ns) => ns.to_string(),
            Err(false) => {
                return Err(forbidden(
                    principal,
                    "dep_id",
                    "roll the policy of any namespace".into(),
                ));
            }
            Err(true) => {
                return Err(ApiError::invalid(
                    "dep_id",
                    format!(
                        "{BARE_POLICY_DEP} alone rolls the one namespace the caller's scopes name (a single policy:NS scope), and these name several or a glob: send \"{POLICY_DEP_PREFIX}NS\" with the namespace"
                    ),
                ));
            }
        },
    };
    let ns =
        Namespace::parse(&ns).map_err(|e| ApiError::invalid("dep_id", format!("dep_id: {e}")))?;
    let dep = DepId::policy(&ns);
    log.dep = Some(dep.as_str().to_string());
    if let Some(h) = &body.new_hash {
        hash_field("new_hash", h)?;
    }
    if !principal.may_roll(ns.as_str()) {
        let what = format!("roll the policy of namespace {ns}");
        return Err(forbidden(principal, "dep_id", what));
    }
    let started = Instant::now();
    let user = principal.audit_user();
    let to = body.new_hash.as_deref();
    let mut rolled = match roll(&mut store, &ns, to, &user, body.reason.as_deref()).await {
        Ok(rolled) => rolled,
        Err(e) => {
            app.redis.failed(&e).await;
            let api = ApiError::from_failure(&e, "new_hash");
            return Err(if api.status == StatusCode::CONFLICT {
                api.field("new_hash")
            } else {
                api
            });
        }
    };
    rolled.elapsed_ms = started.elapsed().as_millis() as u64;
    let doc = RolledDep {
        ok: true,
        dep_id: dep.as_str(),
        keys_deleted: 0,
        rolled: &rolled,
    };
    Ok(document(StatusCode::OK, "policy roll", &doc))
}

/// The fields of `policy roll --json`.
#[derive(Debug, Serialize)]
pub struct Rolled {
    pub namespace: String,
    pub old_version: String,
    pub new_version: String,
    pub dry_run: bool,
    pub interrupted: bool,
    pub elapsed_ms: u64,
}

pub async fn roll(
    store: &mut Store,
    ns: &Namespace,
    to: Option<&str>,
    user: &str,
    reason: Option<&str>,
) -> Result<Rolled> {
    let dep = DepId::policy(ns);
    let plan = policy::plan_roll(store, ns, to).await?;
    policy::apply_roll(store, &plan).await?;
    let (old, new) = (plan.old, plan.new);
    let mut record = crate::audit::AuditRecord::now("serve policy roll", reason);
    record.user = user.to_string();
    record.deps = dep.as_str().to_string();
    record.old_hash = old.clone();
    record.new_hash = new.clone();
    // The roll is done: a failed audit append is logged, never reported as a failure.
    if let Err(e) = store.audit_append(&[record]).await {
        super::state::log(
            "audit_failed",
            serde_json::json!({"dep": dep.as_str(), "error": crate::error::one_line(&e)}),
        );
    }
    Ok(Rolled {
        namespace: ns.to_string(),
        old_version: old,
        new_version: new,
        dry_run: false,
        interrupted: false,
        elapsed_ms: 0,
    })
}
