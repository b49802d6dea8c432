//! The audit trail: every change cachecore makes (invalidate, invalidate-many per dep,
//! policy roll and purge, prune, tag, untag) appends one record to the capped Redis stream
//! `cc:audit`, and `cachecore audit` reads it back. Building a record is pure; the store
//! appends it. A failed append is reported and never undoes the work.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

/// The stream's key: under `cc:`, which cachecore may use for keys of its own.
pub const AUDIT_KEY: &str = "cc:audit";

/// About how many records the stream keeps (`XADD MAXLEN ~`): the oldest go first.
pub const AUDIT_MAX_LEN: u64 = 100_000;

/// One record, as written and as `cachecore audit` shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AuditRecord {
    /// The stream entry id (`<ms>-<seq>`), set when read back.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub id: String,
    pub time_ms: u64,
    pub user: String,
    pub host: String,
    pub command: String,
    /// Dep ids (or a namespace's policy dep), comma-separated.
    pub deps: String,
    pub old_hash: String,
    pub new_hash: String,
    /// What was done, as `name=value` pairs separated by spaces.
    pub counts: String,
    pub reason: String,
}

impl AuditRecord {
    /// A record of `command` stamped with the time, user and host of this process.
    pub fn now(command: &str, reason: Option<&str>) -> AuditRecord {
        AuditRecord {
            time_ms: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_millis() as u64)
                .unwrap_or(0),
            user: who().0.clone(),
            host: who().1.clone(),
            command: command.to_string(),
            reason: reason.unwrap_or("").to_string(),
            ..AuditRecord::default()
        }
    }

    pub fn fields(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("user", &self.user),
            ("host", &self.host),
            ("command", &self.command),
            ("deps", &self.deps),
            ("old_hash", &self.old_hash),
            ("new_hash", &self.new_hash),
            ("counts", &self.counts),
            ("reason", &self.reason),
        ]
    }

    /// Rebuilds a record from a stream entry; the time is the id's millisecond part.
    pub fn from_entry(id: &str, fields: &[(String, String)]) -> AuditRecord {
        let get = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        AuditRecord {
            id: id.to_string(),
            time_ms: id
                .split('-')
                .next()
                .and_then(|t| t.parse().ok())
                .unwrap_or(0),
            user: get("user"),
            host: get("host"),
            command: get("command"),
            deps: get("deps"),
            old_hash: get("old_hash"),
            new_hash: get("new_hash"),
            counts: get("counts"),
            reason: get("reason"),
        }
    }
}

/// This process's (user, host), looked up once: `invalidate-many` stamps a record per dep.
fn who() -> &'static (String, String) {
    static WHO: std::sync::OnceLock<(String, String)> = std::sync::OnceLock::new();
    WHO.get_or_init(|| {
        let user = std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .unwrap_or_else(|_| "unknown".into());
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .or_else(|_| std::env::var("HOSTNAME"))
            .unwrap_or_else(|_| "unknown".into());
        (user, host)
    })
}

/// `name=value` pairs for the `counts` field.
pub fn counts(pairs: &[(&str, u64)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_survives_the_stream_round_trip() {
        let mut r = AuditRecord::now("invalidate", Some("ticket 42"));
        r.deps = "doc:1".into();
        r.old_hash = "v1".into();
        r.new_hash = "v2".into();
        r.counts = counts(&[("l1_deleted", 3), ("l2_deleted", 1)]);
        let fields: Vec<(String, String)> = r
            .fields()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let back = AuditRecord::from_entry(&format!("{}-0", r.time_ms), &fields);
        assert_eq!(back.id, format!("{}-0", r.time_ms));
        assert_eq!(
            AuditRecord {
                id: String::new(),
                ..back
            },
            r
        );
        assert_eq!(r.counts, "l1_deleted=3 l2_deleted=1");
    }
}
