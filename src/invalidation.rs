//! The invalidation engine: record the new hash, then delete every tagged entry by
//! streaming the dep set in bounded batches.
//!
//! Order and mechanism, and why:
//! 1. Read-only checks first (key types, `--if-hash`, `--max-keys`): a refusal changes
//!    nothing.
//! 2. Compare-and-set the dep's hash. From this instant every entry built from the old
//!    version is stale by the freshness rule, deleted or not.
//! 3. Atomically RENAME the dep set to a run-unique pending key (O(1)) and record that key
//!    in a small per-dep registry. Writers that tag entries afterwards create a fresh dep
//!    set, so every entry that exists after the run is still tracked, without an SREM per
//!    member (which would cost the server a third more CPU).
//! 4. Delete. A small pending set (up to 256 members) is read whole and its entries,
//!    the set and its registry entry go in one more round trip. A larger one is streamed:
//!    SSCAN runs ahead while up to `--pipeline` UNLINK batches are in flight, so Redis
//!    always has the next batch queued; every command touches at most one batch. Nothing
//!    else writes a pending set, so the scan returns every member.
//! 5. Drop the pending set and its registry entry (with the last batch). An interrupted
//!    run leaves both behind; the next run for the dep finds them in the registry and
//!    finishes them first.
//!
//! Several deps run as a *wave*: each step above is one pipeline for all of them, so a
//! wave of a hundred deps costs the round trips of one. A single `invalidate` is a wave
//! of one.
//!
//! Fast path: on a single node, a dep whose set has at most 256 members, no unfinished
//! runs and keys of the right types is done by one script that runs steps 1 to 5 at
//! once (see `Store::sweep_small_many`). Its work is bounded by the set size, so Redis is
//! held for microseconds, and no detach is needed because no writer can interleave. Every
//! other dep, and every dep the script declines, takes the steps above.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::Result;
use indicatif::ProgressBar;
use serde::Serialize;
use tokio::task::JoinSet;

use crate::bookkeeping::{hash_time_key, pending_key, registry_key};
use crate::error::{is_connection_error, refused};
use crate::interrupt::Interrupt;
use crate::layout::{DepId, Tier, parse_entry_key};
use crate::output::printable_str;
use crate::pace::Pacer;
use crate::store::{
    DepKeys, FinalBatch, HashCondition, HashWrite, Preflight, Store, Sweep, SweepRequest,
};

/// Keys shown as a sample by a dry run.
const SAMPLE_SIZE: usize = 10;

#[derive(Debug, Clone)]
pub struct Plan {
    pub dep: DepId,
    pub new_hash: Option<String>,
    pub condition: HashCondition,
    pub soft: bool,
    pub dry_run: bool,
    pub max_keys: Option<u64>,
    pub batch_size: usize,
    /// UNLINK batches in flight at once.
    pub pipeline_depth: usize,
    /// `--rate`: shared by every dep of one command.
    pub pacer: Pacer,
}

/// In-flight UNLINK batches per dep, chosen by measurement (see the README's performance
/// section): enough to keep Redis busy across a round trip, small enough to keep memory flat.
pub const DEFAULT_PIPELINE_DEPTH: usize = 4;

/// What one invalidation did (or, with `dry_run`, would do).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub dep_id: String,
    pub old_hash: Option<String>,
    pub new_hash: String,
    pub dry_run: bool,
    pub soft: bool,
    /// Members of the dep set (and of unfinished earlier runs) when the run started.
    pub members: u64,
    pub l1_deleted: u64,
    pub l2_deleted: u64,
    /// Members whose entry had already expired or been deleted.
    pub already_gone: u64,
    /// Members that are not entry keys; never deleted.
    pub skipped_not_entries: u64,
    /// Unfinished earlier runs for this dep that this run completed.
    pub resumed_runs: u64,
    /// Members of the dep's registry of unfinished runs that this tool did not write
    /// (planted): never followed, never deleted.
    #[serde(skip_serializing_if = "is_zero")]
    pub foreign_runs: u64,
    pub interrupted: bool,
    pub elapsed_ms: u64,
    /// Dry run only: a few of the keys that would be deleted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sample: Vec<String>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Every key one run for `dep` touches (see [`crate::bookkeeping`]).
