//! `cachecore deps prune [--pattern GLOB] [--dry-run] [--retire-after DURATION]`
//!
//! Checks the retirement window first (a refusal changes nothing), asks, prunes, retires,
//! then reports; the how and why are in [`crate::engine::prune`].

use std::time::{Duration, Instant};

use anyhow::Result;

use crate::cli::PruneArgs;
use crate::commands::Context;
use crate::engine::prune::{self, Report};
use crate::error::Exit;
use crate::output::{elapsed_text, print_table, printable, table};

pub async fn run(ctx: &Context, args: PruneArgs) -> Result<Exit> {
    let mut store = ctx.store().await?;
    // First of all, before the prompt and the pruning: a refusal changes nothing.
    if let Some(window) = args.retire_after {
        let bar = ctx.out.progress(None, "checking entry TTLs", "entries");
        let checked = prune::check_window(&mut store, window, &bar, &ctx.interrupt).await;
        bar.finish_and_clear();
        checked?;
        if ctx.interrupt.is_set() {
            ctx.out
                .note("interrupted while checking entry TTLs; nothing was changed");
            return Ok(Exit::Interrupted);
        }
    }
    if !args.dry_run {
        ctx.require_named(
            args.yes,
            args.pattern.is_some(),
            "the dep sets to prune (--pattern)",
        )?;
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
                printable(args.pattern().as_bytes()),
                store.endpoint()
            ),
        )?;
    }
    // Time spent at the prompt is not the command's.
    let started = Instant::now();
    let plan = prune::Plan {
        pattern: args.pattern(),
        batch_size: args.batch_size,
        dry_run: args.dry_run,
    };
    let bar = ctx.out.progress(None, "pruning", "members");
    let mut report = prune::prune(&mut store, &plan, &bar, &ctx.interrupt).await?;
    bar.finish_and_clear();
    if let Some(age) = args.retire_after
        && !ctx.interrupt.is_set()
    {
        report.retire = Some(prune::retire(&mut store, &plan, age, &ctx.interrupt).await?);
    }
    report.interrupted = ctx.interrupt.is_set();
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    if !args.dry_run {
        let mut record = ctx.audit_record("deps prune");
        record.deps = args.pattern().to_string();
        let retired = report.retire.as_ref().map_or(0, |r| r.retired);
        record.counts = crate::audit::counts(&[
            ("sets_scanned", report.sets_scanned),
            ("members_removed", report.members_removed),
            ("sets_deleted", report.sets_deleted),
            ("hash_records_retired", retired),
        ]);
        ctx.audit(&mut store, &[record]).await;
    }
    ctx.out.emit(&report)?;
    Ok(if report.interrupted {
        Exit::Interrupted
    } else {
        Exit::Success
    })
}

impl crate::output::Report for Report {
    fn command(&self) -> &'static str {
        "deps prune"
    }

    fn render(&self) -> Result<()> {
        print_report(self)
    }
}

fn print_report(r: &Report) -> anyhow::Result<()> {
    let verb = if r.dry_run { "would be " } else { "" };
    let mut t = table(&[]);
    t.add_row(vec![
        "dep sets scanned".to_string(),
        crate::output::count(r.sets_scanned),
    ]);
    t.add_row(vec![
        "members scanned".to_string(),
        crate::output::count(r.members_scanned),
    ]);
    t.add_row(vec![
        format!("members {verb}removed"),
        crate::output::count(r.members_removed),
    ]);
    t.add_row(vec![
        format!("sets {verb}deleted"),
        crate::output::count(r.sets_deleted),
    ]);
    if r.members_not_entries > 0 {
        t.add_row(vec![
            "kept: not entry keys".to_string(),
            crate::output::count(r.members_not_entries),
        ]);
    }
    if !r.dry_run {
        t.add_row(vec![
            "memory reclaimed".to_string(),
            format!("{} bytes", crate::output::count(r.bytes_reclaimed)),
        ]);
    }
    if let Some(x) = &r.retire {
        t.add_row(vec![
            "hash records scanned".to_string(),
            crate::output::count(x.records_scanned),
        ]);
        t.add_row(vec![
            format!("hash records {verb}retired"),
            crate::output::count(x.retired),
        ]);
        // One row per reason a record is kept, so each figure sits beside its name.
        for (why, n) in [
            (
                "hash records kept: entries still tagged",
                x.kept_has_entries,
            ),
            ("hash records kept: unfinished runs", x.kept_unfinished_runs),
            ("hash records kept: written recently", x.kept_recent),
            ("hash records kept: unknown age", x.kept_unknown_age),
            ("hash records kept: policy versions", x.kept_reserved),
        ] {
            t.add_row(vec![why.to_string(), crate::output::count(n)]);
        }
    }
    t.add_row(vec![
        "elapsed".to_string(),
        elapsed_text(Duration::from_millis(r.elapsed_ms)),
    ]);
    print_table(&t)?;
    Ok(())
}
