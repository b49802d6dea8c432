//! The gateway's Prometheus metrics, appended to `serve`'s on the same `/metrics`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::service::serve::metrics::Histogram;

#[derive(Debug, Default)]
pub struct Metrics {
    hits_fresh: AtomicU64,
    hits_stale: AtomicU64,
    peeks: AtomicU64,
    lookup_scripts: AtomicU64,
    misses: AtomicU64,
    bypass: AtomicU64,
    coalesced: AtomicU64,
    redis_errors: AtomicU64,
    bytes_cached: AtomicU64,
    entries_written: AtomicU64,
    refusals: Mutex<BTreeMap<&'static str, u64>>,
    not_written: Mutex<BTreeMap<&'static str, u64>>,
    upstream: Mutex<Histogram>,
    hit: Mutex<Histogram>,
}

fn bump(map: &Mutex<BTreeMap<&'static str, u64>>, reason: &'static str) {
    *map.lock()
        .expect("metrics poisoned")
        .entry(reason)
        .or_default() += 1;
}

impl Metrics {
    pub fn hit(&self, stale: bool, took: Duration) {
        let c = if stale {
            &self.hits_stale
        } else {
            &self.hits_fresh
        };
        c.fetch_add(1, Ordering::Relaxed);
        self.hit.lock().expect("metrics poisoned").observe(took);
    }
    /// A lookup made: `"peek"` (plain reads) or `"script"`.
    pub fn lookup(&self, kind: &'static str) {
        let c = if kind == "peek" {
            &self.peeks
        } else {
            &self.lookup_scripts
        };
        c.fetch_add(1, Ordering::Relaxed);
    }
    pub fn miss(&self) {
        self.misses.fetch_add(1, Ordering::Relaxed);
    }
    pub fn bypass(&self) {
        self.bypass.fetch_add(1, Ordering::Relaxed);
    }
    pub fn coalesced(&self) {
        self.coalesced.fetch_add(1, Ordering::Relaxed);
    }
    pub fn redis_error(&self) {
        self.redis_errors.fetch_add(1, Ordering::Relaxed);
    }
    pub fn refused(&self, reason: &'static str) {
        bump(&self.refusals, reason);
    }
    pub fn not_written(&self, reason: &'static str) {
        bump(&self.not_written, reason);
    }
    pub fn written(&self, bytes: usize) {
        self.entries_written.fetch_add(1, Ordering::Relaxed);
        self.bytes_cached.fetch_add(bytes as u64, Ordering::Relaxed);
    }
    pub fn upstream(&self, took: Duration) {
        self.upstream
            .lock()
            .expect("metrics poisoned")
            .observe(took);
    }

    pub fn render(&self, out: &mut String) {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "# HELP cachecore_gateway_hits_total Answers served from the cache, by tier.\n# TYPE cachecore_gateway_hits_total counter\ncachecore_gateway_hits_total{{tier=\"HIT_L1\"}} {}\ncachecore_gateway_hits_total{{tier=\"HIT_L1_STALE\"}} {}",
            get(&self.hits_fresh),
            get(&self.hits_stale)
        );
        let _ = writeln!(
            out,
            "# HELP cachecore_gateway_lookups_total First Redis lookups of chat requests, and second looks: plain commands (peek) when the caller's namespace is known, else the lookup script (a token's first request, a refused entry's second look, a follower's polls).\n# TYPE cachecore_gateway_lookups_total counter\ncachecore_gateway_lookups_total{{kind=\"peek\"}} {}\ncachecore_gateway_lookups_total{{kind=\"script\"}} {}",
            get(&self.peeks),
            get(&self.lookup_scripts)
        );
        for (name, help, c) in [
            (
                "misses",
                "Cacheable requests answered by the upstream.",
                &self.misses,
            ),
            (
                "bypass",
                "Requests forwarded without the cache (no credential, Redis away, or not cacheable).",
                &self.bypass,
            ),
            (
                "coalesced_followers",
                "Misses answered by another request's upstream call.",
                &self.coalesced,
            ),
            (
                "redis_errors",
                "Redis failures; each request concerned went upstream uncached.",
                &self.redis_errors,
            ),
            ("entries_written", "Entries written.", &self.entries_written),
            (
                "bytes_cached",
                "Bytes of response bodies written to the cache.",
                &self.bytes_cached,
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP cachecore_gateway_{name}_total {help}\n# TYPE cachecore_gateway_{name}_total counter\ncachecore_gateway_{name}_total {}",
                get(c)
            );
        }
        self.render_reasons_and_latency(out);
    }

    /// The counters by reason and the latency histograms.
    fn render_reasons_and_latency(&self, out: &mut String) {
        for (name, help, map) in [
            (
                "refusals",
                "Entries found but not served, by reason (the request was a miss).",
                &self.refusals,
            ),
            (
                "not_written",
                "Answers not cached, by reason.",
                &self.not_written,
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP cachecore_gateway_{name}_total {help}\n# TYPE cachecore_gateway_{name}_total counter"
            );
            for (reason, n) in map.lock().expect("metrics poisoned").iter() {
                let _ = writeln!(
                    out,
                    "cachecore_gateway_{name}_total{{reason=\"{reason}\"}} {n}"
                );
            }
        }
        for (name, help, h) in [
            (
                "upstream_seconds",
                "Upstream time to the end of the answer.",
                &self.upstream,
            ),
            ("hit_seconds", "Time to answer a hit.", &self.hit),
        ] {
            let _ = writeln!(
                out,
                "# HELP cachecore_gateway_{name} {help}\n# TYPE cachecore_gateway_{name} histogram"
            );
            h.lock().expect("metrics poisoned").render(
                out,
                &format!("cachecore_gateway_{name}"),
                "",
            );
        }
    }
}
