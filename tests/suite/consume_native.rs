//! `cachecore consume` of native events (`dep_id`, `new_hash`, `if_hash`), produced with
//! redis-cli XADD as an operator would: what one event does, the newest event per dep
//! wins over older redeliveries, dep ids checked like any other, the order gate under the
//! worst interleaving, and small and large deps.

use std::time::Duration;

use serde_json::Value;

use crate::support::consume::*;
use crate::support::fixture::{self, Tier, with};
use crate::support::*;

#[test]
fn a_redis_cli_xadd_is_a_complete_producer() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    tagged(&mut conn, "doc:contract-123", 0, 5);
    let id = shell(
        &server,
        "redis-cli XADD cc:events '*' dep_id doc:contract-123 new_hash v2",
    );
    let id = id.trim();
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
    let events = events_by_id(&r);
    let e = &events[id];
    assert_eq!(e["status"], "applied", "{e}");
    assert_eq!(e["stream"], "cc:events");
    assert_eq!(e["deliveries"], 1);
    let dep = &e["deps"][0];
    assert_eq!(dep["dep_id"], "doc:contract-123");
    assert_eq!(dep["old_hash"], Value::Null);
    assert_eq!(dep["new_hash"], "v2");
    assert_eq!(
        dep["l1_deleted"].as_u64().unwrap() + dep["l2_deleted"].as_u64().unwrap(),
        5
    );
    let s = summary(&r);
    assert_eq!(
        (s["events"].as_u64(), s["applied"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(
        get(&mut conn, "cc:dep:hash:doc:contract-123").as_deref(),
        Some("v2")
    );
    assert!(smembers(&mut conn, "cc:dep:keys:doc:contract-123").is_empty());
    assert!(scan_keys(&mut conn, "cc:l1:*").is_empty() && scan_keys(&mut conn, "vec:*").is_empty());
    assert_eq!(pending(&mut conn, "cc:events"), 0);
    // The audit trail names the event.
    let audit = cmd(&server).args(&["audit", "--json"]).succeeds();
    let rec = &audit.json_lines()[0];
    assert_eq!(rec["command"], "consume");
    assert_eq!(rec["entry_id"], id);
    assert_eq!(rec["stream"], "cc:events");
    assert_eq!(rec["new_hash"], "v2");
    // Idle and nothing new: a second run ends at once, and its consumer leaves the group.
    let r = consume(
        &server,
        &["--stream", "cc:events", "--until-idle", "--json"],
    );
    assert_eq!(summary(&r)["events"], 0, "{r:?}");
    let consumers: Vec<redis::Value> = redis::cmd("XINFO")
        .arg("CONSUMERS")
        .arg("cc:events")
        .arg("cachecore")
        .query(&mut conn)
        .unwrap();
    assert!(
        consumers.is_empty(),
        "consumers that finished leave the group"
    );
}

#[test]
fn the_newest_event_per_dep_wins_and_older_redeliveries_never_overwrite() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    tagged(&mut conn, "doc:x", 0, 3);
    redis_cli_script(
        &server,
        "XGROUP CREATE cc:events cachecore 0 MKSTREAM\n\
         XADD cc:events * dep_id doc:x new_hash v1\n\
         XADD cc:events * dep_id doc:x new_hash v2\n\
         XADD cc:events * dep_id doc:y new_hash w1\n\
         XADD cc:events * dep_id doc:y new_hash w2\n",
    );
    let ids: Vec<String> = xrange(&mut conn, "cc:events")
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    // A consumer takes the first event of doc:x and dies holding it.
    let taken = redis_cli_script(
        &server,
        "XREADGROUP GROUP cachecore ghost COUNT 1 STREAMS cc:events >\n",
    );
    assert!(taken.contains(&ids[0]), "{taken}");
    let r = consume(
        &server,
        &[
            "--stream",
            "cc:events",
            "--until-idle",
            "--claim-idle",
            "300ms",
            "--json",
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let events = events_by_id(&r);
    // v2 was applied first; v1, claimed from the dead consumer later, is older.
    assert_eq!(events[&ids[1]]["status"], "applied");
    let old = &events[&ids[0]];
    assert_eq!(old["status"], "superseded", "{old}");
    assert_eq!(old["deliveries"], 2, "claimed: a second delivery");
    assert_eq!(
        old["deps"][0]["superseded_by"],
        format!("cc:events {}", ids[1])
    );
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:x").as_deref(), Some("v2"));
    // In one batch, the older event of a dep is superseded by the newer one.
    assert_eq!(events[&ids[2]]["status"], "superseded");
    assert_eq!(events[&ids[3]]["status"], "applied");
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:y").as_deref(), Some("w2"));
    assert_eq!(summary(&r)["claimed"], 1);
    assert_eq!(pending(&mut conn, "cc:events"), 0);

    // The same old event produced again later is newer by its stream id: it applies.
    // An event with an if_hash that does not hold is refused and acked.
    redis_cli_script(
        &server,
        "XADD cc:events * dep_id doc:x new_hash v3 if_hash nope\n\
         XADD cc:events * dep_id doc:x new_hash v3 if_hash v2 reason \"ticket 9\"\n",
    );
    let r = consume(
        &server,
        &["--stream", "cc:events", "--until-idle", "--json"],
    );
    let lines: Vec<Value> = r
        .json_lines()
        .into_iter()
        .filter(|l| l["type"] == "event")
        .collect();
    assert_eq!(lines[0]["status"], "refused", "{lines:?}");
    assert_eq!(lines[0]["deps"][0]["current_hash"], "v2");
    assert_eq!(lines[1]["status"], "applied", "{lines:?}");
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:x").as_deref(), Some("v3"));
    let audit = cmd(&server).args(&["audit", "--json"]).succeeds();
    assert_eq!(audit.json_lines()[0]["reason"], "ticket 9");
}

#[test]
fn dep_ids_from_events_are_checked_like_any_other() {
    // A dep id that names a key tag, an id with braces, and a Unicode id all work.
    let server = RedisServer::start();
    let mut conn = server.conn();
    let k = fixture::key(Tier::L1, "default", 1);
    fixture::write_entry(
        &mut conn,
        &k,
        "default",
        &[with("{tenant}:doc", "v0")],
        Some(600),
    );
    redis_cli_script(
        &server,
        "XADD cc:events * dep_id {tenant}:doc new_hash v1\nXADD cc:events * dep_id 日本:1\n",
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
    assert_eq!(summary(&r)["applied"], 2, "{r:?}");
    assert!(!exists(&mut conn, &k));
    assert!(
        get(&mut conn, "cc:dep:hash:日本:1")
            .unwrap()
            .starts_with("auto-")
    );
}

#[test]
fn an_older_event_whose_gate_passed_first_never_writes_its_hash_last() {
    // Two consumers interleaved at the worst moment, step by step: the older event passes
    // the gate, the newer one passes it too, and only then does the older one invalidate.
    use cachecore::store::{ConnectOptions, Gate, GateOutcome, Store};
    let server = RedisServer::start();
    let mut conn = server.conn();
    tagged(&mut conn, "doc:race", 0, 3);
    let dep = cachecore::layout::DepId::parse("doc:race").unwrap();
    let keys = (
        cachecore::bookkeeping::event_order_key(&dep),
        dep.hash_key(),
        cachecore::bookkeeping::hash_time_key(&dep),
    );
    let gate = |id: u64, hash: &'static str| Gate {
        order_key: &keys.0,
        hash_key: &keys.1,
        time_key: &keys.2,
        stream: "cc:events",
        id: (id, 0),
        new_hash: hash,
        if_hash: None,
        keep_ms: 60_000,
        max_skew_ms: 60_000,
        sweep: None,
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut store = Store::connect(&ConnectOptions {
            urls: vec![server.url.clone()],
            timeout: Duration::from_secs(5),
            ..ConnectOptions::default()
        })
        .await
        .unwrap();
        let older = store.gate_many(&[gate(1, "h1")]).await.unwrap();
        assert!(matches!(older[0], Ok(GateOutcome::Applied { .. })));
        let newer = store.gate_many(&[gate(2, "h2")]).await.unwrap();
        assert!(matches!(newer[0], Ok(GateOutcome::Applied { .. })));
        // The older event's invalidation, as consume plans it, comes last: refused.
        let plan = cachecore::service::consume::event_plan(&dep, "h1", false);
        let never = cachecore::interrupt::Interrupt::default();
        let ran = cachecore::engine::invalidation::invalidate_wave(
            &mut store,
            &[plan],
            |_| indicatif::ProgressBar::hidden(),
            &never,
        )
        .await
        .unwrap();
        assert!(ran[0].is_err(), "the older event's run is refused");
        // A late redelivery of the older event is superseded at the gate.
        let again = store.gate_many(&[gate(1, "h1")]).await.unwrap();
        assert!(
            matches!(again[0], Ok(GateOutcome::Superseded { .. })),
            "{again:?}"
        );
        // The newer event's run deletes the entries.
        let plan = cachecore::service::consume::event_plan(&dep, "h2", false);
        let ran = cachecore::engine::invalidation::invalidate_wave(
            &mut store,
            &[plan],
            |_| indicatif::ProgressBar::hidden(),
            &never,
        )
        .await
        .unwrap();
        assert_eq!(
            ran[0].as_ref().unwrap().l1_deleted + ran[0].as_ref().unwrap().l2_deleted,
            3
        );
    });
    assert_eq!(
        get(&mut conn, "cc:dep:hash:doc:race").as_deref(),
        Some("h2")
    );
}

#[test]
fn small_deps_go_in_the_gates_own_step_large_ones_stepwise() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    tagged(&mut conn, "doc:small", 0, 3);
    tagged(&mut conn, "doc:large", 100, 300);
    // A member that is not an entry key: never deleted, counted.
    set(&mut conn, "session:abc", "keep me");
    let () = redis::cmd("SADD")
        .arg("cc:dep:keys:doc:small")
        .arg("session:abc")
        .query(&mut conn)
        .map(|_: i64| ())
        .unwrap();
    redis_cli_script(
        &server,
        "XADD cc:events * dep_id doc:small new_hash s1\nXADD cc:events * dep_id doc:large new_hash l1\n",
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
    let lines: Vec<Value> = r
        .json_lines()
        .into_iter()
        .filter(|l| l["type"] == "event")
        .collect();
    let small = &lines[0]["deps"][0];
    assert_eq!(small["dep_id"], "doc:small");
    assert_eq!(small["members"], 4);
    assert_eq!(small["skipped_not_entries"], 1);
    assert_eq!(
        small["l1_deleted"].as_u64().unwrap() + small["l2_deleted"].as_u64().unwrap(),
        3
    );
    let large = &lines[1]["deps"][0];
    assert_eq!(
        large["l1_deleted"].as_u64().unwrap() + large["l2_deleted"].as_u64().unwrap(),
        300
    );
    assert_eq!(get(&mut conn, "session:abc").as_deref(), Some("keep me"));
    assert_eq!(
        get(&mut conn, "cc:dep:hash:doc:small").as_deref(),
        Some("s1")
    );
    assert_eq!(
        get(&mut conn, "cc:dep:hash:doc:large").as_deref(),
        Some("l1")
    );
    assert!(scan_keys(&mut conn, "cc:l1:*").is_empty() && scan_keys(&mut conn, "vec:*").is_empty());
    assert!(scan_keys(&mut conn, "cc:dep:keys:*").is_empty());
    // The write time of each hash is stamped, as every hash write does.
    assert_eq!(scan_keys(&mut conn, "cc:hashtime:*").len(), 2);
}
