//! Reading the replies of the stream commands (XREADGROUP, XAUTOCLAIM, XINFO) and of the
//! order gate into typed values. Pure.

use std::collections::HashMap;

use anyhow::Result;
use redis::Value;

/// One stream entry as Redis returned it. `fields` is `None` for an entry that was deleted
/// from the stream (XDEL, XTRIM) while it was pending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawEntry {
    pub stream: String,
    pub id: String,
    pub fields: Option<Fields>,
}

/// An entry's fields: (name, value) pairs, as bytes.
pub type Fields = Vec<(Vec<u8>, Vec<u8>)>;

/// What the order gate decided for one event and dep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GateOutcome {
    /// The event is the newest seen for the dep: its hash is recorded (the value before),
    /// and, when asked and the dep qualified, the dep invalidated as well.
    Applied {
        previous: Option<String>,
        swept: Option<super::Sweep>,
    },
    /// The event is the one last applied (a redelivery): its recorded hash.
    Redelivered { hash: String },
    /// A newer event was applied already: its stream and entry id.
    Superseded { stream: String, id: String },
    /// Another path (a CLI or HTTP invalidation) wrote the hash after the event's id
    /// time: when (server time, unix ms).
    Overwritten { written_ms: u64 },
    /// The entry id is ahead of the server's clock by more than the allowed skew: nothing
    /// was written. The server's time then (unix ms).
    AheadOfClock { server_ms: u64 },
    /// The event's `if_hash` does not match the current hash: nothing was written.
    Refused { current: Option<String> },
}

pub(super) fn parse_gate_reply(reply: Value) -> Result<GateOutcome> {
    let Value::Array(parts) = reply else {
        return Err(anyhow::anyhow!("the order gate answered {reply:?}"));
    };
    let mut parts = parts.into_iter();
    let code: i64 = redis::from_redis_value(parts.next().unwrap_or(Value::Nil))?;
    let mut text = || -> Result<Option<String>> {
        let v: Option<Vec<u8>> = redis::from_redis_value(parts.next().unwrap_or(Value::Nil))?;
        Ok(v.map(|b| String::from_utf8_lossy(&b).into_owned()))
    };
    Ok(match code {
        1 => {
            let previous = text()?;
            let counts: Vec<u64> = parts
                .map(redis::from_redis_value)
                .collect::<Result<_, _>>()?;
            GateOutcome::Applied {
                previous: previous.clone(),
                swept: match counts[..] {
                    [members, l1_deleted, l2_deleted, skipped_not_entries] => Some(super::Sweep {
                        previous,
                        members,
                        l1_deleted,
                        l2_deleted,
                        skipped_not_entries,
                    }),
                    _ => None,
                },
            }
        }
        2 => GateOutcome::Redelivered {
            hash: text()?.unwrap_or_default(),
        },
        3 => GateOutcome::Refused { current: text()? },
        4 => GateOutcome::AheadOfClock {
            server_ms: redis::from_redis_value(parts.next().unwrap_or(Value::Nil))?,
        },
        5 => GateOutcome::Overwritten {
            written_ms: redis::from_redis_value(parts.next().unwrap_or(Value::Nil))?,
        },
        _ => {
            let id = text()?.unwrap_or_default();
            GateOutcome::Superseded {
                id,
                stream: text()?.unwrap_or_default(),
            }
        }
    })
}

/// XREADGROUP's reply: nil, or per stream `[name, [[id, [field, value, …] or nil], …]]`
/// (a map of name to entries in RESP3).
pub(super) fn parse_read_reply(reply: Value) -> Result<Vec<RawEntry>> {
    let per_stream: Vec<(Value, Value)> = match reply {
        Value::Nil => return Ok(Vec::new()),
        Value::Map(pairs) => pairs,
        Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Value::Array(mut pair) if pair.len() == 2 => {
                    let entries = pair.pop().expect("two");
                    Ok((pair.pop().expect("two"), entries))
                }
                other => Err(anyhow::anyhow!("unexpected XREADGROUP reply {other:?}")),
            })
            .collect::<Result<_>>()?,
        other => return Err(anyhow::anyhow!("unexpected XREADGROUP reply {other:?}")),
    };
    let mut out = Vec::new();
    for (name, entries) in per_stream {
        let name: Vec<u8> = redis::from_redis_value(name)?;
        out.extend(entries_of(&String::from_utf8_lossy(&name), entries)?);
    }
    Ok(out)
}

