//! Entries and the keys around them: key types, strings, set members, TTLs, existence,
//! an entry's fields, the deps rewrite of `tag`/`untag`, and the demo's writer.

use anyhow::{Context, Result};
use redis::Value;

use super::{READ, Repeat, Store, scripts, wrong_type};
use crate::printable::printable;

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

/// What a key named as an entry turned out to be (see [`Store::entry_states`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryState {
    Entry,
    Gone,
    /// Not a HASH with a `deps` field: never deleted.
    NotEntry,
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

impl Store {
    pub async fn key_type(&mut self, key: &[u8]) -> Result<String> {
        let mut cmd = redis::cmd("TYPE");
        cmd.arg(key);
        self.send_one(cmd, READ, &format!("TYPE {}", printable(key)))
            .await
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
        let mut cmd = redis::cmd("GET");
        cmd.arg(key);
        let context = format!("GET {}", printable(key.as_bytes()));
        let v: Option<Vec<u8>> = self.send_one(cmd, READ, &context).await?;
        Ok(v.map(|b| String::from_utf8_lossy(&b).into_owned()))
    }

    /// Pipelined GETs (one round trip; no multi-key MGET so it stays valid in a cluster).
    pub async fn get_strings(&mut self, keys: &[String]) -> Result<Vec<Option<String>>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        for key in keys {
            pipe.cmd("GET").arg(key);
        }
        let values: Vec<Option<Vec<u8>>> = self
            .send_each(&pipe, READ, || format!("GET of {} dep hashes", keys.len()))
            .await?;
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
        let mut cmd = redis::cmd("SCARD");
        cmd.arg(key);
        let context = format!("SCARD {}", printable(key.as_bytes()));
        self.send_one(cmd, READ, &context).await
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

    /// One SSCAN step of a set the caller scans to the end (a pending set), and on a
    /// cluster the id of the node that answered (see `scripts/sscan_here.lua`): a scan
    /// whose pages come from different nodes must start again.
    pub async fn sscan_tracked(
        &mut self,
        key: &str,
        cursor: u64,
        count: usize,
    ) -> Result<(u64, Vec<Vec<u8>>, Option<String>)> {
        if self.is_standalone() {
            let (next, members) = self.sscan(key, cursor, count).await?;
            return Ok((next, members, None));
        }
        let mut cmd = scripts::SSCAN_HERE.cmd(1);
        cmd.arg(key).arg(cursor).arg(count);
        let context = format!("SSCAN {}", printable(key.as_bytes()));
        let (next, members, node): (u64, Vec<Vec<u8>>, String) =
            self.send_one(cmd, READ, &context).await?;
        Ok((next, members, Some(node)))
    }

    /// Per key: its remaining time to live in milliseconds (`-1` none, `-2` gone). One
    /// pipelined round trip.
    pub async fn pttl_each(&mut self, keys: &[Vec<u8>]) -> Result<Vec<i64>> {
        self.read_each("PTTL", keys).await
    }

    /// Per key: does it exist. One pipelined round trip.
    pub async fn exists_each(&mut self, keys: &[Vec<u8>]) -> Result<Vec<bool>> {
        self.read_each("EXISTS", keys).await
    }

