//! Redis Streams for `cachecore consume`: consumer groups, reading, claiming, acking,
//! the dead-letter stream, the status listing, and the order gate that makes the newest
//! event's hash the one recorded last.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::{Context, Result};
use redis::{Script, Value};

use super::{READ, Repeat, Store};
use crate::output::printable;

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

/// One consumer group of a stream (XINFO GROUPS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupInfo {
    pub name: String,
    pub consumers: u64,
    pub pending: u64,
    pub last_delivered_id: String,
    /// Entries not yet delivered to the group; `None` when Redis cannot tell (before 7.0,
    /// or after entries were deleted in the range).
    pub lag: Option<u64>,
}

/// One consumer of a group (XINFO CONSUMERS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerInfo {
    pub name: String,
    pub pending: u64,
    /// Since its last attempted interaction (read, claim).
    pub idle_ms: u64,
}

/// One event's request to the order gate (see `GATE_BODY`).
#[derive(Debug, Clone)]
pub struct Gate<'a> {
    pub order_key: &'a str,
    pub hash_key: &'a str,
    pub time_key: &'a str,
    pub stream: &'a str,
    pub id: (u64, u64),
    pub new_hash: &'a str,
    pub if_hash: Option<&'a str>,
    /// How long the order record is kept after the dep's last applied event.
    pub keep_ms: u64,
    /// On a single node: also invalidate a small dep in the same step (see `GATE_BODY`):
    /// the dep set and registry of unfinished runs, and the largest set to do so.
    pub sweep: Option<GateSweep<'a>>,
}

/// The dep's keys and limit for the single-step invalidation behind the gate.
#[derive(Debug, Clone)]
pub struct GateSweep<'a> {
    pub set_key: &'a str,
    pub registry_key: &'a str,
    pub limit: u64,
}

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
    /// The event's `if_hash` does not match the current hash: nothing was written.
    Refused { current: Option<String> },
}

// The order gate: one script per event and dep, run before the invalidation. It compares
// the event's stream entry id with the last one applied to the dep (a record in the hash
// record's slot) and, only if the event is newer, records the event and writes its hash
// (with the write time, as every hash write does). An older event writes nothing, so the
// hash recorded last is always the newest event's, whichever consumer gets there first,
// and however often an event is delivered. The invalidation that follows runs with
// `--if-hash` = the event's own hash: its compare-and-set leaves the value as it is, and is
// refused when a newer event got in between (whose own invalidation does the deleting).
//
// On a single node, for a small dep, the gate also does the invalidation itself (ARGV[9]
// = '1'), exactly as the engine's single-step script does (same conditions: no unfinished
// runs, a dep set of at most ARGV[8] members, keys of the right types; the same key rule
// for members, run server-side), so an event costs one script, not two. When the dep does
// not qualify, only the hash is recorded and the engine's stepwise run follows.
// Touches member keys without declaring them then: single node only.
//
// Ids are compared as decimal strings, byte by byte (Lua numbers lose precision above
// 2^53, and Lua's string `<` follows the server's locale). The record is a string
// `<ms>-<seq>\n<hash>\n<stream>` (a hash never holds a control character); one that does
// not parse is treated as absent. Ids of different streams compare by their millisecond
// time; an equal id of another stream counts as older.
// KEYS: order record, hash record, hash write time[, dep set, registry].
// ARGV: ms, seq, stream, new hash, mode ('any' or 'eq'), expected, keep (ms)[, limit,
// sweep ('1')].
// Returns {1, previous[, members, L1 deleted, L2 deleted, not entries]} applied (with the
// counts when it invalidated too), {2, hash} redelivered, {0, id, stream} superseded,
// {3, current} refused.
const GATE_BODY: &str = r#"
local function cmp(a, b)
  if #a ~= #b then return #a < #b and -1 or 1 end
  for i = 1, #a do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y and -1 or 1 end
  end
  return 0
end
local rec = redis.call('GET', KEYS[1])
local order = 1
local last_id, last_hash, last_stream
if rec then
  local a = string.find(rec, '\n', 1, true)
  local b = a and string.find(rec, '\n', a + 1, true)
  if b then
    last_id = string.sub(rec, 1, a - 1)
    last_hash = string.sub(rec, a + 1, b - 1)
    last_stream = string.sub(rec, b + 1)
    local dash = string.find(last_id, '-', 1, true)
    if dash then
      order = cmp(ARGV[1], string.sub(last_id, 1, dash - 1))
      if order == 0 then order = cmp(ARGV[2], string.sub(last_id, dash + 1)) end
    end
  end
