//! `cachecore deps prune [--pattern GLOB] [--dry-run] [--retire-after DURATION]`
//!
//! Dep sets keep members whose entry expired (entries have TTLs, sets do not): without
//! pruning they grow without bound. A member is removed only if its key does not exist at
//! the moment of removal (checked again inside a script), so an entry a writer stores
//! concurrently keeps its membership.
//!
//! Retiring hash records (`--retire-after`) is safe under this rule, proven in the README
//! ("Retiring hash records"): a non-reserved dep's record is deleted only when its dep set
//! is empty, it has no unfinished invalidation, and it was last written (server clock)
//! longer ago than DURATION, which the operator sets above the longest entry TTL plus the
//! longest request time; the delete is conditional on the write time being unchanged.
//! Before anything is changed, the window is checked against the entries alive now: a
//! window shorter than one of their remaining TTLs, or any entry without a TTL, refuses
//! the whole command.

use std::time::{Duration, Instant};

use anyhow::Result;
use serde::Serialize;

use crate::bookkeeping::{hash_time_key, registry_key};
use crate::cli::PruneArgs;
use crate::commands::Context;
use crate::error::{Exit, refused};
use crate::layout::{
    DEP_HASH_PREFIX, DEP_KEYS_PREFIX, DepId, L1_PREFIX, L2_PREFIX, parse_entry_key,
};
use crate::output::{elapsed_text, print_document, print_table, printable, table, ttl_text};
use crate::store::{ScanPages, Store};

#[derive(Debug, Default, Serialize)]
struct Report {
    sets_scanned: u64,
    members_scanned: u64,
    /// Members whose entry no longer exists: removed (or, in a dry run, removable).
    members_removed: u64,
    /// Sets emptied and so deleted (or, in a dry run, that would be).
    sets_deleted: u64,
    /// Members that are not entry keys (planted, or written by another tool): kept and
    /// never read.
    members_not_entries: u64,
    /// MEMORY USAGE of the pruned sets before minus after (estimates, as Redis gives them).
    bytes_reclaimed: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    retire: Option<Retire>,
    dry_run: bool,
    interrupted: bool,
    elapsed_ms: u64,
}

#[derive(Debug, Default, Serialize)]
struct Retire {
    records_scanned: u64,
    retired: u64,
    kept_has_entries: u64,
    kept_unfinished_runs: u64,
    /// No write time recorded (written before cachecore recorded times, or by another tool).
    kept_unknown_age: u64,
    kept_recent: u64,
    /// Policy versions are never retired: an absent one means "1".
    kept_reserved: u64,
}

pub async fn run(ctx: &Context, args: PruneArgs) -> Result<Exit> {
    let started = Instant::now();
    let mut store = ctx.store().await?;
    // First of all, before the prompt and the pruning: a refusal changes nothing.
    if let Some(window) = args.retire_after {
        check_window(ctx, &mut store, window).await?;
        if ctx.interrupt.is_set() {
            ctx.out
                .note("interrupted while checking entry TTLs; nothing was changed");
            return Ok(Exit::Interrupted);
        }
    }
    if !args.dry_run {
        let retire = args
            .retire_after
            .map(|d| {
                format!(
                    " and retire hash records unwritten for {}",
                    humantime::format_duration(d)
                )
            })
            .unwrap_or_default();
        ctx.confirm(
            args.yes,
            &format!(
                "prune dep sets matching {}{retire} on {}?",
                printable(args.pattern.as_bytes()),
                store.endpoint()
            ),
        )?;
    }
    let mut report = Report {
        dry_run: args.dry_run,
        ..Report::default()
    };
    let bar = ctx.out.progress(None, "pruning", "members");
    let pattern = format!("{DEP_KEYS_PREFIX}{}", args.pattern);
    let mut pages = ScanPages::new(pattern, Some("set"));
    while let Some(sets) = pages.next_page(&mut store).await? {
        let sets: Vec<String> = sets
            .into_iter()
            .filter_map(|s| String::from_utf8(s).ok())
            .collect();
        for wave in sets.chunks(PRUNE_WAVE) {
            if ctx.interrupt.is_set() {
                break;
            }
            prune_wave(ctx, &mut store, wave, &args, &mut report, &bar).await?;
        }
        if ctx.interrupt.is_set() {
            break;
        }
    }
    bar.finish_and_clear();
    if let Some(age) = args.retire_after
        && !ctx.interrupt.is_set()
    {
        report.retire = Some(retire(ctx, &mut store, &args.pattern, age, args.dry_run).await?);
    }
    report.interrupted = ctx.interrupt.is_set();
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    if !args.dry_run {
        let mut record = ctx.audit_record("deps prune");
        record.deps = args.pattern.clone();
        let retired = report.retire.as_ref().map_or(0, |r| r.retired);
        record.counts = crate::audit::counts(&[
            ("sets_scanned", report.sets_scanned),
            ("members_removed", report.members_removed),
            ("sets_deleted", report.sets_deleted),
            ("hash_records_retired", retired),
        ]);
        ctx.audit(&mut store, &[record]).await;
    }
    if ctx.out.json {
        print_document("deps prune", &report)?;
    } else {
        print_report(&report);
    }
    Ok(if report.interrupted {
        Exit::Interrupted
    } else {
        Exit::Success
    })
}

