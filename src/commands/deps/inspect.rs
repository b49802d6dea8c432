//! `cachecore deps inspect <DEP_ID>...`

use anyhow::Result;
use serde::Serialize;

use crate::bookkeeping::registry_key;
use crate::cli::InspectArgs;
use crate::commands::Context;
use crate::error::Exit;
use crate::layout::{DepId, Tier, validate_hash};
use crate::output::{
    JSON_VERSION, Output, opt_text, print_json, print_json_line, print_table, printable,
    printable_str, table, ttl_text,
};
use crate::store::Store;
use crate::verdict::{Judged, Verdict, judge_keys};

#[derive(Debug, Default, Serialize)]
struct DepStats {
    dep_id: String,
    current_hash: Option<String>,
    members: u64,
    l1: u64,
    l2: u64,
    /// Members that do not have the shape of an entry key.
    not_entries: u64,
    live: u64,
    dangling: u64,
    fresh: u64,
    stale: u64,
    corrupt: u64,
    /// Invalidation runs that were interrupted and not yet finished.
    unfinished_runs: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    expected_hash: Option<String>,
    /// With --expect-hash: whether this dep passes the gate.
    #[serde(skip_serializing_if = "Option::is_none")]
    ok: Option<bool>,
}

impl DepStats {
    fn count(&mut self, j: &Judged) {
        match j.tier {
            Some(Tier::L1) => self.l1 += 1,
            Some(Tier::L2) => self.l2 += 1,
            None => self.not_entries += 1,
        }
        match j.verdict {
            Verdict::Dangling => self.dangling += 1,
            Verdict::Fresh => self.fresh += 1,
            Verdict::Stale { .. } => self.stale += 1,
            Verdict::Corrupt { .. } => self.corrupt += 1,
        }
        if j.verdict != Verdict::Dangling {
            self.live += 1;
        }
    }

    /// Why this dep fails the `--expect-hash` gate, if it does.
    fn gate_failure(&self) -> Option<String> {
        let expected = self.expected_hash.as_deref()?;
        let mut why = Vec::new();
        if self.current_hash.as_deref() != Some(expected) {
            why.push(format!(
                "current hash is {}, expected {}",
                opt_text(self.current_hash.as_deref()),
                printable_str(expected)
            ));
        }
        if self.stale > 0 {
            why.push(format!("{} live entries are stale", self.stale));
        }
        if self.corrupt > 0 {
            why.push(format!("{} live entries are unreadable", self.corrupt));
        }
        (!why.is_empty()).then(|| format!("{}: {}", printable_str(&self.dep_id), why.join(", ")))
    }
}

#[derive(Serialize)]
struct KeyLine<'a> {
    version: u32,
    #[serde(rename = "type")]
    kind: &'static str,
    dep_id: &'a str,
    key: String,
    tier: Option<Tier>,
    ttl_ms: Option<i64>,
    #[serde(flatten)]
    verdict: &'a Verdict,
}

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    command: &'static str,
    deps: &'a [DepStats],
    #[serde(skip_serializing_if = "Option::is_none")]
    ok: Option<bool>,
    interrupted: bool,
}

pub async fn run(ctx: &Context, args: InspectArgs) -> Result<Exit> {
    let deps = args
        .dep_ids
        .iter()
        .map(|id| DepId::parse(id))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(h) = &args.expect_hash {
        validate_hash(h)?;
    }
    let mut store = ctx.store().await?;
    let mut all = Vec::with_capacity(deps.len());
    let mut interrupted = false;
    for dep in &deps {
        let stats = inspect_one(&mut store, ctx, dep, &args).await?;
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
    let ok = args.expect_hash.as_ref().map(|_| failures.is_empty());
    if ctx.out.json {
        if !args.keys {
            print_json(&Document {
                version: JSON_VERSION,
                command: "deps inspect",
                deps: &all,
                ok,
                interrupted,
            })?;
        }
    } else {
        print_summary(&all);
    }
    for failure in &failures {
        eprintln!("cachecore: check failed: {failure}");
    }
    Ok(if interrupted {
        Exit::Interrupted
    } else if failures.is_empty() {
        Exit::Success
    } else {
        Exit::Negative
    })
}

async fn inspect_one(
    store: &mut Store,
    ctx: &Context,
    dep: &DepId,
    args: &InspectArgs,
) -> Result<DepStats> {
    let set = dep.keys_key();
    let hash_key = dep.hash_key();
    store.expect_type(set.as_bytes(), "set").await?;
    store.expect_type(hash_key.as_bytes(), "string").await?;
    let mut stats = DepStats {
        dep_id: dep.as_str().to_string(),
        current_hash: store.get_string(&hash_key).await?,
        members: store.scard(&set).await?,
        unfinished_runs: store.scard(&registry_key(dep)).await?,
        expected_hash: args.expect_hash.clone(),
        ..DepStats::default()
    };
    let bar = ctx.out.progress(
        Some(stats.members),
        &format!("inspecting {}", printable_str(dep.as_str())),
        "members",
    );
    let mut cursor = 0;
    loop {
        let (next, members) = store.sscan(&set, cursor, args.batch_size as usize).await?;
        bar.inc(members.len() as u64);
        for judged in judge_keys(store, members).await? {
            stats.count(&judged);
            if args.keys {
                print_key(&ctx.out, dep, &judged)?;
            }
        }
        cursor = next;
        if cursor == 0 || ctx.interrupt.is_set() {
            break;
        }
    }
    bar.finish_and_clear();
    stats.ok = stats
        .expected_hash
        .as_ref()
        .map(|_| stats.gate_failure().is_none());
    Ok(stats)
}

/// Rows are printed as they are judged, so listing a huge set needs no memory.
fn print_key(out: &Output, dep: &DepId, j: &Judged) -> Result<()> {
    if out.json {
        return print_json(&KeyLine {
            version: JSON_VERSION,
            kind: "key",
            dep_id: dep.as_str(),
            key: printable(&j.key),
            tier: j.tier,
            ttl_ms: (j.pttl_ms >= 0).then_some(j.pttl_ms),
            verdict: &j.verdict,
        });
    }
    let tier = j.tier.map_or("--".to_string(), |t| t.to_string());
    println!(
        "{:<8} {:>10} {:<2} {}  {}",
        j.verdict.name(),
        ttl_text(j.pttl_ms),
        tier,
        printable(&j.key),
        j.verdict.detail()
    );
    Ok(())
}

fn print_summary(all: &[DepStats]) {
    let mut t = table(&[
        "dep", "hash", "members", "L1", "L2", "dangling", "fresh", "stale", "corrupt",
    ]);
    for s in all {
        t.add_row(vec![
            printable_str(&s.dep_id),
            opt_text(s.current_hash.as_deref()),
            s.members.to_string(),
            s.l1.to_string(),
            s.l2.to_string(),
            s.dangling.to_string(),
            s.fresh.to_string(),
            s.stale.to_string(),
            s.corrupt.to_string(),
        ]);
    }
    print_table(&t);
    for s in all.iter().filter(|s| s.not_entries > 0) {
        println!(
            "note: {} has {} members that are not entry keys",
            printable_str(&s.dep_id),
            s.not_entries
        );
    }
    for s in all.iter().filter(|s| s.unfinished_runs > 0) {
        println!(
            "note: {} has {} interrupted invalidation run(s); rerun `cachecore invalidate` to finish them",
            printable_str(&s.dep_id),
            s.unfinished_runs
        );
    }
}
