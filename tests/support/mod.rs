//! Test support: real servers, the proxy-faithful fixture writer, running the real binary,
//! and reading Redis state back.

#![allow(dead_code)]

pub mod cluster;
pub mod docs;
pub mod fixture;
pub mod serve;
pub mod server;

use std::collections::BTreeMap;
use std::process::{Command, Output, Stdio};

pub use cluster::{RedisCluster, node_id};
pub use server::RedisServer;

/// What one run of the binary produced.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {}", self.stdout))
    }

    pub fn json_lines(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .map(|l| {
                let v: serde_json::Value =
                    serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line ({e}): {l}"));
                // serde_json keeps the last of duplicate keys silently: count them in the text.
                for key in v.as_object().expect("each line is an object").keys() {
                    let quoted = format!("{}:", serde_json::Value::String(key.clone()));
                    assert_eq!(l.matches(&quoted).count(), 1, "key {key} repeated in {l}");
                }
                v
            })
            .collect()
    }

    /// Like [`Run::expect_one_line_error`], but after any `cachecore: note:` lines (the
    /// notes of steps sent again after a dropped connection) or `cachecore: warning:`
    /// lines (a password given on the command line).
    pub fn expect_error_after_notes(&self, code: i32) -> &str {
        assert_eq!(self.code, code, "exit code; stderr: {}", self.stderr);
        let lines: Vec<&str> = self.stderr.lines().collect();
        let (last, notes) = lines.split_last().expect("an error line");
        assert!(last.starts_with("cachecore: error: "), "{}", self.stderr);
        assert!(
            notes.iter().all(
                |l| l.starts_with("cachecore: note: ") || l.starts_with("cachecore: warning: ")
            ),
            "{}",
            self.stderr
        );
        last
    }

    /// Asserts the run failed with `code` and exactly one line on stderr.
    pub fn expect_one_line_error(&self, code: i32) -> &str {
        assert_eq!(self.code, code, "exit code; stderr: {}", self.stderr);
        assert_eq!(
            self.stderr.lines().count(),
            1,
            "one-line error, got: {:?}",
            self.stderr
        );
        assert!(
            self.stderr.starts_with("cachecore: error: "),
            "{}",
            self.stderr
        );
        self.stderr.trim_end()
    }
}

/// A fluent run of the binary: `cmd(&srv).args(&[..]).succeeds().stdout_has(..)`.
pub struct CmdBuilder {
    cmd: Command,
}

/// The binary against `server`, ready for arguments.
pub fn cmd(server: &RedisServer) -> CmdBuilder {
    CmdBuilder {
        cmd: cachecore_cmd(&server.url),
    }
}

impl CmdBuilder {
    pub fn args(mut self, args: &[&str]) -> Self {
        self.cmd.args(args);
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.cmd.env(key, value);
        self
    }

    pub fn env_remove(mut self, key: &str) -> Self {
        self.cmd.env_remove(key);
        self
    }

    /// Runs to completion, whatever the outcome.
    pub fn run(mut self) -> Run {
        finish(self.cmd.output().expect("run cachecore"))
    }

    /// Runs and asserts exit 0.
    pub fn succeeds(self) -> Run {
        let r = self.run();
        assert_eq!(r.code, 0, "expected success: {r:?}");
        r
    }

    /// Runs and asserts `code` with exactly one `cachecore: error:` line on stderr.
    pub fn fails_with(self, code: i32) -> Run {
        let r = self.run();
        r.expect_one_line_error(code);
        r
    }
}

impl Run {
    pub fn stdout_has(&self, text: &str) -> &Self {
        assert!(
            self.stdout.contains(text),
            "stdout lacks {text:?}: {self:?}"
        );
        self
    }

    pub fn stderr_has(&self, text: &str) -> &Self {
        assert!(
            self.stderr.contains(text),
            "stderr lacks {text:?}: {self:?}"
        );
        self
    }
}

/// The binary under test, with no ambient Redis configuration.
pub fn cachecore_cmd(url: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cachecore"));
    cmd.env_remove("CACHECORE_REDIS_URL")
        .env_remove("REDIS_URL")
        .env_remove("CACHECORE_REDIS_PASSWORD")
        .env_remove("CACHECORE_REDIS_USER")
        .arg("--redis-url")
        .arg(url)
        .stdin(Stdio::null());
    cmd
}

/// Zeroes the server's command statistics (see [`command_calls`]).
pub fn reset_command_stats(conn: &mut redis::Connection) {
    let () = redis::cmd("CONFIG").arg("RESETSTAT").query(conn).unwrap();
}