fn dep_keys(dep: &DepId) -> DepKeys {
    DepKeys {
        dep: dep.clone(),
        set: dep.keys_key(),
        hash: dep.hash_key(),
        hash_time: hash_time_key(dep),
        registry: registry_key(dep),
        pending: pending_key(dep, &uuid::Uuid::new_v4().simple().to_string()),
    }
}

/// A hash no one has used before, for `invalidate` without `--new-hash`.
pub fn generated_hash() -> String {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    format!("auto-{ms}-{}", uuid::Uuid::new_v4().simple())
}

fn condition_holds(condition: &HashCondition, current: Option<&str>) -> bool {
    match condition {
        HashCondition::Any => true,
        HashCondition::Equals(want) => current == Some(want.as_str()),
        HashCondition::Absent => current.is_none(),
    }
}

/// Why a conditional run was refused, and what to do: what the hash is, what the
/// condition wanted, and how to finish an interrupted run if that is what happened.
fn refusal_text(plan: &Plan, current: Option<&str>) -> String {
    let dep = printable_str(plan.dep.as_str());
    let now = current.map_or_else(
        || "absent".to_string(),
        |h| format!("{:?}", printable_str(h)),
    );
    let wanted = match &plan.condition {
        HashCondition::Equals(h) => format!("--if-hash {:?}", printable_str(h)),
        HashCondition::Absent => "--if-unset".to_string(),
        HashCondition::Any => unreachable!("an unconditional write is never refused"),
    };
    let advice = match (current, plan.new_hash.as_deref()) {
        (Some(c), Some(new)) if c == new => format!(
            "the hash is already the new one; if an interrupted run of this command recorded it, delete its entries with `cachecore invalidate {} --new-hash {}` (unconditional)",
            shell_word(plan.dep.as_str()),
            shell_word(new)
        ),
        _ => "another writer changed it: read it with `cachecore deps inspect` and decide"
            .to_string(),
    };
    format!(
        "refused to invalidate {dep}: its current hash is {now}, which does not match {wanted}; nothing was changed; {advice}"
    )
}

/// `text` as one shell word, quoted only when it needs to be.
pub fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:/@%+=,".contains(c));
    if plain {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// The command that finishes `plan` after an interruption or a lost connection: the
/// same dep, condition and (possibly generated) new hash. A rerun of it either runs
/// from the start or, the hash being recorded, finishes the unfinished run.
pub fn finishing_command(plan: &Plan, new_hash: &str) -> String {
    let condition = match &plan.condition {
        HashCondition::Any => String::new(),
        HashCondition::Equals(h) => format!(" --if-hash {}", shell_word(h)),
        HashCondition::Absent => " --if-unset".to_string(),
    };
    format!(
        "cachecore invalidate {} --new-hash {}{condition}",
        shell_word(plan.dep.as_str()),
        shell_word(new_hash)
    )
}

/// Sets up to this size are read whole (SMEMBERS) inside a wave's pipelines; larger ones
/// are streamed by [`drain`] in batches.
const SMALL_SET: u64 = 256;

/// Invalidates one dep (a wave of one).
pub async fn invalidate(
    store: &mut Store,
    plan: &Plan,
    progress: impl Fn(u64) -> ProgressBar,
    interrupt: &Interrupt,
) -> Result<Report> {
    invalidate_wave(store, std::slice::from_ref(plan), progress, interrupt)
        .await?
        .pop()
        .expect("one result per plan")
}

/// Plans the single-step path may take (see `Store::sweep_small_many`): it deletes,
/// so not dry runs or soft ones, and it must see member keys, so a single node only.
fn fast_path_candidates(store: &Store, plans: &[Plan]) -> Vec<usize> {
    if !store.is_standalone() {
        return Vec::new();
    }
    (0..plans.len())
        .filter(|&i| !plans[i].dry_run && !plans[i].soft)
        .collect()
}

/// One dep's run inside a wave.
struct Job<'a> {
    plan: &'a Plan,
    keys: DepKeys,
    report: Report,
    leftovers: Vec<String>,
    pending: Vec<(String, u64)>,
    /// The plan's condition no longer holds because an interrupted run of this very
    /// command already recorded its new hash: only that run's pending sets are finished
    /// (no hash write, no detach of the entries written since).
    resume: bool,
}

