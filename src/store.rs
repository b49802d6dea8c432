//! The one module that speaks Redis: connecting, timeouts, and the bounded, pipelined
//! primitives the commands are built from. No command issues Redis calls of its own, so
//! batching, routing and error context are decided here once.

use std::time::Duration;

use anyhow::{Context, Result};
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Client, Pipeline, RedisResult, Script, Value};

use crate::error::{redis_failure, register_secret};
use crate::output::printable;

/// Where and how to connect, resolved from the command line and environment.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    pub url: String,
    /// Applies to the connection attempt and to every single command or pipeline.
    pub timeout: Duration,
}

pub struct Store {
    conn: MultiplexedConnection,
    endpoint: String,
}

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

/// The outcome of [`Store::set_hash`]: whether it was written and the value before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashSwap {
    pub written: bool,
    pub previous: Option<String>,
}

/// One step of draining a set: the members the scan returned and what the UNLINKs of the
/// previous step's keys deleted.
#[derive(Debug, Default)]
pub struct DrainStep {
    pub cursor: u64,
    pub members: Vec<Vec<u8>>,
    pub l1_deleted: u64,
    pub l2_deleted: u64,
}

// Compare-and-set in one script: the condition and the write must not be separated by
// another client's write, or two pipelines could roll a version back.
const SET_HASH_LUA: &str = r#"
local cur = redis.call('GET', KEYS[1])
if ARGV[1] == 'eq' and cur ~= ARGV[2] then return {0, cur} end
if ARGV[1] == 'absent' and cur then return {0, cur} end
redis.call('SET', KEYS[1], ARGV[3])
return {1, cur}
"#;

// Detaches the dep set under a run-unique name and records that name, atomically: writers
// that SADD afterwards start a fresh set (so they stay tracked), and a run that dies later
// leaves a registry entry from which the next run finishes the job. RENAME is O(1).
const DETACH_LUA: &str = r#"
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('RENAME', KEYS[1], KEYS[2])
  redis.call('SADD', KEYS[3], KEYS[2])
end
return redis.call('SMEMBERS', KEYS[3])
"#;

impl Store {
    pub async fn connect(opts: &ConnectOptions) -> Result<Store> {
        let endpoint = redact_urls(&opts.url);
        let client = Client::open(opts.url.as_str()).map_err(|e| {
            redis_failure(format!(
                "invalid Redis URL {endpoint}: {e} (expected redis://[user:password@]host[:port][/db], rediss://..., or redis+unix:///path/to.sock)"
            ))
        })?;
        let settings = client.get_connection_info().redis_settings();
        if let Some(pw) = settings.password() {
            register_secret(pw);
        }
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(opts.timeout))
            .set_response_timeout(Some(opts.timeout));
        let conn = client
            .get_multiplexed_async_connection_with_config(&config)
            .await
            .map_err(|e| {
                let hint = if is_auth_error(&e) {
                    "check the user and password"
                } else {
                    "check --redis-url (or CACHECORE_REDIS_URL / REDIS_URL) and that the server is running"
                };
                redis_failure(format!("cannot connect to Redis at {endpoint}: {e}; {hint}"))
            })?;
        let mut store = Store { conn, endpoint };
        // The handshake may succeed on a server that then refuses every command (for
        // example when auth is required but none was given): find out before any work.
        let pong: RedisResult<String> = redis::cmd("PING").query_async(&mut store.conn).await;
        pong.map_err(|e| {
            redis_failure(format!(
                "Redis at {} refused PING: {e}; check the user and password",
                store.endpoint
            ))
        })?;
        Ok(store)
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
        Err(redis_failure(format!(
            "key {} holds a {t}, expected a {want}; it was not written by Cachecore (inspect it with redis-cli TYPE); nothing was changed",
            printable(key)
        )))
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

    pub async fn scard(&mut self, key: &str) -> Result<u64> {
        let n: u64 = redis::cmd("SCARD")
            .arg(key)
            .query_async(&mut self.conn)
            .await
            .with_context(|| format!("SCARD {}", printable(key.as_bytes())))?;
        Ok(n)
    }

    /// All members of a small bookkeeping set (never a dep set: those are scanned).
    pub async fn small_set_members(&mut self, key: &str) -> Result<Vec<String>> {
        let members: Vec<String> = redis::cmd("SMEMBERS")
            .arg(key)
            .query_async(&mut self.conn)
            .await
            .with_context(|| format!("SMEMBERS {}", printable(key.as_bytes())))?;
        Ok(members)
    }

    /// One SSCAN step: at most about `count` members, so the server is held briefly.
    pub async fn sscan(
        &mut self,
        key: &str,
        cursor: u64,
        count: usize,
    ) -> Result<(u64, Vec<Vec<u8>>)> {
        let (next, members): (u64, Vec<Vec<u8>>) = redis::cmd("SSCAN")
            .arg(key)
            .arg(cursor)
            .arg("COUNT")
            .arg(count)
            .query_async(&mut self.conn)
            .await
            .with_context(|| format!("SSCAN {}", printable(key.as_bytes())))?;
        Ok((next, members))
    }

