//! `consume`'s order gate against ids it cannot trust and against the other paths that
//! write a dep's hash (issue 22, item 2): an entry id ahead of the server's clock is
//! dead-lettered and never becomes the order mark; a mark left far ahead by an older
//! version is cleared; a CLI invalidation moves the mark, and the later of an event and an
//! invalidation, by Redis server time, wins both ways.

use std::time::Duration;

use serde_json::Value;

use crate::support::consume::{consume, events_by_id, field, pending, shell, xrange};
use crate::support::fixture::{self, with};
use crate::support::*;

const TEN_YEARS_MS: u64 = 10 * 365 * 24 * 3600 * 1000;

/// The Redis server's clock, unix ms.
fn server_ms(conn: &mut redis::Connection) -> u64 {
    let (secs, micros): (u64, u64) = redis::cmd("TIME").query(conn).expect("TIME");
    secs * 1000 + micros / 1000
}

/// Waits (polling the server's clock) until it reads later than `ms`.
fn until_server_after(conn: &mut redis::Connection, ms: u64) {
    wait_until(
        Duration::from_secs(5),
        "the server's clock to pass a mark",
        || server_ms(conn) > ms,
    );
}

/// `n` entries tagged `dep` at `hash`, numbered from `first`.
fn cached_at(conn: &mut redis::Connection, dep: &str, hash: &str, first: u64, n: u64) {
    fixture::write_many(conn, first, n, &[with(dep, hash)], None, Some(3600));
}

fn entries(conn: &mut redis::Connection) -> usize {
    scan_keys(conn, "cc:l1:*").len() + scan_keys(conn, "vec:*").len()
}

fn dep(id: &str) -> cachecore::layout::DepId {
    cachecore::layout::DepId::parse(id).unwrap()
}

fn order_key(id: &str) -> String {
    cachecore::bookkeeping::event_order_key(&dep(id))
}

fn hash_time(conn: &mut redis::Connection, id: &str) -> u64 {
    get(conn, &cachecore::bookkeeping::hash_time_key(&dep(id)))
        .expect("a write time")
        .parse()
        .unwrap()
}

fn xadd_at(conn: &mut redis::Connection, stream: &str, id: &str, hash: &str) -> String {
    redis::cmd("XADD")
        .arg(stream)
        .arg(id)
        .arg("dep_id")
        .arg("doc:f")
        .arg("new_hash")
        .arg(hash)
        .query(conn)
        .expect("XADD")
}

fn group_at_start(conn: &mut redis::Connection, stream: &str) {
    let () = redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(stream)
        .arg("cachecore")
        .arg("0")
        .arg("MKSTREAM")
        .query(conn)
        .expect("XGROUP CREATE");
}

/// One pass of the consumer over `streams`, JSON, exit 0.
fn consume_all(server: &RedisServer, streams: &[&str]) -> Run {
    let mut args = vec!["--until-idle", "--json"];
    for s in streams {
        args.extend(["--stream", s]);
    }
    let r = consume(server, &args);
    assert_eq!(r.code, 0, "{r:?}");
    r
}

fn event<'a>(events: &'a std::collections::HashMap<String, Value>, id: &str) -> &'a Value {
    events
        .get(id)
        .unwrap_or_else(|| panic!("no event {id}: {events:?}"))
}

