//! `--rate`: a keys-per-second ceiling shared by everything one command deletes, so an
//! operator can trade speed for headroom on a busy production Redis.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Default)]
pub struct Pacer(Option<Arc<Mutex<Budget>>>);

#[derive(Debug)]
struct Budget {
    per_second: f64,
    start: Instant,
    granted: u64,
}

impl Pacer {
    /// No limit (the default).
    pub fn unlimited() -> Pacer {
        Pacer(None)
    }

    pub fn per_second(rate: u64) -> Pacer {
        Pacer(Some(Arc::new(Mutex::new(Budget {
            per_second: rate as f64,
            start: Instant::now(),
            granted: 0,
        }))))
    }

    /// How long to wait before `n` more keys may go, given everything granted so far
    /// (pure, so the schedule is testable without sleeping).
    fn delay(&self, n: u64, now: Instant) -> Duration {
        let Some(budget) = &self.0 else {
            return Duration::ZERO;
        };
        let mut b = budget.lock().expect("pacer poisoned");
        let due = b.start + Duration::from_secs_f64(b.granted as f64 / b.per_second);
        b.granted += n;
        due.saturating_duration_since(now)
    }

    /// Waits until `n` more keys are within the rate.
    pub async fn admit(&self, n: u64) {
        let wait = self.delay(n, Instant::now());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unlimited_never_waits() {
        let p = Pacer::unlimited();
        assert_eq!(p.delay(1_000_000, Instant::now()), Duration::ZERO);
    }

    #[test]
    fn batches_are_spaced_by_the_rate_across_clones() {
        let p = Pacer::per_second(1000);
        let start = p.0.as_ref().unwrap().lock().unwrap().start;
        let shared = p.clone();
        assert_eq!(
            p.delay(500, start),
            Duration::ZERO,
            "the first batch goes at once"
        );
        assert_eq!(shared.delay(500, start), Duration::from_millis(500));
        assert_eq!(p.delay(500, start), Duration::from_millis(1000));
        // Time already spent counts.
        assert_eq!(
            p.delay(1, start + Duration::from_millis(2000)),
            Duration::ZERO
        );
    }
}
