//! The server and cachecore's own records: PING, INFO, CONFIG GET, TIME, the audit
//! stream, and the policy record with its version history.

use anyhow::{Context, Result};

use super::{READ, Repeat, Store, scripts, wrong_type};
use crate::audit::{AUDIT_KEY, AUDIT_MAX_LEN, AuditRecord};
use crate::printable::printable;

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
    pub async fn ping(&mut self) -> Result<()> {
        let _: String = self.send_one(redis::cmd("PING"), READ, "PING").await?;
        Ok(())
    }

    /// One field of an INFO section (on a cluster, of the node the command reaches).
    pub async fn info_field(&mut self, section: &str, field: &str) -> Result<Option<String>> {
        let mut cmd = redis::cmd("INFO");
        cmd.arg(section);
        let text: String = self.send_one(cmd, READ, &format!("INFO {section}")).await?;
        Ok(text
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{field}:")).map(str::to_string)))
    }

    /// A configuration value, if the server reports it.
    pub async fn config_get(&mut self, name: &str) -> Result<Option<String>> {
        let mut cmd = redis::cmd("CONFIG");
        cmd.arg("GET").arg(name);
        let pairs: Vec<String> = self
            .send_one(cmd, READ, &format!("CONFIG GET {name}"))
            .await?;
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

    /// Up to `limit` audit records from `since_ms` on, newest first, wave records
    /// expanded (one per dep).
    pub async fn audit_read(&mut self, since_ms: u64, limit: u64) -> Result<Vec<AuditRecord>> {
        let mut cmd = redis::cmd("XREVRANGE");
        cmd.arg(AUDIT_KEY)
            .arg("+")
            .arg(since_ms)
            .arg("COUNT")
            .arg(limit);
        let entries: Vec<(String, Vec<(String, String)>)> = self
            .send_one(cmd, READ, &format!("XREVRANGE {AUDIT_KEY}"))
            .await?;
        Ok(entries
            .iter()
            .flat_map(|(id, fields)| AuditRecord::from_entry(id, fields).expand())
            .take(limit as usize)
            .collect())
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

    /// Rolls the policy version to `new` (see `scripts/roll_policy.lua`) if the record still holds
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
        let mut cmd = scripts::ROLL_POLICY.cmd(3);
        cmd.arg(&keys.record)
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

    /// The server's clock in unix milliseconds (ages are judged on the server's clock,
    /// the same one that stamped the records).
    pub async fn server_time_ms(&mut self) -> Result<u64> {
        let (secs, micros): (u64, u64) = self.send_one(redis::cmd("TIME"), READ, "TIME").await?;
        Ok(secs * 1000 + micros / 1000)
    }
}
