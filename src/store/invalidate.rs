//! The invalidation protocol's steps (see `crate::engine::invalidation`), each one pipeline for a
//! whole wave of deps: preflight, the hash compare-and-set, the single-step fast path, the
//! detach, and the deletes.

use anyhow::{Context, Result};

use super::{READ, Repeat, Store, scripts, wrong_type};
use crate::bookkeeping::{is_pending_key_of, pending_prefix};
use crate::printable::printable;

/// How a compare-and-set of a dep's hash is conditioned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HashCondition {
    Any,
    Equals(String),
    Absent,
}

impl HashCondition {
    /// The (mode, expected) arguments the hash-writing scripts take.
    fn script_args(&self) -> (&'static str, &str) {
        match self {
            HashCondition::Any => ("any", ""),
            HashCondition::Equals(h) => ("eq", h.as_str()),
            HashCondition::Absent => ("absent", ""),
        }
    }
}

/// The outcome of one write of [`Store::set_hash_many`]: whether it was written and the
/// value before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashSwap {
    pub written: bool,
    pub previous: Option<String>,
}

/// The keys one dep's invalidation touches (see [`crate::bookkeeping`]).
#[derive(Debug, Clone)]
pub struct DepKeys {
    pub dep: crate::layout::DepId,
    pub set: String,
    pub hash: String,
    pub hash_time: String,
    pub registry: String,
    /// This run's name for the detached set.
    pub pending: String,
}

/// One conditional hash write.
#[derive(Debug, Clone)]
pub struct HashWrite<'a> {
    pub hash_key: &'a str,
    pub time_key: &'a str,
    pub condition: &'a HashCondition,
    pub new: &'a str,
}

/// The last batch of a pending set, deleted together with the set.
#[derive(Debug, Clone)]
pub struct FinalBatch {
    pub pending: String,
    pub registry: String,
    pub l1: Vec<Vec<u8>>,
    pub l2: Vec<Vec<u8>>,
}

/// A dep set just detached: every pending key of the dep (this run's and unfinished
/// ones) with its size, and the registry members that were not followed.
#[derive(Debug, Clone)]
pub struct Detached {
    pub pending: Vec<(String, u64)>,
    pub foreign_runs: u64,
}

/// What an invalidation reads before it changes anything, in one round trip.
#[derive(Debug, Clone)]
pub struct Preflight {
    pub current_hash: Option<String>,
    /// Members of the dep set.
    pub members: u64,
    /// Pending keys of unfinished earlier runs, with their sizes.
    pub leftovers: Vec<(String, u64)>,
    /// Registry members that are not pending keys of this dep: planted, never followed.
    pub foreign_runs: u64,
}

/// What the fast path did for one dep (see `scripts/sweep_small.lua`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sweep {
    pub previous: Option<String>,
    pub members: u64,
    pub l1_deleted: u64,
    pub l2_deleted: u64,
    pub skipped_not_entries: u64,
}

/// One dep for the fast path.
#[derive(Debug, Clone)]
pub struct SweepRequest<'a> {
    pub keys: &'a DepKeys,
    pub condition: &'a HashCondition,
    pub new: &'a str,
    pub limit: u64,
}

impl Store {
    /// UNLINKs a batch of L1 keys and a batch of L2 keys in one round trip, returning how
    /// many of each existed.
    pub async fn unlink_tiers(&mut self, l1: &[Vec<u8>], l2: &[Vec<u8>]) -> Result<(u64, u64)> {
        if let Some(counts) = self.unlink_by_node(l1, l2).await? {
            return Ok(counts);
        }
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        for keys in [l1, l2] {
            if !keys.is_empty() {
                pipe.cmd("UNLINK").arg(keys);
            }
        }
        if pipe.is_empty() {
            return Ok((0, 0));
        }
        let context = || format!("UNLINK of {} entries", l1.len() + l2.len());
        let counts = self
            .send(
                &pipe,
                Repeat::Safe("UNLINK of keys already gone is a no-op; a lost first reply only loses its counts"),
            )
            .await
            .with_context(context)?
            .into_iter()
            .map(|r| Ok(redis::from_redis_value::<u64>(r.with_context(context)?)?))
            .collect::<Result<Vec<u64>>>()?;
        let mut counts = counts.into_iter();
        let d1 = if l1.is_empty() {
            0
        } else {
            counts.next().unwrap_or(0)
        };
        let d2 = if l2.is_empty() {
            0
        } else {
            counts.next().unwrap_or(0)
        };
        Ok((d1, d2))
    }