/// Invalidates several deps together: each step of the protocol (see the module docs) is
/// one pipeline for the whole wave, so a wave costs the round trips of a single dep. One
/// result per plan, in order; the outer error means Redis could not be reached at all.
///
/// Small deps go first through a single-step script (one round trip for the wave); the
/// rest, and any the script declines, take the stepwise protocol.
pub async fn invalidate_wave(
    store: &mut Store,
    plans: &[Plan],
    progress: impl Fn(u64) -> ProgressBar,
    interrupt: &Interrupt,
) -> Result<Vec<Result<Report>>> {
    let started = Instant::now();
    let mut results: Vec<Option<Result<Report>>> = plans.iter().map(|_| None).collect();
    let fast = fast_path_candidates(store, plans);
    if !fast.is_empty() {
        let keys: Vec<DepKeys> = fast.iter().map(|&i| dep_keys(&plans[i].dep)).collect();
        let new_hashes: Vec<String> = fast
            .iter()
            .map(|&i| plans[i].new_hash.clone().unwrap_or_else(generated_hash))
            .collect();
        let reqs: Vec<SweepRequest> = fast
            .iter()
            .zip(&keys)
            .zip(&new_hashes)
            .map(|((&i, keys), new)| SweepRequest {
                keys,
                condition: &plans[i].condition,
                new,
                limit: plans[i].max_keys.unwrap_or(u64::MAX).min(SMALL_SET),
            })
            .collect();
        let sweeps = store.sweep_small_many(&reqs).await?;
        let elapsed = started.elapsed().as_millis() as u64;
        for ((&i, new_hash), sweep) in fast.iter().zip(new_hashes).zip(sweeps) {
            results[i] = match sweep {
                Ok(None) => None,
                Ok(Some(s)) => {
                    plans[i].pacer.admit(s.members).await;
                    Some(Ok(swept_report(&plans[i], new_hash, s, elapsed)))
                }
                Err(e) => Some(Err(e)),
            }
        }
    }
    let rest: Vec<&Plan> = plans
        .iter()
        .zip(&results)
        .filter_map(|(p, r)| r.is_none().then_some(p))
        .collect();
    let mut stepwise = stepwise_wave(store, &rest, started, progress, interrupt)
        .await?
        .into_iter();
    Ok(results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| stepwise.next().expect("one result per stepwise plan")))
        .collect())
}

fn swept_report(plan: &Plan, new_hash: String, s: Sweep, elapsed_ms: u64) -> Report {
    Report {
        dep_id: plan.dep.as_str().to_string(),
        old_hash: s.previous,
        new_hash,
        members: s.members,
        l1_deleted: s.l1_deleted,
        l2_deleted: s.l2_deleted,
        already_gone: s.members - s.l1_deleted - s.l2_deleted - s.skipped_not_entries,
        skipped_not_entries: s.skipped_not_entries,
        elapsed_ms,
        ..Report::default()
    }
}

