//! The audit trail: every change cachecore makes (invalidate, invalidate-many per wave of
//! deps, policy roll and purge, prune, tag, untag) appends one record to the capped Redis
//! stream `cc:audit`, and `cachecore audit` reads it back, a wave record as one record
//! per dep (see [`wave`]). Building a record is pure; the store
//! appends it. A failed append is reported and never undoes the work.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

mod wave;

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
    /// One dep id (or a namespace's policy dep, or a prune pattern), or several as a JSON
    /// array (see [`deps_field`]). In JSON output always an array.
    #[serde(serialize_with = "deps_array")]
    pub deps: String,
    /// Empty when absent; `null` in JSON output.
    #[serde(serialize_with = "null_if_empty")]
    pub old_hash: String,
    #[serde(serialize_with = "null_if_empty")]
    pub new_hash: String,
    /// What was done, as `name=value` pairs separated by spaces; an object in JSON output.
    #[serde(serialize_with = "counts_object")]
    pub counts: String,
    #[serde(serialize_with = "null_if_empty")]
    pub reason: String,
    /// `consume` only: the stream and entry id of the event that asked for the change
    /// (stored, and in JSON output, only when set).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub stream: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub entry_id: String,
    /// A wave record's per-dep results (see [`wave`]); empty otherwise. Never in JSON
    /// output: `cachecore audit` shows a wave record expanded.
    #[serde(skip)]
    pub results: String,
}

/// The stream keeps strings; JSON output follows the README's rules: absent is `null`.
fn null_if_empty<S: serde::Serializer>(v: &str, s: S) -> Result<S::Ok, S::Error> {
    if v.is_empty() {
        s.serialize_none()
    } else {
        s.serialize_some(v)
    }
}

fn deps_array<S: serde::Serializer>(v: &str, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(deps_list(v))
}

/// The deps of a stored record: a JSON array of strings, or one bare id (a dep id may
/// hold a comma, so no separator is safe).
pub fn deps_list(v: &str) -> Vec<String> {
    if v.is_empty() {
        return Vec::new();
    }
    if v.starts_with('[')
        && let Ok(list) = serde_json::from_str::<Vec<String>>(v)
    {
        return list;
    }
    vec![v.to_string()]
}

/// The stored form of several deps (see [`deps_list`]).
pub fn deps_field(deps: &[&str]) -> String {
    match deps {
        [one] if !one.starts_with('[') => one.to_string(),
        _ => serde_json::to_string(deps).expect("strings serialize"),
    }
}

fn counts_object<S: serde::Serializer>(v: &str, s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(count_pairs(v))
}

/// The `name=value` pairs of a `counts` field whose value is a number (see [`counts`]).
fn count_pairs(counts: &str) -> impl Iterator<Item = (&str, u64)> {
    counts.split_whitespace().filter_map(|pair| {
        let (k, n) = pair.split_once('=')?;
        Some((k, n.parse().ok()?))
    })
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
        let mut fields = vec![
            ("user", self.user.as_str()),
            ("host", &self.host),
            ("command", &self.command),
            ("deps", &self.deps),
            ("old_hash", &self.old_hash),
            ("new_hash", &self.new_hash),
            ("counts", &self.counts),
            ("reason", &self.reason),
        ];
        for (name, value) in [
            ("stream", &self.stream),
            ("entry_id", &self.entry_id),
            ("results", &self.results),
        ] {
            if !value.is_empty() {
                fields.push((name, value));
            }
        }
        fields
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
            stream: get("stream"),
            entry_id: get("entry_id"),
            results: get("results"),
        }
    }
}

/// This process's (user, host), looked up once: `invalidate-many` stamps a record per dep.
fn who() -> &'static (String, String) {
    static WHO: std::sync::OnceLock<(String, String)> = std::sync::OnceLock::new();
    WHO.get_or_init(|| {
        let user = std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .ok()
            .filter(|u| !u.is_empty())
            .unwrap_or_else(os_user);
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .or_else(|_| std::env::var("HOSTNAME"))
            .unwrap_or_else(|_| "unknown".into());
        (user, host)
    })
}

/// The name of the process's user from the OS (cron and systemd often set no `$USER`):
/// the uid that owns `/proc/self`, looked up in `/etc/passwd`, else `uid:N`.
fn os_user() -> String {
    use std::os::unix::fs::MetadataExt;
    let Ok(uid) = std::fs::metadata("/proc/self").map(|m| m.uid()) else {
        return "unknown".into();
    };
    std::fs::read_to_string("/etc/passwd")
        .ok()
        .and_then(|passwd| {
            passwd.lines().find_map(|line| {
                let mut f = line.split(':');
                let name = f.next()?;
                (f.nth(1)?.parse::<u32>().ok()? == uid).then(|| name.to_string())
            })
        })
        .unwrap_or_else(|| format!("uid:{uid}"))
}

/// `name=value` pairs for the `counts` field.
pub fn counts(pairs: &[(&str, u64)]) -> String {
    use std::fmt::Write;
    // One string, no temporaries: a bulk run makes one of these per dep.
    let mut out = String::with_capacity(pairs.len() * 16);
    for (i, (k, v)) in pairs.iter().enumerate() {
        let sep = if i == 0 { "" } else { " " };
        write!(out, "{sep}{k}={v}").expect("writing to a String");
    }
    out
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
        assert_eq!(fields.len(), 8, "no event fields unless set");
        r.stream = "cc:events".into();
        r.entry_id = "1700000000000-0".into();
        let fields: Vec<(String, String)> = r
            .fields()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let back = AuditRecord::from_entry(&format!("{}-0", r.time_ms), &fields);
        assert_eq!(
            (back.stream.as_str(), back.entry_id.as_str()),
            ("cc:events", "1700000000000-0")
        );
    }

    #[test]
    fn json_output_follows_the_readme_rules() {
        let mut r = AuditRecord::now("tag", None);
        r.deps = deps_field(&["doc:1", "a,b"]);
        r.counts = counts(&[("keys", 2), ("changed", 1)]);
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["deps"], serde_json::json!(["doc:1", "a,b"]));
        assert_eq!(v["old_hash"], serde_json::Value::Null);
        assert_eq!(v["reason"], serde_json::Value::Null);
        assert_eq!(v["counts"], serde_json::json!({"keys": 2, "changed": 1}));
        r.deps = "doc:x".into();
        assert_eq!(
            serde_json::to_value(&r).unwrap()["deps"],
            serde_json::json!(["doc:x"])
        );
        assert!(!r.user.is_empty() && r.user != "unknown");
    }
}
