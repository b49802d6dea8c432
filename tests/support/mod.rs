//! Test support: real servers, the proxy-faithful fixture writer, running the real binary
//! ([`cmd`]), waiting on a condition ([`wait_until`]), and reading Redis state back.

#![allow(dead_code)]

pub mod binary;
pub mod cluster;
pub mod consume;
pub mod docs;
pub mod fixture;
pub mod serve;
pub mod server;

use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

pub use binary::*;
pub use cluster::{RedisCluster, node_id};
pub use server::RedisServer;

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

/// The commands of the clients whose command waits in the server (CLIENT LIST flag `b`:
/// blocked, as a write is under CLIENT PAUSE WRITE), by name (`evalsha`, `hget`, ...).
pub fn blocked_commands(conn: &mut redis::Connection) -> Vec<String> {
    let clients: String = redis::cmd("CLIENT")
        .arg("LIST")
        .query(conn)
        .expect("CLIENT LIST");
    let field = |c: &str, name: &str| {
        c.split(' ')
            .find_map(|f| f.strip_prefix(name))
            .unwrap_or_default()
            .to_string()
    };
    clients
        .lines()
        .filter(|c| field(c, "flags=").contains('b'))
        .map(|c| field(c, "cmd="))
        .collect()
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

/// How often a wait polls its condition: short next to any run a test waits on.
pub const POLL: Duration = Duration::from_millis(5);

/// Waits (up to `within`) until `done` holds, polling; on time out the test fails naming
/// `what`. For a run in the background, [`Background::wait_until`] also fails at once if
/// the run ends first.
pub fn wait_until(within: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !done() {
        assert!(
            Instant::now() < deadline,
            "timed out after {within:?} waiting for {what}"
        );
        std::thread::sleep(POLL);
    }
}

/// The keys a run has deleted since this was made (less the few it writes), read with
/// DBSIZE, which costs the server nothing next to the run it watches: "part way through
/// its deletions" as a condition for [`Background::wait_until`].
pub struct Deletions {
    conns: Vec<redis::Connection>,
    before: u64,
}

impl Deletions {
    pub fn from_now(server: &RedisServer) -> Deletions {
        Deletions::on(vec![server.conn()])
    }

    /// Over every primary of a cluster.
    pub fn on_cluster(cluster: &RedisCluster) -> Deletions {
        Deletions::on(cluster.nodes.iter().map(RedisServer::conn).collect())
    }

    fn on(mut conns: Vec<redis::Connection>) -> Deletions {
        let before = conns.iter_mut().map(dbsize).sum();
        Deletions { conns, before }
    }

    /// Whether at least `n` keys are gone.
    pub fn at_least(&mut self, n: u64) -> bool {
        let now: u64 = self.conns.iter_mut().map(dbsize).sum();
        now + n <= self.before
    }
}