end
if order == 0 and last_stream == ARGV[3] then return {2, last_hash} end
if order <= 0 then return {0, last_id, last_stream} end
local cur = redis.call('GET', KEYS[2])
if ARGV[5] == 'eq' and cur ~= ARGV[6] then return {3, cur} end
local function record()
  redis.call('SET', KEYS[2], ARGV[4])
  local t = redis.call('TIME')
  redis.call('SET', KEYS[3], t[1] * 1000 + math.floor(t[2] / 1000))
  redis.call('SET', KEYS[1], ARGV[1] .. '-' .. ARGV[2] .. '\n' .. ARGV[4] .. '\n' .. ARGV[3], 'PX', ARGV[7])
end
if ARGV[9] == '1' and redis.call('EXISTS', KEYS[5]) == 0 then
  local st = redis.call('TYPE', KEYS[4])['ok']
  local n = (st == 'set' or st == 'none') and redis.call('SCARD', KEYS[4]) or -1
  if n >= 0 and n <= tonumber(ARGV[8]) then
    record()
    local l1, l2, skipped = {}, {}, 0
    for _, m in ipairs(redis.call('SMEMBERS', KEYS[4])) do
      local tier = entry_tier(m)
      if tier == 1 then table.insert(l1, m)
      elseif tier == 2 then table.insert(l2, m)
      else skipped = skipped + 1 end
    end
    local d1, d2 = 0, 0
    if #l1 > 0 then d1 = redis.call('UNLINK', unpack(l1)) end
    if #l2 > 0 then d2 = redis.call('UNLINK', unpack(l2)) end
    redis.call('UNLINK', KEYS[4])
    return {1, cur, n, d1, d2, skipped}
  end
end
record()
return {1, cur}
"#;

fn gate_lua() -> &'static str {
    static SCRIPT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SCRIPT.get_or_init(|| format!("{}{GATE_BODY}", crate::layout::entry_tier_lua()))
}