    /// On a cluster: each tier's keys grouped by the node serving them, one script call
    /// per group (a few round trips where one command per key would be a thousand).
    /// `None` on a single node (or a slot the map does not know). A group whose call
    /// failed because a slot moved deleted nothing (see `unlink_local.lua`): the slot map
    /// is read again and that group is deleted key by key, so the counts stay exact.
    async fn unlink_by_node(
        &mut self,
        l1: &[Vec<u8>],
        l2: &[Vec<u8>],
    ) -> Result<Option<(u64, u64)>> {
        let Some(slots) = self.slot_map() else {
            return Ok(None);
        };
        let mut groups: Vec<(usize, Vec<&[u8]>)> = Vec::new();
        for (tier, keys) in [l1, l2].into_iter().enumerate() {
            let mut by_node: std::collections::BTreeMap<usize, Vec<&[u8]>> = Default::default();
            for key in keys {
                let Some(node) = slots.node(crate::slot::key_slot(key)) else {
                    return Ok(None);
                };
                by_node.entry(node).or_default().push(key);
            }
            groups.extend(by_node.into_values().map(|g| (tier, g)));
        }
        if groups.is_empty() {
            return Ok(Some((0, 0)));
        }
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        for (_, keys) in &groups {
            let call = scripts::UNLINK_LOCAL.call(&mut pipe, 1);
            for key in keys {
                call.arg(*key);
            }
        }
        let replies = self
            .send(
                &pipe,
                Repeat::Safe("UNLINK of keys already gone is a no-op; a lost first reply only loses its counts"),
            )
            .await
            .with_context(|| format!("UNLINK of {} entries", l1.len() + l2.len()))?;
        let mut counts = [0u64; 2];
        let mut failed: Vec<&(usize, Vec<&[u8]>)> = Vec::new();
        for (group, reply) in groups.iter().zip(replies) {
            match reply.map(redis::from_redis_value::<u64>) {
                Ok(Ok(n)) => counts[group.0] += n,
                // A slot moved (or is moving): that call deleted nothing.
                _ => failed.push(group),
            }
        }
        if !failed.is_empty() {
            self.refresh_slots().await;
            // Key by key: each single-key command is routed (and redirected) on its own.
            let mut pipe = redis::pipe();
            pipe.ignore_errors();
            for (_, keys) in &failed {
                pipe.cmd("UNLINK").arg(keys.as_slice());
            }
            let context = || format!("UNLINK of {} entries", l1.len() + l2.len());
            let replies = self
                .send(
                    &pipe,
                    Repeat::Safe("UNLINK of keys already gone is a no-op; a lost first reply only loses its counts"),
                )
                .await
                .with_context(context)?;
            for ((tier, _), reply) in failed.iter().zip(replies) {
                counts[*tier] += redis::from_redis_value::<u64>(reply.with_context(context)?)?;
            }
        }
        Ok(Some((counts[0], counts[1])))
    }

