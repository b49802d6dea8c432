//! The Redis side of the HTTP API's tokens (`cachecore token`, `cachecore serve`): a few
//! small keys under `cc:token:`, all with one hash tag so that every step that touches
//! several of them is one atomic script, on a single node or a cluster alike. Key names
//! come from [`crate::service::serve::tokens`]; this file only sends the commands.

use anyhow::{Context as _, Result};

use super::{READ, Repeat, Store};
use crate::output::printable;

/// One token as stored: never the secret, only its SHA-256.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredToken {
    pub name: String,
    /// The JSON array of scopes, as written.
    pub scopes: String,
    pub created_ms: u64,
    /// 0 when never used.
    pub last_used_ms: u64,
    /// `None` for a token stored before namespaces (`default`).
    pub namespace: Option<String>,
    pub fresh_ttl_secs: Option<u64>,
    pub stale_window_secs: Option<u64>,
}

/// A token to store: never the secret, only its SHA-256.
#[derive(Debug, Clone)]
pub struct NewToken<'a> {
    pub name: &'a str,
    pub sha256: &'a str,
    /// The JSON array of scopes.
    pub scopes: &'a str,
    pub created_ms: u64,
    pub namespace: &'a str,
    /// The token's own gateway windows, when it has them.
    pub fresh_ttl_secs: Option<u64>,
    pub stale_window_secs: Option<u64>,
}

/// A stored token's lookup record (serve's token check and the gateway's lookup).
#[derive(Debug, Clone, Default)]
pub struct TokenRecord {
    pub name: String,
    /// The JSON array of scopes, as written.
    pub scopes: String,
    /// The gateway namespace; `None` for a token stored before namespaces (`default`).
    pub namespace: Option<String>,
    /// The token's own fresh window and stale window, when it was made with them.
    pub fresh_ttl_secs: Option<u64>,
    pub stale_window_secs: Option<u64>,
}

impl TokenRecord {
    /// The record from the values of [`TOKEN_RECORD_FIELDS`], in order; `None` (no such
    /// token) without a name or scopes. A window that is not a whole number is ignored.
    pub fn from_fields(fields: Vec<Option<String>>) -> Option<TokenRecord> {
        let mut f = fields.into_iter();
        let mut next = || f.next().flatten();
        let (name, scopes, namespace, fresh, stale) = (next(), next(), next(), next(), next());
        let secs = |v: Option<String>| v.and_then(|v| v.parse::<u64>().ok());
        Some(TokenRecord {
            name: name?,
            scopes: scopes?,
            namespace,
            fresh_ttl_secs: secs(fresh),
            stale_window_secs: secs(stale),
        })
    }
}

/// The lookup record's fields, in [`TokenRecord`]'s order (gateway_lookup.lua reads the
/// same list).
pub(super) const TOKEN_RECORD_FIELDS: [&str; 5] = [
    "name",
    "scopes",
    "namespace",
    "fresh_ttl_secs",
    "stale_window_secs",
];

/// The keys one token occupies.
#[derive(Debug, Clone)]
pub struct TokenKeys {
    /// HASH {sha256, scopes, created_ms, last_used_ms}, by name.
    pub by_name: String,
    /// HASH {name, scopes}, by the SHA-256 of the secret: what a request looks up.
    pub by_hash: String,
    /// SET of every token name, for `token list` without a SCAN.
    pub names: String,
}

// Creates a token unless the name is taken: the name record, the lookup record and the
// name list change together or not at all.
// KEYS: by name, by hash, names. ARGV: name, sha256 hex, scopes JSON, created ms, the
// gateway namespace (issue 25; a token stored before it has none and means `default`).
// ARGV[6] and ARGV[7], the windows, are '' when the token has none (no field is written:
// the gateway's own windows apply).
const CREATE_LUA: &str = r#"
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'sha256', ARGV[2], 'scopes', ARGV[3], 'created_ms', ARGV[4], 'last_used_ms', 0, 'namespace', ARGV[5])
redis.call('HSET', KEYS[2], 'name', ARGV[1], 'scopes', ARGV[3], 'namespace', ARGV[5])
for i, field in ipairs({'fresh_ttl_secs', 'stale_window_secs'}) do
  if ARGV[5 + i] ~= '' then
    redis.call('HSET', KEYS[1], field, ARGV[5 + i])
    redis.call('HSET', KEYS[2], field, ARGV[5 + i])
  end
end
redis.call('SADD', KEYS[3], ARGV[1])
return 1
"#;

// Revokes a token if its name record still holds the hash read before (a concurrent
// revoke and re-create under the same name keeps the new token). Both records go in one
// step, so a request either finds the whole token or nothing.
// KEYS: by name, by hash, names. ARGV: name, sha256 hex.
const REVOKE_LUA: &str = r#"
if redis.call('HGET', KEYS[1], 'sha256') ~= ARGV[2] then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('SREM', KEYS[3], ARGV[1])
return 1
"#;