#[test]
fn a_future_entry_id_is_dead_lettered_never_recorded_and_the_documented_fix_works() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    cached_at(&mut conn, "doc:f", "v0", 0, 3);
    group_at_start(&mut conn, "cc:events");
    let forged = format!("{}-0", server_ms(&mut conn) + TEN_YEARS_MS);
    xadd_at(&mut conn, "cc:events", &forged, "evil");
    let r = consume_all(&server, &["cc:events"]);
    let events = events_by_id(&r);
    let e = event(&events, &forged);
    assert_eq!(e["status"], "dead_letter", "{e}");
    let reason = e["error"].as_str().unwrap();
    assert!(
        reason.starts_with(&format!("entry id {forged} is 315,3"))
            && reason.contains(" s ahead of the Redis server's clock")
            && reason.contains("more than --max-clock-skew 1m")
            && reason.contains("doc:f"),
        "{reason}"
    );
    // Acked, in the dead-letter stream with its reason, and nothing written for the dep.
    assert_eq!(pending(&mut conn, "cc:events"), 0);
    let dead = xrange(&mut conn, "cc:events:dead");
    assert_eq!(dead.len(), 1);
    assert_eq!(field(&dead[0].1, "cc.reason"), Some(reason));
    assert_eq!(field(&dead[0].1, "new_hash"), Some("evil"));
    assert!(
        !exists(&mut conn, &order_key("doc:f")),
        "never the order mark"
    );
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:f"), None);
    assert_eq!(entries(&mut conn), 3);

    // Redis's own ids now follow the forged one: the next event is ahead too.
    let follower: String = redis::cmd("XADD")
        .arg("cc:events")
        .arg("*")
        .arg("dep_id")
        .arg("doc:f")
        .arg("new_hash")
        .arg("v1")
        .query(&mut conn)
        .unwrap();
    assert_eq!(follower, forged.replace("-0", "-1"));
    let r = consume_all(&server, &["cc:events"]);
    assert_eq!(event(&events_by_id(&r), &follower)["status"], "dead_letter");

    // The fix the docs give, run as written once nothing is left to consume: empty the
    // stream, set its last id to the server's clock, and move the group there.
    let out = shell(&server, &crate::support::docs::recipe("stream-reset"));
    assert!(!out.contains("ERR"), "{out}");
    let real: String = redis::cmd("XADD")
        .arg("cc:events")
        .arg("*")
        .arg("dep_id")
        .arg("doc:f")
        .arg("new_hash")
        .arg("v2")
        .query(&mut conn)
        .unwrap();
    let r = consume_all(&server, &["cc:events"]);
    let e = event(&events_by_id(&r), &real).clone();
    assert_eq!(e["status"], "applied", "{e}");
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:f").as_deref(), Some("v2"));
    assert_eq!(entries(&mut conn), 0, "the real event deleted the entries");
}

#[test]
fn a_future_event_in_the_batch_does_not_supersede_the_real_ones_read_with_it() {
    // The batch's newest event of a dep settles the older ones without a round trip: when
    // the newest is ahead of the clock, the older ones must still be judged by the gate.
    let server = RedisServer::start();
    let mut conn = server.conn();
    cached_at(&mut conn, "doc:f", "v0", 0, 3);
    group_at_start(&mut conn, "cc:events");
    group_at_start(&mut conn, "cc:forged");
    let v1 = xadd_at(&mut conn, "cc:events", "*", "v1");
    let v2 = xadd_at(&mut conn, "cc:events", "*", "v2");
    let forged = format!("{}-0", server_ms(&mut conn) + TEN_YEARS_MS);
    xadd_at(&mut conn, "cc:forged", &forged, "evil");
    let r = consume_all(&server, &["cc:events", "cc:forged"]);
    let events = events_by_id(&r);
    assert_eq!(event(&events, &forged)["status"], "dead_letter");
    assert_eq!(event(&events, &v2)["status"], "applied", "{events:?}");
    assert_ne!(event(&events, &v1)["status"], "dead_letter");
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:f").as_deref(), Some("v2"));
    assert_eq!(entries(&mut conn), 0);
    let mark = get(&mut conn, &order_key("doc:f")).unwrap();
    assert!(mark.starts_with(&format!("{v2}\n")), "{mark:?}");
}

/// A record as an older version wrote it for a forged event: `<ms>-<seq>\n<hash>\n<stream>`,
/// with the hash and its write time that version's gate wrote with it.
fn plant_far_ahead_mark(conn: &mut redis::Connection) {
    let now = server_ms(conn);
    let record = format!("{}-0\nevil\ncc:events", now + TEN_YEARS_MS);
    let () = redis::cmd("SET")
        .arg(order_key("doc:f"))
        .arg(record)
        .arg("PX")
        .arg(7 * 24 * 3600 * 1000u64)
        .query(conn)
        .unwrap();
    set(conn, "cc:dep:hash:doc:f", "evil");
    set(
        conn,
        &cachecore::bookkeeping::hash_time_key(&dep("doc:f")),
        &now.to_string(),
    );
}

