//! The one module that speaks Redis: connecting, timeouts, and the bounded, pipelined
//! primitives the commands are built from. No command issues Redis calls of its own, so
//! batching, routing and error context are decided here once.

mod connect;
mod streams;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use redis::cluster_routing::{RoutingInfo, SingleNodeRoutingInfo};
use redis::{AsyncConnectionConfig, Pipeline, RedisResult, Script, Value};

use connect::Conn;
pub use connect::{ClusterMode, ConnectOptions, PasswordSource, TlsFiles};
pub use streams::{ConsumerInfo, Fields, Gate, GateOutcome, GateSweep, GroupInfo, RawEntry};

use crate::audit::{AUDIT_KEY, AUDIT_MAX_LEN, AuditRecord};
use crate::bookkeeping::{is_pending_key_of, pending_prefix};
use crate::error::{invalid, redis_failure};
use crate::output::printable;
use crate::redact::redact_urls;

/// Cloning is cheap and shares the connection: concurrent tasks each hold a clone and
/// their commands are pipelined on the one socket.
#[derive(Clone)]
pub struct Store {
    conn: Conn,
    endpoint: String,
    /// How to connect again after a dropped connection (single node; a cluster
    /// connection reconnects by itself).
    redial: Option<Arc<(redis::Client, AsyncConnectionConfig)>>,
    /// How many times any clone of this store connected again. A new connection may
    /// reach a different server process (a restart, a failover), on which an SSCAN
    /// cursor of the old one is meaningless: scans compare it before and after each step.
    reconnects: Arc<std::sync::atomic::AtomicU64>,
}

/// Whether a step may be sent again after the connection dropped mid-request, when it is
/// unknown whether Redis ran it. Only steps that leave Redis in the same state whether they
/// ran once or twice qualify; each says why.
#[derive(Debug, Clone, Copy)]
enum Repeat {
    Never,
    Safe(&'static str),
}

/// Reads change nothing, so running one twice is safe.
const READ: Repeat = Repeat::Safe("a read changes nothing");

/// What one member of a dep set looks like right now.
#[derive(Debug, Clone)]
pub struct MemberProbe {
    /// Milliseconds to live: `-1` no TTL, `-2` the key does not exist.
    pub pttl_ms: i64,
    /// The `deps` field; `Err` holds the Redis error (for example a key of the wrong type).
    pub deps: Result<Option<Vec<u8>>, String>,
}

impl MemberProbe {
    pub fn exists(&self) -> bool {
        self.pttl_ms != -2
    }
}

/// Everything `cachecore entry` shows about one key.
#[derive(Debug, Clone)]
pub struct EntryFields {
    pub key_type: String,
    pub pttl_ms: i64,
    pub deps: Option<Vec<u8>>,
    pub created_at: Option<Vec<u8>>,
    pub body_len: u64,
    pub embedding_len: u64,
}

/// How a compare-and-set of a dep's hash is conditioned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HashCondition {
    Any,
    Equals(String),
    Absent,
}

impl HashCondition {
    /// The (mode, expected) arguments the hash-writing scripts take.
    fn script_args(&self) -> (&'static str, &str) {
        match self {
            HashCondition::Any => ("any", ""),
            HashCondition::Equals(h) => ("eq", h.as_str()),
            HashCondition::Absent => ("absent", ""),
        }
    }
}

/// The outcome of [`Store::set_hash`]: whether it was written and the value before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashSwap {
    pub written: bool,
    pub previous: Option<String>,
}

/// The keys one dep's invalidation touches (see [`crate::bookkeeping`]).
#[derive(Debug, Clone)]
pub struct DepKeys {
    pub dep: crate::layout::DepId,
    pub set: String,
    pub hash: String,
    pub hash_time: String,
    pub registry: String,
    /// This run's name for the detached set.
    pub pending: String,
}

/// One conditional hash write.
#[derive(Debug, Clone)]
pub struct HashWrite<'a> {
    pub hash_key: &'a str,
    pub time_key: &'a str,
    pub condition: &'a HashCondition,
    pub new: &'a str,
}

/// The last batch of a pending set, deleted together with the set.
#[derive(Debug, Clone)]
pub struct FinalBatch {
    pub pending: String,
    pub registry: String,
    pub l1: Vec<Vec<u8>>,
    pub l2: Vec<Vec<u8>>,
}

/// A dep set just detached: every pending key of the dep (this run's and unfinished
/// ones) with its size, and the registry members that were not followed.
#[derive(Debug, Clone)]
pub struct Detached {
    pub pending: Vec<(String, u64)>,
    pub foreign_runs: u64,
}

/// What an invalidation reads before it changes anything, in one round trip.
#[derive(Debug, Clone)]
pub struct Preflight {
    pub current_hash: Option<String>,
    /// Members of the dep set.
    pub members: u64,
    /// Pending keys of unfinished earlier runs, with their sizes.
    pub leftovers: Vec<(String, u64)>,
    /// Registry members that are not pending keys of this dep: planted, never followed.
    pub foreign_runs: u64,
}

// Compare-and-set in one script: the condition and the write must not be separated by
// another client's write, or two pipelines could roll a version back.
// The write time (server clock) goes to a bookkeeping key in the same slot, so that
// retiring old hash records can prove their age.
const SET_HASH_LUA: &str = r#"
local cur = redis.call('GET', KEYS[1])
if ARGV[1] == 'eq' and cur ~= ARGV[2] then return {0, cur} end
if ARGV[1] == 'absent' and cur then return {0, cur} end
redis.call('SET', KEYS[1], ARGV[3])
local t = redis.call('TIME')
redis.call('SET', KEYS[2], t[1] * 1000 + math.floor(t[2] / 1000))
return {1, cur}
"#;

// Detaches the dep set under a run-unique name and records that name, atomically: writers
// that SADD afterwards start a fresh set (so they stay tracked), and a run that dies later
// leaves a registry entry from which the next run finishes the job. RENAME is O(1).
// Returns every pending key of the dep (this run's and unfinished ones) with its size, and
// how many registry members were skipped: only keys of the exact form the engine writes
// (ARGV: the pending-key prefix and `:dep` suffix around a 32-hex run id) that hold a set
// are followed; anything planted there is never read or deleted. TYPE is asked only of
// keys of that form, so the script never touches a key outside the dep set's slot or
// outside the `cc:` keys an ACL role may reach.
const DETACH_LUA: &str = r#"
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('RENAME', KEYS[1], KEYS[2])
  redis.call('SADD', KEYS[3], KEYS[2])
