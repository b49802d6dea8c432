//! The gateway's Redis steps (issue 25): a hit's peek (plain reads, no script), the lookup
//! script of a miss, one race-safe write script per cacheable answer, and the coalescing
//! lock. Key names come from the layout and from `crate::service::gateway`; this file
//! only sends the commands.

use anyhow::{Context as _, Result};
use redis::Value;

use super::scripts::{GATEWAY_LOOKUP, GATEWAY_UNLOCK, GATEWAY_WRITE};
use super::tokens::{TOKEN_RECORD_FIELDS, TokenRecord};
use super::{READ, Repeat, Store};
use crate::layout::{
    DEFAULT_NAMESPACE, DEP_HASH_PREFIX, DEP_KEYS_PREFIX, DepId, L1_PREFIX, Namespace,
    POLICY_DEP_PREFIX,
};

/// What the lookup read: the entry's fields (all `None` when there is none) and current
/// dep hashes.
#[derive(Debug, Default)]
pub struct Found {
    pub body: Option<Vec<u8>>,
    pub deps: Option<Vec<u8>>,
    pub created_at: Option<Vec<u8>>,
    /// `cc:dep:hash:` of each element of the entry's `deps`, in order (`None` when absent
    /// or when the element has no id); `None` after a peek, which reads the request's deps
    /// only (`request_current`).
    pub entry_current: Option<Vec<Option<String>>>,
    /// `cc:dep:hash:` of each dep id the request declared, then of the namespace's policy
    /// dep (empty when the lookup found an entry and was not asked to read them).
    pub request_current: Vec<Option<String>>,
    /// The caller's token, when the lookup resolved one.
    pub token: TokenFound,
    /// Whether this lookup took the coalescing lock: the script's when asked for and there
    /// was no entry; a peek's when asked for, entry or not.
    pub locked: bool,
}

/// Whose entry a lookup reads: a namespace already known (a JWT's tenant, a follower's
/// second look), or the namespace of a stored token, read in the same step.
#[derive(Debug, Clone, Copy)]
pub enum LookupFor<'a> {
    Namespace(&'a str),
    /// The token's lookup key (`cc:token:{..}sha256:..`).
    Token(&'a str),
}

/// One lookup's question.
#[derive(Debug)]
pub struct Lookup<'a> {
    pub who: LookupFor<'a>,
    pub fingerprint: &'a str,
    /// The request's declared dep ids, valid (no whitespace); the policy dep is added by
    /// the lookup.
    pub declared: &'a [&'a str],
    pub always: bool,
    /// (key prefix, holder value, expiry ms) of the coalescing lock to take on a miss.
    pub lock: Option<(&'a str, &'a str, u64)>,
}

/// A lookup of plain commands (see [`Store::gateway_peek`]): the namespace is known.
#[derive(Debug)]
pub struct Peek<'a> {
    /// A stored token's lookup key, read again in the same round trip (a revoked token is
    /// refused); `None` for a caller whose namespace needs no record (a JWT's).
    pub token: Option<&'a str>,
    pub ns: &'a Namespace,
    pub fingerprint: &'a str,
    /// The request's declared dep ids; the policy dep is added here.
    pub declared: &'a [&'a str],
    /// (key prefix, holder value, expiry ms) of the coalescing lock to take before the
    /// entry is read, for a request that is likely a miss; `Found::locked` says whether it
    /// was taken. Whoever took it releases it, hit or not.
    pub lock: Option<(&'a str, &'a str, u64)>,
}

/// A token as the lookup found it.
#[derive(Debug, Default)]
pub enum TokenFound {
    #[default]
    NotAsked,
    Unknown,
    Found(TokenRecord),
}

/// One declared dep of a write: its id, its hash when the request started, and whether
/// the entry joins its `cc:dep:keys:` set (every dep but the policy dep).
#[derive(Debug, Clone)]
pub struct WriteDep {
    pub id: String,
    pub at_start: Option<String>,
    pub tracked: bool,
}

/// An entry to store unless a dep moved.
#[derive(Debug)]
pub struct GatewayWrite<'a> {
    pub key: &'a str,
    pub body: &'a [u8],
    pub deps_json: &'a str,
    pub created_at_ms: u64,
    pub ttl_secs: u64,
    pub deps: &'a [WriteDep],
}

fn bytes(v: Value) -> Option<Vec<u8>> {
    match v {
        Value::BulkString(b) => Some(b),
        Value::SimpleString(s) => Some(s.into_bytes()),
        _ => None,
    }
}