impl Store {
    /// Creates `group` on `stream` (and the stream, if missing) starting at `from`. False
    /// when the group exists already.
    pub async fn create_group(&mut self, stream: &str, group: &str, from: &str) -> Result<bool> {
        let mut cmd = redis::cmd("XGROUP");
        cmd.arg("CREATE")
            .arg(stream)
            .arg(group)
            .arg(from)
            .arg("MKSTREAM");
        let context = format!("XGROUP CREATE {} {}", printable(stream.as_bytes()), group);
        match self
            .send_one::<Value>(
                cmd,
                Repeat::Safe("creating a group that exists only answers BUSYGROUP"),
                &context,
            )
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if busy_group(&e) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// XREADGROUP: new entries (`history` `None`, id `>`), or this consumer's own pending
    /// ones after the id `history` (`0` for all). One command for every stream on a
    /// single node; on a cluster, streams in different slots are read one by one (without
    /// blocking).
    pub async fn read_group(
        &mut self,
        group: &str,
        consumer: &str,
        streams: &[String],
        history: Option<&str>,
        count: usize,
        block: Option<Duration>,
    ) -> Result<Vec<RawEntry>> {
        let batches: Vec<&[String]> = if self.is_standalone() || streams.len() == 1 {
            vec![streams]
        } else {
            streams.chunks(1).collect()
        };
        let block = block.filter(|_| batches.len() == 1);
        let mut out = Vec::new();
        for streams in batches {
            let mut cmd = redis::cmd("XREADGROUP");
            cmd.arg("GROUP")
                .arg(group)
                .arg(consumer)
                .arg("COUNT")
                .arg(count);
            if let Some(b) = block {
                cmd.arg("BLOCK").arg(b.as_millis().max(1) as u64);
            }
            cmd.arg("STREAMS").arg(streams);
            for _ in streams {
                cmd.arg(history.unwrap_or(">"));
            }
            let context = format!("XREADGROUP of {}", names(streams));
            let repeat = if history.is_some() {
                Repeat::Safe(
                    "reading this consumer's pending entries again changes only their delivery count",
                )
            } else {
                // A repeat would deliver further entries while those of the lost reply
                // stay pending, unseen until claimed.
                Repeat::Never
            };
            let reply: Value = self.send_one(cmd, repeat, &context).await?;
            out.extend(parse_read_reply(reply).with_context(|| context.clone())?);
        }
        Ok(out)
    }

    /// XAUTOCLAIM: up to `count` entries pending longer than `min_idle` on any consumer
    /// of the group, from `start`. Returns the cursor to continue from (`0-0` when the
    /// whole list was seen), the claimed entries, and the ids of pending entries that were
    /// deleted from the stream (Redis drops those from the pending list itself).
    pub async fn autoclaim(
        &mut self,
        stream: &str,
        group: &str,
        consumer: &str,
        min_idle: Duration,
        start: &str,
        count: usize,
    ) -> Result<(String, Vec<RawEntry>, Vec<String>)> {
        let mut cmd = redis::cmd("XAUTOCLAIM");
        cmd.arg(stream)
            .arg(group)
            .arg(consumer)
            .arg(min_idle.as_millis() as u64)
            .arg(start)
            .arg("COUNT")
            .arg(count);
        let context = format!("XAUTOCLAIM {}", printable(stream.as_bytes()));
        let reply: Value = self
            .send_one(
                cmd,
                Repeat::Safe(
                    "claiming again what was just claimed changes only its delivery count",
                ),
                &context,
            )
            .await?;
        let Value::Array(parts) = reply else {
            return Err(anyhow::anyhow!("{context}: unexpected reply {reply:?}"));
        };
        let mut parts = parts.into_iter();
        let next: String = redis::from_redis_value(parts.next().unwrap_or(Value::Nil))?;
        let entries = entries_of(stream, parts.next().unwrap_or(Value::Nil))?;
        let deleted: Vec<String> = match parts.next() {
            Some(v) => redis::from_redis_value(v)?,
            None => Vec::new(),
        };
        Ok((next, entries, deleted))
    }

    /// Delivery counts of this consumer's pending entries between `first` and `last`.
    pub async fn delivery_counts(
        &mut self,
        stream: &str,
        group: &str,
        consumer: &str,
        (first, last): (&str, &str),
        count: usize,
    ) -> Result<HashMap<String, u64>> {
        let mut cmd = redis::cmd("XPENDING");
        cmd.arg(stream)
            .arg(group)
            .arg(first)
            .arg(last)
            .arg(count)
            .arg(consumer);
        let context = format!("XPENDING {}", printable(stream.as_bytes()));
        let rows: Vec<(String, String, u64, u64)> = self.send_one(cmd, READ, &context).await?;
        Ok(rows.into_iter().map(|(id, _, _, n)| (id, n)).collect())
    }

    /// How many entries of the group are pending on any consumer.
    pub async fn pending_total(&mut self, stream: &str, group: &str) -> Result<u64> {
        let mut cmd = redis::cmd("XPENDING");
        cmd.arg(stream).arg(group);
        let context = format!("XPENDING {}", printable(stream.as_bytes()));
        let reply: Value = self.send_one(cmd, READ, &context).await?;
        match reply {
            Value::Array(parts) => Ok(redis::from_redis_value(
                parts.into_iter().next().unwrap_or(Value::Int(0)),
            )?),
            other => Err(anyhow::anyhow!("{context}: unexpected reply {other:?}")),
        }
    }

    /// Appends the batch's audit records and acks its entries, one round trip. An audit
    /// failure is returned apart (`Ok(Some(..))`: the work is done and acked either way);
    /// an ack's failure is the error.
    pub async fn audit_and_ack(
        &mut self,
        group: &str,
        records: &[crate::audit::AuditRecord],
        acks: &[(String, Vec<String>)],
    ) -> Result<Option<anyhow::Error>> {
        let acks: Vec<&(String, Vec<String>)> =
            acks.iter().filter(|(_, ids)| !ids.is_empty()).collect();
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        for record in records {
            let cmd = pipe
                .cmd("XADD")
                .arg(crate::audit::AUDIT_KEY)
                .arg("MAXLEN")
                .arg("~")
                .arg(crate::audit::AUDIT_MAX_LEN)
                .arg("*");
            for (field, value) in record.fields() {
                cmd.arg(field).arg(value);
            }
        }
        for (stream, ids) in &acks {
            pipe.cmd("XACK").arg(stream).arg(group).arg(ids);
        }
        if pipe.is_empty() {
            return Ok(None);
        }
        // XADD with `*` makes a new record each time: a repeat would write them twice.
        let replies = self
            .send(&pipe, Repeat::Never)
            .await
            .with_context(|| format!("acknowledging {} entries", acks.len()))?;
        let mut replies = replies.into_iter();
        let mut audit_error = None;
        for reply in replies.by_ref().take(records.len()) {
            if let Err(e) = reply
                && audit_error.is_none()
            {
                audit_error = Some(
                    anyhow::Error::from(e).context(format!("XADD {}", crate::audit::AUDIT_KEY)),
                );
            }
        }
        for ((stream, _), reply) in acks.iter().zip(replies) {
            reply.with_context(|| format!("XACK {}", printable(stream.as_bytes())))?;
        }
        Ok(audit_error)
    }

    /// Appends each record to its dead-letter stream, one round trip.
    pub async fn dead_letter(&mut self, records: &[(String, Fields)]) -> Result<()> {
        self.per_item(
            "writing to the dead-letter stream",
            // XADD with `*` makes a new entry each time: a repeat would write it twice.
            Repeat::Never,
            records,
            |pipe, (stream, fields)| {
                let cmd = pipe.cmd("XADD").arg(stream).arg("*");
                for (f, v) in fields {
                    cmd.arg(f).arg(v);
                }
            },
            |(stream, _), replies| {
                replies
                    .next()
                    .expect("one reply")
                    .with_context(|| format!("XADD {}", printable(stream.as_bytes())))?;
                Ok(())
            },
        )
        .await?
        .into_iter()
        .collect()
    }

    /// Resets the idle time of entries this consumer is still working on (XCLAIM JUSTID,
    /// which leaves the delivery count alone), so no other consumer claims them meanwhile.
    pub async fn touch_pending(
        &mut self,
        stream: &str,
        group: &str,
        consumer: &str,
        ids: &[String],
    ) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut cmd = redis::cmd("XCLAIM");
        cmd.arg(stream)
            .arg(group)
            .arg(consumer)
            .arg(0)
            .arg(ids)
            .arg("JUSTID");
        let context = format!("XCLAIM {}", printable(stream.as_bytes()));
        let _: Value = self
            .send_one(
                cmd,
                Repeat::Safe(
                    "claiming an entry for its own consumer again only resets its idle time",
                ),
                &context,
            )
            .await?;
        Ok(())
    }