/// Dep sets pruned together: each round is one pipeline for the whole wave, so a wave of
/// small sets costs the round trips of one (see the README's performance section).
const PRUNE_WAVE: usize = 100;

/// Prunes a wave of sets, one page of each per round trip, until every scan is complete.
async fn prune_wave(
    ctx: &Context,
    store: &mut Store,
    sets: &[String],
    args: &PruneArgs,
    report: &mut Report,
    bar: &indicatif::ProgressBar,
) -> Result<()> {
    report.sets_scanned += sets.len() as u64;
    let mut scanned = vec![0u64; sets.len()];
    let mut dangling = vec![0u64; sets.len()];
    let mut before = vec![0u64; sets.len()];
    let mut scanning: Vec<(usize, u64)> = (0..sets.len()).map(|i| (i, 0)).collect();
    while !scanning.is_empty() && !ctx.interrupt.is_set() {
        let steps: Vec<(&str, u64)> = scanning
            .iter()
            .map(|&(i, cursor)| (sets[i].as_str(), cursor))
            .collect();
        let pages = store
            .prune_pages(&steps, args.batch_size, !args.dry_run)
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
            let emptied = if args.dry_run {
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
async fn check_window(ctx: &Context, store: &mut Store, window: Duration) -> Result<()> {
    let bar = ctx.out.progress(None, "checking entry TTLs", "entries");
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
                    bar.finish_and_clear();
                    return Err(refused(format!(
                        "refused to retire hash records: entry {} has no TTL, so it may record an old hash and would be fresh again once that hash's record is retired, however long the window; give it a TTL (EXPIRE) or delete it, then rerun; nothing was changed",
                        printable(key)
                    )));
                }
                if pttl > longest.as_ref().map_or(-1, |(ms, _)| *ms) {
                    longest = Some((pttl, key.clone()));
                }
            }
            if ctx.interrupt.is_set() {
                break 'tiers;
            }
        }
    }
    bar.finish_and_clear();
    if let Some((ms, key)) = longest
        && window.as_millis() < u128::from(ms.unsigned_abs())
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

async fn retire(
    ctx: &Context,
    store: &mut Store,
    pattern: &str,
    age: Duration,
    dry_run: bool,
) -> Result<Retire> {
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
                        Ok(written) if now.saturating_sub(written) > min_age_ms => {
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
        if ctx.interrupt.is_set() {
            break;
        }
    }
    Ok(r)
}

fn print_report(r: &Report) {
    let verb = if r.dry_run { "would be " } else { "" };
    let mut t = table(&[]);
    t.add_row(vec![
        "dep sets scanned".to_string(),
        r.sets_scanned.to_string(),
    ]);
    t.add_row(vec![
        "members scanned".to_string(),
        r.members_scanned.to_string(),
    ]);
    t.add_row(vec![
        format!("members {verb}removed"),
        r.members_removed.to_string(),
    ]);
    t.add_row(vec![
        format!("sets {verb}deleted"),
        r.sets_deleted.to_string(),
    ]);
    if r.members_not_entries > 0 {
        t.add_row(vec![
            "kept: not entry keys".to_string(),
            r.members_not_entries.to_string(),
        ]);
    }
    if !r.dry_run {
        t.add_row(vec![
            "memory reclaimed".to_string(),
            format!("{} bytes", r.bytes_reclaimed),
        ]);
    }
    if let Some(x) = &r.retire {
        t.add_row(vec![
            "hash records scanned".to_string(),
            x.records_scanned.to_string(),
        ]);
        t.add_row(vec![
            format!("hash records {verb}retired"),
            x.retired.to_string(),
        ]);
        t.add_row(vec![
            "kept: entries / unfinished / recent / unknown age / policy".to_string(),
            format!(
                "{} / {} / {} / {} / {}",
                x.kept_has_entries,
                x.kept_unfinished_runs,
                x.kept_recent,
                x.kept_unknown_age,
                x.kept_reserved
            ),
        ]);
    }
    t.add_row(vec![
        "elapsed".to_string(),
        elapsed_text(Duration::from_millis(r.elapsed_ms)),
    ]);
    print_table(&t);
}