/// The stepwise protocol of the module docs for a wave of deps.
async fn stepwise_wave(
    store: &mut Store,
    plans: &[&Plan],
    started: Instant,
    progress: impl Fn(u64) -> ProgressBar,
    interrupt: &Interrupt,
) -> Result<Vec<Result<Report>>> {
    if plans.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<DepKeys> = plans.iter().map(|p| dep_keys(&p.dep)).collect();
    let reconnects_at_start = store.reconnects();

    // 1. Read-only checks: a refusal changes nothing.
    let pre = store.preflight_many(&keys).await?;
    let mut jobs: Vec<Result<Job>> = plans
        .iter()
        .zip(keys)
        .zip(pre)
        .map(|((&plan, keys), pre)| start_job(plan, keys, pre?))
        .collect();

    // Dry runs only read.
    for i in active(&jobs, |j| j.plan.dry_run) {
        let job = jobs[i].as_mut().expect("active");
        if let Err(e) = survey_job(store, job, &progress, interrupt).await {
            jobs[i] = Err(e);
        }
    }

    // 2. Record the new hashes: from here every old entry is stale.
    let writing: Vec<usize> = active(&jobs, |j| !j.plan.dry_run && !j.resume);
    let writes: Vec<HashWrite> = writing
        .iter()
        .map(|&i| {
            let j = jobs[i].as_ref().expect("active");
            HashWrite {
                hash_key: &j.keys.hash,
                time_key: &j.keys.hash_time,
                condition: &j.plan.condition,
                new: &j.report.new_hash,
            }
        })
        .collect();
    let swaps = store.set_hash_many(&writes).await?;
    for (&i, swap) in writing.iter().zip(swaps) {
        let job = jobs[i].as_mut().expect("active");
        match swap {
            Ok(swap) if swap.written => job.report.old_hash = swap.previous,
            // Another client changed the hash between our check and the write.
            Ok(swap) => {
                let text = refusal_text(job.plan, swap.previous.as_deref());
                jobs[i] = Err(refused(text));
            }
            Err(e) => jobs[i] = Err(e),
        }
    }

    // 3. Detach the dep sets.
    let detaching: Vec<usize> = active(&jobs, |j| !j.plan.dry_run && !j.plan.soft && !j.resume);
    let detach_keys: Vec<DepKeys> = detaching
        .iter()
        .map(|&i| jobs[i].as_ref().expect("active").keys.clone())
        .collect();
    for (&i, pending) in detaching.iter().zip(store.detach_many(&detach_keys).await?) {
        match pending {
            Ok(detached) => {
                let job = jobs[i].as_mut().expect("active");
                job.report.members = detached.pending.iter().map(|(_, n)| n).sum();
                job.report.foreign_runs = detached.foreign_runs;
                job.pending = detached.pending;
            }
            Err(e) => jobs[i] = Err(e),
        }
    }

    // 4. Delete: small pending sets of the whole wave in two round trips, large ones streamed.
    // Resumed runs only have their pending sets to finish.
    let detaching: Vec<usize> = active(&jobs, |j| !j.plan.dry_run && (j.resume || !j.plan.soft));
    let total: u64 = detaching
        .iter()
        .filter_map(|&i| jobs[i].as_ref().ok())
        .map(|j| j.report.members)
        .sum();
    let bar = progress(total);
    finish_small_sets(store, &mut jobs, &detaching, &bar).await?;
    // Once the connection is gone every later drain would wait out its own timeout: the
    // rest of the wave is reported failed at once, so the run stops within one timeout.
    let mut lost: Option<String> = None;
    for &i in &detaching {
        let Ok(job) = jobs[i].as_mut() else { continue };
        let outcome = match &lost {
            Some(why) if job.pending.iter().any(|(_, n)| *n > SMALL_SET) => Err(anyhow::anyhow!(
                "not attempted, as the connection was lost on another dep ({why})"
            )),
            _ => drain_large_sets(store, job, &bar, interrupt).await,
        };
        if let Err(e) = outcome {
            if lost.is_none() && is_connection_error(&e) {
                lost = Some(crate::error::one_line(&e));
            }
            let r = &job.report;
            let done = r.l1_deleted + r.l2_deleted + r.already_gone + r.skipped_not_entries;
            jobs[i] = Err(e.context(format!(
                "the new hash is recorded and {done} of {} members were done",
                r.members
            )));
        }
    }
    bar.finish_and_clear();
    if store.reconnects() != reconnects_at_start {
        verify_hashes_survived(store, &mut jobs).await?;
    }
    let elapsed = started.elapsed().as_millis() as u64;
    Ok(jobs
        .into_iter()
        .map(|j| {
            j.map(|mut j| {
                j.report.elapsed_ms = elapsed;
                j.report
            })
        })
        .collect())
}

async fn drain_large_sets(
    store: &mut Store,
    job: &mut Job<'_>,
    bar: &ProgressBar,
    interrupt: &Interrupt,
) -> Result<()> {
    let large: Vec<(String, u64)> = job
        .pending
        .iter()
        .filter(|(_, n)| *n > SMALL_SET)
        .cloned()
        .collect();
    for (key, size) in large {
        if !drain(
            store,
            (&key, size),
            &job.keys.registry,
            job.plan,
            &mut job.report,
            bar,
            interrupt,
        )
        .await?
        {
            job.report.interrupted = true;
            break;
        }
        if key != job.keys.pending {
            job.report.resumed_runs += 1;
        }
    }
    Ok(())
}

