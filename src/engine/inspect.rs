//! What `deps inspect` and `GET /v1/deps/{dep_id}` report of a dep: its hash, its set's
//! members judged by the freshness rule (fresh, stale, dangling, unreadable), unfinished
//! runs, and with an expected hash the CI gate's verdict. Read in SSCAN pages, so a set of
//! any size costs a page of memory.

use anyhow::Result;
use indicatif::ProgressBar;
use serde::Serialize;

use crate::bookkeeping::{is_pending_key_of, registry_key};
use crate::engine::verdict::{Judged, Verdict, judge_keys};
use crate::interrupt::Interrupt;
use crate::layout::{DepId, Tier};
use crate::output::{opt_text, printable_str};
use crate::store::Store;

#[derive(Debug, Default, Serialize)]
pub struct DepStats {
    pub dep_id: String,
    pub current_hash: Option<String>,
    pub members: u64,
    pub l1: u64,
    pub l2: u64,
    /// Members that do not have the shape of an entry key.
    pub not_entries: u64,
    pub live: u64,
    pub dangling: u64,
    pub fresh: u64,
    pub stale: u64,
    pub corrupt: u64,
    /// Invalidation runs that were interrupted and not yet finished.
    pub unfinished_runs: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_hash: Option<String>,
    /// With --expect-hash: whether this dep passes the gate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ok: Option<bool>,
    /// With --expect-hash: why the gate failed (empty when it passed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failures: Option<Vec<String>>,
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
    pub fn gate_failure(&self) -> Option<String> {
        let why = self.failures.as_ref().filter(|w| !w.is_empty())?;
        Some(format!(
            "{}: {}",
            printable_str(&self.dep_id),
            why.join(", ")
        ))
    }
}

/// The `deps inspect` document: every dep's stats, the gate's verdict when there is one.
#[derive(Serialize)]
pub struct Inspection<'a> {
    pub deps: &'a [DepStats],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ok: Option<bool>,
    pub interrupted: bool,
}

/// Reads one dep: its hash, set size and unfinished runs, then every member judged, page by
/// page (`batch_size` members per SSCAN). `on_key` sees each judged member as it is read
/// and returns whether to go on (a reader that went away stops the scan); an interrupt
/// stops it between pages.
pub async fn inspect_dep(
    store: &mut Store,
    dep: &DepId,
    expected_hash: Option<String>,
    batch_size: usize,
    bar: &ProgressBar,
    interrupt: &Interrupt,
    mut on_key: impl FnMut(&Judged) -> Result<bool>,
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
    bar.set_length(stats.members);
    let mut cursor = 0;
    let mut reading = true;
    while reading {
        let (next, members) = store.sscan(&set, cursor, batch_size).await?;
        bar.inc(members.len() as u64);
        for judged in judge_keys(store, members).await? {
            stats.count(&judged);
            reading &= on_key(&judged)?;
        }
        cursor = next;
        reading &= cursor != 0 && !interrupt.is_set();
    }
    stats.failures = stats.gate_failures();
    stats.ok = stats.failures.as_ref().map(Vec::is_empty);
    Ok(stats)
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
