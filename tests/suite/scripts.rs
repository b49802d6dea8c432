//! Scripts run by EVALSHA, loaded when the server does not hold them: after SCRIPT FLUSH
//! (what a restart or a failover to a fresh replica also leaves) every scripted step
//! still runs, once, with nothing printed about it.

use crate::support::fixture::{self, Tier, with};
use crate::support::*;

fn flush_scripts(conn: &mut redis::Connection) {
    let () = redis::cmd("SCRIPT").arg("FLUSH").query(conn).unwrap();
}

fn quietly_ok(server: &RedisServer, args: &[&str]) -> Run {
    let r = run(server, args);
    assert_eq!(r.code, 0, "{args:?}: {r:?}");
    assert!(r.stderr.is_empty(), "{args:?}: {}", r.stderr);
    r
}

#[test]
fn every_scripted_step_runs_after_the_script_cache_was_flushed() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let small: Vec<String> = (0..3)
        .map(|i| fixture::key(Tier::L1, "default", 1000 + i))
        .collect();
    for k in &small {
        fixture::write_entry(&mut conn, k, "default", &[with("doc:1", "v1")], Some(600));
    }
    // Large enough for the stepwise path (hash compare-and-set, detach).
    fixture::write_many(
        &mut conn,
        0,
        300,
        &[with("table:big", "v1")],
        None,
        Some(600),
    );

    // The single-step script of a small dep, on a server that never saw it, then again
    // after a flush.
    quietly_ok(&server, &["invalidate", "doc:1", "--new-hash", "v2"]);
    assert!(small.iter().all(|k| !exists(&mut conn, k)));
    let k = &small[0];
    fixture::write_entry(&mut conn, k, "default", &[with("doc:1", "v2")], Some(600));
    flush_scripts(&mut conn);
    quietly_ok(&server, &["invalidate", "doc:1", "--new-hash", "v3"]);
    assert!(!exists(&mut conn, k));
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:1").as_deref(), Some("v3"));

    // The stepwise path: the hash compare-and-set and the detach.
    flush_scripts(&mut conn);
    let r = quietly_ok(
        &server,
        &["invalidate", "table:big", "--new-hash", "v2", "--json"],
    );
    assert_eq!(r.json()["members"], 300);
    assert!(scan_keys(&mut conn, "cc:l1:*").is_empty() && scan_keys(&mut conn, "vec:*").is_empty());
    assert_eq!(
        get(&mut conn, "cc:dep:hash:table:big").as_deref(),
        Some("v2")
    );

    // The deps rewrite of tag.
    let k = fixture::key(Tier::L2, "default", 7);
    fixture::write_entry(&mut conn, &k, "default", &[with("doc:2", "v1")], Some(600));
    flush_scripts(&mut conn);
    quietly_ok(&server, &["tag", &k, "--dep", "doc:9=h9"]);
    let deps: String = redis::cmd("HGET")
        .arg(&k)
        .arg("deps")
        .query(&mut conn)
        .unwrap();
    assert!(deps.contains("doc:9"), "{deps}");

    // The prune page script.
    let gone = fixture::key(Tier::L2, "default", 99);
    let () = redis::cmd("SADD")
        .arg("cc:dep:keys:doc:2")
        .arg(&gone)
        .query(&mut conn)
        .map(|_: i64| ())
        .unwrap();
    flush_scripts(&mut conn);
    let r = quietly_ok(&server, &["deps", "prune", "--yes", "--json"]);
    assert_eq!(r.json()["members_removed"], 1, "{:?}", r.json());
    assert_eq!(smembers(&mut conn, "cc:dep:keys:doc:2"), vec![k.clone()]);

    // The policy roll.
    flush_scripts(&mut conn);
    quietly_ok(&server, &["policy", "roll", "--yes"]);
    assert_eq!(
        get(&mut conn, "cc:dep:hash:cc:policy-version:default").as_deref(),
        Some("2")
    );
}
