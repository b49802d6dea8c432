//! The stepwise protocol of [`super::invalidation`] for a wave of deps: read-only checks,
//! the hash compare-and-set, the detach, then the deletes (small sets in three round trips
//! for the whole wave, large ones streamed by [`super::drain`]), and after a reconnection
//! the check that the new hashes survived.

use std::time::Instant;

use anyhow::Result;
use indicatif::ProgressBar;

use super::drain::{account, drain, split_tiers, survey};
use super::plan::{
    Plan, Report, SMALL_SET, condition_holds, dep_keys, finishing_command, generated_hash,
    refusal_text,
};
use crate::error::{is_connection_error, refused};
use crate::interrupt::Interrupt;
use crate::printable::printable_str;
use crate::store::{DepKeys, FinalBatch, HashWrite, Preflight, Store};

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

/// The stepwise protocol (see [`super::invalidation`]) for a wave of deps.
pub(super) async fn stepwise_wave(
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

    // 4. Delete: small pending sets of the whole wave in three round trips, large ones streamed.
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
    // The bar is the caller's (it may span waves): the caller finishes it.
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
    job.report.interrupted = interrupt.is_set();
    Ok(())
}

/// Reads every small pending set of the wave in one round trip, deletes their entries in a
/// second and the sets and their registry entries in a third (see `Store::finish_many`).
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
            Ok(done) => account(&mut job.report, bar, (attempted, done)),
            Err(e) => jobs[i] = Err(e),
        }
    }
    Ok(())
}
