//! `cachecore invalidate <DEP_ID>`

use anyhow::Result;

use super::Context;
use crate::cli::InvalidateArgs;
use crate::engine::invalidation::{Plan, Report, finishing_command, generated_hash, invalidate};
use crate::error::Exit;
use crate::layout::{DepId, validate_hash};
use crate::output::{elapsed_text, opt_text, print_table, printable_str, table};
use crate::pace::Pacer;
use crate::store::HashCondition;

pub async fn run(ctx: &Context, args: InvalidateArgs) -> Result<Exit> {
    let plan = plan(args)?;
    let mut store = ctx.store().await?;
    let out = ctx.out;
    // The engine makes the bars it needs; they are cleared here, before the report.
    let bars = std::cell::RefCell::new(Vec::new());
    let report = invalidate(
        &mut store,
        &plan,
        |total| {
            let bar = out.progress(
                Some(total),
                &format!("invalidating {}", printable_str(plan.dep.as_str())),
                "members",
            );
            bars.borrow_mut().push(bar.clone());
            bar
        },
        &ctx.interrupt,
    )
    .await;
    for bar in bars.into_inner() {
        bar.finish_and_clear();
    }
    let report = report.map_err(|e| {
        // A refusal or bad input changed nothing: its text says what to do. Anything else
        // may have stopped half-way, and the finishing command is exact.
        if crate::error::is_refusal_or_invalid(&e) || plan.dry_run {
            return e;
        }
        let new_hash = plan.new_hash.as_deref().unwrap_or_default();
        e.context(format!(
            "invalidating {} failed; finish it with `{}` once Redis answers (every step is safe to repeat)",
            printable_str(plan.dep.as_str()),
            finishing_command(&plan, new_hash)
        ))
    })?;
    if !report.dry_run {
        ctx.audit(&mut store, &[audit_record(ctx, "invalidate", &report)])
            .await;
    }
    ctx.out.emit(&report)?;
    if report.members == 0 && report.dep_id.contains(['*', '?', '[']) {
        ctx.out.note(&format!(
            "dep ids are literals: {} names only the dep whose id is exactly that, and it tagged no entry; to find dep sets by pattern: cachecore deps list --pattern '{}'",
            printable_str(&report.dep_id),
            printable_str(&report.dep_id)
        ));
    }
    if report.interrupted {
        if report.dry_run {
            ctx.out
                .note("interrupted: the dry run's counts are partial");
        } else {
            ctx.out.note(&format!(
                "interrupted: the new hash is already recorded; finish with `{}`",
                finishing_command(&plan, &report.new_hash)
            ));
        }
        return Ok(Exit::Interrupted);
    }
    Ok(Exit::Success)
}

/// Validates everything before Redis is touched.
fn plan(args: InvalidateArgs) -> Result<Plan> {
    let dep = DepId::parse_user(&args.dep_id)?;
    for hash in [&args.new_hash, &args.if_hash].into_iter().flatten() {
        validate_hash(hash)?;
    }
    let condition = match (args.if_hash, args.if_unset) {
        (Some(h), _) => HashCondition::Equals(h),
        (None, true) => HashCondition::Absent,
        (None, false) => HashCondition::Any,
    };
    Ok(Plan {
        dep,
        // Generated here, not in the engine, so that an error can name the exact command
        // that finishes this run.
        new_hash: Some(args.new_hash.unwrap_or_else(generated_hash)),
        condition,
        soft: args.soft,
        dry_run: args.dry_run,
        max_keys: args.max_keys,
        batch_size: args.pace.batch_size as usize,
        pipeline_depth: args.pace.pipeline as usize,
        pacer: args
            .pace
            .rate
            .map_or_else(Pacer::unlimited, Pacer::per_second),
    })
}

impl crate::output::Report for Report {
    fn command(&self) -> &'static str {
        "invalidate"
    }

    fn render(&self) -> Result<()> {
        print_report(self)
    }
}

fn print_report(r: &Report) -> anyhow::Result<()> {
    let mut t = table(&[]);
    let verb = if r.dry_run { "would delete" } else { "deleted" };
    let mode = match (r.dry_run, r.soft) {
        (true, _) => "dry run: nothing written",
        (false, true) => "soft: hash recorded, entries expire by TTL",
        (false, false) => "hash recorded, tagged entries deleted",
    };
    t.add_row(vec!["dep", &printable_str(&r.dep_id)]);
    t.add_row(vec!["mode", mode]);
    t.add_row(vec!["old hash", &opt_text(r.old_hash.as_deref())]);
    t.add_row(vec!["new hash", &printable_str(&r.new_hash)]);
    t.add_row(vec!["members", &crate::output::count(r.members)]);
    t.add_row(vec![
        &format!("L1 {verb}"),
        &crate::output::count(r.l1_deleted),
    ]);
    t.add_row(vec![
        &format!("L2 {verb}"),
        &crate::output::count(r.l2_deleted),
    ]);
    t.add_row(vec!["already gone", &crate::output::count(r.already_gone)]);
    if r.skipped_not_entries > 0 {
        t.add_row(vec![
            "skipped (not entries)",
            &crate::output::count(r.skipped_not_entries),
        ]);
    }
    if r.resumed_runs > 0 {
        t.add_row(vec![
            "earlier runs finished",
            &crate::output::count(r.resumed_runs),
        ]);
    }
    if r.interrupted {
        t.add_row(vec!["interrupted", "yes"]);
    }
    t.add_row(vec![
        "elapsed",
        &elapsed_text(std::time::Duration::from_millis(r.elapsed_ms)),
    ]);
    print_table(&t)?;
    if !r.sample.is_empty() {
        crate::outln!("sample of keys that would be deleted:");
        for key in &r.sample {
            crate::outln!("  {key}");
        }
    }
    Ok(())
}

/// The audit record of one dep's invalidation (also used per dep by `invalidate-many`).
pub fn audit_record(ctx: &Context, command: &str, r: &Report) -> crate::audit::AuditRecord {
    r.audit_record(ctx.audit_record(command))
}
