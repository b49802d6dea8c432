//! `cachecore consume --status`, `doctor`'s stream check, command lines refused before
//! Redis is touched, and the documented ACL rules for a consumer.

use serde_json::Value;

use crate::support::consume::*;
use crate::support::*;

#[test]
fn status_and_doctor_show_lag_pending_consumers_and_dead_letters() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    redis_cli_script(
        &server,
        "XGROUP CREATE cc:events cachecore 0 MKSTREAM\n\
         XADD cc:events * dep_id \"bad id\"\n",
    );
    assert_eq!(
        consume(&server, &["--stream", "cc:events", "--until-idle"]).code,
        0
    );
    redis_cli_script(
        &server,
        "XADD cc:events * dep_id doc:1\n\
         XADD cc:events * dep_id doc:2\n\
         XADD cc:events * dep_id doc:3\n\
         XREADGROUP GROUP cachecore worker-1 COUNT 1 STREAMS cc:events >\n",
    );
    let before = snapshot(&mut conn);
    let r = cmd(&server)
        .args(&[
            "consume",
            "--status",
            "--stream",
            "cc:events",
            "--stream",
            "cc:other",
            "--json",
        ])
        .succeeds();
    let j = r.json();
    assert_eq!(j["command"], "consume status");
    let s = &j["streams"][0];
    assert_eq!(s["stream"], "cc:events");
    assert_eq!(s["length"], 4);
    assert_eq!(s["group"]["lag"], 2);
    assert_eq!(s["group"]["pending"], 1);
    let consumers = s["group"]["consumers"].as_array().unwrap();
    assert_eq!(consumers.len(), 1);
    assert_eq!(consumers[0]["name"], "worker-1");
    assert_eq!(consumers[0]["pending"], 1);
    assert!(consumers[0]["idle_ms"].is_u64());
    assert_eq!(s["dead_letter"]["stream"], "cc:events:dead");
    assert_eq!(s["dead_letter"]["length"], 1);
    let other = &j["streams"][1];
    assert_eq!(other["exists"], false);
    assert_eq!(other["group"], Value::Null);
    let table = cmd(&server)
        .args(&["consume", "--status", "--stream", "cc:events"])
        .succeeds();
    table.stdout_has("worker-1").stdout_has("cc:events:dead");
    let doctor = cmd(&server).args(&["doctor", "--json"]).run();
    let check = doctor.json()["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "event stream")
        .cloned()
        .unwrap_or_else(|| panic!("{doctor:?}"));
    assert_eq!(check["status"], "warn", "{check}");
    let detail = check["detail"].as_str().unwrap();
    assert!(
        detail.contains("cc:events group cachecore: lag 2, pending 1")
            && detail.contains("dead letters 1"),
        "{detail}"
    );
    assert_eq!(snapshot(&mut conn), before, "status and doctor only read");
}

#[test]
fn bad_command_lines_are_usage_errors_before_redis_is_touched() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    for (args, want) in [
        (&["--stream", "s", "--dep", "x"][..], "--format debezium"),
        (
            &["--stream", "s", "--format", "debezium"][..],
            "at least one --dep",
        ),
        (
            &[
                "--stream",
                "s",
                "--format",
                "debezium",
                "--dep",
                "row:{row.id",
            ][..],
            "unclosed",
        ),
        (&["--stream", "s", "--from", "later"][..], "--from"),
        (&["--stream", "s", "--stream", "s:dead"][..], "dead-letter"),
    ] {
        let r = consume(&server, args);
        let line = r.expect_one_line_error(2);
        assert!(line.contains(want), "{args:?}: {line}");
    }
    assert_eq!(dbsize(&mut conn), 0);
}

/// docs/connecting.md's rules for `consume`: the operator's, plus the stream commands.
const CONSUMER_EXTRA: &str = "+xreadgroup +xack +xautoclaim +xclaim +xpending +xgroup|create +xgroup|delconsumer +xinfo|groups +xinfo|consumers +xlen";
const OPERATOR: &str = "~cc:* ~vec:* resetchannels -@all +ping +cluster|slots +time +type +exists +scan +get +set +pttl +hget +hset +hstrlen +scard +smembers +sscan +sadd +srem +unlink +del +rename +memory|usage +eval +evalsha +script|load +xadd +xrevrange";

#[test]
fn the_documented_consumer_rules_are_enough() {
    let guide = crate::support::docs::read("docs/connecting.md");
    assert!(
        guide.contains(CONSUMER_EXTRA),
        "docs/connecting.md documents the consumer's rules"
    );
    let server = RedisServer::start_tcp(&[]);
    let mut conn = server.conn();
    tagged(&mut conn, "doc:acl", 0, 2);
    let mut rule = redis::cmd("ACL");
    rule.arg("SETUSER")
        .arg("consumer")
        .arg("reset")
        .arg("on")
        .arg(">Acl-Pa55");
    for r in OPERATOR
        .split_whitespace()
        .chain(CONSUMER_EXTRA.split_whitespace())
    {
        rule.arg(r);
    }
    let () = rule.query(&mut conn).unwrap();
    redis_cli_script(
        &server,
        "XADD cc:events * dep_id doc:acl new_hash v2\nXADD cc:events * dep_id \"x y\"\n",
    );
    let url = format!("redis://127.0.0.1:{}", server.port.unwrap());
    let as_consumer = |args: &[&str]| {
        cmd_url(&url)
            .env("CACHECORE_REDIS_PASSWORD", "Acl-Pa55")
            .args(&["--user", "consumer", "consume"])
            .args(args)
            .run()
    };
    let r = as_consumer(&[
        "--stream",
        "cc:events",
        "--from",
        "0",
        "--until-idle",
        "--json",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(summary(&r)["applied"], 1);
    assert_eq!(summary(&r)["dead_lettered"], 1);
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:acl").as_deref(), Some("v2"));
    let r = as_consumer(&["--status", "--stream", "cc:events"]);
    assert_eq!(r.code, 0, "{r:?}");
    // Without XACK permission the consumer stops (exit 3) and acks nothing.
    let () = redis::cmd("ACL")
        .arg("SETUSER")
        .arg("consumer")
        .arg("-xack")
        .query(&mut conn)
        .unwrap();
    redis_cli_script(&server, "XADD cc:events * dep_id doc:acl new_hash v3\n");
    let r = as_consumer(&["--stream", "cc:events", "--until-idle"]);
    let line = r.expect_error_after_notes(3);
    assert!(line.contains("xack") || line.contains("NOPERM"), "{line}");
    assert_eq!(
        pending(&mut conn, "cc:events"),
        1,
        "the event stays pending"
    );
}