    /// One single-key read command per key, one pipelined round trip.
    async fn read_each<T: redis::FromRedisValue>(
        &mut self,
        command: &str,
        keys: &[Vec<u8>],
    ) -> Result<Vec<T>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        for key in keys {
            pipe.cmd(command).arg(key);
        }
        self.send_each(&pipe, READ, || format!("{command} of {} keys", keys.len()))
            .await
    }

    /// Per key named as an entry: whether it is one (a HASH with a `deps` field), gone, or
    /// neither; the read-only form of the check every delete makes (see
    /// `scripts/unlink_entry.lua`), so a dry run counts what a run would. One pipelined
    /// round trip.
    pub async fn entry_states(&mut self, keys: &[Vec<u8>]) -> Result<Vec<EntryState>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        for key in keys {
            pipe.cmd("HSTRLEN").arg(key).arg(crate::layout::FIELD_DEPS);
            pipe.cmd("EXISTS").arg(key);
        }
        let replies = self
            .send(&pipe, READ)
            .await
            .with_context(|| format!("checking {} entries", keys.len()))?;
        let mut it = replies.into_iter();
        keys.iter()
            .map(|key| {
                let deps = it.next().expect("reply");
                let exists = it.next().expect("reply");
                let context = || format!("checking {}", printable(key));
                let deps_len: u64 = match deps {
                    Err(e) if e.code() == Some("WRONGTYPE") => return Ok(EntryState::NotEntry),
                    Err(e) => return Err(e).with_context(context),
                    Ok(len) => redis::from_redis_value(len)?,
                };
                Ok(if deps_len > 0 {
                    EntryState::Entry
                } else if redis::from_redis_value(exists.with_context(context)?)? {
                    EntryState::NotEntry
                } else {
                    EntryState::Gone
                })
            })
            .collect()
    }

    /// TTL and `deps` of each key, one pipelined round trip. Per-key errors (a key of the
    /// wrong type) are returned per key rather than failing the batch.
    pub async fn probe_members(&mut self, keys: &[Vec<u8>]) -> Result<Vec<MemberProbe>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        for key in keys {
            pipe.cmd("PTTL").arg(key);
            pipe.cmd("HGET").arg(key).arg(crate::layout::FIELD_DEPS);
        }
        let replies = self
            .send(&pipe, READ)
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
        let mut pipe = redis::pipe();
        pipe.ignore_errors()
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
            .arg(crate::layout::FIELD_EMBEDDING);
        let replies: Vec<Value> = self
            .send_each(&pipe, READ, || format!("reading entry {}", printable(key)))
            .await?;
        let (pttl, deps, created_at, body_len, embedding_len): (
            i64,
            Option<Vec<u8>>,
            Option<Vec<u8>>,
            u64,
            u64,
        ) = redis::from_redis_value(Value::Array(replies))?;
        fields.pttl_ms = pttl;
        fields.deps = deps;
        fields.created_at = created_at;
        fields.body_len = body_len;
        fields.embedding_len = embedding_len;
        Ok(fields)
    }

    /// SCARD of each key, one pipelined round trip. A key of the wrong type counts 0:
    /// the caller's own per-key work reports it.
    pub async fn scards(&mut self, keys: &[String]) -> Result<Vec<u64>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        for key in keys {
            pipe.cmd("SCARD").arg(key);
        }
        let counts = self
            .send(&pipe, READ)
            .await
            .with_context(|| format!("SCARD of {} dep sets", keys.len()))?;
        Ok(counts
            .into_iter()
            .map(|c| {
                c.ok()
                    .and_then(|v| redis::from_redis_value(v).ok())
                    .unwrap_or(0)
            })
            .collect())
    }

    /// Writes `new` as the entry's deps if they are still `expected`. False when the entry
    /// was rewritten (or deleted) in between.
    pub async fn replace_deps(&mut self, key: &[u8], expected: &[u8], new: &str) -> Result<bool> {
        let mut cmd = scripts::REPLACE_DEPS.cmd(1);
        cmd.arg(key).arg(expected).arg(new);
        let context = format!("updating deps of {}", printable(key));
        // A compare-and-set that ran once would refuse its own repeat, reporting a rewrite
        // by someone else.
        let replaced: i64 = self.send_one(cmd, Repeat::Never, &context).await?;
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

    pub async fn sadd(&mut self, set: &str, member: &[u8]) -> Result<()> {
        let mut cmd = redis::cmd("SADD");
        cmd.arg(set).arg(member);
        let context = format!("SADD {}", printable(set.as_bytes()));
        let _: i64 = self
            .send_one(
                cmd,
                Repeat::Safe("adding a member that is already there is a no-op"),
                &context,
            )
            .await?;
        Ok(())
    }

    pub async fn srem(&mut self, set: &str, member: &[u8]) -> Result<bool> {
        let mut cmd = redis::cmd("SREM");
        cmd.arg(set).arg(member);
        let context = format!("SREM {}", printable(set.as_bytes()));
        let n: i64 = self
            .send_one(
                cmd,
                Repeat::Safe(
                    "SREM of a member already removed is a no-op; only the lost first reply's count is missing",
                ),
                &context,
            )
            .await?;
        Ok(n == 1)
    }
}
