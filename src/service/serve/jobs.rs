//! Drains that outlive their request, with no state of their own: a job is the dep's
//! record of unfinished runs (see `crate::engine::invalidation`), so whatever process dies, the
//! work is still described in Redis and any later run for the dep, or the next start of
//! any replica, finishes it.
//!
//! A job id names the dep and the hash it was invalidated to (hex, so any dep id fits
//! in a URL segment). Its state is read from Redis alone: `draining` while the dep has
//! unfinished runs, `done` once it has none. Since every run for a dep finishes the
//! earlier runs first, "done" means every entry tagged when the job was accepted is
//! deleted.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::Result;
use indicatif::ProgressBar;
use serde::Serialize;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::state::{App, log};
use crate::bookkeeping::{is_pending_key_of, registry_key};
use crate::engine::invalidation::{Plan, Report, invalidate};
use crate::layout::DepId;
use crate::store::{HashCondition, Store};

pub fn job_id(dep: &DepId, new_hash: &str) -> String {
    format!(
        "{}.{}",
        hex::encode(dep.as_str()),
        hex::encode(new_hash.as_bytes())
    )
}

/// The dep and hash of a job id; `None` for anything that is not one.
pub fn parse_job_id(id: &str) -> Option<(DepId, String)> {
    let (dep, hash) = id.split_once('.')?;
    let dep = String::from_utf8(hex::decode(dep).ok()?).ok()?;
    let hash = String::from_utf8(hex::decode(hash).ok()?).ok()?;
    Some((DepId::parse(&dep).ok()?, hash))
}

/// What a job looks like now.
#[derive(Debug, Serialize)]
pub struct JobStatus {
    pub job_id: String,
    pub dep_id: String,
    pub new_hash: String,
    /// `draining` or `done`.
    pub state: &'static str,
    pub current_hash: Option<String>,
    /// Whether the dep still holds this job's hash (false: a later invalidation replaced
    /// it; the job's entries are stale either way).
    pub hash_current: bool,
    pub unfinished_runs: u64,
    /// Members of the unfinished runs' detached sets (a set is deleted whole when its
    /// drain ends, so this does not count down during a drain).
    pub detached_members: u64,
}

pub async fn status(store: &mut Store, dep: &DepId, new_hash: &str) -> Result<JobStatus> {
    let registry = registry_key(dep);
    store.expect_type(registry.as_bytes(), "set").await?;
    let runs: Vec<String> = store
        .smembers(&registry)
        .await?
        .into_iter()
        .filter(|k| is_pending_key_of(dep, k))
        .map(|k| String::from_utf8_lossy(&k).into_owned())
        .collect();
    let remaining: u64 = store.scards(&runs).await?.iter().sum();
    let current = store.get_string(&dep.hash_key()).await?;
    Ok(JobStatus {
        job_id: job_id(dep, new_hash),
        dep_id: dep.as_str().to_string(),
        new_hash: new_hash.to_string(),
        state: if runs.is_empty() { "done" } else { "draining" },
        hash_current: current.as_deref() == Some(new_hash),
        current_hash: current,
        unfinished_runs: runs.len() as u64,
        detached_members: remaining,
    })
}

/// How an invalidation request ends.
pub enum Outcome {
    /// The engine finished (or stopped at shutdown: `report.interrupted`).
    Done(Report),
    /// The new hash is recorded and the drain goes on in the background.
    Accepted,
}

/// Who asked, for the audit trail.
pub struct Caller {
    /// The audit trail's user: `token:NAME`, `jwt:TENANT` or `anonymous`.
    pub user: String,
    pub reason: Option<String>,
}

/// Runs `plan` in its own task, so that neither a client hanging up nor the budget
/// running out cancels it, and waits for it up to the drain budget.
///
/// After the budget the answer may only go out once the new hash is recorded. The engine
/// asks for its progress bar right after steps 2 and 3 (hash written, dep set detached);
/// that call is the signal. Then either the task is about to end (a refusal or an error,
/// which need no further round trip), or the hash is read back to confirm it is ours.
pub async fn invalidate_within_budget(
    app: &Arc<App>,
    store: Store,
    plan: Plan,
    caller: Caller,
) -> Result<Outcome> {
    let (recorded_tx, recorded) = oneshot::channel::<()>();
    let dep = plan.dep.clone();
    let new_hash = plan.new_hash.clone().expect("the API always gives a hash");
    let mut task = spawn_drain(app, store.clone(), plan, Some(recorded_tx), Some(caller));
    let budget = tokio::time::sleep(app.drains.budget);
    tokio::select! {
        done = &mut task => return joined(done),
        _ = budget => {}
    }
    tokio::select! {
        done = &mut task => return joined(done),
        // An error means the engine ended without the signal (the task is ending).
        signal = recorded => if signal.is_err() {
            return joined(task.await);
        },
    }
    if let Ok(done) = tokio::time::timeout(std::time::Duration::from_millis(20), &mut task).await {
        return joined(done);
    }
    let mut store = store;
    let now = store.get_string(&dep.hash_key()).await?;
    if now.as_deref() == Some(new_hash.as_str()) {
        Ok(Outcome::Accepted)
    } else {
        joined(task.await)
    }
}

