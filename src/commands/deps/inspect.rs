//! `cachecore deps inspect <DEP_ID>...`

use anyhow::Result;
use serde::Serialize;

use crate::bookkeeping::{is_pending_key_of, registry_key};
use crate::cli::InspectArgs;
use crate::commands::Context;
use crate::engine::verdict::{Judged, Verdict, judge_keys};
use crate::error::Exit;
use crate::input::DepStream;
use crate::layout::{DepId, Tier, validate_hash};
use crate::output::{
    Line, Output, Report, opt_text, print_json_line, print_table, printable, printable_str, table,
    ttl_text,
};
use crate::store::Store;

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
    /// With --expect-hash: why the gate failed (empty when it passed).
    #[serde(skip_serializing_if = "Option::is_none")]
    failures: Option<Vec<String>>,
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
            Verdict::NotEntry => {}
        }
        if !matches!(j.verdict, Verdict::Dangling | Verdict::NotEntry) {
            self.live += 1;
        }
    }

    /// Why this dep fails the `--expect-hash` gate: the hash is not the expected one, an
    /// interrupted invalidation still holds entries, or a live entry is stale or
    /// unreadable. Empty when it passes; `None` without a gate.
    fn gate_failures(&self) -> Option<Vec<String>> {
        let expected = self.expected_hash.as_deref()?;
        let mut why = Vec::new();
        if self.current_hash.as_deref() != Some(expected) {
            why.push(format!(
                "current hash is {}, expected {}",
                opt_text(self.current_hash.as_deref()),
                printable_str(expected)
            ));
        }
        if self.unfinished_runs > 0 {
            why.push(format!(
                "{} interrupted invalidation run(s) are unfinished (`cachecore invalidate` finishes them)",
                self.unfinished_runs
            ));
        }
        if self.stale > 0 {
            why.push(format!("{} live entries are stale", self.stale));
        }
        if self.corrupt > 0 {
            why.push(format!("{} live entries are unreadable", self.corrupt));
        }
        Some(why)
    }

    /// The gate's verdict as one line, if it failed.
    fn gate_failure(&self) -> Option<String> {
        let why = self.failures.as_ref().filter(|w| !w.is_empty())?;
        Some(format!(
            "{}: {}",
            printable_str(&self.dep_id),
            why.join(", ")
        ))
    }
}

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

