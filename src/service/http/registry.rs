//! Every open connection of a listener, and whether it is in a request. The listener asks
//! it at each accept (room left, or an idle connection to close for the newcomer) and a
//! reaper asks it for the connections that waited too long for a request head. Keeping
//! the decision here, apart from sockets and hyper, makes the policy testable as a table.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

/// How an accepted connection was let in.
#[derive(Debug)]
pub enum Admission {
    /// Within the limit: served as usual.
    Served(Ticket),
    /// Over the limit with no idle connection to close: kept for health checks only
    /// (the headroom), every other request answered 503.
    HealthOnly(Ticket),
    /// Over the limit and the headroom: closed at once.
    Refused,
}

/// A connection's place in the registry: its id and how it is told to close.
#[derive(Debug)]
pub struct Ticket {
    pub id: u64,
    pub close: Arc<Notify>,
}

#[derive(Debug)]
struct Entry {
    /// Since when the connection has waited for a request head; `None` while a request
    /// is in flight.
    idle_since: Option<Instant>,
    in_flight: u32,
    close: Arc<Notify>,
    /// Told to close already (counted once).
    closing: bool,
}

#[derive(Debug, Default)]
pub struct Registry {
    conns: Mutex<HashMap<u64, Entry>>,
    next: AtomicU64,
}

impl Registry {
    /// Lets a new connection in, or not. At `limit`, the connection idle the longest is
    /// told to close to make room (an idle connection costs its client one reconnect; a
    /// refused one costs an honest client its request); with none idle, up to `headroom`
    /// more are let in for health checks.
    pub fn admit(&self, limit: usize, headroom: usize, now: Instant) -> (Admission, bool) {
        let mut conns = self.conns.lock().expect("registry poisoned");
        let mut evicted = false;
        let open = conns.values().filter(|e| !e.closing).count();
        let health_only = if open < limit {
            false
        } else if let Some(victim) = conns
            .values_mut()
            .filter(|e| !e.closing && e.in_flight == 0)
            .min_by_key(|e| e.idle_since)
        {
            victim.closing = true;
            victim.close.notify_one();
            evicted = true;
            false
        } else if conns.len() < limit + headroom {
            true
        } else {
            return (Admission::Refused, false);
        };
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let close = Arc::new(Notify::new());
        conns.insert(
            id,
            Entry {
                idle_since: Some(now),
                in_flight: 0,
                close: close.clone(),
                closing: false,
            },
        );
        let ticket = Ticket { id, close };
        let admission = if health_only {
            Admission::HealthOnly(ticket)
        } else {
            Admission::Served(ticket)
        };
        (admission, evicted)
    }

    /// A request head arrived on `id`.
    pub fn begin(&self, id: u64) {
        if let Some(e) = self.conns.lock().expect("registry poisoned").get_mut(&id) {
            e.in_flight += 1;
            e.idle_since = None;
        }
    }

    /// A response on `id` was sent whole (or dropped).
    pub fn end(&self, id: u64, now: Instant) {
        if let Some(e) = self.conns.lock().expect("registry poisoned").get_mut(&id) {
            e.in_flight = e.in_flight.saturating_sub(1);
            if e.in_flight == 0 {
                e.idle_since = Some(now);
            }
        }
    }

    pub fn in_flight(&self, id: u64) -> u32 {
        self.conns
            .lock()
            .expect("registry poisoned")
            .get(&id)
            .map_or(0, |e| e.in_flight)
    }

    pub fn remove(&self, id: u64) {
        self.conns.lock().expect("registry poisoned").remove(&id);
    }

    /// Tells every connection idle for longer than `timeout` to close; returns how many.
    pub fn expire(&self, timeout: Duration, now: Instant) -> u64 {
        let mut n = 0;
        for e in self.conns.lock().expect("registry poisoned").values_mut() {
            let late = e
                .idle_since
                .is_some_and(|t| now.saturating_duration_since(t) > timeout);
            if late && !e.closing {
                e.closing = true;
                e.close.notify_one();
                n += 1;
            }
        }
        n
    }

    /// Connections open (closing ones included: their sockets are still held).
    pub fn len(&self) -> usize {
        self.conns.lock().expect("registry poisoned").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn served(a: (Admission, bool)) -> (u64, bool) {
        match a {
            (Admission::Served(t), evicted) => (t.id, evicted),
            other => panic!("expected Served, got {other:?}"),
        }
    }

    #[test]
    fn at_the_limit_the_longest_idle_connection_makes_room() {
        let r = Registry::default();
        let t0 = Instant::now();
        let (a, _) = served(r.admit(2, 1, t0));
        let (b, _) = served(r.admit(2, 1, t0 + Duration::from_millis(5)));
        // `a` is in a request: `b` is the one to go, although `a` came first.
        r.begin(a);
        let (c, evicted) = served(r.admit(2, 1, t0 + Duration::from_millis(10)));
        assert!(evicted);
        assert!(r.conns.lock().unwrap()[&b].closing);
        assert!(!r.conns.lock().unwrap()[&a].closing);
        assert!(!r.conns.lock().unwrap()[&c].closing);
    }

    #[test]
    fn with_nothing_idle_the_headroom_takes_health_checks_then_refuses() {
        let r = Registry::default();
        let t0 = Instant::now();
        let (a, _) = served(r.admit(1, 1, t0));
        r.begin(a);
        let Admission::HealthOnly(h) = r.admit(1, 1, t0).0 else {
            panic!("the headroom takes it")
        };
        // While it waits for its request it could be closed for the next one: give it one.
        r.begin(h.id);
        assert!(matches!(r.admit(1, 1, t0).0, Admission::Refused));
        r.end(a, t0);
        // Idle again: it is closed for the next one.
        assert!(matches!(r.admit(1, 1, t0), (Admission::Served(_), true)));
    }

    #[test]
    fn only_connections_idle_past_the_timeout_expire_and_once() {
        let r = Registry::default();
        let t0 = Instant::now();
        let (a, _) = served(r.admit(10, 0, t0));
        let (b, _) = served(r.admit(10, 0, t0));
        let (c, _) = served(r.admit(10, 0, t0 + Duration::from_secs(5)));
        r.begin(b);
        let later = t0 + Duration::from_secs(11);
        assert_eq!(r.expire(Duration::from_secs(10), later), 1);
        assert!(r.conns.lock().unwrap()[&a].closing);
        assert!(!r.conns.lock().unwrap()[&c].closing);
        assert_eq!(r.expire(Duration::from_secs(10), later), 0, "counted once");
        // A finished request restarts the wait.
        r.end(b, later);
        assert_eq!(r.expire(Duration::from_secs(10), later), 0);
        assert_eq!(r.in_flight(b), 0);
        r.remove(a);
        assert_eq!(r.len(), 2);
    }
}
