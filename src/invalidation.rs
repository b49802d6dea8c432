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
//! 4. SSCAN the pending set in bounded batches, UNLINKing each batch's keys in the same
//!    round trip as the next SSCAN. Nothing else writes the pending set, so SSCAN returns
//!    every member.
//! 5. Drop the pending set and its registry entry. An interrupted run leaves both behind;
//!    the next run for the dep finds them in the registry and finishes them first.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::Result;
use indicatif::ProgressBar;
use serde::Serialize;

use crate::bookkeeping::{hash_time_key, pending_key, registry_key};
use crate::error::refused;
use crate::interrupt::Interrupt;
use crate::layout::{DepId, Tier, parse_entry_key};
use crate::output::printable_str;
use crate::store::{HashCondition, Store};

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
}

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
    pub interrupted: bool,
    pub elapsed_ms: u64,
    /// Dry run only: a few of the keys that would be deleted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sample: Vec<String>,
}

/// The bookkeeping keys of one run (see [`crate::bookkeeping`]).
struct Bookkeeping {
    registry: String,
    pending: String,
    hash_time: String,
}

impl Bookkeeping {
    fn for_dep(dep: &DepId) -> Bookkeeping {
        Bookkeeping {
            registry: registry_key(dep),
            pending: pending_key(dep, &uuid::Uuid::new_v4().simple().to_string()),
            hash_time: hash_time_key(dep),
        }
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

fn refusal_text(dep: &DepId, condition: &HashCondition, current: Option<&str>) -> String {
    let now = current.map_or_else(
        || "absent".to_string(),
        |h| format!("{:?}", printable_str(h)),
    );
    let wanted = match condition {
        HashCondition::Equals(h) => format!("--if-hash {:?}", printable_str(h)),
        HashCondition::Absent => "--if-unset".to_string(),
        HashCondition::Any => unreachable!("an unconditional write is never refused"),
    };
    format!(
        "refused to invalidate {}: its current hash is {now}, which does not match {wanted}; nothing was changed",
        printable_str(dep.as_str())
    )
}

pub async fn invalidate(
    store: &mut Store,
    plan: &Plan,
    progress: impl Fn(u64) -> ProgressBar,
    interrupt: &Interrupt,
) -> Result<Report> {
    let started = Instant::now();
    let dep = &plan.dep;
    let set = dep.keys_key();
    let hash_key = dep.hash_key();
    let books = Bookkeeping::for_dep(dep);

    let pre = store.preflight(&set, &hash_key, &books.registry).await?;
    let current = pre.current_hash;
    if !condition_holds(&plan.condition, current.as_deref()) {
        return Err(refused(refusal_text(
            dep,
            &plan.condition,
            current.as_deref(),
        )));
    }
    let members = pre.members + pre.leftovers.iter().map(|(_, n)| n).sum::<u64>();
    if let Some(max) = plan.max_keys
        && members > max
    {
        return Err(refused(format!(
            "refused to invalidate {}: {members} tracked entries exceed --max-keys {max} (the count includes members whose entry already expired; `cachecore deps inspect` shows the split); nothing was changed",
            printable_str(dep.as_str())
        )));
    }

    let mut report = Report {
        dep_id: dep.as_str().to_string(),
        old_hash: current,
        new_hash: plan.new_hash.clone().unwrap_or_else(generated_hash),
        dry_run: plan.dry_run,
        soft: plan.soft,
        members,
        ..Report::default()
    };

    if plan.dry_run {
        if !plan.soft {
            let bar = progress(members);
            for key in std::iter::once(&set).chain(pre.leftovers.iter().map(|(k, _)| k)) {
                survey(store, key, plan.batch_size, &mut report, &bar, interrupt).await?;
            }
            bar.finish_and_clear();
        }
        report.interrupted = interrupt.is_set();
        report.elapsed_ms = started.elapsed().as_millis() as u64;
        return Ok(report);
    }

    let swap = store
        .set_hash(
            &hash_key,
            &books.hash_time,
            &plan.condition,
            &report.new_hash,
        )
        .await?;
    if !swap.written {
        // Another client changed the hash between our check and the write.
        return Err(refused(refusal_text(
            dep,
            &plan.condition,
            swap.previous.as_deref(),
        )));
    }
    report.old_hash = swap.previous;
    if plan.soft {
        report.elapsed_ms = started.elapsed().as_millis() as u64;
        return Ok(report);
    }

    let pending = store
        .detach_set(&set, &books.pending, &books.registry)
        .await?;
    report.members = pending.iter().map(|(_, n)| n).sum();
    let bar = progress(report.members);
    for (key, _) in &pending {
        if !drain(
            store,
            key,
            &books.registry,
            plan.batch_size,
            &mut report,
            &bar,
            interrupt,
        )
        .await?
        {
            report.interrupted = true;
            break;
        }
        if *key != books.pending {
            report.resumed_runs += 1;
        }
    }
    bar.finish_and_clear();
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(report)
}

/// Deletes every entry key in the pending `set`, then the set and its registry entry.
/// Returns false when interrupted before the end (the set is then kept for a rerun).
async fn drain(
    store: &mut Store,
    set: &str,
    registry: &str,
    batch: usize,
    report: &mut Report,
    bar: &ProgressBar,
    interrupt: &Interrupt,
) -> Result<bool> {
    let mut cursor = Some(0);
    let (mut l1, mut l2) = (Vec::new(), Vec::new());
    loop {
        let step = store
            .drain_step(set, cursor, batch, &l1, &l2, registry)
            .await?;
        let attempted = (l1.len() + l2.len()) as u64;
        report.l1_deleted += step.l1_deleted;
        report.l2_deleted += step.l2_deleted;
        report.already_gone += attempted - step.l1_deleted - step.l2_deleted;
        bar.inc(attempted);
        l1.clear();
        l2.clear();
        let Some(_) = cursor else {
            return Ok(true);
        };
        for member in step.members {
            match parse_entry_key(&member).map(|k| k.tier) {
                Some(Tier::L1) => l1.push(member),
                Some(Tier::L2) => l2.push(member),
                None => {
                    report.skipped_not_entries += 1;
                    bar.inc(1);
                }
            }
        }
        cursor = (step.cursor != 0).then_some(step.cursor);
        if interrupt.is_set() {
            return Ok(false);
        }
    }
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
        assert_ne!(
            Bookkeeping::for_dep(&dep).pending,
            Bookkeeping::for_dep(&dep).pending
        );
        assert_eq!(
            Bookkeeping::for_dep(&dep).registry,
            Bookkeeping::for_dep(&dep).registry
        );
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
