//! `deps prune`'s engine. Dep sets keep members whose entry expired (entries have TTLs,
//! sets do not): without pruning they grow without bound. A member is removed only if its
//! key does not exist at the moment of removal (checked inside a script on a single node,
//! checked again and put back on a cluster), so an entry a writer stores concurrently
//! keeps its membership.
//!
//! Retiring hash records is safe under this rule, proven in the README ("Retiring hash
//! records"): a non-reserved dep's record is deleted only when its dep set is empty, it
//! has no unfinished invalidation, and it was last written (server clock) longer ago than
//! the window, which the operator sets above the longest entry TTL plus the longest
//! request time; the delete is conditional on the write time being unchanged. Before
//! anything is changed, [`check_window`] checks the window against the entries alive now.

use std::time::Duration;

use anyhow::Result;
use indicatif::ProgressBar;
use serde::Serialize;

use crate::bookkeeping::{hash_time_key, registry_key};
use crate::error::refused;
use crate::interrupt::Interrupt;
use crate::layout::{
    DEP_HASH_PREFIX, DEP_KEYS_PREFIX, DepId, L1_PREFIX, L2_PREFIX, parse_entry_key,
};
use crate::output::ttl_text;
use crate::printable::printable;
use crate::store::{ScanPages, Store};

/// What a prune does.
#[derive(Debug, Clone)]
pub struct Plan<'a> {
    /// The glob of dep ids whose sets (and, when retiring, hash records) are visited.
    pub pattern: &'a str,
    /// Members per SSCAN page.
    pub batch_size: u64,
    pub dry_run: bool,
}

#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub sets_scanned: u64,
    pub members_scanned: u64,
    /// Members whose entry no longer exists: removed (or, in a dry run, removable).
    pub members_removed: u64,
    /// Sets emptied and so deleted (or, in a dry run, that would be).
    pub sets_deleted: u64,
    /// Members that are not entry keys (planted, or written by another tool): kept and
    /// never read.
    pub members_not_entries: u64,
    /// MEMORY USAGE of the pruned sets before minus after (estimates, as Redis gives them).
    pub bytes_reclaimed: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retire: Option<Retire>,
    pub dry_run: bool,
    pub interrupted: bool,
    pub elapsed_ms: u64,
}

#[derive(Debug, Default, Serialize)]
pub struct Retire {
    pub records_scanned: u64,
    pub retired: u64,
    pub kept_has_entries: u64,
    pub kept_unfinished_runs: u64,
    /// No write time recorded (written before cachecore recorded times, or by another tool).
    pub kept_unknown_age: u64,
    pub kept_recent: u64,
    /// Policy versions are never retired: an absent one means "1".
    pub kept_reserved: u64,
}

/// Prunes every dep set matching the plan's pattern, a wave of sets at a time; `bar`
/// counts the members scanned. An interrupt stops it after the round in hand. The report's
/// `retire`, `interrupted` and `elapsed_ms` are the caller's to fill.
pub async fn prune(
    store: &mut Store,
    plan: &Plan<'_>,
    bar: &ProgressBar,
    interrupt: &Interrupt,
) -> Result<Report> {
    let mut report = Report {
        dry_run: plan.dry_run,
        ..Report::default()
    };
    let pattern = format!("{DEP_KEYS_PREFIX}{}", plan.pattern);
    let mut pages = ScanPages::new(pattern, Some("set"));
    while let Some(sets) = pages.next_page(store).await? {
        let sets: Vec<String> = sets
            .into_iter()
            .filter_map(|s| String::from_utf8(s).ok())
            .collect();
        for wave in sets.chunks(PRUNE_WAVE) {
            if interrupt.is_set() {
                break;
            }
            prune_wave(store, wave, plan, &mut report, bar, interrupt).await?;
        }
        if interrupt.is_set() {
            break;
        }
    }
    Ok(report)
}