// Stamps the last use, only on a token that still exists: a request that was verified
// just before a revocation must not bring the name record back.
const TOUCH_LUA: &str = r#"
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'last_used_ms', ARGV[1])
return 1
"#;

fn eval(script: &str, keys: &[&str], args: &[&str]) -> redis::Cmd {
    let mut cmd = redis::cmd("EVAL");
    cmd.arg(script).arg(keys.len());
    for k in keys {
        cmd.arg(*k);
    }
    for a in args {
        cmd.arg(*a);
    }
    cmd
}

impl Store {
    /// Stores a new token; false (nothing written) when the name is taken.
    pub async fn token_create(&mut self, keys: &TokenKeys, t: &NewToken<'_>) -> Result<bool> {
        let secs = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
        let cmd = eval(
            CREATE_LUA,
            &[&keys.by_name, &keys.by_hash, &keys.names],
            &[
                t.name,
                t.sha256,
                t.scopes,
                &t.created_ms.to_string(),
                t.namespace,
                &secs(t.fresh_ttl_secs),
                &secs(t.stale_window_secs),
            ],
        );
        let name = t.name;
        // A create that ran once would find its own name and report it taken.
        let created: i64 = self
            .send_one(cmd, Repeat::Never, &format!("creating token {name}"))
            .await?;
        Ok(created == 1)
    }

    /// The lookup record of the token whose secret hashes to `by_hash`, one round trip.
    pub async fn token_record(&mut self, by_hash: &str) -> Result<Option<TokenRecord>> {
        let mut cmd = redis::cmd("HMGET");
        cmd.arg(by_hash).arg(&TOKEN_RECORD_FIELDS[..]);
        let f: Vec<Option<String>> = self.send_one(cmd, READ, "looking up a token").await?;
        Ok(TokenRecord::from_fields(f))
    }

    /// The SHA-256 recorded for the token `name`, if it exists.
    pub async fn token_sha256(&mut self, by_name: &str) -> Result<Option<String>> {
        let mut cmd = redis::cmd("HGET");
        cmd.arg(by_name).arg("sha256");
        self.send_one(
            cmd,
            READ,
            &format!("reading {}", printable(by_name.as_bytes())),
        )
        .await
    }

    /// Deletes a token if it still has the hash `sha256`; false if it did not.
    pub async fn token_revoke(
        &mut self,
        keys: &TokenKeys,
        name: &str,
        sha256: &str,
    ) -> Result<bool> {
        let cmd = eval(
            REVOKE_LUA,
            &[&keys.by_name, &keys.by_hash, &keys.names],
            &[name, sha256],
        );
        let revoked: i64 = self
            .send_one(
                cmd,
                Repeat::Safe("a second revoke finds nothing to delete and changes nothing"),
                &format!("revoking token {name}"),
            )
            .await?;
        Ok(revoked == 1)
    }

    /// Records when a token was last used (if it still exists).
    pub async fn token_touch(&mut self, by_name: &str, now_ms: u64) -> Result<()> {
        let cmd = eval(TOUCH_LUA, &[by_name], &[&now_ms.to_string()]);
        let _: i64 = self
            .send_one(
                cmd,
                Repeat::Safe("writing the same time twice changes nothing"),
                "recording a token's last use",
            )
            .await?;
        Ok(())
    }

    /// Every token, sorted by name (two round trips: the names, then their records).
    pub async fn token_list(
        &mut self,
        names_key: &str,
        by_name: impl Fn(&str) -> String,
    ) -> Result<Vec<StoredToken>> {
        let mut cmd = redis::cmd("SMEMBERS");
        cmd.arg(names_key);
        let mut names: Vec<String> = self.send_one(cmd, READ, "listing tokens").await?;
        names.sort();
        let rows = self
            .per_item(
                "reading tokens",
                READ,
                &names,
                |pipe, name| {
                    pipe.cmd("HMGET")
                        .arg(by_name(name))
                        .arg("scopes")
                        .arg("created_ms")
                        .arg("last_used_ms")
                        .arg("namespace")
                        .arg("fresh_ttl_secs")
                        .arg("stale_window_secs");
                },
                |name, replies| {
                    let reply = replies.next().expect("one reply").context("HMGET")?;
                    let f: Vec<Option<String>> = redis::from_redis_value(reply)?;
                    let mut f = f.into_iter();
                    let mut next = || f.next().flatten();
                    let (scopes, created, used) = (next(), next(), next());
                    let (namespace, fresh, stale) = (next(), next(), next());
                    let num = |v: Option<String>| v.and_then(|v| v.parse::<u64>().ok());
                    let (created, used, fresh, stale) =
                        (num(created), num(used), num(fresh), num(stale));
                    Ok(StoredToken {
                        name: name.clone(),
                        scopes: scopes.unwrap_or_else(|| "[]".into()),
                        created_ms: created.unwrap_or(0),
                        last_used_ms: used.unwrap_or(0),
                        namespace,
                        fresh_ttl_secs: fresh,
                        stale_window_secs: stale,
                    })
                },
            )
            .await?;
        rows.into_iter().collect()
    }
}
