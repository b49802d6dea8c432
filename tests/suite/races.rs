//! A stress test of the freshness guarantee under concurrency: writers that record the
//! hash they read before "computing" an answer (as the layout document says), readers
//! that judge entries with `cachecore entry`, and invalidations, all at once.
//!
//! Checked afterwards from the recorded timelines:
//! - no reader accepted as fresh an entry whose dep had been invalidated to another hash
//!   before that read began (an invalidation counts from the moment its command returned:
//!   its hash write happened before then);
//! - no tagged entry whose write completed before an invalidation began survives it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::fixture::{self, Writer, current};
use crate::support::*;

const DEP: &str = "table:stress";

struct Written {
    key: String,
    recorded: Option<String>,
    done: Instant,
}

struct Invalidation {
    started: Instant,
    returned: Instant,
    new_hash: String,
}

struct Read {
    key: String,
    began: Instant,
    fresh: bool,
}

#[test]
fn readers_never_accept_a_stale_entry_and_invalidations_leave_no_older_entry() {
    let server = RedisServer::start();
    let stop = Arc::new(AtomicBool::new(false));
    let written: Arc<Mutex<Vec<Written>>> = Arc::default();
    let invalidations: Arc<Mutex<Vec<Invalidation>>> = Arc::default();
    let reads: Arc<Mutex<Vec<Read>>> = Arc::default();
    let mut threads = Vec::new();

    for w in 0..2u64 {
        let (stop, written, mut conn) = (stop.clone(), written.clone(), server.conn());
        threads.push(std::thread::spawn(move || {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                // Read the dep's hash at request start, compute, then write.
                let recorded = fixture::resolve(&mut conn, "default", &[current(DEP)]);
                std::thread::sleep(Duration::from_micros(300 * (n % 5)));
                let key = fixture::key(fixture::Tier::L1, "default", w * 1_000_000 + n);
                let mut pipe = redis::pipe();
                fixture::queue_entry(&mut pipe, &key, &recorded, Some(600));
                conn.write(pipe);
                written.lock().unwrap().push(Written {
                    key,
                    recorded: recorded[0].1.clone(),
                    done: Instant::now(),
                });
                n += 1;
            }
        }));
    }
    for _ in 0..2 {
        let (stop, written, reads, url) = (
            stop.clone(),
            written.clone(),
            reads.clone(),
            server.url.clone(),
        );
        threads.push(std::thread::spawn(move || {
            let mut i = 0usize;
            while !stop.load(Ordering::Relaxed) {
                let key = {
                    let w = written.lock().unwrap();
                    if w.is_empty() {
                        continue;
                    }
                    // Mostly recent entries, where the races are.
                    w[w.len() - 1 - (i * 7) % w.len().min(50)].key.clone()
                };
                i += 1;
                let began = Instant::now();
                let r = cmd_url(&url).args(&["entry", &key, "--json"]).run();
                if r.code == 0 {
                    let verdict = r.json()["verdict"].as_str().unwrap_or("").to_string();
                    reads.lock().unwrap().push(Read {
                        key,
                        began,
                        fresh: verdict == "fresh",
                    });
                }
            }
        }));
    }
    for v in 2..10 {
        std::thread::sleep(Duration::from_millis(150));
        let new_hash = format!("v{v}");
        let started = Instant::now();
        cmd(&server)
            .args(&[
                "invalidate",
                DEP,
                "--new-hash",
                &new_hash,
                "--batch-size",
                "7",
            ])
            .succeeds();
        invalidations.lock().unwrap().push(Invalidation {
            started,
            returned: Instant::now(),
            new_hash,
        });
    }
    std::thread::sleep(Duration::from_millis(100));
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }

    let written = written.lock().unwrap();
    let invalidations = invalidations.lock().unwrap();
    let reads = reads.lock().unwrap();
    assert!(
        written.len() > 100 && reads.len() > 20,
        "{} writes, {} reads",
        written.len(),
        reads.len()
    );
    let recorded_of = |key: &str| {
        written
            .iter()
            .find(|w| w.key == key)
            .map(|w| w.recorded.clone())
    };
    let mut judged_stale = 0;
    for read in reads.iter() {
        let recorded = recorded_of(&read.key).expect("read a written key");
        // The newest invalidation that had returned before the read began.
        let before = invalidations
            .iter()
            .filter(|i| i.returned < read.began)
            .max_by_key(|i| i.returned);
        // Versions are v2, v3, ... in order; None (never invalidated) is the oldest. An
        // entry recording a newer version than `inv` read it from a later invalidation.
        let version = |h: Option<&str>| h.map_or(0, |h| h[1..].parse::<u32>().unwrap());
        if let Some(inv) = before
            && version(recorded.as_deref()) < version(Some(&inv.new_hash))
        {
            // Recorded an older version (or none): it must not be accepted.
            assert!(
                !read.fresh,
                "{} recorded {recorded:?} but was accepted after {} was set",
                read.key, inv.new_hash
            );
            judged_stale += 1;
        }
    }
    let mut conn = server.conn();
    let last = invalidations.last().unwrap();
    let mut checked = 0;
    for w in written.iter().filter(|w| w.done < last.started) {
        assert!(
            !exists(&mut conn, &w.key),
            "{} was written before the last invalidation began and survived it",
            w.key
        );
        checked += 1;
    }
    assert!(checked > 50, "checked {checked} entries");
    eprintln!(
        "{} writes, {} reads ({judged_stale} rightly not fresh), {checked} entries checked gone",
        written.len(),
        reads.len()
    );
}
