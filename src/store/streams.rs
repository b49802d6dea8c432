//! Redis Streams for `cachecore consume`: consumer groups, reading, claiming, acking,
//! the dead-letter stream, the status listing, and the order gate that makes the newest
//! event's hash the one recorded last.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::{Context, Result};
use redis::Value;

use super::stream_replies::{
    Fields, GateOutcome, RawEntry, entries_of, fields_of, int_field, parse_gate_reply,
    parse_read_reply, text_field,
};
use super::{READ, Repeat, Store};
use crate::output::printable;

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
    /// How far (ms) an entry id may be ahead of the server's clock and still be applied.
    pub max_skew_ms: u64,
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

// The order gate: see `scripts/gate.lua`.

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

    /// The order gate for each event and dep (see `scripts/gate.lua`), one round trip.
    pub async fn gate_many(&mut self, gates: &[Gate<'_>]) -> Result<Vec<Result<GateOutcome>>> {
        let standalone = self.is_standalone();
        self.per_item(
            "checking event order",
            // A repeat finds its own event recorded and answers with the hash it recorded;
            // a repeated sweep finds the dep set it deleted gone.
            Repeat::Safe(
                "a repeat finds its own event recorded and answers with the hash it recorded",
            ),
            gates,
            |pipe, g| {
                let (mode, expected) = match g.if_hash {
                    Some(h) => ("eq", h),
                    None => ("any", ""),
                };
                let sweep = g.sweep.as_ref().filter(|_| standalone);
                let cmd = super::scripts::GATE.call(pipe, if sweep.is_some() { 5 } else { 3 });
                cmd.arg(g.order_key).arg(g.hash_key).arg(g.time_key);
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
                    .arg(if sweep.is_some() { "1" } else { "0" })
                    .arg(g.max_skew_ms);
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