#[test]
fn a_far_ahead_mark_left_by_an_older_version_is_cleared_by_one_cli_invalidation() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    plant_far_ahead_mark(&mut conn);
    // Entries cached at the forged hash.
    cached_at(&mut conn, "doc:f", "evil", 0, 3);
    cmd(&server)
        .args(&["invalidate", "doc:f", "--new-hash", "v2"])
        .succeeds();
    assert_eq!(entries(&mut conn), 0);
    // Cached after the invalidation, then a real event.
    cached_at(&mut conn, "doc:f", "v2", 10, 3);
    group_at_start(&mut conn, "cc:events");
    let real = xadd_at(&mut conn, "cc:events", "*", "v3");
    let r = consume_all(&server, &["cc:events"]);
    let e = event(&events_by_id(&r), &real).clone();
    assert_eq!(e["status"], "applied", "{e}");
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:f").as_deref(), Some("v3"));
    assert_eq!(entries(&mut conn), 0);
    let mark = get(&mut conn, &order_key("doc:f")).unwrap();
    assert!(mark.starts_with(&format!("{real}\n")), "{mark:?}");
}

#[test]
fn a_far_ahead_mark_left_by_an_older_version_is_not_trusted_even_without_an_invalidation() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    plant_far_ahead_mark(&mut conn);
    cached_at(&mut conn, "doc:f", "evil", 0, 3);
    group_at_start(&mut conn, "cc:events");
    let planted = hash_time(&mut conn, "doc:f");
    until_server_after(&mut conn, planted);
    let real = xadd_at(&mut conn, "cc:events", "*", "v3");
    let r = consume_all(&server, &["cc:events"]);
    let e = event(&events_by_id(&r), &real).clone();
    assert_eq!(e["status"], "applied", "{e}");
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:f").as_deref(), Some("v3"));
    assert_eq!(entries(&mut conn), 0);
}

/// The other paths that write a dep's hash.
#[derive(Debug, Clone, Copy)]
enum Path {
    Invalidate,
    InvalidateMany,
    Serve,
}

/// Invalidates doc:f with `hash` by `path`.
fn invalidate_by(server: &RedisServer, path: Path, hash: &str) {
    match path {
        Path::Invalidate => {
            cmd(server)
                .args(&["invalidate", "doc:f", "--new-hash", hash])
                .succeeds();
        }
        Path::InvalidateMany => {
            cmd(server)
                .args(&["invalidate-many", "--dep-ids", "doc:f", "--new-hash", hash])
                .succeeds();
        }
        Path::Serve => serve_invalidate(server, hash),
    }
}