    /// Removes this consumer from the group if it holds no pending entry (a consumer's
    /// pending entries would be dropped with it). True when removed.
    pub async fn remove_consumer_if_done(
        &mut self,
        stream: &str,
        group: &str,
        consumer: &str,
    ) -> Result<bool> {
        let held = self
            .delivery_counts(stream, group, consumer, ("-", "+"), 1)
            .await?;
        if !held.is_empty() {
            return Ok(false);
        }
        let mut cmd = redis::cmd("XGROUP");
        cmd.arg("DELCONSUMER").arg(stream).arg(group).arg(consumer);
        let context = format!("XGROUP DELCONSUMER {}", printable(stream.as_bytes()));
        let _: Value = self
            .send_one(
                cmd,
                Repeat::Safe("removing a removed consumer is a no-op"),
                &context,
            )
            .await?;
        Ok(true)
    }

    /// The order gate for each event and dep (see `GATE_BODY`), one round trip. On a
    /// single node the script is loaded at the head of the pipeline and called by its
    /// digest.
    pub async fn gate_many(&mut self, gates: &[Gate<'_>]) -> Result<Vec<Result<GateOutcome>>> {
        let script = Script::new(gate_lua());
        let standalone = self.is_standalone();
        self.per_item_after(
            "checking event order",
            // A repeat finds its own event recorded and answers with the hash it recorded;
            // a repeated sweep finds the dep set it deleted gone.
            Repeat::Safe(
                "a repeat finds its own event recorded and answers with the hash it recorded",
            ),
            |pipe| {
                if standalone {
                    pipe.cmd("SCRIPT").arg("LOAD").arg(gate_lua());
                }
            },
            gates,
            |pipe, g| {
                let cmd = if standalone {
                    pipe.cmd("EVALSHA").arg(script.get_hash())
                } else {
                    pipe.cmd("EVAL").arg(gate_lua())
                };
                let (mode, expected) = match g.if_hash {
                    Some(h) => ("eq", h),
                    None => ("any", ""),
                };
                let sweep = g.sweep.as_ref().filter(|_| standalone);
                cmd.arg(if sweep.is_some() { 5 } else { 3 })
                    .arg(g.order_key)
                    .arg(g.hash_key)
                    .arg(g.time_key);
                if let Some(sw) = sweep {
                    cmd.arg(sw.set_key).arg(sw.registry_key);
                }
                cmd.arg(g.id.0)
                    .arg(g.id.1)
                    .arg(g.stream)
                    .arg(g.new_hash)
                    .arg(mode)
                    .arg(expected)
                    .arg(g.keep_ms.max(1))
                    .arg(sweep.map_or(0, |sw| sw.limit))
                    .arg(if sweep.is_some() { "1" } else { "0" });
            },
            |g, replies| {
                let reply = replies.next().expect("one reply").with_context(|| {
                    format!("checking the order of {}", printable(g.hash_key.as_bytes()))
                })?;
                parse_gate_reply(reply)
            },
        )
        .await
    }

    /// The consumer groups of a stream (XINFO GROUPS).
    pub async fn stream_groups(&mut self, stream: &str) -> Result<Vec<GroupInfo>> {
        let mut cmd = redis::cmd("XINFO");
        cmd.arg("GROUPS").arg(stream);
        let context = format!("XINFO GROUPS {}", printable(stream.as_bytes()));
        let rows: Vec<Value> = self.send_one(cmd, READ, &context).await?;
        rows.into_iter()
            .map(|row| {
                let f = fields_of(row)?;
                Ok(GroupInfo {
                    name: text_field(&f, "name"),
                    consumers: int_field(&f, "consumers").unwrap_or(0),
                    pending: int_field(&f, "pending").unwrap_or(0),
                    last_delivered_id: text_field(&f, "last-delivered-id"),
                    lag: int_field(&f, "lag"),
                })
            })
            .collect()
    }

    /// The consumers of a group (XINFO CONSUMERS).
    pub async fn group_consumers(
        &mut self,
        stream: &str,
        group: &str,
    ) -> Result<Vec<ConsumerInfo>> {
        let mut cmd = redis::cmd("XINFO");
        cmd.arg("CONSUMERS").arg(stream).arg(group);
        let context = format!("XINFO CONSUMERS {}", printable(stream.as_bytes()));
        let rows: Vec<Value> = self.send_one(cmd, READ, &context).await?;
        rows.into_iter()
            .map(|row| {
                let f = fields_of(row)?;
                Ok(ConsumerInfo {
                    name: text_field(&f, "name"),
                    pending: int_field(&f, "pending").unwrap_or(0),
                    idle_ms: int_field(&f, "idle").unwrap_or(0),
                })
            })
            .collect()
    }

    /// XLEN of a stream (0 when it does not exist).
    pub async fn stream_len(&mut self, stream: &str) -> Result<u64> {
        let mut cmd = redis::cmd("XLEN");
        cmd.arg(stream);
        let context = format!("XLEN {}", printable(stream.as_bytes()));
        self.send_one(cmd, READ, &context).await
    }
}

fn names(streams: &[String]) -> String {
    streams
        .iter()
        .map(|s| printable(s.as_bytes()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn busy_group(e: &anyhow::Error) -> bool {
    e.chain()
        .filter_map(|c| c.downcast_ref::<redis::RedisError>())
        .any(|r| r.code() == Some("BUSYGROUP") || r.to_string().contains("BUSYGROUP"))
}

fn parse_gate_reply(reply: Value) -> Result<GateOutcome> {
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
fn parse_read_reply(reply: Value) -> Result<Vec<RawEntry>> {
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
fn entries_of(stream: &str, entries: Value) -> Result<Vec<RawEntry>> {
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
fn fields_of(row: Value) -> Result<HashMap<String, Value>> {
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

fn text_field(f: &HashMap<String, Value>, name: &str) -> String {
    f.get(name)
        .cloned()
        .and_then(|v| redis::from_redis_value::<Vec<u8>>(v).ok())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

fn int_field(f: &HashMap<String, Value>, name: &str) -> Option<u64> {
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
