//! `GET /metrics` in the Prometheus text format, written by hand: a few counters, one
//! gauge and two histograms do not justify the `prometheus` crate (protobuf and a global
//! registry) or `metrics` with an exporter of its own HTTP server. Per replica, in memory,
//! as Prometheus expects: it sums the replicas.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds in seconds, from a local round trip to a slow drain.
const BUCKETS: [f64; 14] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

#[derive(Debug, Clone, Default)]
pub(crate) struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    pub(crate) fn observe(&mut self, d: Duration) {
        let secs = d.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|&b| secs <= b) {
            self.counts[i] += 1;
        }
        self.count += 1;
        self.sum += secs;
    }

    pub(crate) fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        let mut cumulative = 0;
        for (bound, n) in BUCKETS.iter().zip(self.counts) {
            cumulative += n;
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {cumulative}"
            );
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}",
            self.count
        );
        let braces = |s: &str| {
            if s.is_empty() {
                String::new()
            } else {
                format!("{{{s}}}")
            }
        };
        let _ = writeln!(out, "{name}_sum{} {}", braces(labels), self.sum);
        let _ = writeln!(out, "{name}_count{} {}", braces(labels), self.count);
    }
}

/// Every metric of one process.
#[derive(Debug, Default)]
pub struct Metrics {
    /// (route, method, status) -> requests.
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    durations: Mutex<BTreeMap<String, Histogram>>,
    /// Redis round trips the service makes itself (the token lookup of every request,
    /// readiness PINGs, job reads), by operation.
    redis: Mutex<BTreeMap<&'static str, Histogram>>,
    /// Deps invalidated, by outcome.
    invalidations: Mutex<BTreeMap<&'static str, u64>>,
    l1_deleted: AtomicU64,
    l2_deleted: AtomicU64,
    resumed_runs: AtomicU64,
    drains: AtomicI64,
    /// Requests answered 429 because their address failed to authenticate too often.
    auth_failures_limited: AtomicU64,
    /// Requests without a credential served under `--anonymous-scope`, by outcome.
    anonymous: Mutex<BTreeMap<&'static str, u64>>,
}