/// `POST /v1/invalidate` of doc:f to a `cachecore serve` started for it.
fn serve_invalidate(server: &RedisServer, hash: &str) {
    let made = cmd(server)
        .args(&["--json", "token", "create", "order", "--scope", "doc:*"])
        .succeeds();
    let token = made.json()["token"].as_str().unwrap().to_string();
    let serve = crate::support::serve::Serve::start(server, &[]);
    let body = format!(r#"{{"dep_id": "doc:f", "new_hash": "{hash}"}}"#);
    let (status, answer) = serve.post("/v1/invalidate", Some(&token), &body);
    assert_eq!(status, 200, "{answer}");
}

#[test]
fn an_event_older_than_an_invalidation_by_any_path_is_superseded_and_its_hash_stays() {
    for path in [Path::Invalidate, Path::InvalidateMany, Path::Serve] {
        let server = RedisServer::start();
        let mut conn = server.conn();
        cached_at(&mut conn, "doc:f", "v0", 0, 3);
        group_at_start(&mut conn, "cc:events");
        let first = xadd_at(&mut conn, "cc:events", "*", "v1");
        consume_all(&server, &["cc:events"]);
        assert_eq!(get(&mut conn, "cc:dep:hash:doc:f").as_deref(), Some("v1"));
        // The invalidation lands strictly after the ms of the event XADDed next.
        let first_ms: u64 = first.split('-').next().unwrap().parse().unwrap();
        until_server_after(&mut conn, first_ms + 1);
        invalidate_by(&server, path, "other");
        let written = hash_time(&mut conn, "doc:f");
        assert!(written > first_ms + 1, "{path:?}: {written}");
        cached_at(&mut conn, "doc:f", "other", 10, 3);
        // Newer than the last event applied, older than the invalidation's write.
        let late = xadd_at(
            &mut conn,
            "cc:events",
            &format!("{}-0", first_ms + 1),
            "late",
        );
        let r = consume_all(&server, &["cc:events"]);
        let e = event(&events_by_id(&r), &late).clone();
        assert_eq!(e["status"], "superseded", "{path:?}: {e}");
        let by = e["deps"][0]["superseded_by"].as_str().unwrap();
        assert!(
            by.starts_with("a write of the hash at ") && by.contains("another path"),
            "{by}"
        );
        assert_eq!(
            get(&mut conn, "cc:dep:hash:doc:f").as_deref(),
            Some("other"),
            "{path:?}"
        );
        assert_eq!(entries(&mut conn), 3, "{path:?}: entries cached since stay");
    }
}

#[test]
fn an_event_after_a_cli_invalidation_is_applied_though_an_event_ahead_of_it_was_applied() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    cached_at(&mut conn, "doc:f", "v0", 0, 3);
    group_at_start(&mut conn, "cc:early");
    group_at_start(&mut conn, "cc:events");
    // A producer whose clock is 30 s ahead (within --max-clock-skew): applied, the mark.
    let early = format!("{}-0", server_ms(&mut conn) + 30_000);
    xadd_at(&mut conn, "cc:early", &early, "v1");
    let r = consume_all(&server, &["cc:early", "cc:events"]);
    assert_eq!(event(&events_by_id(&r), &early)["status"], "applied");
    cmd(&server)
        .args(&["invalidate", "doc:f", "--new-hash", "cli"])
        .succeeds();
    let written = hash_time(&mut conn, "doc:f");
    cached_at(&mut conn, "doc:f", "cli", 10, 3);
    // Added after the CLI's write (a Redis id), before the early event's id.
    let real = xadd_at(&mut conn, "cc:events", "*", "v2");
    let real_ms: u64 = real.split('-').next().unwrap().parse().unwrap();
    assert!(real_ms >= written, "{real_ms} {written}");
    let r = consume_all(&server, &["cc:early", "cc:events"]);
    let e = event(&events_by_id(&r), &real).clone();
    assert_eq!(e["status"], "applied", "{e}");
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:f").as_deref(), Some("v2"));
    assert_eq!(entries(&mut conn), 0);
}

