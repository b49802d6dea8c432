//! Writes entries exactly as the caching proxy does (shared/redis-layout.md): the entry
//! hash with `body`, `deps` (declared deps in order, then the namespace's policy dep) and
//! `created_at`, a TTL, and the key added to each declared dep's set. The `deps` JSON is
//! built here with serde_json, independently of the library's writer, so a bug there
//! cannot hide in the tests.

use redis::{Connection, ConnectionLike};
use serde_json::json;

/// Where the fixture writes. On one node an entry and its dep-set memberships go in one
/// MULTI, as the proxy writes them; a cluster cannot run MULTI across slots, so there
/// each command goes on its own (the proxy then writes the entry first, then the SADDs).
pub trait Writer: ConnectionLike {
    fn write(&mut self, pipe: redis::Pipeline);
}

impl Writer for Connection {
    fn write(&mut self, mut pipe: redis::Pipeline) {
        let () = pipe.atomic().query(self).expect("write entries");
    }
}

impl Writer for redis::cluster::ClusterConnection {
    fn write(&mut self, pipe: redis::Pipeline) {
        for cmd in pipe.cmd_iter() {
            let _: redis::Value = cmd.query(self).expect("write to the cluster");
        }
    }
}

/// A dep as the proxy declares it.
#[derive(Debug, Clone)]
pub enum Dep {
    /// Declared with an explicit hash.
    With(String, String),
    /// Declared without a hash: the proxy records the dep's current hash (null if absent)
    /// as read when the request started.
    Current(String),
}

pub fn with(id: &str, hash: &str) -> Dep {
    Dep::With(id.into(), hash.into())
}

pub fn current(id: &str) -> Dep {
    Dep::Current(id.into())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    L1,
    L2,
}

/// The key of the `i`-th synthetic request of `ns`.
pub fn key(tier: Tier, ns: &str, i: u64) -> String {
    match tier {
        Tier::L1 => {
            let request = format!(
                r#"{{"model":"gpt","messages":[{{"role":"user","content":"question {i}"}}]}}"#
            );
            let fp = cachecore::layout::fingerprint(&request).expect("valid request");
            format!("cc:l1:{ns}:{fp}")
        }
        Tier::L2 => format!("vec:{ns}:{i}"),
    }
}

/// The recorded deps of a new entry, read as the proxy would at request start.
pub fn resolve(
    conn: &mut impl ConnectionLike,
    ns: &str,
    deps: &[Dep],
) -> Vec<(String, Option<String>)> {
    let mut out: Vec<(String, Option<String>)> = deps
        .iter()
        .map(|d| match d {
            Dep::With(id, h) => (id.clone(), Some(h.clone())),
            Dep::Current(id) => {
                let h: Option<String> = redis::cmd("GET")
                    .arg(format!("cc:dep:hash:{id}"))
                    .query(conn)
                    .expect("GET");
                (id.clone(), h)
            }
        })
        .collect();
    let policy_id = format!("cc:policy-version:{ns}");
    let policy: Option<String> = redis::cmd("GET")
        .arg(format!("cc:dep:hash:{policy_id}"))
        .query(conn)
        .expect("GET");
    out.push((policy_id, Some(policy.unwrap_or_else(|| "1".into()))));
    out
}

pub fn deps_json(recorded: &[(String, Option<String>)]) -> String {
    serde_json::Value::Array(
        recorded
            .iter()
            .map(|(id, h)| json!({"id": id, "hash": h}))
            .collect(),
    )
    .to_string()
}

/// Queues one entry's writes on `pipe` (the proxy writes an entry and its dep-set
/// memberships together).
pub fn queue_entry(
    pipe: &mut redis::Pipeline,
    key: &str,
    recorded: &[(String, Option<String>)],
    ttl_secs: Option<u64>,
) {
    let body = "x".repeat(300);
    let created = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        .to_string();
    let h = pipe
        .cmd("HSET")
        .arg(key)
        .arg("body")
        .arg(body)
        .arg("deps")
        .arg(deps_json(recorded))
        .arg("created_at")
        .arg(created)
        .ignore();
    if key.starts_with("vec:") {
        h.cmd("HSET")
            .arg(key)
            .arg("embedding")
            .arg(vec![0u8; 16])
            .ignore();
    }
    if let Some(ttl) = ttl_secs {
        pipe.cmd("EXPIRE").arg(key).arg(ttl).ignore();
    }
    for (id, _) in recorded
        .iter()
        .filter(|(id, _)| !id.starts_with("cc:policy-version:"))
    {
        pipe.cmd("SADD")
            .arg(format!("cc:dep:keys:{id}"))
            .arg(key)
            .ignore();
    }
}

/// Writes one entry atomically, as the proxy does.
pub fn write_entry(
    conn: &mut impl Writer,
    key: &str,
    ns: &str,
    deps: &[Dep],
    ttl_secs: Option<u64>,
) {
    let recorded = resolve(conn, ns, deps);
    let mut pipe = redis::pipe();
    queue_entry(&mut pipe, key, &recorded, ttl_secs);
    conn.write(pipe);
}

/// Writes `count` entries of namespace `default` (every fifth one L2) tagged with `deps`
/// plus, when `per_entry_dep` is given, `{per_entry_dep}{i}`. Pipelined in chunks.
/// Returns the keys' count per tier.
pub fn write_many(
    conn: &mut impl Writer,
    first: u64,
    count: u64,
    deps: &[Dep],
    per_entry_dep: Option<&str>,
    ttl_secs: Option<u64>,
) -> (u64, u64) {
    let base = resolve(conn, "default", deps);
    let (mut l1, mut l2) = (0, 0);
    let mut i = first;
    while i < first + count {
        let mut pipe = redis::pipe();
        for j in i..(i + 1000).min(first + count) {
            let tier = if j % 5 == 4 { Tier::L2 } else { Tier::L1 };
            match tier {
                Tier::L1 => l1 += 1,
                Tier::L2 => l2 += 1,
            }
            let mut recorded = base.clone();
            if let Some(prefix) = per_entry_dep {
                recorded.insert(recorded.len() - 1, (format!("{prefix}{j}"), None));
            }
            queue_entry(&mut pipe, &key(tier, "default", j), &recorded, ttl_secs);
        }
        conn.write(pipe);
        i += 1000;
    }
    (l1, l2)
}

/// `count` L2 keys added to `set` as members whose entries do not exist yet (the prune
/// race tests bring them to life while prune runs). Returns the keys.
pub fn members_without_entries(conn: &mut impl Writer, set: &str, count: u64) -> Vec<String> {
    let keys: Vec<String> = (0..count).map(|i| key(Tier::L2, "default", i)).collect();
    for chunk in keys.chunks(1000) {
        let mut pipe = redis::pipe();
        pipe.cmd("SADD").arg(set).arg(chunk).ignore();
        conn.write(pipe);
    }
    keys
}