/// Dep sets pruned together: each round is one pipeline for the whole wave, so a wave of
/// small sets costs the round trips of one (see the README's performance section).
const PRUNE_WAVE: usize = 100;

/// Prunes a wave of sets, one page of each per round trip, until every scan is complete.
async fn prune_wave(
    store: &mut Store,
    sets: &[String],
    plan: &Plan<'_>,
    report: &mut Report,
    bar: &ProgressBar,
    interrupt: &Interrupt,
) -> Result<()> {
    report.sets_scanned += sets.len() as u64;
    let mut scanned = vec![0u64; sets.len()];
    let mut dangling = vec![0u64; sets.len()];
    let mut before = vec![0u64; sets.len()];
    let mut scanning: Vec<(usize, u64)> = (0..sets.len()).map(|i| (i, 0)).collect();
    while !scanning.is_empty() && !interrupt.is_set() {
        let steps: Vec<(&str, u64)> = scanning
            .iter()
            .map(|&(i, cursor)| (sets[i].as_str(), cursor))
            .collect();
        let pages = store
            .prune_pages(&steps, plan.batch_size, !plan.dry_run)
            .await?;
        let mut next_round = Vec::with_capacity(scanning.len());
        for (&(i, cursor), page) in scanning.iter().zip(pages) {
            bar.inc(page.scanned);
            report.members_not_entries += page.not_entries;
            scanned[i] += page.scanned;
            dangling[i] += page.dangling;
            if cursor == 0 {
                before[i] = page.bytes_before;
            }
            if page.next != 0 {
                next_round.push((i, page.next));
                continue;
            }
            let emptied = if plan.dry_run {
                scanned[i] > 0 && dangling[i] == scanned[i]
            } else {
                report.bytes_reclaimed += before[i].saturating_sub(page.bytes_after);
                dangling[i] > 0 && page.bytes_after == 0
            };
            report.sets_deleted += u64::from(emptied);
        }
        scanning = next_round;
    }
    report.members_scanned += scanned.iter().sum::<u64>();
    report.members_removed += dangling.iter().sum::<u64>();
    Ok(())
}

/// Refuses a retirement window that entries alive now could outlive: one shorter than the
/// longest remaining TTL, or any window while an entry has no TTL. Such an entry may record
/// an old hash, and it would be fresh again once that hash's record is gone. Every entry
/// counts, not only those recording a dep the pattern selects: finding those would read
/// every entry's deps, so this is the conservative approximation. One cursor SCAN per tier,
/// a pipelined PTTL per page; nothing is written.
///
/// `bar` counts the entries checked; the caller clears it.
pub async fn check_window(
    store: &mut Store,
    window: Duration,
    bar: &ProgressBar,
    interrupt: &Interrupt,
) -> Result<()> {
    let mut longest: Option<(i64, Vec<u8>)> = None;
    'tiers: for pattern in [format!("{L1_PREFIX}*"), format!("{L2_PREFIX}*")] {
        let mut pages = ScanPages::new(pattern, Some("hash"));
        while let Some(keys) = pages.next_page(store).await? {
            let keys: Vec<Vec<u8>> = keys
                .into_iter()
                .filter(|k| parse_entry_key(k).is_some())
                .collect();
            bar.inc(keys.len() as u64);
            for (key, pttl) in keys.iter().zip(store.pttl_each(&keys).await?) {
                if pttl == -1 {
                    return Err(refused(format!(
                        "refused to retire hash records: entry {} has no TTL, so it may record an old hash and would be fresh again once that hash's record is retired, however long the window; give it a TTL (EXPIRE) or delete it, then rerun; nothing was changed",
                        printable(key)
                    )));
                }
                if pttl > longest.as_ref().map_or(-1, |(ms, _)| *ms) {
                    longest = Some((pttl, key.clone()));
                }
            }
            if interrupt.is_set() {
                break 'tiers;
            }
        }
    }
    if let Some((ms, key)) = longest
        && outlives(ms.unsigned_abs(), window)
    {
        // Rounded up to whole minutes: a window the check accepts.
        let enough = Duration::from_secs(ms.unsigned_abs().div_ceil(60_000) * 60);
        return Err(refused(format!(
            "refused to retire hash records: --retire-after {} is shorter than the longest remaining entry TTL {} ({}); entries recording an old hash could become fresh again; use at least {} (the longest TTL entries are given plus the longest request time); nothing was changed",
            humantime::format_duration(window),
            ttl_text(ms),
            printable(&key),
            humantime::format_duration(enough),
        )));
    }
    Ok(())
}