fn strings(v: Value) -> Vec<Option<String>> {
    match v {
        Value::Array(items) => items
            .into_iter()
            // Every hit reads some: the reply's own buffer when it is UTF-8, as it is.
            .map(|i| {
                bytes(i).map(|b| {
                    String::from_utf8(b)
                        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
                })
            })
            .collect(),
        _ => Vec::new(),
    }
}

impl Store {
    /// The one-step lookup (see gateway_lookup.lua): the caller's token when `q.who` is
    /// one, the entry, the current hashes of its deps and (on a miss, or when `q.always`)
    /// of the request's, and the coalescing lock on a miss when `q.lock` asks for it.
    pub async fn gateway_lookup(&mut self, q: &Lookup<'_>) -> Result<Found> {
        let mut cmd = GATEWAY_LOOKUP.cmd(0);
        let (token_key, ns) = match q.who {
            LookupFor::Namespace(ns) => ("", ns),
            LookupFor::Token(key) => (key, DEFAULT_NAMESPACE),
        };
        let (lock_prefix, lock_value, lock_ms) = q.lock.unwrap_or(("", "", 0));
        cmd.arg(DEP_HASH_PREFIX)
            .arg(if q.always { "1" } else { "0" })
            .arg(token_key)
            .arg(ns)
            .arg(q.fingerprint)
            .arg(L1_PREFIX)
            .arg(POLICY_DEP_PREFIX)
            .arg(lock_prefix)
            .arg(lock_value)
            .arg(lock_ms);
        let mut declared = String::with_capacity(q.declared.iter().map(|id| id.len() + 1).sum());
        for id in q.declared {
            // Dep ids have no whitespace (layout's rule), so a newline ends each; one that
            // had would be read as two deps.
            anyhow::ensure!(
                !id.contains('\n'),
                "dep id {id:?} contains a newline, which no dep id may"
            );
            declared.push_str(id);
            declared.push('\n');
        }
        cmd.arg(declared);
        // A lookup that took the lock and was sent again finds the lock held (by itself):
        // the request then waits as a follower until the lock expires, which costs time only.
        let reply: Value = self
            .send_one(cmd, READ, "looking up a gateway entry")
            .await?;
        let Value::Array(parts) = reply else {
            anyhow::bail!("the gateway lookup script answered {reply:?}, not an array");
        };
        let mut parts = parts.into_iter();
        let mut next = || parts.next().unwrap_or(Value::Nil);
        Ok(Found {
            body: bytes(next()),
            deps: bytes(next()),
            created_at: bytes(next()),
            entry_current: Some(strings(next())),
            request_current: strings(next()),
            token: match next() {
                Value::Int(0) => TokenFound::Unknown,
                Value::Array(f) => match TokenRecord::from_fields(strings(Value::Array(f))) {
                    Some(record) => TokenFound::Found(record),
                    None => TokenFound::Unknown,
                },
                _ => TokenFound::NotAsked,
            },
            locked: matches!(next(), Value::Int(1)),
        })
    }

