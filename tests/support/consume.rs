//! `cachecore consume`'s harness: producing events as an operator would (redis-cli, XADD),
//! reading a stream and its group back, and running the consumer to idle or in the
//! background.

use std::collections::HashMap;
use std::process::{Command, Stdio};

use serde_json::Value;

use super::fixture::{self, with};
use super::{Background, RedisServer, Run, cmd};

/// The server's unix socket, for redis-cli.
pub fn socket(server: &RedisServer) -> String {
    server
        .url
        .strip_prefix("redis+unix://")
        .expect("a unix-socket server")
        .to_string()
}

/// How redis-cli reaches the server: its socket, or its TCP port.
pub fn cli_target(server: &RedisServer) -> [String; 2] {
    match server.port {
        Some(port) => ["-p".into(), port.to_string()],
        None => ["-s".into(), socket(server)],
    }
}

/// A shell command line run exactly as written, its `redis-cli` pointed at the server: a
/// `redis-cli` first on PATH adds the server's socket, as a shell alias would.
pub fn shell(server: &RedisServer, line: &str) -> String {
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
pub fn redis_cli_script(server: &RedisServer, script: &str) -> String {
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
pub fn xadd(conn: &mut redis::Connection, stream: &str, fields: &[(&str, &str)]) -> String {
    let mut cmd = redis::cmd("XADD");
    cmd.arg(stream).arg("*");
    for (f, v) in fields {
        cmd.arg(*f).arg(*v);
    }
    cmd.query(conn).expect("XADD")
}

pub fn pending(conn: &mut redis::Connection, stream: &str) -> u64 {
    let (n, _, _, _): (u64, redis::Value, redis::Value, redis::Value) = redis::cmd("XPENDING")
        .arg(stream)
        .arg("cachecore")
        .query(conn)
        .expect("XPENDING");
    n
}

/// Pending ids held by one consumer (none while the group does not exist yet).
pub fn pending_of(conn: &mut redis::Connection, stream: &str, consumer: &str) -> Vec<String> {
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

/// The names of the group's consumers (none while the group does not exist yet): a
/// consumer joins at its first read.
pub fn consumers(conn: &mut redis::Connection, stream: &str) -> Vec<String> {
    let rows: Vec<HashMap<String, redis::Value>> = redis::cmd("XINFO")
        .arg("CONSUMERS")
        .arg(stream)
        .arg("cachecore")
        .query(conn)
        .unwrap_or_default();
    rows.iter()
        .map(|r| redis::from_redis_value(r["name"].clone()).expect("a consumer name"))
        .collect()
}

/// Every entry of a stream: id and fields.
pub fn xrange(conn: &mut redis::Connection, stream: &str) -> Vec<(String, Vec<(String, String)>)> {
    redis::cmd("XRANGE")
        .arg(stream)
        .arg("-")
        .arg("+")
        .query(conn)
        .expect("XRANGE")
}

pub fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// `n` entries tagged `dep` at hash `v0`, numbered from `first`.
pub fn tagged(conn: &mut redis::Connection, dep: &str, first: u64, n: u64) {
    fixture::write_many(conn, first, n, &[with(dep, "v0")], None, Some(3600));
}

/// The event lines of a JSON run, by entry id.
pub fn events_by_id(r: &Run) -> HashMap<String, Value> {
    r.json_lines()
        .into_iter()
        .filter(|l| l["type"] == "event")
        .map(|l| (l["id"].as_str().unwrap().to_string(), l))
        .collect()
}

pub fn summary(r: &Run) -> Value {
    r.json_lines()
        .into_iter()
        .rfind(|l| l["type"] == "summary")
        .unwrap_or_else(|| panic!("no summary: {r:?}"))
}

pub fn consume(server: &RedisServer, args: &[&str]) -> Run {
    let mut all = vec!["consume"];
    all.extend_from_slice(args);
    cmd(server).args(&all).run()
}

/// `cachecore consume <args>` in the background (stop it with a signal).
pub fn spawn_consume(server: &RedisServer, args: &[&str]) -> Background {
    cmd(server).args(&["consume"]).args(args).spawn()
}