/// Whether an entry with `ttl_ms` left could outlive the window. The README refuses a
/// window only when it is shorter than the TTL: one exactly as long is accepted.
fn outlives(ttl_ms: u64, window: Duration) -> bool {
    window.as_millis() < u128::from(ttl_ms)
}

/// A record is retired only when last written more than the window ago (the README's
/// rule 3): one exactly as old is kept. A write time ahead of the server's clock (stamped
/// by another tool, or before a clock step) is age zero, never old.
fn old_enough(now_ms: u64, written_ms: u64, min_age_ms: u64) -> bool {
    now_ms.saturating_sub(written_ms) > min_age_ms
}

/// Retires the hash records of deps matching the plan's pattern that are provably
/// unused (see the module docs), those last written more than `age` ago by the server's
/// clock.
pub async fn retire(
    store: &mut Store,
    plan: &Plan<'_>,
    age: Duration,
    interrupt: &Interrupt,
) -> Result<Retire> {
    let (pattern, dry_run) = (plan.pattern, plan.dry_run);
    let mut r = Retire::default();
    let now = store.server_time_ms().await?;
    let min_age_ms = age.as_millis() as u64;
    let mut pages = ScanPages::new(format!("{DEP_HASH_PREFIX}{pattern}"), Some("string"));
    while let Some(keys) = pages.next_page(store).await? {
        for key in keys.into_iter().filter_map(|k| String::from_utf8(k).ok()) {
            r.records_scanned += 1;
            let Ok(dep) = DepId::parse(&key[DEP_HASH_PREFIX.len()..]) else {
                r.kept_unknown_age += 1;
                continue;
            };
            if dep.is_reserved() {
                r.kept_reserved += 1;
            } else if store.scard(&dep.keys_key()).await? > 0 {
                r.kept_has_entries += 1;
            } else if store.scard(&registry_key(&dep)).await? > 0 {
                r.kept_unfinished_runs += 1;
            } else {
                let time_key = hash_time_key(&dep);
                match store.get_string(&time_key).await? {
                    None => r.kept_unknown_age += 1,
                    Some(t) => match t.parse::<u64>() {
                        Ok(written) if old_enough(now, written, min_age_ms) => {
                            if dry_run || store.retire_hash(&key, &time_key, &t).await? {
                                r.retired += 1;
                            } else {
                                // Rewritten since we read its time: it is recent now.
                                r.kept_recent += 1;
                            }
                        }
                        Ok(_) => r.kept_recent += 1,
                        Err(_) => r.kept_unknown_age += 1,
                    },
                }
            }
        }
        if interrupt.is_set() {
            break;
        }
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_as_long_as_the_longest_ttl_is_enough() {
        let hour = Duration::from_secs(3600);
        assert!(!outlives(3_600_000, hour));
        assert!(outlives(3_600_001, hour));
        assert!(!outlives(3_599_999, hour));
    }

    #[test]
    fn a_record_exactly_as_old_as_the_window_is_kept() {
        assert!(!old_enough(10_000, 9_000, 1_000));
        assert!(old_enough(10_001, 9_000, 1_000));
        assert!(!old_enough(9_999, 9_000, 1_000));
        assert!(
            !old_enough(5_000, 9_000, 1_000),
            "a write time in the future is not old"
        );
    }
}