/// How many `command` calls ran since the last reset (`INFO commandstats`: calls less
/// failed calls; a NOSCRIPT answer to EVALSHA is a failed call). 0 if none did.
pub fn command_calls(conn: &mut redis::Connection, command: &str) -> u64 {
    let info: String = redis::cmd("INFO").arg("COMMANDSTATS").query(conn).unwrap();
    let prefix = format!("cmdstat_{command}:");
    let Some(line) = info.lines().find_map(|l| l.strip_prefix(prefix.as_str())) else {
        return 0;
    };
    let field = |name: &str| -> u64 {
        line.split(',')
            .find_map(|f| f.strip_prefix(name))
            .unwrap()
            .parse()
            .unwrap()
    };
    field("calls=") - field("failed_calls=")
}

/// The binary against `server`, started with `args` in the background, its output piped
/// (for tests that act on the server while it runs).
pub fn spawn(server: &RedisServer, args: &[&str]) -> std::process::Child {
    cachecore_cmd(&server.url)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start cachecore")
}

pub fn finish(out: Output) -> Run {
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `cachecore --redis-url <server> <args>` to completion.
pub fn run(server: &RedisServer, args: &[&str]) -> Run {
    run_url(&server.url, args)
}

pub fn run_url(url: &str, args: &[&str]) -> Run {
    finish(
        cachecore_cmd(url)
            .args(args)
            .output()
            .expect("run cachecore"),
    )
}

/// Every key with its DUMP and whether it has a TTL: equal snapshots mean nothing changed.
pub fn snapshot(conn: &mut redis::Connection) -> BTreeMap<Vec<u8>, (Vec<u8>, bool)> {
    let keys: Vec<Vec<u8>> = scan_keys(conn, "*");
    keys.into_iter()
        .map(|k| {
            let dump: Vec<u8> = redis::cmd("DUMP").arg(&k).query(conn).expect("DUMP");
            let pttl: i64 = redis::cmd("PTTL").arg(&k).query(conn).expect("PTTL");
            (k, (dump, pttl >= 0))
        })
        .collect()
}

pub fn scan_keys(conn: &mut redis::Connection, pattern: &str) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut cursor = 0u64;
    loop {
        let (next, keys): (u64, Vec<Vec<u8>>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(pattern)
            .arg("COUNT")
            .arg(1000)
            .query(conn)
            .expect("SCAN");
        out.extend(keys);
        cursor = next;
        if cursor == 0 {
            // SCAN may return a key twice while the keyspace rehashes (after a mass
            // deletion, for example); it never misses one.
            out.sort();
            out.dedup();
            return out;
        }
    }
}

pub fn exists(conn: &mut redis::Connection, key: &str) -> bool {
    redis::cmd("EXISTS").arg(key).query(conn).expect("EXISTS")
}

pub fn get(conn: &mut redis::Connection, key: &str) -> Option<String> {
    redis::cmd("GET").arg(key).query(conn).expect("GET")
}

pub fn set(conn: &mut redis::Connection, key: &str, value: &str) {
    let () = redis::cmd("SET")
        .arg(key)
        .arg(value)
        .query(conn)
        .expect("SET");
}

pub fn dbsize(conn: &mut redis::Connection) -> u64 {
    redis::cmd("DBSIZE").query(conn).expect("DBSIZE")
}

/// Judges an entry by the layout's freshness rule using the library's rule and the
/// current hashes in Redis: the same check a reader does.
pub fn is_fresh(conn: &mut redis::Connection, key: &str) -> bool {
    let raw: Option<Vec<u8>> = redis::cmd("HGET")
        .arg(key)
        .arg("deps")
        .query(conn)
        .expect("HGET");
    let deps = cachecore::layout::parse_deps(&raw.expect("entry has deps")).expect("valid deps");
    let current: Vec<(String, Option<String>)> = deps
        .iter()
        .map(|d| (d.id.clone(), get(conn, &format!("cc:dep:hash:{}", d.id))))
        .collect();
    cachecore::layout::freshness(&deps, |id| {
        current
            .iter()
            .find(|(i, _)| i == id)
            .and_then(|(_, h)| h.as_deref())
    })
    .is_fresh()
}

pub fn smembers(conn: &mut redis::Connection, key: &str) -> Vec<String> {
    let mut m: Vec<String> = redis::cmd("SMEMBERS")
        .arg(key)
        .query(conn)
        .expect("SMEMBERS");
    m.sort();
    m
}

/// Sends a signal by name (INT, TERM, STOP, CONT) to a process.
pub fn send_signal(pid: u32, name: &str) {
    let ok = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(pid.to_string())
        .status()
        .expect("kill runs")
        .success();
    assert!(ok, "kill -{name} {pid}");
}