#[derive(Serialize)]
struct Document<'a> {
    deps: &'a [DepStats],
    #[serde(skip_serializing_if = "Option::is_none")]
    ok: Option<bool>,
    interrupted: bool,
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
        ctx.out.emit(&Document {
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

/// The `deps inspect --json` document of one dep, for `GET /v1/deps/{dep_id}` of the HTTP
/// API: the same counts, read the same way.
pub(crate) async fn document_for(
    store: &mut Store,
    ctx: &Context,
    dep: &DepId,
) -> Result<serde_json::Value> {
    let args = InspectArgs {
        dep_ids: Vec::new(),
        input: crate::cli::DepFileArgs {
            file: None,
            format: crate::input::depfile::Format::Auto,
            max_lines: crate::input::depfile::DEFAULT_MAX_LINES,
        },
        keys: false,
        expect_hash: None,
        batch_size: 1000,
    };
    let stats = inspect_one(store, ctx, dep, None, &args).await?;
    let doc = Document {
        deps: std::slice::from_ref(&stats),
        ok: None,
        interrupted: ctx.interrupt.is_set(),
    };
    Ok(serde_json::to_value(crate::output::document(
        doc.command(),
        &doc,
    ))?)
}

async fn inspect_one(
    store: &mut Store,
    ctx: &Context,
    dep: &DepId,
    expected_hash: Option<String>,
    args: &InspectArgs,
) -> Result<DepStats> {
    let set = dep.keys_key();
    let hash_key = dep.hash_key();
    let registry = registry_key(dep);
    store.expect_type(set.as_bytes(), "set").await?;
    store.expect_type(hash_key.as_bytes(), "string").await?;
    store.expect_type(registry.as_bytes(), "set").await?;
    let runs = store.smembers(&registry).await?;
    let mut stats = DepStats {
        dep_id: dep.as_str().to_string(),
        current_hash: store.get_string(&hash_key).await?,
        members: store.scard(&set).await?,
        unfinished_runs: runs.iter().filter(|k| is_pending_key_of(dep, k)).count() as u64,
        expected_hash,
        ..DepStats::default()
    };
    let bar = ctx.out.progress(
        Some(stats.members),
        &format!("inspecting {}", printable_str(dep.as_str())),
        "members",
    );
    if args.keys && !ctx.out.json {
        // The key rows stream (no table: a huge set needs no memory), under one header.
        crate::outln!("{}", key_row("verdict", "ttl", "tier", "key", ""));
    }
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
        if cursor == 0 || ctx.interrupt.is_set() || (args.keys && crate::output::stdout_closed()) {
            break;
        }
    }
    bar.finish_and_clear();
    stats.failures = stats.gate_failures();
    stats.ok = stats.failures.as_ref().map(Vec::is_empty);
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

impl Report for Document<'_> {
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

#[cfg(test)]
mod tests {
    use super::DepStats;

    fn gated(current: Option<&str>) -> DepStats {
        DepStats {
            dep_id: "doc:1".into(),
            current_hash: current.map(str::to_string),
            expected_hash: Some("v2".into()),
            ..DepStats::default()
        }
    }

    #[test]
    fn without_an_expected_hash_there_is_no_gate() {
        let stats = DepStats {
            current_hash: Some("v1".into()),
            stale: 3,
            unfinished_runs: 1,
            ..DepStats::default()
        };
        assert_eq!(stats.gate_failures(), None);
    }

    #[test]
    fn a_dep_at_the_expected_hash_with_nothing_left_passes() {
        let stats = DepStats {
            members: 5,
            live: 2,
            fresh: 2,
            dangling: 3,
            ..gated(Some("v2"))
        };
        assert_eq!(stats.gate_failures(), Some(vec![]));
    }

    #[test]
    fn each_reason_fails_the_gate_on_its_own() {
        let hash = gated(Some("v1")).gate_failures().unwrap();
        assert_eq!(hash, ["current hash is v1, expected v2"]);
        let absent = gated(None).gate_failures().unwrap();
        assert_eq!(absent, ["current hash is (absent), expected v2"]);
        let runs = DepStats {
            unfinished_runs: 1,
            ..gated(Some("v2"))
        };
        let runs = runs.gate_failures().unwrap();
        assert_eq!(runs.len(), 1);
        assert!(
            runs[0].starts_with("1 interrupted invalidation run(s)"),
            "{runs:?}"
        );
        let stale = DepStats {
            stale: 1,
            ..gated(Some("v2"))
        };
        assert_eq!(stale.gate_failures().unwrap(), ["1 live entries are stale"]);
        let corrupt = DepStats {
            corrupt: 2,
            ..gated(Some("v2"))
        };
        assert_eq!(
            corrupt.gate_failures().unwrap(),
            ["2 live entries are unreadable"]
        );
        let all = DepStats {
            unfinished_runs: 2,
            stale: 3,
            corrupt: 4,
            ..gated(None)
        };
        assert_eq!(all.gate_failures().unwrap().len(), 4);
    }

    #[test]
    fn the_failure_line_names_the_dep_and_every_reason() {
        let mut stats = gated(Some("v2"));
        assert_eq!(stats.gate_failure(), None, "no gate run yet");
        stats.failures = Some(vec![]);
        assert_eq!(stats.gate_failure(), None, "passed");
        stats.failures = Some(vec!["a".into(), "b".into()]);
        assert_eq!(stats.gate_failure().as_deref(), Some("doc:1: a, b"));
    }
}