#[test]
fn consumes_own_stepwise_run_is_not_another_path_and_a_redelivery_stays_one() {
    // The follow-up run of a large dep (stepwise, after the gate) writes the event's own
    // hash again, with a later write time: an event added while it ran is newer than the
    // last event and must be applied, not judged against that write time.
    use cachecore::store::{ConnectOptions, Gate, GateOutcome, Store};
    let server = RedisServer::start();
    let mut conn = server.conn();
    cached_at(&mut conn, "doc:f", "v0", 0, 300);
    group_at_start(&mut conn, "cc:events");
    let first = xadd_at(&mut conn, "cc:events", "*", "v1");
    let first_ms: u64 = first.split('-').next().unwrap().parse().unwrap();
    until_server_after(&mut conn, first_ms + 1);
    let r = consume_all(&server, &["cc:events"]);
    let e = event(&events_by_id(&r), &first).clone();
    assert_eq!(e["deps"][0]["members"], 300, "the stepwise run: {e}");
    assert!(hash_time(&mut conn, "doc:f") > first_ms + 1);
    cached_at(&mut conn, "doc:f", "v1", 1000, 3);
    let during = xadd_at(&mut conn, "cc:events", &format!("{}-0", first_ms + 1), "v2");
    let r = consume_all(&server, &["cc:events"]);
    let e = event(&events_by_id(&r), &during).clone();
    assert_eq!(e["status"], "applied", "{e}");
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:f").as_deref(), Some("v2"));
    assert_eq!(entries(&mut conn), 0);

    // The event applied last, delivered again, is answered as a redelivery.
    let keys = (
        order_key("doc:f"),
        dep("doc:f").hash_key(),
        cachecore::bookkeeping::hash_time_key(&dep("doc:f")),
    );
    let again = Gate {
        order_key: &keys.0,
        hash_key: &keys.1,
        time_key: &keys.2,
        stream: "cc:events",
        id: (first_ms + 1, 0),
        new_hash: "other",
        if_hash: None,
        keep_ms: 60_000,
        max_skew_ms: 60_000,
        sweep: None,
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let answer = rt.block_on(async {
        let mut store = Store::connect(&ConnectOptions {
            urls: vec![server.url.clone()],
            timeout: Duration::from_secs(5),
            ..ConnectOptions::default()
        })
        .await
        .unwrap();
        store.gate_many(&[again]).await.unwrap()
    });
    assert_eq!(
        answer[0].as_ref().unwrap(),
        &GateOutcome::Redelivered { hash: "v2".into() }
    );
}

#[test]
fn max_clock_skew_is_a_duration_of_at_most_an_hour() {
    let server = RedisServer::start();
    for bad in ["2h", "soon"] {
        let r = cmd(&server)
            .args(&["consume", "--stream", "s", "--max-clock-skew", bad])
            .run();
        assert_eq!(r.code, 2, "{bad}: {r:?}");
        assert!(r.stderr.contains("--max-clock-skew"), "{r:?}");
    }
    let mut conn = server.conn();
    assert_eq!(dbsize(&mut conn), 0, "nothing touched");
    // Zero is allowed: no id may be ahead at all.
    group_at_start(&mut conn, "cc:events");
    let ahead = format!("{}-0", server_ms(&mut conn) + 5_000);
    xadd_at(&mut conn, "cc:events", &ahead, "v1");
    let r = consume(
        &server,
        &[
            "--stream",
            "cc:events",
            "--until-idle",
            "--json",
            "--max-clock-skew",
            "0",
        ],
    );
    assert_eq!(event(&events_by_id(&r), &ahead)["status"], "dead_letter");
}

#[test]
fn with_no_event_recorded_the_last_invalidation_is_the_mark_and_a_tie_goes_to_the_event() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    cached_at(&mut conn, "doc:f", "v0", 0, 3);
    cmd(&server)
        .args(&["invalidate", "doc:f", "--new-hash", "cli"])
        .succeeds();
    let written = hash_time(&mut conn, "doc:f");
    cached_at(&mut conn, "doc:f", "cli", 10, 3);
    group_at_start(&mut conn, "cc:events");
    // One ms before the CLI's write: older, although no event of the dep was ever applied.
    let before = xadd_at(&mut conn, "cc:events", &format!("{}-0", written - 1), "old");
    let r = consume_all(&server, &["cc:events"]);
    assert_eq!(event(&events_by_id(&r), &before)["status"], "superseded");
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:f").as_deref(), Some("cli"));
    assert_eq!(entries(&mut conn), 3);
    // The same ms as the CLI's write: the event wins (invalidating twice is safe, missing
    // the later change is not).
    let tie = xadd_at(&mut conn, "cc:events", &format!("{written}-0"), "tie");
    let r = consume_all(&server, &["cc:events"]);
    assert_eq!(event(&events_by_id(&r), &tie)["status"], "applied");
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:f").as_deref(), Some("tie"));
    assert_eq!(entries(&mut conn), 0);
}