/// After a reconnection the server may be another process (a restart without the last
/// writes, a failover to a lagging replica): a run that reports success must still find
/// its new hash recorded, or say it did not.
async fn verify_hashes_survived(store: &mut Store, jobs: &mut [Result<Job<'_>>]) -> Result<()> {
    let written = active(jobs, |j| !j.plan.dry_run);
    let keys: Vec<String> = written
        .iter()
        .map(|&i| jobs[i].as_ref().expect("active").keys.hash.clone())
        .collect();
    for (&i, now) in written.iter().zip(store.get_strings(&keys).await?) {
        let job = jobs[i].as_ref().expect("active");
        if now.as_deref() != Some(job.report.new_hash.as_str()) {
            let text = format!(
                "the connection to Redis was re-established during the run (a restart or a failover?) and {} now holds {}, not the new hash {:?}: the server may have lost writes; finish with `{}`",
                printable_str(&job.keys.hash),
                now.map_or_else(
                    || "nothing".to_string(),
                    |h| format!("{:?}", printable_str(&h))
                ),
                printable_str(&job.report.new_hash),
                finishing_command(job.plan, &job.report.new_hash)
            );
            jobs[i] = Err(crate::error::redis_failure(text));
        }
    }
    Ok(())
}

/// Indexes of the jobs still going that match `keep`.
fn active(jobs: &[Result<Job>], keep: impl Fn(&Job) -> bool) -> Vec<usize> {
    jobs.iter()
        .enumerate()
        .filter_map(|(i, j)| j.as_ref().ok().filter(|j| keep(j)).map(|_| i))
        .collect()
}

/// The checks that need no write: `--if-hash` and `--max-keys`.
fn start_job<'a>(plan: &'a Plan, keys: DepKeys, pre: Preflight) -> Result<Job<'a>> {
    let current = pre.current_hash;
    let holds = condition_holds(&plan.condition, current.as_deref());
    let applied = current.is_some() && current == plan.new_hash;
    let resume = !holds && applied && !pre.leftovers.is_empty();
    if !holds && !resume {
        return Err(refused(refusal_text(plan, current.as_deref())));
    }
    let leftover_members: u64 = pre.leftovers.iter().map(|(_, n)| n).sum();
    let members = leftover_members + if resume { 0 } else { pre.members };
    if let Some(max) = plan.max_keys
        && members > max
    {
        return Err(refused(format!(
            "refused to invalidate {}: {members} tracked entries exceed --max-keys {max} (the count includes members whose entry already expired; `cachecore deps inspect` shows the split); nothing was changed: raise --max-keys, or pass --rate to spread the deletions",
            printable_str(plan.dep.as_str())
        )));
    }
    Ok(Job {
        report: Report {
            dep_id: plan.dep.as_str().to_string(),
            old_hash: current,
            new_hash: plan.new_hash.clone().unwrap_or_else(generated_hash),
            dry_run: plan.dry_run,
            soft: plan.soft,
            members,
            foreign_runs: pre.foreign_runs,
            ..Report::default()
        },
        pending: if resume {
            pre.leftovers.clone()
        } else {
            Vec::new()
        },
        leftovers: pre.leftovers.into_iter().map(|(k, _)| k).collect(),
        plan,
        keys,
        resume,
    })
}

async fn survey_job(
    store: &mut Store,
    job: &mut Job<'_>,
    progress: &impl Fn(u64) -> ProgressBar,
    interrupt: &Interrupt,
) -> Result<()> {
    if job.plan.soft {
        return Ok(());
    }
    let bar = progress(job.report.members);
    for key in std::iter::once(&job.keys.set).chain(&job.leftovers) {
        survey(
            store,
            key,
            job.plan.batch_size,
            &mut job.report,
            &bar,
            interrupt,
        )
        .await?;
    }
    bar.finish_and_clear();
    job.report.interrupted = interrupt.is_set();
    Ok(())
}

