//! Deleting a pending set's entries: the streamed drain of a large set, its dry-run
//! survey, and the paced, repeat-aware batch delete every deletion path shares (the
//! invalidation drain and the policy purge).

use anyhow::Result;
use indicatif::ProgressBar;
use tokio::task::JoinSet;

use super::plan::{Plan, Report};
use crate::interrupt::Interrupt;
use crate::layout::{Tier, parse_entry_key};
use crate::store::{EntryState, FinalBatch, Store, Unlinked};

/// Keys shown as a sample by a dry run.
const SAMPLE_SIZE: usize = 10;

/// Deletes every entry key in the pending `set`, then the set and its registry entry.
/// Returns false when interrupted before the end (the set is then kept for a rerun).
///
/// The scan runs ahead while up to `depth` UNLINK batches are in flight on the shared
/// connection, so Redis always has the next batch queued and never waits for a round
/// trip; each command still touches at most one batch, so other clients are served
/// between them. The last batch is followed by the cleanup.
pub(super) async fn drain(
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
        let mut in_flight: JoinSet<Result<(u64, Unlinked)>> = JoinSet::new();
        let mut cursor = 0;
        let mut first_node = None;
        loop {
            let (next, members, node) = store.sscan_tracked(set, cursor, plan.batch_size).await?;
            let moved = node.is_some() && first_node.get_or_insert(node.clone()) != &node;
            if store.reconnects() != pass || moved {
                // Another server process may answer now (a restart, a failover, on a
                // cluster the set's slot moved): the cursor means nothing there. Scan the
                // pending set again from the start; deleting what is gone is a no-op.
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
                let done = store
                    .finish_many(&[last])
                    .await?
                    .pop()
                    .expect("one result")?;
                account(report, bar, (attempted, done));
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
            in_flight.spawn(async move { Ok((attempted, conn.unlink_entries(&l1, &l2).await?)) });
            cursor = next;
            if interrupt.is_set() {
                drain_in_flight(&mut in_flight, report, bar).await?;
                return Ok(false);
            }
        }
    }
}

async fn drain_in_flight(
    in_flight: &mut JoinSet<Result<(u64, Unlinked)>>,
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

/// Splits dep-set members into L1 and L2 entry keys by name; anything else is counted and
/// never deleted (nor is a key so named that is not an entry: the delete checks that).
pub(super) fn split_tiers(
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

/// Adds one delete batch's outcome: keys attempted, and what the checked delete did.
pub(super) fn account(report: &mut Report, bar: &ProgressBar, (attempted, done): (u64, Unlinked)) {
    report.l1_deleted += done.l1;
    report.l2_deleted += done.l2;
    report.skipped_not_entries += done.not_entries;
    report.already_gone += attempted - done.l1 - done.l2 - done.not_entries;
    bar.inc(attempted);
}

/// Dry run: counts what `drain` would delete, reading only, with the check its deletes make.
pub(super) async fn survey(
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
        let states = store.entry_states(&keys).await?;
        for ((tier, key), state) in entries.into_iter().zip(states) {
            match state {
                EntryState::Entry => {}
                EntryState::Gone => {
                    report.already_gone += 1;
                    continue;
                }
                EntryState::NotEntry => {
                    report.skipped_not_entries += 1;
                    continue;
                }
            }
            match tier {
                Tier::L1 => report.l1_deleted += 1,
                Tier::L2 => report.l2_deleted += 1,
            }
            if report.sample.len() < SAMPLE_SIZE {
                report.sample.push(crate::printable::printable(&key));
            }
        }
        cursor = next;
        if cursor == 0 || interrupt.is_set() {
            return Ok(());
        }
    }
}