/// A metric's `# HELP` and `# TYPE` lines.
fn head(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// Label values come from our own route templates and fixed words, but are escaped
/// anyway, as the format requires.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Metrics {
    pub fn request(&self, route: &str, method: &str, status: u16, took: Duration) {
        *self
            .requests
            .lock()
            .expect("metrics poisoned")
            .entry((route.to_string(), method.to_string(), status))
            .or_default() += 1;
        self.durations
            .lock()
            .expect("metrics poisoned")
            .entry(route.to_string())
            .or_default()
            .observe(took);
    }

    /// An anonymous request answered `status`: counted as ok, rate_limited, forbidden,
    /// refused (another 4xx) or failed (5xx).
    pub fn anonymous(&self, status: u16) {
        let outcome = match status {
            200..=399 => "ok",
            429 => "rate_limited",
            403 => "forbidden",
            400..=499 => "refused",
            _ => "failed",
        };
        *self
            .anonymous
            .lock()
            .expect("metrics poisoned")
            .entry(outcome)
            .or_default() += 1;
    }

    pub fn auth_failures_limited(&self) {
        self.auth_failures_limited.fetch_add(1, Ordering::Relaxed);
    }

    pub fn redis_round_trip(&self, op: &'static str, took: Duration) {
        self.redis
            .lock()
            .expect("metrics poisoned")
            .entry(op)
            .or_default()
            .observe(took);
    }

    /// One dep's invalidation ended: `ok`, `refused`, `failed` or `interrupted`.
    pub fn invalidation(&self, outcome: &'static str) {
        *self
            .invalidations
            .lock()
            .expect("metrics poisoned")
            .entry(outcome)
            .or_default() += 1;
    }

    pub fn deleted(&self, l1: u64, l2: u64) {
        self.l1_deleted.fetch_add(l1, Ordering::Relaxed);
        self.l2_deleted.fetch_add(l2, Ordering::Relaxed);
    }

    pub fn resumed(&self, runs: u64) {
        self.resumed_runs.fetch_add(runs, Ordering::Relaxed);
    }

    pub fn drain_started(&self) {
        self.drains.fetch_add(1, Ordering::SeqCst);
    }

    pub fn drain_ended(&self) {
        self.drains.fetch_sub(1, Ordering::SeqCst);
    }

    pub fn drains_in_progress(&self) -> i64 {
        self.drains.load(Ordering::SeqCst)
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        self.render_requests(&mut out);
        self.render_redis_and_invalidations(&mut out);
        self.render_counters(&mut out);
        out
    }

    /// HTTP requests and their durations.
    fn render_requests(&self, out: &mut String) {
        head(
            out,
            "cachecore_http_requests_total",
            "counter",
            "HTTP requests answered, by route template, method and status.",
        );
        for ((route, method, status), n) in self.requests.lock().expect("metrics poisoned").iter() {
            let _ = writeln!(
                out,
                "cachecore_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{status}\"}} {n}",
                escape(route),
                escape(method)
            );
        }
        head(
            out,
            "cachecore_http_request_duration_seconds",
            "histogram",
            "Time from request to response, by route template.",
        );
        for (route, h) in self.durations.lock().expect("metrics poisoned").iter() {
            h.render(
                out,
                "cachecore_http_request_duration_seconds",
                &format!("route=\"{}\"", escape(route)),
            );
        }
        head(
            out,
            "cachecore_invalidations_total",
            "counter",
            "Deps whose invalidation ended, by outcome (ok, refused, failed, interrupted).",
        );
        for (outcome, n) in self.invalidations.lock().expect("metrics poisoned").iter() {
            let _ = writeln!(
                out,
                "cachecore_invalidations_total{{outcome=\"{outcome}\"}} {n}"
            );
        }
    }

    /// Redis round trips and invalidation outcomes.
    fn render_redis_and_invalidations(&self, out: &mut String) {
        head(
            out,
            "cachecore_keys_deleted_total",
            "counter",
            "Entries deleted by invalidations, by tier.",
        );
        let _ = writeln!(
            out,
            "cachecore_keys_deleted_total{{tier=\"l1\"}} {}\ncachecore_keys_deleted_total{{tier=\"l2\"}} {}",
            self.l1_deleted.load(Ordering::Relaxed),
            self.l2_deleted.load(Ordering::Relaxed)
        );
        head(
            out,
            "cachecore_resumed_runs_total",
            "counter",
            "Unfinished runs (of any replica or CLI) that this process finished.",
        );
        let _ = writeln!(
            out,
            "cachecore_resumed_runs_total {}",
            self.resumed_runs.load(Ordering::Relaxed)
        );
        head(
            out,
            "cachecore_auth_failures_limited_total",
            "counter",
            "Requests answered 429 because their client address failed to authenticate too often.",
        );
        let _ = writeln!(
            out,
            "cachecore_auth_failures_limited_total {}",
            self.auth_failures_limited.load(Ordering::Relaxed)
        );
    }

    /// Deleted keys, resumed runs, drains and the rest.
    fn render_counters(&self, out: &mut String) {
        head(
            out,
            "cachecore_anonymous_requests_total",
            "counter",
            "Requests without a credential served under --anonymous-scope, by outcome (ok, rate_limited, forbidden, refused, failed).",
        );
        for (outcome, n) in self.anonymous.lock().expect("metrics poisoned").iter() {
            let _ = writeln!(
                out,
                "cachecore_anonymous_requests_total{{outcome=\"{outcome}\"}} {n}"
            );
        }
        head(
            out,
            "cachecore_drains_in_progress",
            "gauge",
            "Invalidations running in this process (in a request or in the background).",
        );
        let _ = writeln!(
            out,
            "cachecore_drains_in_progress {}",
            self.drains_in_progress()
        );
        head(
            out,
            "cachecore_redis_round_trip_seconds",
            "histogram",
            "Latency of the service's own single Redis round trips, by operation.",
        );
        for (op, h) in self.redis.lock().expect("metrics poisoned").iter() {
            h.render(
                out,
                "cachecore_redis_round_trip_seconds",
                &format!("op=\"{op}\""),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_text_format() {
        let m = Metrics::default();
        m.request("/v1/invalidate", "POST", 200, Duration::from_millis(3));
        m.request("/v1/invalidate", "POST", 200, Duration::from_millis(30));
        m.redis_round_trip("token_lookup", Duration::from_micros(300));
        m.invalidation("ok");
        m.deleted(10, 2);
        m.drain_started();
        m.anonymous(200);
        m.anonymous(202);
        m.anonymous(429);
        let text = m.render();
        for line in [
            "cachecore_http_requests_total{route=\"/v1/invalidate\",method=\"POST\",status=\"200\"} 2",
            "cachecore_http_request_duration_seconds_bucket{route=\"/v1/invalidate\",le=\"0.005\"} 1",
            "cachecore_http_request_duration_seconds_bucket{route=\"/v1/invalidate\",le=\"+Inf\"} 2",
            "cachecore_http_request_duration_seconds_count{route=\"/v1/invalidate\"} 2",
            "cachecore_redis_round_trip_seconds_bucket{op=\"token_lookup\",le=\"0.0005\"} 1",
            "cachecore_invalidations_total{outcome=\"ok\"} 1",
            "cachecore_keys_deleted_total{tier=\"l1\"} 10",
            "cachecore_drains_in_progress 1",
            "cachecore_anonymous_requests_total{outcome=\"ok\"} 2",
            "cachecore_anonymous_requests_total{outcome=\"rate_limited\"} 1",
            "# TYPE cachecore_redis_round_trip_seconds histogram",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line} in\n{text}");
        }
    }
}
