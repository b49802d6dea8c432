//! `POST /v1/namespaces/{ns}/policy/roll`: the version rules and the compare-and-set of
//! `cachecore policy roll` (without `--purge`: a purge is a long scan of the namespace,
//! which belongs to the CLI or a cron job, not to a request).

use anyhow::Result;
use serde::Serialize;

use crate::bookkeeping::{hash_time_key, policy_history_key};
use crate::commands::{next_version, shown_version, used_before};
use crate::error::refused;
use crate::layout::{DEFAULT_POLICY_VERSION, DepId, Namespace};
use crate::store::{PolicyKeys, PolicyRoll, Store};

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
    token: &str,
) -> Result<Rolled> {
    let dep = DepId::policy(ns);
    let keys = PolicyKeys {
        record: dep.hash_key(),
        record_time: hash_time_key(&dep),
        history: policy_history_key(ns),
    };
    let state = store.policy_state(&keys).await?;
    let old = state
        .current
        .clone()
        .unwrap_or_else(|| DEFAULT_POLICY_VERSION.into());
    let new = next_version(ns, &old, to, &state.history)?;
    match store
        .roll_policy(&keys, state.current.as_deref(), &new)
        .await?
    {
        PolicyRoll::Rolled => {}
        PolicyRoll::Changed(now) => {
            let now = shown_version(now.as_deref());
            return Err(refused(format!(
                "the policy version of namespace {ns} changed from {} to {now} during this roll; nothing was changed; retry to roll from {now}",
                shown_version(state.current.as_deref()),
            )));
        }
        PolicyRoll::Used(history) => return Err(used_before(ns, &new, &history)),
    }
    let mut record = crate::audit::AuditRecord::now("serve policy roll", None);
    record.user = format!("token:{token}");
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