/// Reads every small pending set of the wave in one round trip and deletes their entries,
/// the sets and their registry entries in a second.
async fn finish_small_sets(
    store: &mut Store,
    jobs: &mut [Result<Job<'_>>],
    detaching: &[usize],
    bar: &ProgressBar,
) -> Result<()> {
    let small: Vec<(usize, String)> = detaching
        .iter()
        .filter_map(|&i| jobs[i].as_ref().ok().map(|j| (i, j)))
        .flat_map(|(i, j)| {
            j.pending
                .iter()
                .filter(|(_, n)| *n <= SMALL_SET)
                .map(move |(k, _)| (i, k.clone()))
        })
        .collect();
    let sets: Vec<String> = small.iter().map(|(_, k)| k.clone()).collect();
    let contents = store.smembers_many(&sets).await?;
    let mut batches = Vec::with_capacity(small.len());
    let mut owners = Vec::with_capacity(small.len());
    for ((i, pending), members) in small.into_iter().zip(contents) {
        let Ok(job) = jobs[i].as_mut() else { continue };
        let members = match members {
            Ok(m) => m,
            Err(e) => {
                jobs[i] = Err(e);
                continue;
            }
        };
        let (l1, l2) = split_tiers(members, &mut job.report, bar);
        job.plan.pacer.admit((l1.len() + l2.len()) as u64).await;
        if pending != job.keys.pending {
            job.report.resumed_runs += 1;
        }
        owners.push((i, (l1.len() + l2.len()) as u64));
        batches.push(FinalBatch {
            registry: job.keys.registry.clone(),
            pending,
            l1,
            l2,
        });
    }
    for ((i, attempted), done) in owners.into_iter().zip(store.finish_many(&batches).await?) {
        let Ok(job) = jobs[i].as_mut() else { continue };
        match done {
            Ok((d1, d2)) => account(&mut job.report, bar, (attempted, d1, d2)),
            Err(e) => jobs[i] = Err(e),
        }
    }
    Ok(())
}

/// Deletes every entry key in the pending `set`, then the set and its registry entry.
/// Returns false when interrupted before the end (the set is then kept for a rerun).
///
/// The scan runs ahead while up to `depth` UNLINK batches are in flight on the shared
/// connection, so Redis always has the next batch queued and never waits for a round
/// trip; each command still touches at most one batch, so other clients are served
/// between them. The last batch shares its round trip with the cleanup.
async fn drain(
    store: &mut Store,
    (set, size): (&str, u64),
    registry: &str,
    plan: &Plan,
    report: &mut Report,
    bar: &ProgressBar,
    interrupt: &Interrupt,
) -> Result<bool> {
    let (gone_before, skipped_before) = (report.already_gone, report.skipped_not_entries);
    let deleted_before = report.l1_deleted + report.l2_deleted;
    let mut restarted = false;
    'pass: loop {
        let pass = store.reconnects();
        let mut in_flight: JoinSet<Result<(u64, u64, u64)>> = JoinSet::new();
        let mut cursor = 0;
        loop {
            let (next, members) = store.sscan(set, cursor, plan.batch_size).await?;
            if store.reconnects() != pass {
                // Another server process may answer now (a restart, a failover): the
                // cursor means nothing there. Scan the pending set again from the start;
                // deleting what is already gone is a no-op.
                drain_in_flight(&mut in_flight, report, bar).await?;
                restart_counts(report, gone_before, skipped_before);
                restarted = true;
                continue 'pass;
            }
            let (l1, l2) = split_tiers(members, report, bar);
            let attempted = (l1.len() + l2.len()) as u64;
            plan.pacer.admit(attempted).await;
            if next == 0 {
                drain_in_flight(&mut in_flight, report, bar).await?;
                if store.reconnects() != pass {
                    restart_counts(report, gone_before, skipped_before);
                    restarted = true;
                    continue 'pass;
                }
                let last = FinalBatch {
                    pending: set.to_string(),
                    registry: registry.to_string(),
                    l1,
                    l2,
                };
                let (d1, d2) = store
                    .finish_many(&[last])
                    .await?
                    .pop()
                    .expect("one result")?;
                account(report, bar, (attempted, d1, d2));
                if restarted {
                    // A rescan meets the keys the first pass deleted as "gone": count the
                    // set's members once instead.
                    let deleted = report.l1_deleted + report.l2_deleted - deleted_before;
                    let skipped = report.skipped_not_entries - skipped_before;
                    report.already_gone = gone_before + size.saturating_sub(deleted + skipped);
                }
                return Ok(true);
            }
            while in_flight.len() >= plan.pipeline_depth {
                let done = in_flight.join_next().await.expect("a task is in flight");
                account(report, bar, done??);
            }
            let mut conn = store.clone();
            in_flight.spawn(async move {
                let (d1, d2) = conn.unlink_tiers(&l1, &l2).await?;
                Ok((attempted, d1, d2))
            });
            cursor = next;
            if interrupt.is_set() {
                drain_in_flight(&mut in_flight, report, bar).await?;
                return Ok(false);
            }
        }
    }
}

