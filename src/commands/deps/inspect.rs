//! `cachecore deps inspect <DEP_ID>...`

use anyhow::Result;
use serde::Serialize;

use crate::cli::InspectArgs;
use crate::commands::Context;
use crate::engine::inspect::{DepStats, Inspection, inspect_dep};
use crate::engine::verdict::{Judged, Verdict};
use crate::error::Exit;
use crate::input::DepStream;
use crate::layout::{DepId, Tier, validate_hash};
use crate::output::{
    Line, Output, Report, opt_text, print_json_line, print_table, printable, printable_str, table,
    ttl_text,
};
use crate::store::Store;

#[derive(Serialize)]
struct KeyLine<'a> {
    dep_id: &'a str,
    key: String,
    tier: Option<Tier>,
    ttl_ms: Option<i64>,
    /// The table's TTL column (`gone`, `none`, `--` when not read).
    #[serde(skip)]
    pttl_ms: Option<i64>,
    #[serde(flatten)]
    verdict: &'a Verdict,
}

pub async fn run(ctx: &Context, args: InspectArgs) -> Result<Exit> {
    if let Some(h) = &args.expect_hash {
        validate_hash(h)?;
    }
    let mut input = DepStream::open(&args.input.dep_file(), &args.dep_ids, "nothing was checked")?;
    let mut store = ctx.store().await?;
    let mut all = Vec::new();
    let mut interrupted = false;
    let mut items = input.items()?;
    for item in items.by_ref() {
        let expected = item.new_hash.clone().or_else(|| args.expect_hash.clone());
        let stats = inspect_one(&mut store, ctx, &item.dep, expected, &args).await?;
        if args.keys && ctx.out.json {
            print_json_line("dep", &stats)?;
        }
        all.push(stats);
        if ctx.interrupt.is_set() {
            interrupted = true;
            break;
        }
    }
    let failures: Vec<String> = all.iter().filter_map(DepStats::gate_failure).collect();
    let gated = args.expect_hash.is_some() || all.iter().any(|s| s.expected_hash.is_some());
    let ok = gated.then_some(failures.is_empty());
    // With --keys and --json the per-dep lines were the output.
    if !(args.keys && ctx.out.json) {
        ctx.out.emit(&Inspection {
            deps: &all,
            ok,
            interrupted,
        })?;
    }
    if let Some(e) = items.error {
        return Err(crate::error::failed(e));
    }
    if all.is_empty() && !interrupted {
        ctx.out.note("the input names no deps; nothing was checked");
    }
    for failure in &failures {
        crate::error::print_check_failed(failure);
    }
    Ok(if interrupted {
        Exit::Interrupted
    } else if failures.is_empty() {
        Exit::Success
    } else {
        Exit::Negative
    })
}

/// One dep through the engine, with its progress bar and, with `--keys`, its members
/// printed as they are judged (a reader that went away stops the scan).
async fn inspect_one(
    store: &mut Store,
    ctx: &Context,
    dep: &DepId,
    expected_hash: Option<String>,
    args: &InspectArgs,
) -> Result<DepStats> {
    let bar = ctx.out.progress(
        Some(0),
        &format!("inspecting {}", printable_str(dep.as_str())),
        "members",
    );
    if args.keys {
        // The key rows stream (no table: a huge set needs no memory), under one header.
        ctx.out
            .for_people(&key_row("verdict", "ttl", "tier", "key", ""))?;
    }
    let stats = inspect_dep(
        store,
        dep,
        expected_hash,
        args.batch_size as usize,
        &bar,
        &ctx.interrupt,
        |judged| {
            if !args.keys {
                return Ok(true);
            }
            print_key(&ctx.out, dep, judged)?;
            Ok(!crate::output::stdout_closed())
        },
    )
    .await?;
    bar.finish_and_clear();
    Ok(stats)
}

/// Rows are printed as they are judged, so listing a huge set needs no memory.
fn print_key(out: &Output, dep: &DepId, j: &Judged) -> Result<()> {
    out.line(&KeyLine {
        dep_id: dep.as_str(),
        key: printable(&j.key),
        tier: j.tier,
        ttl_ms: j.pttl_ms.filter(|t| *t >= 0),
        pttl_ms: j.pttl_ms,
        verdict: &j.verdict,
    })
}

/// One row of `--keys`, in fixed columns, without trailing spaces.
fn key_row(verdict: &str, ttl: &str, tier: &str, key: &str, detail: &str) -> String {
    format!("{verdict:<8} {ttl:>12} {tier:<4} {key}  {detail}")
        .trim_end()
        .to_string()
}

impl Line for KeyLine<'_> {
    fn kind(&self) -> &'static str {
        "key"
    }

    fn render(&self) -> Result<()> {
        let tier = self.tier.map_or("--".to_string(), |t| t.to_string());
        let ttl = self.pttl_ms.map_or_else(|| "--".to_string(), ttl_text);
        let detail = self.verdict.detail();
        crate::outln!(
            "{}",
            key_row(self.verdict.name(), &ttl, &tier, &self.key, &detail)
        );
        Ok(())
    }
}

impl Report for Inspection<'_> {
    fn command(&self) -> &'static str {
        "deps inspect"
    }

    fn render(&self) -> Result<()> {
        print_summary(self.deps)
    }
}

fn print_summary(all: &[DepStats]) -> anyhow::Result<()> {
    let mut t = table(&[
        "dep", "hash", "members", "L1", "L2", "dangling", "fresh", "stale", "corrupt",
    ]);
    for s in all {
        t.add_row(vec![
            printable_str(&s.dep_id),
            opt_text(s.current_hash.as_deref()),
            crate::output::count(s.members),
            crate::output::count(s.l1),
            crate::output::count(s.l2),
            crate::output::count(s.dangling),
            crate::output::count(s.fresh),
            crate::output::count(s.stale),
            crate::output::count(s.corrupt),
        ]);
    }
    print_table(&t)?;
    for s in all.iter().filter(|s| s.not_entries > 0) {
        crate::outln!(
            "note: {} has {} members that are not entry keys",
            printable_str(&s.dep_id),
            s.not_entries
        );
    }
    for s in all.iter().filter(|s| s.unfinished_runs > 0) {
        crate::outln!(
            "note: {} has {} interrupted invalidation run(s); rerun `cachecore invalidate` to finish them",
            printable_str(&s.dep_id),
            s.unfinished_runs
        );
    }
    Ok(())
}