end
local out, foreign = {}, 0
local prefix, suffix = ARGV[1], ARGV[2]
local function ours(k)
  if #k ~= #prefix + 32 + #suffix or string.sub(k, 1, #prefix) ~= prefix
      or string.sub(k, -#suffix) ~= suffix then return false end
  if not string.find(string.sub(k, #prefix + 1, #prefix + 32), '^[0-9a-f]+$') then return false end
  local t = redis.call('TYPE', k)['ok']
  return t == 'set' or t == 'none'
end
for _, k in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  if ours(k) then
    table.insert(out, k)
    table.insert(out, redis.call('SCARD', k))
  else
    foreign = foreign + 1
  end
end
return {out, foreign}
"#;

// Prunes one SSCAN page of a dep set: members whose key is gone are removed (or, when
// ARGV[3] is '0', only counted). Check and removal are one atomic step, so an entry a
// writer stores concurrently keeps its membership; the page bounds the work per call, and
// the members never cross the network. MEMORY USAGE is taken before the first page and
// after the last. Touches member keys without declaring them: standalone only.
// KEYS[1] = dep set; ARGV = cursor, COUNT, remove ('1' or '0').
// Members that are not entry keys are counted and kept, never read: nothing outside the
// cache is touched, and an ACL role limited to `cc:*` and `vec:*` can prune.
// Returns {next cursor, members scanned, dangling, bytes before, bytes after, not entries}.
const PRUNE_PAGE_BODY: &str = r#"
local before, after = 0, 0
if ARGV[1] == '0' then before = redis.call('MEMORY', 'USAGE', KEYS[1]) or 0 end
local page = redis.call('SSCAN', KEYS[1], ARGV[1], 'COUNT', ARGV[2])
local dangling, foreign = 0, 0
for _, m in ipairs(page[2]) do
  if entry_tier(m) == 0 then
    foreign = foreign + 1
  elseif redis.call('EXISTS', m) == 0 then
    if ARGV[3] == '1' then
      dangling = dangling + redis.call('SREM', KEYS[1], m)
    else
      dangling = dangling + 1
    end
  end
end
if page[1] == '0' then after = redis.call('MEMORY', 'USAGE', KEYS[1]) or 0 end
return {page[1], #page[2], dangling, before, after, foreign}
"#;

fn prune_page_lua() -> &'static str {
    static SCRIPT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SCRIPT.get_or_init(|| format!("{}{PRUNE_PAGE_BODY}", crate::layout::entry_tier_lua()))
}

// A whole invalidation of one small dep in one step (the fast path of a wave). It does
// its work only when nothing needs the stepwise protocol: the keys have the right types,
// the condition holds, there are no unfinished runs to resume, and the set has at most
// ARGV[4] members, so the script's work is bounded and Redis is held for microseconds.
// Otherwise it changes nothing and returns nil; the caller then runs the stepwise path,
// which also words any refusal. Deleting members inside the script needs no detach: no
// writer can interleave. Touches member keys without declaring them: standalone only.
// KEYS: hash, hash time, dep set, registry. ARGV: mode, expected, new hash, limit.
const SWEEP_SMALL_BODY: &str = r#"
if redis.call('EXISTS', KEYS[4]) == 1 then return false end
local st = redis.call('TYPE', KEYS[3])['ok']
if st ~= 'set' and st ~= 'none' then return false end
local ht = redis.call('TYPE', KEYS[1])['ok']
if ht ~= 'string' and ht ~= 'none' then return false end
local n = redis.call('SCARD', KEYS[3])
if n > tonumber(ARGV[4]) then return false end
local cur = redis.call('GET', KEYS[1])
if ARGV[1] == 'eq' and cur ~= ARGV[2] then return false end
if ARGV[1] == 'absent' and cur then return false end
redis.call('SET', KEYS[1], ARGV[3])
local t = redis.call('TIME')
redis.call('SET', KEYS[2], t[1] * 1000 + math.floor(t[2] / 1000))
local l1, l2, skipped = {}, {}, 0
for _, m in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  local tier = entry_tier(m)
  if tier == 1 then table.insert(l1, m)
  elseif tier == 2 then table.insert(l2, m)
  else skipped = skipped + 1 end
end
local d1, d2 = 0, 0
if #l1 > 0 then d1 = redis.call('UNLINK', unpack(l1)) end
if #l2 > 0 then d2 = redis.call('UNLINK', unpack(l2)) end
redis.call('UNLINK', KEYS[3])
return {cur or false, n, d1, d2, skipped}
"#;

fn sweep_small_lua() -> &'static str {
    static SCRIPT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SCRIPT.get_or_init(|| format!("{}{SWEEP_SMALL_BODY}", crate::layout::entry_tier_lua()))
}

/// An entry to write as the proxy does (for `cachecore demo`).
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub key: String,
    pub body: Vec<u8>,
    pub deps: String,
    pub created_at: String,
    /// L2 entries only.
    pub embedding: Option<Vec<u8>>,
    pub ttl_ms: u64,
    /// The dep sets the key joins.
    pub dep_sets: Vec<String>,
}

/// One page of a prune (see `PRUNE_PAGE_LUA`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrunePage {
    /// SSCAN cursor to continue from; 0 when the set is done.
    pub next: u64,
    pub scanned: u64,
    /// Members whose key is gone: removed, or in a dry run removable.
    pub dangling: u64,
    /// MEMORY USAGE before the first page (0 on later pages).
    pub bytes_before: u64,
    /// MEMORY USAGE after the last page (0 before it, and once the set is gone).
    pub bytes_after: u64,
    /// Members that are not entry keys: kept, never read.
    pub not_entries: u64,
}

/// What the fast path did for one dep (see `SWEEP_SMALL_BODY`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sweep {
    pub previous: Option<String>,
    pub members: u64,
    pub l1_deleted: u64,
    pub l2_deleted: u64,
    pub skipped_not_entries: u64,
}

/// One dep for the fast path.
#[derive(Debug, Clone)]
pub struct SweepRequest<'a> {
    pub keys: &'a DepKeys,
    pub condition: &'a HashCondition,
    pub new: &'a str,
    pub limit: u64,
}

// Replaces an entry's deps only if nobody rewrote them since we read them.
const REPLACE_DEPS_LUA: &str = r#"
if redis.call('HGET', KEYS[1], 'deps') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'deps', ARGV[2])
return 1
"#;

// Deletes a hash record only if it was not rewritten since the caller judged its age.
const RETIRE_HASH_LUA: &str = r#"
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
return 1
"#;

// A policy roll in one step: the compare-and-set on the version read before the prompt,
// the check that the new version was never current (the layout keeps only the current
// one, so going back would make every entry written at that version fresh again), the
// history update, the write, and its write time. Checks come before every write, so a
// refusal changes nothing. All keys share the policy record's slot. The history holds one
// member per roll, so reading it whole is cheap, and SMEMBERS (rather than SISMEMBER) keeps
// the operator's ACL rule set as documented.
// KEYS: policy record, its write time, the namespace's version history.
// ARGV: mode ('eq' or 'absent'), expected, new version, the default version ("1").
// Returns {code, value before, history}: code 1 rolled, 0 the record changed meanwhile,
// 2 the new version was current before (then the history is returned too).
const ROLL_POLICY_LUA: &str = r#"
local cur = redis.call('GET', KEYS[1])
if ARGV[1] == 'eq' and cur ~= ARGV[2] then return {0, cur, {}} end
if ARGV[1] == 'absent' and cur then return {0, cur, {}} end
local old = cur or ARGV[4]
local used = redis.call('SMEMBERS', KEYS[3])
local seen = ARGV[3] == old or ARGV[3] == ARGV[4]
for _, v in ipairs(used) do
  if v == ARGV[3] then seen = true end
end
if seen then return {2, cur, used} end
redis.call('SADD', KEYS[3], ARGV[4], old, ARGV[3])
redis.call('SET', KEYS[1], ARGV[3])
local t = redis.call('TIME')
redis.call('SET', KEYS[2], t[1] * 1000 + math.floor(t[2] / 1000))
return {1, cur, {}}
"#;

/// The keys a policy roll touches, all in one slot (see [`crate::bookkeeping`]).
#[derive(Debug, Clone)]
pub struct PolicyKeys {
    /// `cc:dep:hash:cc:policy-version:{ns}`.
    pub record: String,
    pub record_time: String,
    pub history: String,
}

