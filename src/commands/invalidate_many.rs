//! `cachecore invalidate-many --file F | --dep-ids a,b,c`

use std::io::IsTerminal;
use std::time::Instant;

use anyhow::Result;
use serde::Serialize;

use super::Context;
use crate::cli::InvalidateManyArgs;
use crate::engine::invalidation::{Plan, Report};
use crate::engine::waves::{self, Schedule, Wave};
use crate::error::{Exit, one_line, refused};
use crate::input::depfile::Item;
use crate::layout::validate_hash;
use crate::output::{Line, elapsed_text, opt_text, print_table, printable_str, table};
use crate::pace::Pacer;
use crate::store::{HashCondition, Store};

#[derive(Debug, Default, Serialize)]
struct Summary {
    deps: u64,
    succeeded: u64,
    failed: u64,
    /// Deps not attempted because the connection was lost or the run was interrupted.
    not_started: u64,
    l1_deleted: u64,
    l2_deleted: u64,
    already_gone: u64,
    dry_run: bool,
    interrupted: bool,
    elapsed_ms: u64,
}

#[derive(Serialize)]
struct DepLine<'a> {
    /// Given by the flattened report when there is one; only once per line.
    #[serde(skip_serializing_if = "Option::is_none")]
    dep_id: Option<&'a str>,
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    report: Option<&'a Report>,
    /// The dep as the table shows it.
    #[serde(skip)]
    shown: &'a str,
}

pub async fn run(ctx: &Context, args: InvalidateManyArgs) -> Result<Exit> {
    if let Some(h) = &args.new_hash {
        validate_hash(h)?;
    }
    let mut input = crate::input::DepStream::open(
        &args.input.dep_file(),
        args.dep_ids.as_deref().unwrap_or_default(),
        "nothing was invalidated",
    )?;
    let mut store = ctx.store().await?;
    let asks = !args.yes && !args.dry_run && std::io::stdin().is_terminal();
    if args.max_keys.is_some() || asks {
        let members = count_members(&mut store, input.items()?).await?;
        if let Some(max) = args.max_keys
            && members > max
        {
            return Err(refused(format!(
                "refused: the {} dep sets hold {members} members in all, more than --max-keys {max}; nothing was changed",
                input.count
            )));
        }
        ctx.confirm(
            args.yes,
            &format!(
                "invalidate {} deps ({members} tracked entries) on {}?",
                input.count,
                store.endpoint()
            ),
        )?;
    }
    // Time spent at the prompt is not the command's.
    let started = Instant::now();

    let deps = input.count;
    // Two lines on a terminal: deps done, and member keys as they go (a wave with one big
    // dep would otherwise sit still while its entries are deleted).
    let bar = ctx.out.progress(Some(deps), "invalidating", "deps");
    let keys = ctx.out.progress(None, "deleting", "keys");
    let multi = indicatif::MultiProgress::with_draw_target(if bar.is_hidden() {
        indicatif::ProgressDrawTarget::hidden()
    } else {
        indicatif::ProgressDrawTarget::stderr()
    });
    let bar = multi.add(bar);
    let keys = multi.add(keys);
    multi.suspend(|| {
        ctx.out.for_people(&format!(
            "{:<7} {:<30} {:<24} {:>8} {:>8} {:>8}",
            "status", "dep", "old -> new hash", "L1", "L2", "gone"
        ))
    })?;
    // One budget for the whole run: --rate limits the command, not each dep.
    let pacer = args
        .pace
        .rate
        .map_or_else(Pacer::unlimited, Pacer::per_second);
    let schedule = Schedule {
        wave: args.wave as usize,
        concurrency: args.concurrency as usize,
    };
    let mut items = input.items()?;
    let plans = items.by_ref().map(|item| plan_for(item, &args, &pacer));
    let mut appends = tokio::task::JoinSet::new();
    let totals = waves::run(&store, plans, schedule, &keys, &ctx.interrupt, async |wave: Wave<'_>| {
        // One audit record for the wave (see `audit::wave`). After a lost connection the
        // append would only wait out another timeout: say so instead.
        let records: Vec<_> = wave
            .results
            .iter()
            .filter_map(|r| r.as_ref().ok())
            .filter(|r| !r.dry_run)
            .map(|r| super::invalidate::audit_record(ctx, "invalidate-many", r))
            .collect();
        if wave.connection_lost {
            if !records.is_empty() {
                crate::output::warn(&format!(
                    "{} deps were done, but the connection was lost before their audit records could be written",
                    records.len()
                ));
            }
        } else if !records.is_empty() {
            ctx.audit_in_background(&mut appends, &store, crate::audit::AuditRecord::wave(records));
            // A few appends in flight at most: each holds its wave's records.
            while appends.len() > schedule.concurrency {
                appends.join_next().await;
            }
        }
        for (plan, result) in wave.plans.iter().zip(wave.results) {
            multi.suspend(|| print_result(ctx, plan.dep.as_str(), result))?;
            bar.inc(1);
        }
        bar.set_message(format!(
            "{} keys deleted",
            wave.totals.l1_deleted + wave.totals.l2_deleted
        ));
        Ok(())
    })
    .await?;
    while appends.join_next().await.is_some() {}
    bar.finish_and_clear();
    keys.finish_and_clear();
    let summary = Summary {
        deps,
        succeeded: totals.succeeded,
        failed: totals.failed,
        not_started: totals.not_started,
        l1_deleted: totals.l1_deleted,
        l2_deleted: totals.l2_deleted,
        already_gone: totals.already_gone,
        dry_run: args.dry_run,
        interrupted: totals.interrupted,
        elapsed_ms: started.elapsed().as_millis() as u64,
    };
    ctx.out.line(&summary)?;
    if let Some(e) = items.error {
        return Err(crate::error::failed(e));
    }

    Ok(if summary.interrupted {
        ctx.out.note(&rerun_advice("interrupted"));
        Exit::Interrupted
    } else if totals.lost_connection {
        ctx.out.note(&rerun_advice("lost the connection to Redis"));
        Exit::Redis
    } else if summary.failed > 0 {
        Exit::Negative
    } else {
        Exit::Success
    })
}

