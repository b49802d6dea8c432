//! `cachecore consume --status` and the event-stream section of `cachecore doctor`: each
//! group's lag and pending count, its consumers and their idle time, and the length of
//! the dead-letter stream. Read-only.

use anyhow::Result;
use serde::Serialize;

use crate::output::printable_str;
use crate::store::Store;

/// The group `consume` uses unless told otherwise, and the one `doctor` looks for.
pub const DEFAULT_GROUP: &str = "cachecore";

/// A consumer that has not read or claimed for this long is reported as not running.
pub const STALE_CONSUMER_MS: u64 = 60_000;

#[derive(Debug, Clone, Serialize)]
pub struct ConsumerStatus {
    pub name: String,
    pub pending: u64,
    pub idle_ms: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupStatus {
    pub name: String,
    /// Entries not yet delivered to the group (`null` when Redis cannot tell).
    pub lag: Option<u64>,
    pub pending: u64,
    pub last_delivered_id: String,
    pub consumers: Vec<ConsumerStatus>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeadLetterStatus {
    pub stream: String,
    pub length: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct StreamStatus {
    pub stream: String,
    pub exists: bool,
    pub length: u64,
    /// `null` when the stream has no such group yet.
    pub group: Option<GroupStatus>,
    pub dead_letter: DeadLetterStatus,
}

/// The status of `group` on each stream; `dead_letter_of` names a stream's dead-letter
/// stream.
pub async fn status(
    store: &mut Store,
    streams: &[String],
    group: &str,
    dead_letter_of: impl Fn(&str) -> String,
) -> Result<Vec<StreamStatus>> {
    let mut out = Vec::with_capacity(streams.len());
    for stream in streams {
        let kind = store.key_type(stream.as_bytes()).await?;
        let exists = kind == "stream";
        if kind != "none" && !exists {
            return Err(crate::error::redis_failure(format!(
                "{} is a {kind}, not a stream",
                printable_str(stream)
            )));
        }
        let (length, group_status) = if exists {
            (
                store.stream_len(stream).await?,
                group_status(store, stream, group).await?,
            )
        } else {
            (0, None)
        };
        let dead = dead_letter_of(stream);
        let dead_length = match store.key_type(dead.as_bytes()).await?.as_str() {
            "stream" => store.stream_len(&dead).await?,
            _ => 0,
        };
        out.push(StreamStatus {
            stream: stream.clone(),
            exists,
            length,
            group: group_status,
            dead_letter: DeadLetterStatus {
                stream: dead,
                length: dead_length,
            },
        });
    }
    Ok(out)
}

async fn group_status(store: &mut Store, stream: &str, group: &str) -> Result<Option<GroupStatus>> {
    let Some(info) = store
        .stream_groups(stream)
        .await?
        .into_iter()
        .find(|g| g.name == group)
    else {
        return Ok(None);
    };
    let consumers = store
        .group_consumers(stream, group)
        .await?
        .into_iter()
        .map(|c| ConsumerStatus {
            name: c.name,
            pending: c.pending,
            idle_ms: c.idle_ms,
        })
        .collect();
    Ok(Some(GroupStatus {
        name: info.name,
        lag: info.lag,
        pending: info.pending,
        last_delivered_id: info.last_delivered_id,
        consumers,
    }))
}

/// One line of `doctor`: whether it needs attention, and what was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub warn: bool,
    pub detail: String,
}

/// At most this many SCAN pages look for streams.
const DOCTOR_SCAN_STEPS: usize = 10_000;

/// For `doctor`: every stream with a `cachecore` group (found by a bounded SCAN of the
/// keyspace for streams), with its lag, pending entries, consumers and dead letters. A
/// warning when events wait and no consumer ran in the last minute, or when the
/// dead-letter stream holds entries.
pub async fn doctor_findings(store: &mut Store) -> Result<Vec<Finding>> {
    let mut streams: Vec<String> = Vec::new();
    let mut pages = crate::store::ScanPages::new("*", Some("stream"));
    for _ in 0..DOCTOR_SCAN_STEPS {
        let Some(keys) = pages.next_page(store).await? else {
            break;
        };
        streams.extend(
            keys.into_iter()
                .filter_map(|k| String::from_utf8(k).ok())
                .filter(|k| k != crate::audit::AUDIT_KEY),
        );
    }
    streams.sort();
    streams.dedup();
    let mut findings = Vec::new();
    for stream in streams {
        let Some(g) = group_status(store, &stream, DEFAULT_GROUP).await? else {
            continue;
        };
        let dead = format!("{stream}:dead");
        let dead_length = match store.key_type(dead.as_bytes()).await?.as_str() {
            "stream" => store.stream_len(&dead).await?,
            _ => 0,
        };
        let freshest = g.consumers.iter().map(|c| c.idle_ms).min();
        let waiting = g.lag.unwrap_or(0) + g.pending;
        let unattended = waiting > 0 && freshest.is_none_or(|idle| idle > STALE_CONSUMER_MS);
        let mut detail = format!(
            "{} group {}: lag {}, pending {}, {} consumers{}, dead letters {}",
            printable_str(&stream),
            g.name,
            g.lag
                .map_or_else(|| "unknown".to_string(), |l| l.to_string()),
            g.pending,
            g.consumers.len(),
            freshest.map_or_else(String::new, |ms| format!(
                " (last active {:.1} s ago)",
                ms as f64 / 1000.0
            )),
            dead_length
        );
        if unattended {
            detail.push_str(": events are waiting and no consumer ran in the last minute; start `cachecore consume`");
        }
        if dead_length > 0 {
            detail.push_str(&format!(
                ": inspect the dead letters with `redis-cli XRANGE {} - +`",
                printable_str(&dead)
            ));
        }
        findings.push(Finding {
            warn: unattended || dead_length > 0,
            detail,
        });
    }
    Ok(findings)
}