    /// UNLINKs the previous batch's keys and fetches the next batch in one round trip.
    /// `cursor = None` only unlinks (the scan is finished).
    pub async fn drain_step(
        &mut self,
        set: &str,
        cursor: Option<u64>,
        count: usize,
        unlink_l1: &[Vec<u8>],
        unlink_l2: &[Vec<u8>],
    ) -> Result<DrainStep> {
        let mut pipe = redis::pipe();
        for keys in [unlink_l1, unlink_l2] {
            if !keys.is_empty() {
                pipe.cmd("UNLINK").arg(keys);
            }
        }
        if let Some(cursor) = cursor {
            pipe.cmd("SSCAN")
                .arg(set)
                .arg(cursor)
                .arg("COUNT")
                .arg(count);
        }
        if pipe.is_empty() {
            return Ok(DrainStep::default());
        }
        let mut replies: Vec<Value> = pipe
            .query_async(&mut self.conn)
            .await
            .with_context(|| format!("draining {}", printable(set.as_bytes())))?;
        let mut step = DrainStep::default();
        if cursor.is_some() {
            let scan = replies.pop().expect("one reply per command");
            let (next, members): (u64, Vec<Vec<u8>>) = redis::from_redis_value(scan)
                .with_context(|| format!("SSCAN {}", printable(set.as_bytes())))?;
            step.cursor = next;
            step.members = members;
        }
        let mut counts = replies.into_iter();
        if !unlink_l1.is_empty() {
            step.l1_deleted = redis::from_redis_value(counts.next().expect("reply"))?;
        }
        if !unlink_l2.is_empty() {
            step.l2_deleted = redis::from_redis_value(counts.next().expect("reply"))?;
        }
        Ok(step)
    }

    /// Per key: does it exist. One pipelined round trip.
    pub async fn exists_each(&mut self, keys: &[Vec<u8>]) -> Result<Vec<bool>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut pipe = redis::pipe();
        for key in keys {
            pipe.cmd("EXISTS").arg(key);
        }
        let found: Vec<bool> = pipe
            .query_async(&mut self.conn)
            .await
            .with_context(|| format!("EXISTS of {} keys", keys.len()))?;
        Ok(found)
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

    /// Writes `new` as the dep's current hash if `condition` holds, atomically.
    pub async fn set_hash(
        &mut self,
        hash_key: &str,
        condition: &HashCondition,
        new: &str,
    ) -> Result<HashSwap> {
        let (mode, expected) = match condition {
            HashCondition::Any => ("any", ""),
            HashCondition::Equals(h) => ("eq", h.as_str()),
            HashCondition::Absent => ("absent", ""),
        };
        let (written, previous): (i64, Option<String>) = Script::new(SET_HASH_LUA)
            .key(hash_key)
            .arg(mode)
            .arg(expected)
            .arg(new)
            .invoke_async(&mut self.conn)
            .await
            .with_context(|| format!("setting {}", printable(hash_key.as_bytes())))?;
        Ok(HashSwap {
            written: written == 1,
            previous,
        })
    }

    /// Moves the dep set to `pending` (if it exists) and returns every pending key recorded
    /// in `registry`, this run's and any left by interrupted runs.
    pub async fn detach_set(
        &mut self,
        set: &str,
        pending: &str,
        registry: &str,
    ) -> Result<Vec<String>> {
        let keys: Vec<String> = Script::new(DETACH_LUA)
            .key(set)
            .key(pending)
            .key(registry)
            .invoke_async(&mut self.conn)
            .await
            .with_context(|| format!("detaching {}", printable(set.as_bytes())))?;
        Ok(keys)
    }

    /// Drops a fully drained pending set, then its registry entry. In that order: a crash
    /// in between leaves a registry entry for a missing key, which the next run skips.
    pub async fn finish_pending(&mut self, pending: &str, registry: &str) -> Result<()> {
        let _: () = Pipeline::new()
            .cmd("UNLINK")
            .arg(pending)
            .ignore()
            .cmd("SREM")
            .arg(registry)
            .arg(pending)
            .ignore()
            .query_async(&mut self.conn)
            .await
            .with_context(|| format!("dropping {}", printable(pending.as_bytes())))?;
        Ok(())
    }
}

fn is_auth_error(e: &redis::RedisError) -> bool {
    let text = e.to_string();
    text.contains("WRONGPASS") || text.contains("NOAUTH") || text.contains("AuthenticationFailed")
}

/// Replaces the password (or a lone userinfo, which Redis URLs treat as a password) of
/// every `scheme://userinfo@host` in `text` with `***`, keeping the user name.
pub fn redact_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("://") {
        let (head, tail) = rest.split_at(pos + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| c == '/' || c.is_whitespace() || c == '"' || c == '\'')
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rfind('@') {
            Some(at) => {
                let userinfo = &authority[..at];
                match userinfo.find(':') {
                    Some(colon) => {
                        out.push_str(&userinfo[..colon]);
                        out.push_str(":***");
                    }
                    None => out.push_str("***"),
                }
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    // Unix-socket URLs may carry the password as a query parameter.
    redact_query_password(&out)
}

fn redact_query_password(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("pass=") {
        let (head, tail) = rest.split_at(pos + 5);
        out.push_str(head);
        out.push_str("***");
        let end = tail
            .find(|c: char| c == '&' || c.is_whitespace())
            .unwrap_or(tail.len());
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::redact_urls;

    #[test]
    fn redaction_keeps_user_and_host_but_never_the_password() {
        assert_eq!(
            redact_urls("redis://127.0.0.1:6379"),
            "redis://127.0.0.1:6379"
        );
        assert_eq!(
            redact_urls("redis://alice:s3cr%40t@db:6380/2"),
            "redis://alice:***@db:6380/2"
        );
        assert_eq!(redact_urls("redis://:pw@db"), "redis://:***@db");
        assert_eq!(redact_urls("rediss://pw@db"), "rediss://***@db");
        assert_eq!(
            redact_urls("a redis://u:p@h1 and redis://h2 then redis://v:q@h3/0"),
            "a redis://u:***@h1 and redis://h2 then redis://v:***@h3/0"
        );
        assert_eq!(
            redact_urls("redis+unix:///run/r.sock?user=u&pass=pw&db=1"),
            "redis+unix:///run/r.sock?user=u&pass=***&db=1"
        );
    }
}
