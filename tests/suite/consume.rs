//! `cachecore consume`: events from Redis Streams (produced with redis-cli XADD, as an
//! operator would) become invalidations; redelivery, two consumers with one killed,
//! poison events, Debezium change events in both of the Redis sink's formats, signals,
//! an outage, `--status` and the documented ACL rules.

use std::collections::{BTreeMap, HashMap};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::fixture::{self, Tier, with};
use crate::support::*;

/// The server's unix socket, for redis-cli.
fn socket(server: &RedisServer) -> String {
    server
        .url
        .strip_prefix("redis+unix://")
        .expect("a unix-socket server")
        .to_string()
}

/// How redis-cli reaches the server: its socket, or its TCP port.
fn cli_target(server: &RedisServer) -> [String; 2] {
    match server.port {
        Some(port) => ["-p".into(), port.to_string()],
        None => ["-s".into(), socket(server)],
    }
}

/// A shell command line run exactly as written, its `redis-cli` pointed at the server: a
/// `redis-cli` first on PATH adds the server's socket, as a shell alias would.
pub(crate) fn shell(server: &RedisServer, line: &str) -> String {
    let real = Command::new("sh")
        .args(["-c", "command -v redis-cli"])
        .output()
        .expect("sh runs");
    let real = String::from_utf8_lossy(&real.stdout).trim().to_string();
    assert!(!real.is_empty(), "redis-cli is on PATH");
    let bin = tempfile::tempdir().unwrap();
    let wrapper = bin.path().join("redis-cli");
    std::fs::write(
        &wrapper,
        format!("#!/bin/sh\nexec {real} -s '{}' \"$@\"\n", socket(server)),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("sh")
        .arg("-c")
        .arg(line)
        .env("PATH", path)
        .output()
        .expect("sh runs");
    assert!(out.status.success(), "{line}: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `redis-cli` on the server's socket with commands on stdin, one per line (its own
/// quoting rules: "bad id" is one argument).
pub(crate) fn redis_cli_script(server: &RedisServer, script: &str) -> String {
    use std::io::Write;
    let mut child = Command::new("redis-cli")
        .args(cli_target(server))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("redis-cli runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// XADD through the client, for field values (Debezium JSON) a shell would mangle.
fn xadd(conn: &mut redis::Connection, stream: &str, fields: &[(&str, &str)]) -> String {
    let mut cmd = redis::cmd("XADD");
    cmd.arg(stream).arg("*");
    for (f, v) in fields {
        cmd.arg(*f).arg(*v);
    }
    cmd.query(conn).expect("XADD")
}

pub(crate) fn pending(conn: &mut redis::Connection, stream: &str) -> u64 {
    let (n, _, _, _): (u64, Value2, Value2, Value2) = redis::cmd("XPENDING")
        .arg(stream)
        .arg("cachecore")
        .query(conn)
        .expect("XPENDING");
    n
}

type Value2 = redis::Value;

/// Pending ids held by one consumer (none while the group does not exist yet).
fn pending_of(conn: &mut redis::Connection, stream: &str, consumer: &str) -> Vec<String> {
    let rows: Vec<(String, String, u64, u64)> = redis::cmd("XPENDING")
        .arg(stream)
        .arg("cachecore")
        .arg("-")
        .arg("+")
        .arg(1000)
        .arg(consumer)
        .query(conn)
        .unwrap_or_default();
    rows.into_iter().map(|r| r.0).collect()
}

/// Every entry of a stream: id and fields.
pub(crate) fn xrange(
    conn: &mut redis::Connection,
    stream: &str,
) -> Vec<(String, Vec<(String, String)>)> {
    redis::cmd("XRANGE")
        .arg(stream)
        .arg("-")
        .arg("+")
        .query(conn)
        .expect("XRANGE")
}

pub(crate) fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// `n` entries tagged `dep` at hash `v0`, numbered from `first`.
pub(crate) fn tagged(conn: &mut redis::Connection, dep: &str, first: u64, n: u64) {
    fixture::write_many(conn, first, n, &[with(dep, "v0")], None, Some(3600));
}

/// The event lines of a JSON run, by entry id.
pub(crate) fn events_by_id(r: &Run) -> HashMap<String, Value> {
    r.json_lines()
        .into_iter()
        .filter(|l| l["type"] == "event")
        .map(|l| (l["id"].as_str().unwrap().to_string(), l))
        .collect()
}

pub(crate) fn summary(r: &Run) -> Value {
    r.json_lines()
        .into_iter()
        .rfind(|l| l["type"] == "summary")
        .unwrap_or_else(|| panic!("no summary: {r:?}"))
}

pub(crate) fn consume(server: &RedisServer, args: &[&str]) -> Run {
    let mut all = vec!["consume"];
    all.extend_from_slice(args);
    cmd(server).args(&all).run()
}

/// A consumer running in the background; its output is read as it comes (a consumer
/// blocked on a full pipe would stop consuming).
struct Running {
    child: Child,
    stdout: std::thread::JoinHandle<String>,
    stderr: std::thread::JoinHandle<String>,
}

impl Running {
    fn id(&self) -> u32 {
        self.child.id()
    }

    fn exited(&mut self) -> bool {
        self.child.try_wait().unwrap().is_some()
    }

    fn finish(mut self) -> Run {
        let status = self.child.wait().unwrap();
        Run {
            code: status.code().unwrap_or(-1),
            stdout: self.stdout.join().unwrap(),
            stderr: self.stderr.join().unwrap(),
        }
    }
}

fn spawn_consume(server: &RedisServer, args: &[&str]) -> Running {
    let mut child = cachecore_cmd(&server.url)
        .arg("consume")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn cachecore consume");
    let drain = |mut r: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            r.read_to_string(&mut text).unwrap();
            text
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    Running {
        child,
        stdout,
        stderr,
    }
}

fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

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
    let consumers: Vec<Value2> = redis::cmd("XINFO")
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

/// The fixtures of tests/fixtures/debezium as (name, key JSON, value JSON).
fn debezium_fixtures(prefix: &str) -> Vec<(String, String, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/debezium");
    let mut out = Vec::new();
    for op in ["insert", "update", "delete"] {
        for kind in ["envelope", "bare"] {
            let name = format!("{prefix}-{op}-{kind}");
            let text = std::fs::read_to_string(format!("{dir}/{name}.json")).unwrap();
            let v: Value = serde_json::from_str(&text).unwrap();
            out.push((name, v["key"].to_string(), v["value"].to_string()));
        }
    }
    out
}

#[test]
fn debezium_change_events_in_both_formats_with_and_without_the_envelope() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    tagged(&mut conn, "row:products:1001", 0, 3);
    tagged(&mut conn, "row:products:2002", 10, 3);
    tagged(&mut conn, "table:products", 20, 3);
    for (db, stream, hash, expect_hashes) in [
        (
            "postgres",
            "shop.public.products",
            "{source.lsn}",
            ["24023984", "24024312", "24024608"],
        ),
        (
            "mysql",
            "shop.inventory.products",
            "{source.file}:{source.pos}",
            [
                "mysql-bin.000003:154",
                "mysql-bin.000003:482",
                "mysql-bin.000003:811",
            ],
        ),
    ] {
        let row = if db == "postgres" { "1001" } else { "2002" };
        // Each event in both message formats, each with and without the envelope.
        let mut expected: BTreeMap<String, String> = BTreeMap::new();
        for (name, key, value) in debezium_fixtures(db) {
            let op = name.split('-').nth(1).unwrap();
            let hash = match op {
                "insert" => expect_hashes[0],
                "update" => expect_hashes[1],
                _ => expect_hashes[2],
            };
            let compact = xadd(&mut conn, stream, &[(&key, &value)]);
            let extended = xadd(
                &mut conn,
                stream,
                &[
                    ("key", &key),
                    ("value", &value),
                    ("__debezium.context.connectorName", db),
                ],
            );
            expected.insert(compact, hash.to_string());
            expected.insert(extended, hash.to_string());
        }
        // The tombstone after the delete, as the sink writes it (null value: "default").
        let tomb: Value = serde_json::from_str(
            &std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/debezium/postgres-tombstone.json"
            ))
            .unwrap(),
        )
        .unwrap();
        let tomb_key = tomb["key"].to_string();
        let t1 = xadd(&mut conn, stream, &[(&tomb_key, "default")]);
        let t2 = xadd(
            &mut conn,
            stream,
            &[("key", &tomb_key), ("value", "default")],
        );
        let r = consume(
            &server,
            &[
                "--format",
                "debezium",
                "--stream",
                stream,
                "--from",
                "0",
                "--dep",
                "table:{source.table}",
                "--dep",
                "row:{source.table}:{row.id}",
                "--hash",
                hash,
                "--until-idle",
                "--json",
            ],
        );
        assert_eq!(r.code, 0, "{r:?}");
        let events = events_by_id(&r);
        assert_eq!(events.len(), expected.len() + 2, "{r:?}");
        for (id, hash) in &expected {
            let e = &events[id];
            assert!(
                e["status"] == "applied" || e["status"] == "superseded",
                "{db} {id}: {e}"
            );
            let deps: Vec<(&str, &str)> = e["deps"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| {
                    (
                        d["dep_id"].as_str().unwrap(),
                        d["new_hash"].as_str().unwrap(),
                    )
                })
                .collect();
            let row_dep = format!("row:products:{row}");
            assert_eq!(
                deps,
                [
                    ("table:products", hash.as_str()),
                    (row_dep.as_str(), hash.as_str())
                ],
                "{db} {id}"
            );
        }
        for t in [&t1, &t2] {
            assert_eq!(events[t]["status"], "skipped");
            assert_eq!(events[t]["error"], "tombstone");
        }
        // The newest event is the delete: its position is the hash recorded.
        assert_eq!(
            get(&mut conn, &format!("cc:dep:hash:row:products:{row}")).as_deref(),
            Some(expect_hashes[2])
        );
        assert!(smembers(&mut conn, &format!("cc:dep:keys:row:products:{row}")).is_empty());
        assert_eq!(pending(&mut conn, stream), 0);
        assert!(xrange(&mut conn, &format!("{stream}:dead")).is_empty());
    }
    assert!(smembers(&mut conn, "cc:dep:keys:table:products").is_empty());
    assert!(scan_keys(&mut conn, "cc:l1:*").is_empty() && scan_keys(&mut conn, "vec:*").is_empty());

    // A template that does not resolve, and malformed JSON: poison.
    xadd(
        &mut conn,
        "shop.public.products",
        &[("{\"id\":1}", "{\"op\":\"c\"")],
    );
    let (_, _, value) = &debezium_fixtures("postgres")[1];
    xadd(&mut conn, "shop.public.products", &[("{\"id\":1}", value)]);
    let r = consume(
        &server,
        &[
            "--format",
            "debezium",
            "--stream",
            "shop.public.products",
            "--dep",
            "row:{source.table}:{row.sku}",
            "--until-idle",
            "--json",
        ],
    );
    assert_eq!(summary(&r)["dead_lettered"], 2, "{r:?}");
    let dead = xrange(&mut conn, "shop.public.products:dead");
    let reasons: Vec<&str> = dead
        .iter()
        .map(|(_, f)| field(f, "cc.reason").unwrap())
        .collect();
    assert!(reasons[0].contains("not valid JSON"), "{reasons:?}");
    assert!(
        reasons[1].contains("{row.sku}") && reasons[1].contains("does not resolve"),
        "{reasons:?}"
    );
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
    let a = spawn_consume(
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
    wait_until("A to hold entries", Duration::from_secs(20), || {
        !pending_of(&mut conn, "cc:events", "A").is_empty()
    });
    send_signal(a.id(), "KILL");
    a.finish();
    let orphaned = pending_of(&mut conn, "cc:events", "A");
    assert!(!orphaned.is_empty(), "A died holding entries");
    // B claims them after --claim-idle and finishes the stream.
    wait_until("every entry done", Duration::from_secs(30), || {
        assert!(!b.exited(), "B ended early");
        let groups: Vec<Vec<Value2>> = redis::cmd("XINFO")
            .arg("GROUPS")
            .arg("cc:events")
            .query(&mut conn)
            .unwrap();
        let lag = groups[0]
            .iter()
            .position(|v| *v == Value2::BulkString(b"lag".to_vec()))
            .map(|i| groups[0][i + 1].clone());
        pending(&mut conn, "cc:events") == 0 && lag == Some(Value2::Int(0))
    });
    send_signal(b.id(), "TERM");
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
        let child = spawn_consume(
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
        wait_until("the first event in hand", Duration::from_secs(20), || {
            exists(&mut conn, "cc:dep:hash:table:huge")
        });
        send_signal(child.id(), signal);
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
    let child = spawn_consume(
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
    std::thread::sleep(Duration::from_millis(300));
    server.kill();
    std::thread::sleep(Duration::from_millis(1500));
    server.restart();
    let mut conn2 = server.conn();
    redis_cli_script(&server, "XADD cc:events * dep_id doc:later new_hash v7\n");
    wait_until(
        "the event after the outage",
        Duration::from_secs(20),
        || {
            get(&mut conn2, "cc:dep:hash:doc:later").as_deref() == Some("v7")
                && pending(&mut conn2, "cc:events") == 0
        },
    );
    send_signal(child.id(), "TERM");
    let r = child.finish();
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("unreachable"), "{}", r.stderr);
    assert!(r.stderr.contains("answers again"), "{}", r.stderr);
    assert_eq!(summary(&r)["dead_lettered"], 0);

    // Run until idle, a server that stays away ends the run with exit 3.
    // (A dead consumer's entry keeps it waiting: not idle.)
    redis_cli_script(
        &server,
        "XADD cc:events * dep_id doc:held
XREADGROUP GROUP cachecore ghost STREAMS cc:events >
",
    );
    let child = spawn_consume(
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
    std::thread::sleep(Duration::from_millis(500));
    server.kill();
    let r = child.finish();
    let line = r.expect_error_after_notes(3);
    assert!(line.contains("--max-outage 1s"), "{line}");
}

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
        let mut c = cachecore_cmd(&url);
        c.env("CACHECORE_REDIS_PASSWORD", "Acl-Pa55")
            .args(["--user", "consumer", "consume"])
            .args(args);
        finish(c.output().unwrap())
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