    /// Checks key types and reads the current hash, the dep set's size and unfinished runs
    /// of every dep, in one round trip (two when there are unfinished runs). A dep with a
    /// key of the wrong type gets an error, changing nothing.
    pub async fn preflight_many(&mut self, deps: &[DepKeys]) -> Result<Vec<Result<Preflight>>> {
        let mut pre = self
            .per_item(
                "preflight",
                READ,
                deps,
                |pipe, d| {
                    pipe.cmd("TYPE")
                        .arg(&d.set)
                        .cmd("TYPE")
                        .arg(&d.hash)
                        .cmd("TYPE")
                        .arg(&d.registry);
                    pipe.cmd("GET")
                        .arg(&d.hash)
                        .cmd("SCARD")
                        .arg(&d.set)
                        .cmd("SMEMBERS")
                        .arg(&d.registry);
                },
                |d, replies| {
                    let mut next = || replies.next().expect("one reply per command");
                    for (key, want) in [(&d.set, "set"), (&d.hash, "string"), (&d.registry, "set")]
                    {
                        let found: String = redis::from_redis_value(next()?)?;
                        if found != "none" && found != want {
                            return Err(wrong_type(key.as_bytes(), &found, want));
                        }
                    }
                    let current: Option<Vec<u8>> = redis::from_redis_value(next()?)?;
                    let members: u64 = redis::from_redis_value(next()?)?;
                    let registry: Vec<Vec<u8>> = redis::from_redis_value(next()?)?;
                    let (ours, planted): (Vec<_>, Vec<_>) = registry
                        .into_iter()
                        .partition(|k| is_pending_key_of(&d.dep, k));
                    Ok(Preflight {
                        current_hash: current.map(|b| String::from_utf8_lossy(&b).into_owned()),
                        members,
                        leftovers: ours
                            .into_iter()
                            .map(|k| (String::from_utf8_lossy(&k).into_owned(), 0))
                            .collect(),
                        foreign_runs: planted.len() as u64,
                    })
                },
            )
            .await?;
        // Unfinished runs are rare: only then a second round trip for their sizes.
        let leftovers: Vec<String> = pre
            .iter()
            .filter_map(|p| p.as_ref().ok())
            .flat_map(|p| p.leftovers.iter().map(|(k, _)| k.clone()))
            .collect();
        let mut sizes = self.scards(&leftovers).await?.into_iter();
        for p in pre.iter_mut().filter_map(|p| p.as_mut().ok()) {
            for (_, size) in &mut p.leftovers {
                *size = sizes.next().unwrap_or(0);
            }
        }
        Ok(pre)
    }

