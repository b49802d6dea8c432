//! The per-token rate limit: a token bucket per token name, in this process. Each
//! replica limits on its own, so N replicas allow up to N times the rate; that is
//! acceptable for its purpose (keeping a runaway webhook from flooding Redis), and it
//! keeps every request free of a second Redis round trip and of shared state.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Buckets kept before full ones are dropped.
const MAX_BUCKETS: usize = 10_000;

#[derive(Debug)]
pub struct RateLimiter {
    per_second: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl RateLimiter {
    /// `per_second` requests per second per token, with a burst of one second's worth.
    pub fn new(per_second: u32) -> RateLimiter {
        RateLimiter {
            per_second: f64::from(per_second.max(1)),
            buckets: Mutex::default(),
        }
    }

    /// Takes one request from `name`'s bucket, or says how long until one is available.
    pub fn admit(&self, name: &str, now: Instant) -> Result<(), Duration> {
        self.take(name, now, 1.0)
    }

    /// Whether `name` has a request left, without taking it (for limits charged only
    /// when a request fails).
    pub fn check(&self, name: &str, now: Instant) -> Result<(), Duration> {
        self.take(name, now, 0.0)
    }

    fn take(&self, name: &str, now: Instant, cost: f64) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().expect("limiter poisoned");
        let capacity = self.per_second;
        if buckets.len() >= MAX_BUCKETS {
            // Keyed by client address, the map would grow with every address seen:
            // a full bucket carries no information, so those go.
            buckets.retain(|_, b| {
                b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * capacity < capacity
            });
        }
        let b = buckets.entry(name.to_string()).or_insert(Bucket {
            tokens: capacity,
            at: now,
        });
        let refill = now.saturating_duration_since(b.at).as_secs_f64() * self.per_second;
        b.tokens = (b.tokens + refill).min(capacity);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= cost;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - b.tokens) / self.per_second))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_of_one_second_then_the_rate() {
        let l = RateLimiter::new(10);
        let t0 = Instant::now();
        for _ in 0..10 {
            assert!(l.admit("a", t0).is_ok());
        }
        let wait = l.admit("a", t0).unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_millis(100));
        // Another token has its own bucket.
        assert!(l.admit("b", t0).is_ok());
        // A tenth of a second later, one more.
        let t1 = t0 + Duration::from_millis(100);
        assert!(l.admit("a", t1).is_ok());
        assert!(l.admit("a", t1).is_err());
    }

    #[test]
    fn check_takes_nothing() {
        let l = RateLimiter::new(2);
        let t0 = Instant::now();
        for _ in 0..5 {
            assert!(l.check("a", t0).is_ok());
        }
        assert!(l.admit("a", t0).is_ok());
        assert!(l.admit("a", t0).is_ok());
        assert!(l.check("a", t0).is_err());
    }

    #[test]
    fn full_buckets_are_dropped_when_the_map_is_large() {
        let l = RateLimiter::new(1);
        let t0 = Instant::now();
        for i in 0..MAX_BUCKETS {
            l.check(&i.to_string(), t0).unwrap();
        }
        l.admit("spent", t0).unwrap();
        assert!(l.buckets.lock().unwrap().len() <= 2);
        // The spent one is remembered.
        assert!(l.admit("spent", t0).is_err());
    }
}
