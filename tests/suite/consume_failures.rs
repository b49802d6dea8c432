//! `cachecore consume` when things go wrong: poison events and events that keep failing
//! are dead-lettered, a consumer killed mid-stream leaves its entries to another, a signal
//! finishes the event in hand, and a Redis outage is waited out.

use std::time::Duration;

use serde_json::Value;

use crate::support::consume::*;
use crate::support::fixture::{self, with};
use crate::support::*;

#[test]
fn poison_events_are_dead_lettered_with_their_reason_and_fields_and_acked() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    tagged(&mut conn, "doc:ok", 0, 2);
    redis_cli_script(
        &server,
        "XADD cc:events * dep_id \"bad id\" new_hash v2\n\
         XADD cc:events * dep_id doc:ok new_hash v2\n\
         XADD cc:events * dep_id cc:policy-version:default\n\
         XADD cc:events * depid doc:typo\n\
         XADD cc:events * dep_id doc:soft soft perhaps\n",
    );
    let r = consume(
        &server,
        &[
            "--stream",
            "cc:events",
            "--from",
            "0",
            "--until-idle",
            "--json",
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let s = summary(&r);
    assert_eq!(
        (s["applied"].as_u64(), s["dead_lettered"].as_u64()),
        (Some(1), Some(4))
    );
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:ok").as_deref(), Some("v2"));
    let dead = xrange(&mut conn, "cc:events:dead");
    let source = xrange(&mut conn, "cc:events");
    assert_eq!(dead.len(), 4);
    let wants = ["whitespace", "reserved", "unknown field \"depid\"", "soft"];
    let poison_ids = [&source[0].0, &source[2].0, &source[3].0, &source[4].0];
    for (((_, fields), want), id) in dead.iter().zip(wants).zip(poison_ids) {
        let reason = field(fields, "cc.reason").unwrap();
        assert!(reason.contains(want), "{reason}");
        assert_eq!(field(fields, "cc.stream"), Some("cc:events"));
        assert_eq!(field(fields, "cc.id"), Some(id.as_str()));
        assert_eq!(field(fields, "cc.deliveries"), Some("1"));
        // The original fields follow, unchanged.
        let original = &source.iter().find(|(i, _)| i == id).unwrap().1;
        assert_eq!(&fields[6..], &original[..]);
    }
    assert_eq!(
        pending(&mut conn, "cc:events"),
        0,
        "poison events are acked"
    );
}

#[test]
fn an_event_that_keeps_failing_is_dead_lettered_after_max_attempts() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    set(&mut conn, "cc:dep:keys:doc:broken", "not a set");
    redis_cli_script(
        &server,
        "XADD cc:events * dep_id doc:broken new_hash v2\nXADD cc:events * dep_id doc:fine\n",
    );
    let r = consume(
        &server,
        &[
            "--stream",
            "cc:events",
            "--from",
            "0",
            "--until-idle",
            "--claim-idle",
            "200ms",
            "--max-attempts",
            "3",
            "--json",
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let lines: Vec<Value> = r
        .json_lines()
        .into_iter()
        .filter(|l| l["type"] == "event" && l["deps"][0]["dep_id"] == "doc:broken")
        .collect();
    let statuses: Vec<(&str, u64)> = lines
        .iter()
        .map(|l| {
            (
                l["status"].as_str().unwrap(),
                l["deliveries"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [("failed", 1), ("failed", 2), ("dead_letter", 3)],
        "{lines:?}"
    );
    assert!(
        lines[0]["error"]
            .as_str()
            .unwrap()
            .contains("holds a string")
    );
    let dead = xrange(&mut conn, "cc:events:dead");
    assert_eq!(dead.len(), 1);
    let reason = field(&dead[0].1, "cc.reason").unwrap();
    assert!(reason.contains("failed on 3 deliveries"), "{reason}");
    assert_eq!(field(&dead[0].1, "dep_id"), Some("doc:broken"));
    assert_eq!(pending(&mut conn, "cc:events"), 0);
    // The other event was not held up by it.
    assert!(get(&mut conn, "cc:dep:hash:doc:fine").is_some());
}

#[test]
fn two_consumers_one_killed_mid_stream_every_event_applied_newest_hash_recorded() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    const DEPS: u64 = 40;
    const ROUNDS: u64 = 6;
    for d in 0..DEPS {
        tagged(&mut conn, &format!("doc:{d}"), d * 10, 4);
    }
    // Rounds of events, each dep's hash rising round by round, and some poison.
    let mut script = String::new();
    for r in 1..=ROUNDS {
        for d in 0..DEPS {
            script.push_str(&format!("XADD cc:events * dep_id doc:{d} new_hash v{r}\n"));
        }
        script.push_str(&format!("XADD cc:events * dep_id \"poison {r}\"\n"));
    }
    redis_cli_script(&server, &script);
    // A: slow (a deletion rate), so it always holds a batch; B: the survivor.
    let common = ["--stream", "cc:events", "--from", "0", "--json"];
    let mut a = spawn_consume(
        &server,
        &[
            &common[..],
            &["--consumer", "A", "--batch", "5", "--rate", "100"],
        ]
        .concat(),
    );
    let mut b = spawn_consume(
        &server,
        &[
            &common[..],
            &[
                "--consumer",
                "B",
                "--batch",
                "7",
                "--claim-idle",
                "1s",
                "--block",
                "100ms",
            ],
        ]
        .concat(),
    );
    // Kill A mid-stream: while it holds entries it has not acked.
    a.wait_until(Duration::from_secs(20), "A to hold entries", || {
        !pending_of(&mut conn, "cc:events", "A").is_empty()
    });
    a.signal("KILL");
    a.finish();
    let orphaned = pending_of(&mut conn, "cc:events", "A");
    assert!(!orphaned.is_empty(), "A died holding entries");
    // B claims them after --claim-idle and finishes the stream.
    b.wait_until(Duration::from_secs(30), "every entry done", || {
        let groups: Vec<Vec<redis::Value>> = redis::cmd("XINFO")
            .arg("GROUPS")
            .arg("cc:events")
            .query(&mut conn)
            .unwrap();
        let lag = groups[0]
            .iter()
            .position(|v| *v == redis::Value::BulkString(b"lag".to_vec()))
            .map(|i| groups[0][i + 1].clone());
        pending(&mut conn, "cc:events") == 0 && lag == Some(redis::Value::Int(0))
    });
    b.signal("TERM");
    let rb = b.finish();
    assert_eq!(rb.code, 0, "SIGTERM stops a consumer with exit 0: {rb:?}");
    let by_b = events_by_id(&rb);
    for id in &orphaned {
        let e = by_b.get(id).unwrap_or_else(|| panic!("B never took {id}"));
        assert!(e["deliveries"].as_u64().unwrap() >= 2, "{e}");
    }
    for d in 0..DEPS {
        assert_eq!(
            get(&mut conn, &format!("cc:dep:hash:doc:{d}")),
            Some(format!("v{ROUNDS}")),
            "doc:{d} holds the newest hash"
        );
        assert!(smembers(&mut conn, &format!("cc:dep:keys:doc:{d}")).is_empty());
    }
    assert!(scan_keys(&mut conn, "cc:l1:*").is_empty() && scan_keys(&mut conn, "vec:*").is_empty());
    assert_eq!(pending(&mut conn, "cc:events"), 0, "nothing pending");
    let dead = xrange(&mut conn, "cc:events:dead");
    assert_eq!(dead.len() as u64, ROUNDS, "only the poison events");
    assert!(
        dead.iter()
            .all(|(_, f)| field(f, "dep_id").unwrap().starts_with("poison "))
    );
}

#[test]
fn a_signal_finishes_the_event_in_hand_and_acks_nothing_else() {
    for (signal, code) in [("TERM", 0), ("INT", 130)] {
        let server = RedisServer::start();
        let mut conn = server.conn();
        fixture::write_many(
            &mut conn,
            0,
            10_000,
            &[with("table:huge", "v0")],
            None,
            None,
        );
        tagged(&mut conn, "doc:after", 100_000, 2);
        redis_cli_script(
            &server,
            "XADD cc:events * dep_id table:huge new_hash v1\n\
             XADD cc:events * dep_id doc:after new_hash v1\n\
             XADD cc:events * dep_id doc:after new_hash v2\n",
        );
        let ids: Vec<String> = xrange(&mut conn, "cc:events")
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        let mut child = spawn_consume(
            &server,
            &[
                "--stream",
                "cc:events",
                "--from",
                "0",
                "--batch",
                "1",
                "--concurrency",
                "1",
                "--rate",
                "5000",
                "--json",
            ],
        );
        child.wait_until(Duration::from_secs(20), "the first event in hand", || {
            exists(&mut conn, "cc:dep:hash:table:huge")
        });
        child.signal(signal);
        let r = child.finish();
        assert_eq!(r.code, code, "{signal}: {r:?}");
        let events = events_by_id(&r);
        assert_eq!(events.len(), 1, "{signal}: only the event in hand: {r:?}");
        assert_eq!(events[&ids[0]]["status"], "applied");
        assert!(
            smembers(&mut conn, "cc:dep:keys:table:huge").is_empty(),
            "{signal}: the event in hand was finished"
        );
        assert_eq!(pending(&mut conn, "cc:events"), 0);
        assert_eq!(get(&mut conn, "cc:dep:hash:doc:after"), None);
        assert_eq!(summary(&r)["interrupted"], true);
        // The rest is delivered to the next run.
        let r = consume(
            &server,
            &["--stream", "cc:events", "--until-idle", "--json"],
        );
        assert_eq!(summary(&r)["events"], 2, "{r:?}");
        assert_eq!(
            get(&mut conn, "cc:dep:hash:doc:after").as_deref(),
            Some("v2")
        );
    }
}

#[test]
fn a_redis_outage_is_waited_out_and_nothing_is_dead_lettered() {
    let mut server = RedisServer::durable();
    redis_cli_script(&server, "XGROUP CREATE cc:events cachecore $ MKSTREAM\n");
    let mut child = spawn_consume(
        &server,
        &[
            "--stream",
            "cc:events",
            "--block",
            "100ms",
            "--timeout",
            "1s",
            "--json",
        ],
    );
    let mut conn = server.conn();
    child.wait_until(Duration::from_secs(20), "the consumer's first read", || {
        !consumers(&mut conn, "cc:events").is_empty()
    });
    server.kill();
    child.wait_for_stderr(Duration::from_secs(20), "unreachable");
    // The outage itself: past the first reconnections of the backoff (200 ms, 400 ms).
    std::thread::sleep(Duration::from_millis(1000));
    server.restart();
    let mut conn2 = server.conn();
    redis_cli_script(&server, "XADD cc:events * dep_id doc:later new_hash v7\n");
    child.wait_until(
        Duration::from_secs(20),
        "the event after the outage",
        || {
            get(&mut conn2, "cc:dep:hash:doc:later").as_deref() == Some("v7")
                && pending(&mut conn2, "cc:events") == 0
        },
    );
    child.signal("TERM");
    let r = child.finish();
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("unreachable"), "{}", r.stderr);
    assert!(r.stderr.contains("answers again"), "{}", r.stderr);
    assert_eq!(summary(&r)["dead_lettered"], 0);

    // Run until idle, a server that stays away ends the run with exit 3.
    // (A dead consumer's entry keeps it waiting: not idle.)
    redis_cli_script(
        &server,
        "XADD cc:events * dep_id doc:held\nXREADGROUP GROUP cachecore ghost STREAMS cc:events >\n",
    );
    let mut child = spawn_consume(
        &server,
        &[
            "--stream",
            "cc:events",
            "--until-idle",
            "--max-outage",
            "1s",
            "--timeout",
            "500ms",
        ],
    );
    child.wait_until(Duration::from_secs(20), "the consumer's first read", || {
        consumers(&mut conn2, "cc:events").len() == 2
    });
    server.kill();
    let r = child.finish();
    let line = r.expect_error_after_notes(3);
    assert!(line.contains("--max-outage 1s"), "{line}");
}