    /// Writes each dep's new hash if its condition holds, atomically per dep; the hash-time
    /// key receives the server time of the write (see [`crate::bookkeeping`]).
    pub async fn set_hash_many(
        &mut self,
        writes: &[HashWrite<'_>],
    ) -> Result<Vec<Result<HashSwap>>> {
        self.per_item(
            "recording hashes",
            // A compare-and-set that ran once would refuse its own retry.
            Repeat::Never,
            writes,
            |pipe, w| {
                let (mode, expected) = w.condition.script_args();
                scripts::SET_HASH
                    .call(pipe, 2)
                    .arg(w.hash_key)
                    .arg(w.time_key)
                    .arg(mode)
                    .arg(expected)
                    .arg(w.new);
            },
            |w, replies| {
                let reply = replies
                    .next()
                    .expect("one reply")
                    .with_context(|| format!("setting {}", printable(w.hash_key.as_bytes())))?;
                let (written, previous): (i64, Option<String>) = redis::from_redis_value(reply)?;
                Ok(HashSwap {
                    written: written == 1,
                    previous,
                })
            },
        )
        .await
    }

    /// The fast path for each dep (see `scripts/sweep_small.lua`), one round trip: `Some`
    /// when the dep was invalidated, `None` when it needs the stepwise path (nothing
    /// changed).
    pub async fn sweep_small_many(
        &mut self,
        reqs: &[SweepRequest<'_>],
    ) -> Result<Vec<Result<Option<Sweep>>>> {
        self.per_item(
            "invalidating small dep sets",
            // A single-step script that ran once would record a second write time.
            Repeat::Never,
            reqs,
            |pipe, r| {
                let (mode, expected) = r.condition.script_args();
                scripts::SWEEP_SMALL
                    .call(pipe, 4)
                    .arg(&r.keys.hash)
                    .arg(&r.keys.hash_time)
                    .arg(&r.keys.set)
                    .arg(&r.keys.registry)
                    .arg(mode)
                    .arg(expected)
                    .arg(r.new)
                    .arg(r.limit);
            },
            |r, replies| {
                let reply = replies.next().expect("one reply").with_context(|| {
                    format!("invalidating {}", printable(r.keys.set.as_bytes()))
                })?;
                let done: Option<(Option<String>, u64, u64, u64, u64)> =
                    redis::from_redis_value(reply)?;
                Ok(done.map(|(previous, members, l1, l2, skipped)| Sweep {
                    previous,
                    members,
                    l1_deleted: l1,
                    l2_deleted: l2,
                    skipped_not_entries: skipped,
                }))
            },
        )
        .await
    }

    /// Detaches each dep set (see `scripts/detach.lua`) and returns, per dep, every pending key with
    /// its size: this run's and any left by interrupted runs.
    pub async fn detach_many(&mut self, deps: &[DepKeys]) -> Result<Vec<Result<Detached>>> {
        self.per_item(
            "detaching dep sets",
            // Not safe: if the first RENAME ran and a writer has since started a new dep
            // set, a repeat would RENAME that set over this run's pending set, and the
            // pending members would be lost untracked.
            Repeat::Never,
            deps,
            |pipe, d| {
                scripts::DETACH
                    .call(pipe, 3)
                    .arg(&d.set)
                    .arg(&d.pending)
                    .arg(&d.registry)
                    .arg(pending_prefix(&d.dep))
                    .arg(format!(":{}", d.dep));
            },
            |d, replies| {
                let reply = replies
                    .next()
                    .expect("one reply")
                    .with_context(|| format!("detaching {}", printable(d.set.as_bytes())))?;
                let (pending, foreign): (Vec<(String, u64)>, u64) = redis::from_redis_value(reply)?;
                // The script's check, once more on this side of the wire.
                let (pending, planted): (Vec<_>, Vec<_>) = pending
                    .into_iter()
                    .partition(|(k, _)| is_pending_key_of(&d.dep, k.as_bytes()));
                Ok(Detached {
                    pending,
                    foreign_runs: foreign + planted.len() as u64,
                })
            },
        )
        .await
    }

    /// All members of each of several small sets, one round trip.
    pub async fn smembers_many(&mut self, sets: &[String]) -> Result<Vec<Result<Vec<Vec<u8>>>>> {
        self.per_item(
            "reading pending sets",
            READ,
            sets,
            |pipe, set| {
                pipe.cmd("SMEMBERS").arg(set);
            },
            |set, replies| {
                let reply = replies
                    .next()
                    .expect("one reply")
                    .with_context(|| format!("SMEMBERS {}", printable(set.as_bytes())))?;
                Ok(redis::from_redis_value(reply)?)
            },
        )
        .await
    }

    /// For each fully read pending set: UNLINK its L1 and L2 keys, then the set itself and
    /// its registry entry, all in one round trip. In that order: a crash in between leaves
    /// a registry entry for a missing key, which the next run skips.
    pub async fn finish_many(&mut self, sets: &[FinalBatch]) -> Result<Vec<Result<(u64, u64)>>> {
        self.per_item(
            "deleting entries",
            Repeat::Safe("UNLINK and SREM of what is already gone are no-ops; only the counts of the lost first reply are missing"),
            sets,
            |pipe, f| {
                for keys in [&f.l1, &f.l2] {
                    if !keys.is_empty() {
                        pipe.cmd("UNLINK").arg(keys.as_slice());
                    }
                }
                pipe.cmd("UNLINK").arg(&f.pending);
                pipe.cmd("SREM").arg(&f.registry).arg(&f.pending);
            },
            |f, replies| {
                let mut count = |keys: &Vec<Vec<u8>>| -> Result<u64> {
                    if keys.is_empty() {
                        return Ok(0);
                    }
                    let reply = replies
                        .next()
                        .expect("one reply")
                        .with_context(|| format!("UNLINK of {} entries", keys.len()))?;
                    Ok(redis::from_redis_value(reply)?)
                };
                let (d1, d2) = (count(&f.l1)?, count(&f.l2)?);
                for done in replies {
                    done.with_context(|| format!("dropping {}", printable(f.pending.as_bytes())))?;
                }
                Ok((d1, d2))
            },
        )
        .await
    }
}