fn joined(done: Result<Result<Report>, tokio::task::JoinError>) -> Result<Outcome> {
    let report = done.map_err(|e| anyhow::anyhow!("the invalidation task failed: {e}"))??;
    Ok(Outcome::Done(report))
}

/// Counts a drain in the metrics for as long as it runs, even if it panics.
struct DrainGuard(Arc<App>);

impl Drop for DrainGuard {
    fn drop(&mut self) {
        self.0.metrics.drain_ended();
    }
}

/// Starts the engine on `plan` in a task: metrics, the audit record (with a caller) and
/// a log line for a background end are written by the task itself, since nobody may be
/// waiting for it any more.
fn spawn_drain(
    app: &Arc<App>,
    mut store: Store,
    plan: Plan,
    recorded: Option<oneshot::Sender<()>>,
    caller: Option<Caller>,
) -> JoinHandle<Result<Report>> {
    let app = app.clone();
    app.metrics.drain_started();
    tokio::spawn(async move {
        let _guard = DrainGuard(app.clone());
        let signal = Mutex::new(recorded);
        let result = invalidate(
            &mut store,
            &plan,
            |_| {
                if let Some(tx) = signal.lock().expect("signal poisoned").take() {
                    let _ = tx.send(());
                }
                ProgressBar::hidden()
            },
            &app.stop,
        )
        .await;
        drop(signal);
        account(&app, &plan, &result).await;
        if let (Ok(report), Some(caller)) = (&result, caller)
            && !report.dry_run
        {
            let full = audit_record(report, &caller);
            if let Err(e) = store.audit_append(&[full]).await {
                log(
                    "audit_failed",
                    serde_json::json!({"dep": report.dep_id, "error": crate::error::one_line(&e)}),
                );
            }
        }
        result
    })
}

/// Invalidates `plans` as one wave in a task of its own (a client hanging up does not
/// cancel it) and waits for the end: one result per plan. The outer error means Redis
/// could not be reached at all.
pub async fn invalidate_wave_task(
    app: &Arc<App>,
    store: Store,
    plans: Vec<Plan>,
    caller: Caller,
) -> Result<Vec<Result<Report>>> {
    let app = app.clone();
    app.metrics.drain_started();
    let task = tokio::spawn(async move {
        let _guard = DrainGuard(app.clone());
        let mut store = store;
        let results = crate::engine::invalidation::invalidate_wave(
            &mut store,
            &plans,
            |_| ProgressBar::hidden(),
            &app.stop,
        )
        .await;
        let results = match results {
            Ok(r) => r,
            Err(e) => {
                app.redis.failed(&e).await;
                return Err(e);
            }
        };
        let mut records = Vec::new();
        for (plan, result) in plans.iter().zip(&results) {
            account(&app, plan, result).await;
            if let Ok(r) = result {
                records.push(audit_record(r, &caller));
            }
        }
        let records = crate::audit::AuditRecord::wave(records);
        if let Err(e) = store.audit_append(&records).await {
            log(
                "audit_failed",
                serde_json::json!({"error": crate::error::one_line(&e)}),
            );
        }
        Ok(results)
    });
    task.await
        .map_err(|e| anyhow::anyhow!("the invalidation task failed: {e}"))?
}

/// The audit record of an API invalidation: the CLI's fields, with the caller as the user.
fn audit_record(r: &Report, caller: &Caller) -> crate::audit::AuditRecord {
    let mut base = crate::audit::AuditRecord::now("serve invalidate", caller.reason.as_deref());
    base.user = caller.user.clone();
    r.audit_record(base)
}

/// Metrics of one ended invalidation, and a dropped connection noticed.
async fn account(app: &App, plan: &Plan, result: &Result<Report>) {
    match result {
        Ok(r) => {
            app.metrics.deleted(r.l1_deleted, r.l2_deleted);
            app.metrics.resumed(r.resumed_runs);
            app.metrics
                .invalidation(if r.interrupted { "interrupted" } else { "ok" });
        }
        Err(e) if crate::error::is_refusal_or_invalid(e) => app.metrics.invalidation("refused"),
        Err(e) => {
            app.metrics.invalidation("failed");
            app.redis.failed(e).await;
            log(
                "drain_failed",
                serde_json::json!({"dep": plan.dep.as_str(), "error": crate::error::one_line(e)}),
            );
        }
    }
}

/// The plan that finishes a dep's unfinished runs without writing a hash: the rerun of
/// the command that recorded the current hash, conditioned on a value the hash cannot
/// have. The engine then takes its documented resume path (the condition fails, the
/// hash already is the new one, and unfinished runs exist): it finishes only those runs,
/// neither writing the hash nor detaching entries written since. With no unfinished runs
/// left (another process finished them) it is refused and changes nothing.
pub fn finishing_plan(app: &App, dep: DepId, current: String) -> Plan {
    Plan {
        dep,
        condition: HashCondition::Equals(format!("{current}\u{0}not-a-hash")),
        new_hash: Some(current),
        soft: false,
        dry_run: false,
        max_keys: None,
        batch_size: app.drains.batch_size,
        pipeline_depth: app.drains.pipeline_depth,
        pacer: app.drains.pacer.clone(),
    }
}