/// A namespace's policy record as it is now, and every version recorded as used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyState {
    pub current: Option<String>,
    pub history: Vec<String>,
}

/// The outcome of [`Store::roll_policy`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyRoll {
    Rolled,
    /// The record no longer held the version read before; this is its value now.
    Changed(Option<String>),
    /// The new version was current before; the recorded history.
    Used(Vec<String>),
}

impl Store {
    /// Connects to the first seed that answers, then, if it is a cluster node (or
    /// `--cluster` forces it), to the whole cluster through all the seeds.
    pub async fn connect(opts: &ConnectOptions) -> Result<Store> {
        let endpoint = opts.seeds().map(redact_urls).collect::<Vec<_>>().join(",");
        let clients = connect::clients(opts, &endpoint)?;
        let failed = |e: redis::RedisError| {
            let hint = if is_auth_error(&e) {
                "check the user and password"
            } else if is_certificate_error(&e) {
                "the server's certificate is not trusted: pass --tls-ca with the CA that signed it (--tls-insecure only for a self-signed test setup)"
            } else {
                "check --redis-url (or CACHECORE_REDIS_URL / REDIS_URL) and that the server is running"
            };
            redis_failure(format!(
                "cannot connect to Redis at {endpoint}: {e}; {hint}"
            ))
        };
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(opts.timeout))
            .set_response_timeout(Some(opts.timeout));
        let mut first = None;
        let mut last_error = None;
        for client in &clients {
            match client
                .get_multiplexed_async_connection_with_config(&config)
                .await
            {
                Ok(c) => {
                    first = Some(c);
                    break;
                }
                Err(e) => last_error = Some(e),
            }
        }
        let Some(mut first) = first else {
            return Err(failed(last_error.expect("at least one seed")));
        };
        // HELLO without a protocol version reports the server's mode without switching
        // protocols, and needs no ACL permission. The handshake may also succeed on a
        // server that refuses every command (auth required but none given): this finds
        // out before any work.
        let hello: HashMap<String, Value> = redis::cmd("HELLO")
            .query_async(&mut first)
            .await
            .map_err(|e| {
                redis_failure(format!(
                    "Redis at {endpoint} refused HELLO: {e}; check the user and password"
                ))
            })?;
        let is_cluster = opts.cluster == ClusterMode::Force
            || hello.get("mode").is_some_and(|m| {
                redis::from_redis_value::<String>(m.clone()).is_ok_and(|m| m == "cluster")
            });
        let conn = if is_cluster {
            let certs = opts.tls.certificates()?;
            connect::cluster(opts, &clients, certs)
                .await
                .map_err(failed)?
        } else if clients.len() > 1 {
            return Err(invalid(format!(
                "several --redis-url values are the seeds of one cluster, but {endpoint} is not a cluster (pass one URL, or --cluster to force cluster mode)"
            )));
        } else {
            Conn::Single(first)
        };
        // A single node has exactly one URL: that client is the one to dial again.
        let redial =
            matches!(conn, Conn::Single(_)).then(|| Arc::new((clients[0].clone(), config.clone())));
        Ok(Store {
            conn,
            endpoint,
            redial,
            reconnects: Arc::default(),
        })
    }

    /// How many reconnections happened so far (see `reconnects`).
    pub fn reconnects(&self) -> u64 {
        self.reconnects.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Whether scripts may touch keys they do not declare (member keys of a dep set):
    /// true on a single node; a cluster needs every key of a script in one slot.
    pub fn is_standalone(&self) -> bool {
        matches!(self.conn, Conn::Single(_))
    }

    /// The server address with any credentials redacted, safe to print.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    pub async fn key_type(&mut self, key: &[u8]) -> Result<String> {
        let t: String = redis::cmd("TYPE")
            .arg(key)
            .query_async(&mut self.conn)
            .await
            .with_context(|| format!("TYPE {}", printable(key)))?;
        Ok(t)
    }

    /// Fails with a clear message unless `key` is absent or of type `want`. Used before
    /// any write so that a corrupted key stops the command with nothing changed.
    pub async fn expect_type(&mut self, key: &[u8], want: &str) -> Result<()> {
        let t = self.key_type(key).await?;
        if t == "none" || t == want {
            return Ok(());
        }
        Err(wrong_type(key, &t, want))
    }

    pub async fn get_string(&mut self, key: &str) -> Result<Option<String>> {
        let v: Option<Vec<u8>> = redis::cmd("GET")
            .arg(key)
            .query_async(&mut self.conn)
            .await
            .with_context(|| format!("GET {}", printable(key.as_bytes())))?;
        Ok(v.map(|b| String::from_utf8_lossy(&b).into_owned()))
    }

    /// Pipelined GETs (one round trip; no multi-key MGET so it stays valid in a cluster).
    pub async fn get_strings(&mut self, keys: &[String]) -> Result<Vec<Option<String>>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut pipe = redis::pipe();
        for key in keys {
            pipe.cmd("GET").arg(key);
        }
        let values: Vec<Option<Vec<u8>>> = pipe
            .query_async(&mut self.conn)
            .await
            .with_context(|| format!("GET of {} dep hashes", keys.len()))?;
        Ok(values
            .into_iter()
            .map(|v| v.map(|b| String::from_utf8_lossy(&b).into_owned()))
            .collect())
    }

    /// Every member of a small set (a registry of unfinished runs).
    pub async fn smembers(&mut self, key: &str) -> Result<Vec<Vec<u8>>> {
        let mut cmd = redis::cmd("SMEMBERS");
        cmd.arg(key);
        let context = format!("SMEMBERS {}", printable(key.as_bytes()));
        self.send_one(cmd, READ, &context).await
    }

    pub async fn scard(&mut self, key: &str) -> Result<u64> {
        let n: u64 = redis::cmd("SCARD")
            .arg(key)
            .query_async(&mut self.conn)
            .await
            .with_context(|| format!("SCARD {}", printable(key.as_bytes())))?;
        Ok(n)
    }

    /// One SSCAN step: at most about `count` members, so the server is held briefly.
    pub async fn sscan(
        &mut self,
        key: &str,
        cursor: u64,
        count: usize,
    ) -> Result<(u64, Vec<Vec<u8>>)> {
        let mut cmd = redis::cmd("SSCAN");
        cmd.arg(key).arg(cursor).arg("COUNT").arg(count);
        let context = format!("SSCAN {}", printable(key.as_bytes()));
        let (next, members): (u64, Vec<Vec<u8>>) = self.send_one(cmd, READ, &context).await?;
        Ok((next, members))
    }

    /// UNLINKs a batch of L1 keys and a batch of L2 keys in one round trip, returning how
    /// many of each existed.
    pub async fn unlink_tiers(&mut self, l1: &[Vec<u8>], l2: &[Vec<u8>]) -> Result<(u64, u64)> {
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        for keys in [l1, l2] {
            if !keys.is_empty() {
                pipe.cmd("UNLINK").arg(keys);
            }
        }
        if pipe.is_empty() {
            return Ok((0, 0));
        }
        let context = || format!("UNLINK of {} entries", l1.len() + l2.len());
        let counts = self
            .send(
                &pipe,
                Repeat::Safe("UNLINK of keys already gone is a no-op; a lost first reply only loses its counts"),
            )
            .await
            .with_context(context)?
            .into_iter()
            .map(|r| Ok(redis::from_redis_value::<u64>(r.with_context(context)?)?))
            .collect::<Result<Vec<u64>>>()?;
        let mut counts = counts.into_iter();
        let d1 = if l1.is_empty() {
            0
        } else {
            counts.next().unwrap_or(0)
        };
        let d2 = if l2.is_empty() {
            0
        } else {
            counts.next().unwrap_or(0)
        };
        Ok((d1, d2))
    }

    /// Per key: its remaining time to live in milliseconds (`-1` none, `-2` gone). One
    /// pipelined round trip.
    pub async fn pttl_each(&mut self, keys: &[Vec<u8>]) -> Result<Vec<i64>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        for key in keys {
            pipe.cmd("PTTL").arg(key);
        }
        let context = || format!("PTTL of {} keys", keys.len());
        self.send(&pipe, READ)
            .await
            .with_context(context)?
            .into_iter()
            .map(|r| Ok(redis::from_redis_value::<i64>(r.with_context(context)?)?))
            .collect()
    }

    /// Per key: does it exist. One pipelined round trip.
    pub async fn exists_each(&mut self, keys: &[Vec<u8>]) -> Result<Vec<bool>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        for key in keys {
            pipe.cmd("EXISTS").arg(key);
        }
        let context = || format!("EXISTS of {} keys", keys.len());
        self.send(&pipe, READ)
            .await
            .with_context(context)?
            .into_iter()
            .map(|r| Ok(redis::from_redis_value::<bool>(r.with_context(context)?)?))
            .collect()
    }

    /// TTL and `deps` of each key, one pipelined round trip. Per-key errors (a key of the
    /// wrong type) are returned per key rather than failing the batch.
    pub async fn probe_members(&mut self, keys: &[Vec<u8>]) -> Result<Vec<MemberProbe>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut pipe = redis::pipe();
        for key in keys {
            pipe.cmd("PTTL").arg(key);
            pipe.cmd("HGET").arg(key).arg(crate::layout::FIELD_DEPS);
        }
        let replies: Vec<RedisResult<Value>> = pipe
            .ignore_errors()
            .query_async(&mut self.conn)
            .await
            .with_context(|| format!("probing {} entries", keys.len()))?;
        let mut it = replies.into_iter();
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            let pttl: i64 = match it.next().expect("reply") {
                Ok(v) => redis::from_redis_value(v)?,
                Err(e) => return Err(e).with_context(|| format!("PTTL {}", printable(key))),
            };
            let deps = match it.next().expect("reply") {
                Ok(v) => Ok(redis::from_redis_value::<Option<Vec<u8>>>(v)?),
                Err(e) => Err(e.to_string()),
            };
            out.push(MemberProbe {
                pttl_ms: pttl,
                deps,
            });
        }
        Ok(out)
    }

    pub async fn entry_fields(&mut self, key: &[u8]) -> Result<EntryFields> {
        let key_type = self.key_type(key).await?;
        let mut fields = EntryFields {
            key_type,
            pttl_ms: -2,
            deps: None,
            created_at: None,
            body_len: 0,
            embedding_len: 0,
        };
        if fields.key_type != "hash" {
            return Ok(fields);
        }
        let (pttl, deps, created_at, body_len, embedding_len): (
            i64,
            Option<Vec<u8>>,
            Option<Vec<u8>>,
            u64,
            u64,
        ) = redis::pipe()
            .cmd("PTTL")
            .arg(key)
            .cmd("HGET")
            .arg(key)
            .arg(crate::layout::FIELD_DEPS)
            .cmd("HGET")
            .arg(key)
            .arg(crate::layout::FIELD_CREATED_AT)
            .cmd("HSTRLEN")
            .arg(key)
            .arg(crate::layout::FIELD_BODY)
            .cmd("HSTRLEN")
            .arg(key)
            .arg(crate::layout::FIELD_EMBEDDING)
            .query_async(&mut self.conn)
            .await
            .with_context(|| format!("reading entry {}", printable(key)))?;
        fields.pttl_ms = pttl;
        fields.deps = deps;
        fields.created_at = created_at;
        fields.body_len = body_len;
        fields.embedding_len = embedding_len;
        Ok(fields)
    }

    /// Writes `new` as the dep's current hash if `condition` holds, atomically; `time_key`
    /// receives the server time of the write (see [`crate::bookkeeping`]).
    pub async fn set_hash(
        &mut self,
        hash_key: &str,
        time_key: &str,
        condition: &HashCondition,
        new: &str,
    ) -> Result<HashSwap> {
        let write = HashWrite {
            hash_key,
            time_key,
            condition,
            new,
        };
        self.set_hash_many(&[write])
            .await?
            .pop()
            .expect("one result per write")
    }

    /// Sends a pipeline (built with `ignore_errors`). After a dropped connection a step
    /// marked [`Repeat::Safe`] is sent again, up to 3 times, 200, 400 and 800 ms apart,
    /// on a new connection. Timeouts are never repeated: a server that stopped answering
    /// is reported within `--timeout`.
    async fn send(
        &mut self,
        pipe: &Pipeline,
        repeat: Repeat,
    ) -> RedisResult<Vec<RedisResult<Value>>> {
        let mut attempt = 0;
        loop {
            match pipe.query_async(&mut self.conn).await {
                Err(e)
                    if matches!(repeat, Repeat::Safe(_))
                        && attempt < 3
                        && (e.is_io_error()
                            || e.is_connection_dropped()
                            || e.is_connection_refusal())
                        && !e.is_timeout() =>
                {
                    attempt += 1;
                    if let Repeat::Safe(why) = repeat {
                        crate::error::note(&format!(
                            "the connection to {} dropped ({e}); sending the step again, attempt {attempt} of 3 ({why})",
                            self.endpoint
                        ));
                    }
                    tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
                    self.redial().await;
                }
                other => return other,
            }
        }
    }

    /// One command through [`Store::send`], its reply converted; `context` names it in
    /// errors.
    async fn send_one<T: redis::FromRedisValue>(
        &mut self,
        cmd: redis::Cmd,
        repeat: Repeat,
        context: &str,
    ) -> Result<T> {
        let mut pipe = redis::pipe();
        pipe.ignore_errors().add_command(cmd);
        let reply = self
            .send(&pipe, repeat)
            .await
            .with_context(|| context.to_string())?
            .pop()
            .expect("one reply")
            .with_context(|| context.to_string())?;
        Ok(redis::from_redis_value(reply)?)
    }

    /// Replaces a single-node connection after it dropped; if that fails too, the next
    /// attempt reports the error.
    async fn redial(&mut self) {
        if let Some(redial) = self.redial.clone() {
            let (client, config) = &*redial;
            if let Ok(conn) = client
                .get_multiplexed_async_connection_with_config(config)
                .await
            {
                self.conn = Conn::Single(conn);
                self.reconnects
                    .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        }
    }

    /// Runs each item's commands in one pipeline for all items. A command's error (for
    /// example a key of the wrong type) stays with its item; the outer error means the
    /// round trip itself failed.
    async fn per_item<I, T>(
        &mut self,
        what: &str,
        repeat: Repeat,
        items: &[I],
        build: impl Fn(&mut Pipeline, &I),
        parse: impl Fn(&I, &mut dyn Iterator<Item = RedisResult<Value>>) -> Result<T>,
    ) -> Result<Vec<Result<T>>> {
        self.per_item_after(what, repeat, |_| {}, items, build, parse)
            .await
    }

    /// [`Store::per_item`] with `prelude` commands first in the same pipeline (for example
    /// a SCRIPT LOAD that the items' EVALSHAs rely on); their failure fails the whole call.
    async fn per_item_after<I, T>(
        &mut self,
        what: &str,
        repeat: Repeat,
        prelude: impl Fn(&mut Pipeline),
        items: &[I],
        build: impl Fn(&mut Pipeline, &I),
        parse: impl Fn(&I, &mut dyn Iterator<Item = RedisResult<Value>>) -> Result<T>,
    ) -> Result<Vec<Result<T>>> {
        if items.is_empty() {
            return Ok(Vec::new());
        }
        let mut pipe = redis::pipe();
        prelude(&mut pipe);
        let skip = pipe.len();
        let mut widths = Vec::with_capacity(items.len());
        for item in items {
            let before = pipe.len();
            build(&mut pipe, item);
            widths.push(pipe.len() - before);
        }
        pipe.ignore_errors();
        let replies = self
            .send(&pipe, repeat)
            .await
            .with_context(|| format!("{what} ({} at once)", items.len()))?;
        let mut replies = replies.into_iter();
        for reply in replies.by_ref().take(skip) {
            reply.with_context(|| format!("{what}: preparing the pipeline"))?;
        }
        Ok(items
            .iter()
            .zip(widths)
            .map(|(item, width)| {
                // Taken whole, so an item whose parse stops early cannot shift the next.
                let chunk: Vec<RedisResult<Value>> = replies.by_ref().take(width).collect();
                parse(item, &mut chunk.into_iter())
            })
            .collect())
    }

    /// Checks key types and reads the current hash, the dep set's size and unfinished runs
    /// of every dep, in one round trip (two when there are unfinished runs). A dep with a
    /// key of the wrong type gets an error, changing nothing.
    pub async fn preflight_many(&mut self, deps: &[DepKeys]) -> Result<Vec<Result<Preflight>>> {
        let mut pre = self
            .per_item(
                "preflight",
                READ,
                deps,
                |pipe, d| {
                    pipe.cmd("TYPE")
                        .arg(&d.set)
                        .cmd("TYPE")
                        .arg(&d.hash)
                        .cmd("TYPE")
                        .arg(&d.registry);
                    pipe.cmd("GET")
                        .arg(&d.hash)
                        .cmd("SCARD")
                        .arg(&d.set)
                        .cmd("SMEMBERS")
                        .arg(&d.registry);
                },
                |d, replies| {
                    let mut next = || replies.next().expect("one reply per command");
                    for (key, want) in [(&d.set, "set"), (&d.hash, "string"), (&d.registry, "set")]
                    {
                        let found: String = redis::from_redis_value(next()?)?;
                        if found != "none" && found != want {
                            return Err(wrong_type(key.as_bytes(), &found, want));
                        }
                    }
                    let current: Option<Vec<u8>> = redis::from_redis_value(next()?)?;
                    let members: u64 = redis::from_redis_value(next()?)?;
                    let registry: Vec<Vec<u8>> = redis::from_redis_value(next()?)?;
                    let (ours, planted): (Vec<_>, Vec<_>) = registry
                        .into_iter()
                        .partition(|k| is_pending_key_of(&d.dep, k));
                    Ok(Preflight {
                        current_hash: current.map(|b| String::from_utf8_lossy(&b).into_owned()),
                        members,
                        leftovers: ours
                            .into_iter()
                            .map(|k| (String::from_utf8_lossy(&k).into_owned(), 0))
                            .collect(),
                        foreign_runs: planted.len() as u64,
                    })
                },
            )
            .await?;
        // Unfinished runs are rare: only then a second round trip for their sizes.
        let leftovers: Vec<String> = pre
            .iter()
            .filter_map(|p| p.as_ref().ok())
            .flat_map(|p| p.leftovers.iter().map(|(k, _)| k.clone()))
            .collect();
        let mut sizes = self.scards(&leftovers).await?.into_iter();
        for p in pre.iter_mut().filter_map(|p| p.as_mut().ok()) {
            for (_, size) in &mut p.leftovers {
                *size = sizes.next().unwrap_or(0);
            }
        }
        Ok(pre)
    }

    /// Writes each dep's new hash if its condition holds (see [`Store::set_hash`]).
    pub async fn set_hash_many(
        &mut self,
        writes: &[HashWrite<'_>],
    ) -> Result<Vec<Result<HashSwap>>> {
        self.per_item(
            "recording hashes",
            // A compare-and-set that ran once would refuse its own retry.
            Repeat::Never,
            writes,
            |pipe, w| {
                let (mode, expected) = w.condition.script_args();
                pipe.cmd("EVAL")
                    .arg(SET_HASH_LUA)
                    .arg(2)
                    .arg(w.hash_key)
                    .arg(w.time_key)
                    .arg(mode)
                    .arg(expected)
                    .arg(w.new);
            },
            |w, replies| {
                let reply = replies
                    .next()
                    .expect("one reply")
                    .with_context(|| format!("setting {}", printable(w.hash_key.as_bytes())))?;
                let (written, previous): (i64, Option<String>) = redis::from_redis_value(reply)?;
                Ok(HashSwap {
                    written: written == 1,
                    previous,
                })
            },
        )
        .await
    }

    /// The fast path for each dep (see `SWEEP_SMALL_BODY`), one round trip: `Some` when
    /// the dep was invalidated, `None` when it needs the stepwise path (nothing changed).
    /// The script is loaded at the head of the same pipeline, so every EVALSHA finds it
    /// and Redis hashes the script text once per wave rather than once per dep.
    pub async fn sweep_small_many(
        &mut self,
        reqs: &[SweepRequest<'_>],
    ) -> Result<Vec<Result<Option<Sweep>>>> {
        let script = Script::new(sweep_small_lua());
        self.per_item_after(
            "invalidating small dep sets",
            // A single-step script that ran once would record a second write time.
            Repeat::Never,
            |pipe| {
                pipe.cmd("SCRIPT").arg("LOAD").arg(sweep_small_lua());
            },
            reqs,
            |pipe, r| {
                let (mode, expected) = r.condition.script_args();
                pipe.cmd("EVALSHA")
                    .arg(script.get_hash())
                    .arg(4)
                    .arg(&r.keys.hash)
                    .arg(&r.keys.hash_time)
                    .arg(&r.keys.set)
                    .arg(&r.keys.registry)
                    .arg(mode)
                    .arg(expected)
                    .arg(r.new)
                    .arg(r.limit);
            },
            |r, replies| {
                let reply = replies.next().expect("one reply").with_context(|| {
                    format!("invalidating {}", printable(r.keys.set.as_bytes()))
                })?;
                let done: Option<(Option<String>, u64, u64, u64, u64)> =
                    redis::from_redis_value(reply)?;
                Ok(done.map(|(previous, members, l1, l2, skipped)| Sweep {
                    previous,
                    members,
                    l1_deleted: l1,
                    l2_deleted: l2,
                    skipped_not_entries: skipped,
                }))
            },
        )
        .await
    }

    /// Detaches each dep set (see `DETACH_LUA`) and returns, per dep, every pending key with
    /// its size: this run's and any left by interrupted runs.
    pub async fn detach_many(&mut self, deps: &[DepKeys]) -> Result<Vec<Result<Detached>>> {
        self.per_item(
            "detaching dep sets",
            // Not safe: if the first RENAME ran and a writer has since started a new dep
            // set, a repeat would RENAME that set over this run's pending set, and the
            // pending members would be lost untracked.
            Repeat::Never,
            deps,
            |pipe, d| {
                pipe.cmd("EVAL")
                    .arg(DETACH_LUA)
                    .arg(3)
                    .arg(&d.set)
                    .arg(&d.pending)
                    .arg(&d.registry)
                    .arg(pending_prefix(&d.dep))
                    .arg(format!(":{}", d.dep));
            },
            |d, replies| {
                let reply = replies
                    .next()
                    .expect("one reply")
                    .with_context(|| format!("detaching {}", printable(d.set.as_bytes())))?;
                let (pending, foreign): (Vec<(String, u64)>, u64) = redis::from_redis_value(reply)?;
                // The script's check, once more on this side of the wire.
                let (pending, planted): (Vec<_>, Vec<_>) = pending
                    .into_iter()
                    .partition(|(k, _)| is_pending_key_of(&d.dep, k.as_bytes()));
                Ok(Detached {
                    pending,
                    foreign_runs: foreign + planted.len() as u64,
                })
            },
        )
        .await
    }

    /// All members of each of several small sets, one round trip.
    pub async fn smembers_many(&mut self, sets: &[String]) -> Result<Vec<Result<Vec<Vec<u8>>>>> {
        self.per_item(
            "reading pending sets",
            READ,
            sets,
            |pipe, set| {
                pipe.cmd("SMEMBERS").arg(set);
            },
            |set, replies| {
                let reply = replies
                    .next()
                    .expect("one reply")
                    .with_context(|| format!("SMEMBERS {}", printable(set.as_bytes())))?;
                Ok(redis::from_redis_value(reply)?)
            },
        )
        .await
    }

    /// For each fully read pending set: UNLINK its L1 and L2 keys, then the set itself and
    /// its registry entry, all in one round trip. In that order: a crash in between leaves
    /// a registry entry for a missing key, which the next run skips.
    pub async fn finish_many(&mut self, sets: &[FinalBatch]) -> Result<Vec<Result<(u64, u64)>>> {
        self.per_item(
            "deleting entries",
            Repeat::Safe("UNLINK and SREM of what is already gone are no-ops; only the counts of the lost first reply are missing"),
            sets,
            |pipe, f| {
                for keys in [&f.l1, &f.l2] {
                    if !keys.is_empty() {
                        pipe.cmd("UNLINK").arg(keys.as_slice());
                    }
                }
                pipe.cmd("UNLINK").arg(&f.pending);
                pipe.cmd("SREM").arg(&f.registry).arg(&f.pending);
            },
            |f, replies| {
                let mut count = |keys: &Vec<Vec<u8>>| -> Result<u64> {
                    if keys.is_empty() {
                        return Ok(0);
                    }
                    let reply = replies
                        .next()
                        .expect("one reply")
                        .with_context(|| format!("UNLINK of {} entries", keys.len()))?;
                    Ok(redis::from_redis_value(reply)?)
                };
                let (d1, d2) = (count(&f.l1)?, count(&f.l2)?);
                for done in replies {
                    done.with_context(|| format!("dropping {}", printable(f.pending.as_bytes())))?;
                }
                Ok((d1, d2))
            },
        )
        .await
    }

    /// One SCAN step over the keyspace, optionally only keys of `key_type`. On a cluster
    /// the scan visits every primary in turn: the cursor's top byte is the primary's
    /// index and the rest is that node's own cursor.
    pub async fn scan(
        &mut self,
        cursor: u64,
        pattern: &str,
        count: usize,
        key_type: Option<&str>,
    ) -> Result<(u64, Vec<Vec<u8>>)> {
        const NODE_SHIFT: u32 = 56;
        let node_cursor = cursor & ((1 << NODE_SHIFT) - 1);
        let mut cmd = redis::cmd("SCAN");
        cmd.arg(node_cursor)
            .arg("MATCH")
            .arg(pattern)
            .arg("COUNT")
            .arg(count);
        if let Some(t) = key_type {
            cmd.arg("TYPE").arg(t);
        }
        let context = || format!("SCAN MATCH {}", printable(pattern.as_bytes()));
        if self.is_standalone() {
            return self.send_one(cmd, READ, &context()).await;
        }
        let Conn::Cluster { conn, primaries } = &mut self.conn else {
            unreachable!("a single node is scanned above");
        };
        let node = (cursor >> NODE_SHIFT) as usize;
        let Some((host, port)) = primaries.get(node).cloned() else {
            return Ok((0, Vec::new()));
        };
        let routing = RoutingInfo::SingleNode(SingleNodeRoutingInfo::ByAddress {
            host: host.clone(),
            port,
        });
        let reply = conn
            .route_command(cmd, routing)
            .await
            .with_context(|| format!("{} on {host}:{port}", context()))?;
        let (next, keys): (u64, Vec<Vec<u8>>) = redis::from_redis_value(reply)?;
        if next >> NODE_SHIFT != 0 {
            return Err(redis_failure(format!(
                "{host}:{port} returned a SCAN cursor too large to combine with a node index"
            )));
        }
        let next = if next != 0 {
            ((node as u64) << NODE_SHIFT) | next
        } else if node + 1 < primaries.len() {
            ((node + 1) as u64) << NODE_SHIFT
        } else {
            0
        };
        Ok((next, keys))
    }

    /// SCARD of each key, one pipelined round trip. A key of the wrong type counts 0:
    /// the caller's own per-key work reports it.
    pub async fn scards(&mut self, keys: &[String]) -> Result<Vec<u64>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut pipe = redis::pipe();
        for key in keys {
            pipe.cmd("SCARD").arg(key);
        }
        let counts: Vec<RedisResult<u64>> = pipe
            .ignore_errors()
            .query_async(&mut self.conn)
            .await
            .with_context(|| format!("SCARD of {} dep sets", keys.len()))?;
        Ok(counts.into_iter().map(|c| c.unwrap_or(0)).collect())
    }

    /// One prune page of each of several sets: members whose key is gone are removed (or
    /// with `remove` false only counted), and a member whose entry exists keeps its place.
    pub async fn prune_pages(
        &mut self,
        sets: &[(&str, u64)],
        count: u64,
        remove: bool,
    ) -> Result<Vec<PrunePage>> {
        if self.is_standalone() {
            self.prune_pages_scripted(sets, count, remove).await
        } else {
            self.prune_pages_routed(sets, count, remove).await
        }
    }

    /// A cluster keeps a set and its members in different slots, so no script can check
    /// and remove atomically. Instead: SSCAN, EXISTS, SREM of the missing ones, then
    /// EXISTS again for those and SADD back any that a writer stored meanwhile. An entry
    /// stored in that instant is untracked only between the SREM and the SADD; it is
    /// still judged by its recorded hashes, so it can be stale but never wrongly fresh.
    async fn prune_pages_routed(
        &mut self,
        sets: &[(&str, u64)],
        count: u64,
        remove: bool,
    ) -> Result<Vec<PrunePage>> {
        let scanned = self
            .per_item(
                "scanning dep sets",
                READ,
                sets,
                |pipe, (set, cursor)| {
                    if *cursor == 0 {
                        pipe.cmd("MEMORY").arg("USAGE").arg(*set);
                    }
                    pipe.cmd("SSCAN")
                        .arg(*set)
                        .arg(*cursor)
                        .arg("COUNT")
                        .arg(count);
                },
                |(set, cursor), replies| {
                    let mut next = || {
                        replies
                            .next()
                            .expect("one reply per command")
                            .with_context(|| format!("SSCAN {}", printable(set.as_bytes())))
                    };
                    let before = if *cursor == 0 {
                        redis::from_redis_value::<Option<u64>>(next()?)?.unwrap_or(0)
                    } else {
                        0
                    };
                    let (cursor, members): (u64, Vec<Vec<u8>>) = redis::from_redis_value(next()?)?;
                    Ok((before, cursor, members))
                },
            )
            .await?
            .into_iter()
            .collect::<Result<Vec<_>>>()?;
        // Only entry keys are asked about (see `PRUNE_PAGE_BODY`).
        let is_entry = |m: &&Vec<u8>| crate::layout::parse_entry_key(m).is_some();
        let all: Vec<Vec<u8>> = scanned
            .iter()
            .flat_map(|(_, _, m)| m.iter().filter(is_entry).cloned())
            .collect();
        let mut live = self.exists_each(&all).await?.into_iter();
        let dangling: Vec<Vec<Vec<u8>>> = scanned
            .iter()
            .map(|(_, _, members)| {
                members
                    .iter()
                    .filter(is_entry)
                    .zip(live.by_ref())
                    .filter(|(_, live)| !live)
                    .map(|(m, _)| m.clone())
                    .collect()
            })
            .collect();
        let mut removed: Vec<u64> = dangling.iter().map(|d| d.len() as u64).collect();
        if remove {
            for (i, members) in dangling.iter().enumerate() {
                if members.is_empty() {
                    continue;
                }
                let (set, _) = sets[i];
                let n: u64 = redis::cmd("SREM")
                    .arg(set)
                    .arg(members.as_slice())
                    .query_async(&mut self.conn)
                    .await
                    .with_context(|| format!("SREM {}", printable(set.as_bytes())))?;
                let back = self.exists_each(members).await?;
                let revived: Vec<&Vec<u8>> = members
                    .iter()
                    .zip(back)
                    .filter_map(|(m, b)| b.then_some(m))
                    .collect();
                if !revived.is_empty() {
                    let _: u64 = redis::cmd("SADD")
                        .arg(set)
                        .arg(revived.as_slice())
                        .query_async(&mut self.conn)
                        .await
                        .with_context(|| format!("SADD {}", printable(set.as_bytes())))?;
                }
                removed[i] = n.saturating_sub(revived.len() as u64);
            }
        }
        let done: Vec<&str> = sets
            .iter()
            .zip(&scanned)
            .filter_map(|((set, _), (_, next, _))| (*next == 0).then_some(*set))
            .collect();
        let mut after = self
            .per_item(
                "MEMORY USAGE",
                READ,
                &done,
                |pipe, set| {
                    pipe.cmd("MEMORY").arg("USAGE").arg(*set);
                },
                |set, replies| {
                    let reply = replies
                        .next()
                        .expect("one reply")
                        .with_context(|| format!("MEMORY USAGE {}", printable(set.as_bytes())))?;
                    Ok(redis::from_redis_value::<Option<u64>>(reply)?.unwrap_or(0))
                },
            )
            .await?
            .into_iter();
        scanned
            .into_iter()
            .zip(removed)
            .map(|((bytes_before, next, members), dangling)| {
                let bytes_after = if next == 0 {
                    after.next().expect("one per finished set")?
                } else {
                    0
                };
                Ok(PrunePage {
                    next,
                    scanned: members.len() as u64,
                    dangling,
                    bytes_before,
                    bytes_after,
                    not_entries: members
                        .iter()
                        .filter(|m| crate::layout::parse_entry_key(m).is_none())
                        .count() as u64,
                })
            })
            .collect()
    }

    /// One prune page of each of several sets (see `PRUNE_PAGE_LUA`), one round trip.
    /// The script is loaded at the head of the same pipeline.
    async fn prune_pages_scripted(
        &mut self,
        sets: &[(&str, u64)],
        count: u64,
        remove: bool,
    ) -> Result<Vec<PrunePage>> {
        let script = Script::new(prune_page_lua());
        self.per_item_after(
            "pruning dep sets",
            Repeat::Safe(
                "the script removes only members whose key does not exist, checked as it runs",
            ),
            |pipe| {
                pipe.cmd("SCRIPT").arg("LOAD").arg(prune_page_lua());
            },
            sets,
            |pipe, (set, cursor)| {
                pipe.cmd("EVALSHA")
                    .arg(script.get_hash())
                    .arg(1)
                    .arg(*set)
                    .arg(*cursor)
                    .arg(count)
                    .arg(if remove { "1" } else { "0" });
            },
            |(set, _), replies| {
                let reply = replies
                    .next()
                    .expect("one reply")
                    .with_context(|| format!("pruning {}", printable(set.as_bytes())))?;
                let (next, scanned, dangling, bytes_before, bytes_after, not_entries) =
                    redis::from_redis_value(reply)?;
                Ok(PrunePage {
                    next,
                    scanned,
                    dangling,
                    bytes_before,
                    bytes_after,
                    not_entries,
                })
            },
        )
        .await?
        .into_iter()
        .collect()
    }

    /// Writes `new` as the entry's deps if they are still `expected`. False when the entry
    /// was rewritten (or deleted) in between.
    pub async fn replace_deps(&mut self, key: &[u8], expected: &[u8], new: &str) -> Result<bool> {
        let replaced: i64 = Script::new(REPLACE_DEPS_LUA)
            .key(key)
            .arg(expected)
            .arg(new)
            .invoke_async(&mut self.conn)
            .await
            .with_context(|| format!("updating deps of {}", printable(key)))?;
        Ok(replaced == 1)
    }

    /// Writes entries as the proxy does: the hash, its TTL, then its dep-set
    /// memberships; one round trip.
    pub async fn write_entries(&mut self, entries: &[NewEntry]) -> Result<()> {
        self.per_item(
            "writing entries",
            Repeat::Safe("HSET, PEXPIRE and SADD of the same values again leave the same state"),
            entries,
            |pipe, e| {
                let h = pipe
                    .cmd("HSET")
                    .arg(&e.key)
                    .arg(crate::layout::FIELD_BODY)
                    .arg(&e.body)
                    .arg(crate::layout::FIELD_DEPS)
                    .arg(&e.deps)
                    .arg(crate::layout::FIELD_CREATED_AT)
                    .arg(&e.created_at);
                if let Some(embedding) = &e.embedding {
                    h.arg(crate::layout::FIELD_EMBEDDING).arg(embedding);
                }
                pipe.cmd("PEXPIRE").arg(&e.key).arg(e.ttl_ms);
                for set in &e.dep_sets {
                    pipe.cmd("SADD").arg(set).arg(&e.key);
                }
            },
            |e, replies| {
                for reply in replies {
                    reply.with_context(|| format!("writing {}", printable(e.key.as_bytes())))?;
                }
                Ok(())
            },
        )
        .await?
        .into_iter()
        .collect()
    }

    pub async fn ping(&mut self) -> Result<()> {
        let _: String = redis::cmd("PING")
            .query_async(&mut self.conn)
            .await
            .context("PING")?;
        Ok(())
    }

    /// One field of an INFO section (on a cluster, of the node the command reaches).
    pub async fn info_field(&mut self, section: &str, field: &str) -> Result<Option<String>> {
        let text: String = redis::cmd("INFO")
            .arg(section)
            .query_async(&mut self.conn)
            .await
            .with_context(|| format!("INFO {section}"))?;
        Ok(text
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{field}:")).map(str::to_string)))
    }

    /// A configuration value, if the server reports it.
    pub async fn config_get(&mut self, name: &str) -> Result<Option<String>> {
        let pairs: Vec<String> = redis::cmd("CONFIG")
            .arg("GET")
            .arg(name)
            .query_async(&mut self.conn)
            .await
            .with_context(|| format!("CONFIG GET {name}"))?;
        Ok(pairs.get(1).cloned())
    }

    /// Appends records to the capped audit stream, one round trip.
    pub async fn audit_append(&mut self, records: &[AuditRecord]) -> Result<()> {
        self.per_item(
            "appending to the audit trail",
            // XADD with `*` makes a new id each time: a repeat would write the record twice.
            Repeat::Never,
            records,
            |pipe, record| {
                let cmd = pipe
                    .cmd("XADD")
                    .arg(AUDIT_KEY)
                    .arg("MAXLEN")
                    .arg("~")
                    .arg(AUDIT_MAX_LEN)
                    .arg("*");
                for (field, value) in record.fields() {
                    cmd.arg(field).arg(value);
                }
            },
            |_, replies| {
                for reply in replies {
                    reply.with_context(|| format!("XADD {AUDIT_KEY}"))?;
                }
                Ok(())
            },
        )
        .await?
        .into_iter()
        .collect()
    }

    /// Up to `limit` audit records from `since_ms` on, newest first.
    pub async fn audit_read(&mut self, since_ms: u64, limit: u64) -> Result<Vec<AuditRecord>> {
        let entries: Vec<(String, Vec<(String, String)>)> = redis::cmd("XREVRANGE")
            .arg(AUDIT_KEY)
            .arg("+")
            .arg(since_ms)
            .arg("COUNT")
            .arg(limit)
            .query_async(&mut self.conn)
            .await
            .with_context(|| format!("XREVRANGE {AUDIT_KEY}"))?;
        Ok(entries
            .iter()
            .map(|(id, fields)| AuditRecord::from_entry(id, fields))
            .collect())
    }

    /// Whether any key matches `pattern` (a full SCAN in the worst case, in small steps).
    pub async fn any_key(&mut self, pattern: &str) -> Result<bool> {
        let mut cursor = 0;
        loop {
            let (next, keys) = self.scan(cursor, pattern, 1000, None).await?;
            if !keys.is_empty() {
                return Ok(true);
            }
            if next == 0 {
                return Ok(false);
            }
            cursor = next;
        }
    }

    pub async fn sadd(&mut self, set: &str, member: &[u8]) -> Result<()> {
        let _: i64 = redis::cmd("SADD")
            .arg(set)
            .arg(member)
            .query_async(&mut self.conn)
            .await
            .with_context(|| format!("SADD {}", printable(set.as_bytes())))?;
        Ok(())
    }

    pub async fn srem(&mut self, set: &str, member: &[u8]) -> Result<bool> {
        let n: i64 = redis::cmd("SREM")
            .arg(set)
            .arg(member)
            .query_async(&mut self.conn)
            .await
            .with_context(|| format!("SREM {}", printable(set.as_bytes())))?;
        Ok(n == 1)
    }

    /// The policy record and its version history, in one round trip. Fails, with nothing
    /// changed, if either key has the wrong type: the roll's script would stop on it.
    pub async fn policy_state(&mut self, keys: &PolicyKeys) -> Result<PolicyState> {
        let mut pipe = redis::pipe();
        pipe.ignore_errors()
            .cmd("TYPE")
            .arg(&keys.record)
            .cmd("TYPE")
            .arg(&keys.history)
            .cmd("GET")
            .arg(&keys.record)
            .cmd("SMEMBERS")
            .arg(&keys.history);
        let context = || format!("reading {}", printable(keys.record.as_bytes()));
        let mut replies = self
            .send(&pipe, READ)
            .await
            .with_context(context)?
            .into_iter();
        let mut next = || {
            replies
                .next()
                .expect("one reply per command")
                .with_context(context)
        };
        for (key, want) in [(&keys.record, "string"), (&keys.history, "set")] {
            let found: String = redis::from_redis_value(next()?)?;
            if found != "none" && found != want {
                return Err(wrong_type(key.as_bytes(), &found, want));
            }
        }
        let current: Option<Vec<u8>> = redis::from_redis_value(next()?)?;
        let history: Vec<Vec<u8>> = redis::from_redis_value(next()?)?;
        let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
        Ok(PolicyState {
            current: current.map(text),
            history: history.into_iter().map(text).collect(),
        })
    }

    /// Rolls the policy version to `new` (see `ROLL_POLICY_LUA`) if the record still holds
    /// `expected` (`None`: still absent) and `new` was never current.
    pub async fn roll_policy(
        &mut self,
        keys: &PolicyKeys,
        expected: Option<&str>,
        new: &str,
    ) -> Result<PolicyRoll> {
        let (mode, expected) = match expected {
            Some(v) => ("eq", v),
            None => ("absent", ""),
        };
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(ROLL_POLICY_LUA)
            .arg(3)
            .arg(&keys.record)
            .arg(&keys.record_time)
            .arg(&keys.history)
            .arg(mode)
            .arg(expected)
            .arg(new)
            .arg(crate::layout::DEFAULT_POLICY_VERSION);
        let context = format!("rolling {}", printable(keys.record.as_bytes()));
        // A roll that ran once would find its own version current and refuse the repeat,
        // reporting a failure for a roll that happened.
        let (code, before, history): (i64, Option<String>, Vec<String>) =
            self.send_one(cmd, Repeat::Never, &context).await?;
        Ok(match code {
            1 => PolicyRoll::Rolled,
            0 => PolicyRoll::Changed(before),
            _ => PolicyRoll::Used(history),
        })
    }

    /// Deletes a hash record and its write time if the time is still `written_at`.
    pub async fn retire_hash(
        &mut self,
        hash_key: &str,
        time_key: &str,
        written_at: &str,
    ) -> Result<bool> {
        let retired: i64 = Script::new(RETIRE_HASH_LUA)
            .key(hash_key)
            .key(time_key)
            .arg(written_at)
            .invoke_async(&mut self.conn)
            .await
            .with_context(|| format!("retiring {}", printable(hash_key.as_bytes())))?;
        Ok(retired == 1)
    }

    /// UNLINKs keys, returning how many existed.
    pub async fn unlink(&mut self, keys: &[Vec<u8>]) -> Result<u64> {
        if keys.is_empty() {
            return Ok(0);
        }
        let n: u64 = redis::cmd("UNLINK")
            .arg(keys)
            .query_async(&mut self.conn)
            .await
            .with_context(|| format!("UNLINK of {} keys", keys.len()))?;
        Ok(n)
    }

    /// The server's clock in unix milliseconds (ages are judged on the server's clock,
    /// the same one that stamped the records).
    pub async fn server_time_ms(&mut self) -> Result<u64> {
        let (secs, micros): (u64, u64) = redis::cmd("TIME")
            .query_async(&mut self.conn)
            .await
            .context("TIME")?;
        Ok(secs * 1000 + micros / 1000)
    }
}

fn wrong_type(key: &[u8], found: &str, want: &str) -> anyhow::Error {
    redis_failure(format!(
        "key {} holds a {found}, expected a {want}; it was not written by Cachecore (inspect it with redis-cli TYPE); nothing was changed",
        printable(key)
    ))
}

fn is_certificate_error(e: &redis::RedisError) -> bool {
    let text = e.to_string().to_ascii_lowercase();
    text.contains("certificate") || text.contains("unknownissuer")
}

fn is_auth_error(e: &redis::RedisError) -> bool {
    let text = e.to_string();
    text.contains("WRONGPASS") || text.contains("NOAUTH") || text.contains("AuthenticationFailed")
}