/// What a rerun of the same command does, said truthfully: unconditional deps are redone
/// (and their unfinished runs finished); a dep with an if_hash that was already done is
/// refused, its hash being the new one already.
fn rerun_advice(what: &str) -> String {
    format!(
        "{what}: rerun the same command to finish (the result lines say which deps were done); a dep with an if_hash that was already done will be refused, as its hash is already the new one"
    )
}

fn plan_for(item: Item, args: &InvalidateManyArgs, pacer: &Pacer) -> Plan {
    Plan {
        dep: item.dep,
        new_hash: item.new_hash.or_else(|| args.new_hash.clone()),
        condition: item
            .if_hash
            .map_or(HashCondition::Any, HashCondition::Equals),
        soft: false,
        dry_run: args.dry_run,
        max_keys: None,
        batch_size: args.pace.batch_size as usize,
        pipeline_depth: args.pace.pipeline as usize,
        pacer: pacer.clone(),
    }
}

/// The members of every dep set of the input, 1,000 SCARDs a round trip.
async fn count_members(store: &mut Store, mut items: crate::input::Items<'_>) -> Result<u64> {
    let mut total = 0;
    loop {
        let keys: Vec<String> = items
            .by_ref()
            .take(1000)
            .map(|i| i.dep.keys_key())
            .collect();
        if keys.is_empty() {
            break;
        }
        total += store.scards(&keys).await?.iter().sum::<u64>();
    }
    match items.error {
        Some(e) => Err(crate::error::failed(e)),
        None => Ok(total),
    }
}

fn print_result(ctx: &Context, dep: &str, result: &Result<Report>) -> Result<()> {
    ctx.out.line(&DepLine {
        dep_id: result.is_err().then_some(dep),
        shown: dep,
        ok: result.as_ref().is_ok_and(|r| !r.interrupted),
        error: result.as_ref().err().map(one_line),
        report: result.as_ref().ok(),
    })
}

impl Line for DepLine<'_> {
    fn kind(&self) -> &'static str {
        "dep"
    }

    fn render(&self) -> Result<()> {
        match self.report {
            Some(r) => crate::outln!(
                "{:<7} {:<30} {:<24} {:>8} {:>8} {:>8}",
                if r.interrupted {
                    "stopped"
                } else if r.dry_run {
                    "would"
                } else {
                    "ok"
                },
                printable_str(self.shown),
                format!(
                    "{} -> {}",
                    opt_text(r.old_hash.as_deref()),
                    printable_str(&r.new_hash)
                ),
                crate::output::count(r.l1_deleted),
                crate::output::count(r.l2_deleted),
                crate::output::count(r.already_gone)
            ),
            None => crate::outln!(
                "{:<7} {:<30} {}",
                "FAILED",
                printable_str(self.shown),
                self.error.as_deref().unwrap_or_default()
            ),
        }
        Ok(())
    }
}

impl Line for Summary {
    fn kind(&self) -> &'static str {
        "summary"
    }

    fn render(&self) -> Result<()> {
        print_summary(self)
    }
}

fn print_summary(s: &Summary) -> Result<()> {
    let verb = if s.dry_run { "would delete" } else { "deleted" };
    let mut t = table(&[]);
    t.add_row(vec!["deps".to_string(), crate::output::count(s.deps)]);
    t.add_row(vec![
        "succeeded".to_string(),
        crate::output::count(s.succeeded),
    ]);
    t.add_row(vec!["failed".to_string(), crate::output::count(s.failed)]);
    if s.not_started > 0 {
        t.add_row(vec![
            "not started".to_string(),
            crate::output::count(s.not_started),
        ]);
    }
    t.add_row(vec![
        format!("L1 {verb}"),
        crate::output::count(s.l1_deleted),
    ]);
    t.add_row(vec![
        format!("L2 {verb}"),
        crate::output::count(s.l2_deleted),
    ]);
    t.add_row(vec![
        "already gone".to_string(),
        crate::output::count(s.already_gone),
    ]);
    t.add_row(vec![
        "elapsed".to_string(),
        elapsed_text(std::time::Duration::from_millis(s.elapsed_ms)),
    ]);
    print_table(&t)?;
    Ok(())
}