async fn drain_in_flight(
    in_flight: &mut JoinSet<Result<(u64, u64, u64)>>,
    report: &mut Report,
    bar: &ProgressBar,
) -> Result<()> {
    while let Some(done) = in_flight.join_next().await {
        account(report, bar, done??);
    }
    Ok(())
}

/// Before a rescan: members met again are counted again, so the pass's "gone" and
/// "skipped" counts start over (deletions are real and stay).
fn restart_counts(report: &mut Report, gone_before: u64, skipped_before: u64) {
    report.already_gone = gone_before;
    report.skipped_not_entries = skipped_before;
}

/// Splits dep-set members into L1 and L2 entry keys; anything else is counted and never
/// deleted.
fn split_tiers(
    members: Vec<Vec<u8>>,
    report: &mut Report,
    bar: &ProgressBar,
) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let (mut l1, mut l2) = (Vec::new(), Vec::new());
    for member in members {
        match parse_entry_key(&member).map(|k| k.tier) {
            Some(Tier::L1) => l1.push(member),
            Some(Tier::L2) => l2.push(member),
            None => {
                report.skipped_not_entries += 1;
                bar.inc(1);
            }
        }
    }
    (l1, l2)
}

/// Adds one UNLINK batch's outcome: (keys attempted, L1 deleted, L2 deleted).
fn account(report: &mut Report, bar: &ProgressBar, (attempted, l1, l2): (u64, u64, u64)) {
    report.l1_deleted += l1;
    report.l2_deleted += l2;
    report.already_gone += attempted - l1 - l2;
    bar.inc(attempted);
}

/// Dry run: counts what `drain` would delete, reading only.
async fn survey(
    store: &mut Store,
    set: &str,
    batch: usize,
    report: &mut Report,
    bar: &ProgressBar,
    interrupt: &Interrupt,
) -> Result<()> {
    let mut cursor = 0;
    loop {
        let (next, members) = store.sscan(set, cursor, batch).await?;
        bar.inc(members.len() as u64);
        let entries: Vec<(Tier, Vec<u8>)> = members
            .into_iter()
            .filter_map(|m| match parse_entry_key(&m) {
                Some(k) => Some((k.tier, m)),
                None => {
                    report.skipped_not_entries += 1;
                    None
                }
            })
            .collect();
        let keys: Vec<Vec<u8>> = entries.iter().map(|(_, k)| k.clone()).collect();
        let live = store.exists_each(&keys).await?;
        for ((tier, key), live) in entries.into_iter().zip(live) {
            if !live {
                report.already_gone += 1;
                continue;
            }
            match tier {
                Tier::L1 => report.l1_deleted += 1,
                Tier::L2 => report.l2_deleted += 1,
            }
            if report.sample.len() < SAMPLE_SIZE {
                report.sample.push(crate::output::printable(&key));
            }
        }
        cursor = next;
        if cursor == 0 || interrupt.is_set() {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_get_distinct_pending_keys_and_hashes() {
        let dep = DepId::parse("doc:1").unwrap();
        assert_ne!(dep_keys(&dep).pending, dep_keys(&dep).pending);
        assert_eq!(dep_keys(&dep).registry, dep_keys(&dep).registry);
        let (a, b) = (generated_hash(), generated_hash());
        assert_ne!(a, b);
        crate::layout::validate_hash(&a).unwrap();
    }

    #[test]
    fn conditions() {
        assert!(condition_holds(&HashCondition::Any, None));
        assert!(condition_holds(
            &HashCondition::Equals("v1".into()),
            Some("v1")
        ));
        assert!(!condition_holds(
            &HashCondition::Equals("v1".into()),
            Some("v2")
        ));
        assert!(!condition_holds(&HashCondition::Equals("v1".into()), None));
        assert!(condition_holds(&HashCondition::Absent, None));
        assert!(!condition_holds(&HashCondition::Absent, Some("v1")));
    }
}