    /// A lookup in one round trip of plain commands, pipelined in this order: the token's
    /// record (when asked), the coalescing lock (when asked), the entry, then the current
    /// hashes of the request's deps and the namespace's policy dep (`request_current`). A
    /// script costs Redis some 80k instructions before its first command (measured: 109k
    /// per lookup against 25k), so neither a hit nor a miss runs one here. Not one atomic
    /// step, and it need not be: the hashes are read after the entry, so an entry read
    /// before an invalidation has its moved hash read after it and is refused, and one read
    /// after the hash moved was written under the new hash or is refused too. The lock is
    /// taken before the entry is read: a leader writes its entry before it releases its
    /// lock, so a lock found free is followed by its entry, and one found held means a
    /// leader is still at work, as the lookup script's single step would say. The caller
    /// judges the entry by these hashes only when they are all the deps it records;
    /// otherwise it runs [`Store::gateway_lookup`].
    pub async fn gateway_peek(&mut self, q: &Peek<'_>) -> Result<Found> {
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        if let Some(key) = q.token {
            pipe.cmd("HMGET").arg(key).arg(&TOKEN_RECORD_FIELDS[..]);
        }
        let key = q.ns.l1_key(q.fingerprint);
        if let Some((prefix, value, ttl_ms)) = q.lock {
            let lock_key = format!("{prefix}{key}");
            pipe.cmd("SET")
                .arg(&lock_key)
                .arg(value)
                .arg("NX")
                .arg("PX")
                .arg(ttl_ms);
            // Who holds it, read back: a pipeline sent again after a drop finds its own
            // value (taken, not held by another), and a SET refused (out of memory, a
            // replica) reads as not taken, which leaves a hit still served.
            pipe.cmd("GET").arg(lock_key);
        }
        pipe.cmd("HMGET")
            .arg(key)
            .arg("body")
            .arg("deps")
            .arg("created_at");
        let mget = pipe.cmd("MGET");
        let mut name = String::with_capacity(64);
        for id in q
            .declared
            .iter()
            .copied()
            .chain([DepId::policy(q.ns).as_str()])
        {
            name.clear();
            name.push_str(DEP_HASH_PREFIX);
            name.push_str(id);
            mget.arg(name.as_str());
        }
        let context = "peeking at a gateway entry";
        // Sent again after a drop, a lock this peek took is read back as its own.
        let repeat = match q.lock {
            None => READ,
            Some(_) => Repeat::Safe("reads, and a SET NX whose holder is read back"),
        };
        let mut replies = self.send(&pipe, repeat).await.context(context)?.into_iter();
        let mut next = || replies.next().unwrap_or(Ok(Value::Nil)).context(context);
        let token = match q.token {
            Some(_) => match TokenRecord::from_fields(strings(next()?)) {
                Some(record) => TokenFound::Found(record),
                None => TokenFound::Unknown,
            },
            None => TokenFound::NotAsked,
        };
        let locked = match q.lock {
            Some((_, value, _)) => {
                let _set = next();
                matches!(next(), Ok(Value::BulkString(held)) if held == value.as_bytes())
            }
            None => false,
        };
        let Value::Array(entry) = next()? else {
            anyhow::bail!("{context}: HMGET did not answer an array");
        };
        let mut entry = entry.into_iter().map(bytes);
        let mut field = || entry.next().flatten();
        Ok(Found {
            body: field(),
            deps: field(),
            created_at: field(),
            entry_current: None,
            request_current: strings(next()?),
            token,
            locked,
        })
    }

    /// Stores the entry unless a declared dep's hash moved since the request started;
    /// `Ok(Some(id))` names the first dep that moved (nothing written).
    pub async fn gateway_write(&mut self, w: &GatewayWrite<'_>) -> Result<Option<String>> {
        let mut cmd = GATEWAY_WRITE.cmd(1);
        cmd.arg(w.key)
            .arg(DEP_HASH_PREFIX)
            .arg(DEP_KEYS_PREFIX)
            .arg(w.body)
            .arg(w.deps_json)
            .arg(w.created_at_ms.to_string())
            .arg(w.ttl_secs.max(1).to_string());
        for d in w.deps {
            let was = d
                .at_start
                .as_ref()
                .map_or(String::new(), |h| format!("={h}"));
            cmd.arg(&d.id)
                .arg(was)
                .arg(if d.tracked { "1" } else { "0" });
        }
        // Written twice, the same fields and members: the state is the same.
        let reply: Value = self
            .send_one(
                cmd,
                Repeat::Safe("the same entry written twice is the same entry"),
                "writing a gateway entry",
            )
            .await?;
        Ok(match reply {
            Value::Int(1) => None,
            other => Some(bytes(other).map_or_else(
                || "?".to_string(),
                |b| String::from_utf8_lossy(&b).into_owned(),
            )),
        })
    }

    /// Takes the lock `key` for `ttl_ms` with this holder's `value`; false when held.
    pub async fn gateway_lock(&mut self, key: &str, value: &str, ttl_ms: u64) -> Result<bool> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(key).arg(value).arg("NX").arg("PX").arg(ttl_ms);
        // Sent again after a drop, a lock this holder took reads as held: the holder then
        // waits as a follower and finds its own lock expire, which only costs time.
        let reply: Option<String> = self
            .send_one(
                cmd,
                Repeat::Safe("a repeated SET NX takes nothing from anyone"),
                "taking a gateway lock",
            )
            .await?;
        Ok(reply.is_some())
    }

    /// Releases the lock if `value` still holds it.
    pub async fn gateway_unlock(&mut self, key: &str, value: &str) -> Result<()> {
        let mut cmd = GATEWAY_UNLOCK.cmd(1);
        cmd.arg(key).arg(value);
        let _: i64 = self
            .send_one(
                cmd,
                Repeat::Safe("a compare-and-delete run twice deletes once"),
                "releasing a gateway lock",
            )
            .await?;
        Ok(())
    }
}