/// `[[id, [field, value, …] or nil], …]`.
pub(super) fn entries_of(stream: &str, entries: Value) -> Result<Vec<RawEntry>> {
    let entries = match entries {
        Value::Nil => return Ok(Vec::new()),
        Value::Array(e) => e,
        other => return Err(anyhow::anyhow!("unexpected stream entries {other:?}")),
    };
    entries
        .into_iter()
        .map(|entry| {
            let Value::Array(mut parts) = entry else {
                return Err(anyhow::anyhow!("unexpected stream entry {entry:?}"));
            };
            if parts.len() != 2 {
                return Err(anyhow::anyhow!("unexpected stream entry {parts:?}"));
            }
            let body = parts.pop().expect("two");
            let id: String = redis::from_redis_value(parts.pop().expect("two"))?;
            let fields = match body {
                Value::Nil => None,
                Value::Array(flat) => {
                    let mut pairs = Vec::with_capacity(flat.len() / 2);
                    let mut it = flat.into_iter();
                    while let (Some(f), Some(v)) = (it.next(), it.next()) {
                        pairs.push((redis::from_redis_value(f)?, redis::from_redis_value(v)?));
                    }
                    Some(pairs)
                }
                Value::Map(map) => Some(
                    map.into_iter()
                        .map(|(f, v)| {
                            Ok((redis::from_redis_value(f)?, redis::from_redis_value(v)?))
                        })
                        .collect::<Result<_>>()?,
                ),
                other => return Err(anyhow::anyhow!("unexpected entry fields {other:?}")),
            };
            Ok(RawEntry {
                stream: stream.to_string(),
                id,
                fields,
            })
        })
        .collect()
}

/// A flat `[name, value, …]` array (or a RESP3 map) as a lookup table.
pub(super) fn fields_of(row: Value) -> Result<HashMap<String, Value>> {
    let pairs: Vec<(Value, Value)> = match row {
        Value::Map(m) => m,
        Value::Array(flat) => {
            let mut it = flat.into_iter();
            let mut out = Vec::new();
            while let (Some(k), Some(v)) = (it.next(), it.next()) {
                out.push((k, v));
            }
            out
        }
        other => return Err(anyhow::anyhow!("unexpected XINFO row {other:?}")),
    };
    pairs
        .into_iter()
        .map(|(k, v)| Ok((redis::from_redis_value::<String>(k)?, v)))
        .collect()
}

pub(super) fn text_field(f: &HashMap<String, Value>, name: &str) -> String {
    f.get(name)
        .cloned()
        .and_then(|v| redis::from_redis_value::<Vec<u8>>(v).ok())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

pub(super) fn int_field(f: &HashMap<String, Value>, name: &str) -> Option<u64> {
    match f.get(name)? {
        Value::Nil => None,
        v => redis::from_redis_value::<i64>(v.clone())
            .ok()
            .and_then(|n| u64::try_from(n).ok()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn read_replies_with_deleted_entries() {
        let reply = Value::Array(vec![Value::Array(vec![
            bulk("cc:events"),
            Value::Array(vec![
                Value::Array(vec![
                    bulk("1-0"),
                    Value::Array(vec![bulk("dep_id"), bulk("doc:1")]),
                ]),
                Value::Array(vec![bulk("2-0"), Value::Nil]),
            ]),
        ])]);
        let entries = parse_read_reply(reply).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].stream, "cc:events");
        assert_eq!(
            entries[0].fields,
            Some(vec![(b"dep_id".to_vec(), b"doc:1".to_vec())])
        );
        assert_eq!(entries[1].fields, None);
        assert!(parse_read_reply(Value::Nil).unwrap().is_empty());
    }
}