/// The dep whose registry of unfinished runs `key` is, if it is one we wrote.
pub fn registry_dep(key: &[u8]) -> Option<DepId> {
    let text = std::str::from_utf8(key).ok()?;
    let rest = text.strip_prefix("cc:inval:{")?;
    let (_, dep) = rest.split_once("}:pending:")?;
    let dep = DepId::parse(dep).ok()?;
    (registry_key(&dep) == text).then_some(dep)
}

/// At start: finishes every unfinished run in Redis (left by a killed replica or an
/// interrupted CLI run), one dep at a time in the background. The scan is paged, so a
/// large keyspace costs many small SCAN steps, never one long one.
pub async fn resume_unfinished(app: Arc<App>) {
    let started = Instant::now();
    let (mut deps_finished, mut failures) = (0u64, 0u64);
    let mut store = match app.redis.store().await {
        Ok(s) => s,
        Err(e) => {
            log(
                "resume_skipped",
                serde_json::json!({"error": e.message, "why": "Redis is unreachable; the next start (or a run for each dep) finishes them"}),
            );
            return;
        }
    };
    let mut pages = crate::store::ScanPages::new("cc:inval:*:pending:*", Some("set"));
    loop {
        let keys = match pages.next_page(&mut store).await {
            Ok(Some(page)) => page,
            Ok(None) => break,
            Err(e) => {
                log(
                    "resume_failed",
                    serde_json::json!({"error": crate::error::one_line(&e)}),
                );
                return;
            }
        };
        for dep in keys.iter().filter_map(|k| registry_dep(k)) {
            if app.stop.is_set() {
                return;
            }
            match finish_dep(&app, &mut store, &dep).await {
                Ok(Some(report)) => {
                    deps_finished += 1;
                    log(
                        "resumed",
                        serde_json::json!({
                            "dep": dep.as_str(),
                            "runs": report.resumed_runs,
                            "l1_deleted": report.l1_deleted,
                            "l2_deleted": report.l2_deleted,
                            "interrupted": report.interrupted,
                        }),
                    );
                }
                Ok(None) => {}
                Err(e) => {
                    failures += 1;
                    log(
                        "resume_failed",
                        serde_json::json!({"dep": dep.as_str(), "error": crate::error::one_line(&e)}),
                    );
                }
            }
        }
    }
    log(
        "resume_done",
        serde_json::json!({"deps": deps_finished, "failed": failures, "elapsed_ms": started.elapsed().as_millis() as u64}),
    );
}

/// Finishes one dep's unfinished runs; `None` when there was nothing to do.
async fn finish_dep(app: &Arc<App>, store: &mut Store, dep: &DepId) -> Result<Option<Report>> {
    let Some(current) = store.get_string(&dep.hash_key()).await? else {
        // A run records the hash before it detaches anything, so this is someone's
        // deletion of the hash record: leave the runs to an explicit `invalidate`.
        anyhow::bail!(
            "the dep has unfinished runs but no hash record; finish them with `cachecore invalidate {}`",
            crate::engine::invalidation::shell_word(dep.as_str())
        );
    };
    let plan = finishing_plan(app, dep.clone(), current);
    match spawn_drain(app, store.clone(), plan, None, None).await {
        Ok(Ok(report)) => Ok(Some(report)),
        // Refused: no unfinished runs any more (another process finished them).
        Ok(Err(e)) if crate::error::is_refusal_or_invalid(&e) => Ok(None),
        Ok(Err(e)) => Err(e),
        Err(e) => Err(anyhow::anyhow!("the resume task failed: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_ids_round_trip_any_dep_and_hash() {
        for (dep, hash) in [
            ("table:products", "2024-03-15"),
            ("a/b?c#d.e", "v.1"),
            ("日本", "ハッシュ"),
        ] {
            let d = DepId::parse(dep).unwrap();
            let id = job_id(&d, hash);
            assert!(id.chars().all(|c| c.is_ascii_hexdigit() || c == '.'));
            let (d2, h2) = parse_job_id(&id).unwrap();
            assert_eq!((d2.as_str(), h2.as_str()), (dep, hash));
        }
        for bad in ["", "zz.00", "00", "6162", "20.00"] {
            assert!(parse_job_id(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn registries_are_recognised_only_in_our_exact_form() {
        let dep = DepId::parse("doc:1").unwrap();
        assert_eq!(
            registry_dep(registry_key(&dep).as_bytes())
                .unwrap()
                .as_str(),
            "doc:1"
        );
        assert!(registry_dep(b"cc:inval:{x}:pending:doc:1").is_none());
        assert!(registry_dep(b"cc:dep:keys:doc:1").is_none());
    }
}
