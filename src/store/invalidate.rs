//! The invalidation protocol's steps (see `crate::engine::invalidation`), each one pipeline for a
//! whole wave of deps: preflight, the hash compare-and-set, the single-step fast path, the
//! detach, and the deletes.

use anyhow::{Context, Result};

use super::{READ, Repeat, Store, scripts, wrong_type};
use crate::bookkeeping::{hash_time_key, is_pending_key_of, pending_prefix, registry_key};
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

    /// The one-argument form the fast-path script takes: '' any, '!' absent, '=' and
    /// the expected hash.
    fn sweep_arg(&self) -> String {
        match self {
            HashCondition::Any => String::new(),
            HashCondition::Equals(h) => format!("={h}"),
            HashCondition::Absent => "!".to_owned(),
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

/// What the fast path did for one dep (see `scripts/sweep_wave.lua`).
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
    pub dep: &'a crate::layout::DepId,
    pub condition: &'a HashCondition,
    pub new: &'a str,
}

fn partly_done(r: &SweepRequest<'_>, e: anyhow::Error) -> anyhow::Error {
    e.context(format!(
        "invalidating {} failed and may be partly done",
        printable(r.dep.as_str().as_bytes())
    ))
}

/// Members one fast-path call may delete before it stops and leaves its remaining deps
/// to the next call: bounds how long Redis is held (about a batch of UNLINKs).
pub const SWEEP_BUDGET: u64 = 1024;

/// Deps one fast-path call takes at most, whatever `--wave` is: a few microseconds each,
/// so a call holds Redis for about a millisecond even when their sets are empty.
pub const SWEEP_MAX_DEPS: usize = 250;

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
    /// `None` on a single node (or a slot the map does not know). Keys a node refused
    /// because their slot moved (see `unlink_local.lua`), and every key of a call that
    /// failed as a whole (it did not run), are deleted one routed UNLINK each after the
    /// slot map is read again, so each key is counted once and the counts stay exact.
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
            // The first key is declared (it routes the call), the rest are arguments.
            let call = scripts::UNLINK_LOCAL.call(&mut pipe, 1);
            for key in keys {
                call.arg(*key);
            }
        }
        let context = || format!("UNLINK of {} entries", l1.len() + l2.len());
        let replies = self
            .send(
                &pipe,
                Repeat::Safe("UNLINK of keys already gone is a no-op; a lost first reply only loses its counts"),
            )
            .await
            .with_context(context)?;
        let mut counts = [0u64; 2];
        let mut retry: Vec<(usize, &[u8])> = Vec::new();
        for ((tier, keys), reply) in groups.iter().zip(replies) {
            match reply.map(redis::from_redis_value::<(u64, Vec<usize>)>) {
                Ok(Ok((n, refused))) => {
                    counts[*tier] += n;
                    // ARGV index i is keys[i]: keys[0] went as KEYS[1].
                    retry.extend(
                        refused
                            .iter()
                            .filter_map(|&i| keys.get(i))
                            .map(|k| (*tier, *k)),
                    );
                }
                _ => retry.extend(keys.iter().map(|k| (*tier, *k))),
            }
        }
        if !retry.is_empty() {
            self.refresh_slots().await;
            let mut pipe = redis::pipe();
            pipe.ignore_errors();
            for (_, key) in &retry {
                pipe.cmd("UNLINK").arg(*key);
            }
            let replies = self
                .send(
                    &pipe,
                    Repeat::Safe("UNLINK of keys already gone is a no-op; a lost first reply only loses its counts"),
                )
                .await
                .with_context(context)?;
            for ((tier, _), reply) in retry.iter().zip(replies) {
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

    /// The fast path for a wave of deps (see `scripts/sweep_wave.lua`): one script call
    /// for the whole wave, more only when its deletions pass [`SWEEP_BUDGET`] members.
    /// Deps whose sets have more than `limit` members are declined.
    /// Per dep, `Some` when it was invalidated, `None` when it needs the stepwise path
    /// (nothing changed). A call that failed as a whole fails each dep it was sent: the
    /// script may have done some of them, so they are reported failed (a rerun finishes
    /// them), never as done or as untouched.
    pub async fn sweep_wave(
        &mut self,
        reqs: &[SweepRequest<'_>],
        limit: u64,
    ) -> Result<Vec<Result<Option<Sweep>>>> {
        let mut out: Vec<Result<Option<Sweep>>> = Vec::with_capacity(reqs.len());
        while out.len() < reqs.len() {
            let rest = &reqs[out.len()..];
            let rest = &rest[..rest.len().min(SWEEP_MAX_DEPS)];
            let mut call = scripts::SWEEP_WAVE.cmd(rest.len() * 4);
            for r in rest {
                call.arg(r.dep.hash_key())
                    .arg(hash_time_key(r.dep))
                    .arg(r.dep.keys_key())
                    .arg(registry_key(r.dep));
            }
            call.arg(SWEEP_BUDGET).arg(limit);
            for r in rest {
                call.arg(r.condition.sweep_arg()).arg(r.new);
            }
            let mut pipe = redis::pipe();
            pipe.ignore_errors().add_command(call);
            let what = || format!("invalidating small dep sets ({} at once)", rest.len());
            let reply = self
                // A call that ran once would record a second write time, and a
                // compare-and-set would refuse its own repeat.
                .send(&pipe, Repeat::Never)
                .await
                .with_context(what)?
                .pop()
                .expect("one reply");
            let done = match reply {
                // Five values per dep reached (see the script), members -1 when declined.
                // The script ran: a reply that does not read as that is reported as a
                // failure that may be partly done, for every dep of the call.
                Ok(v) => redis::from_redis_value::<Vec<(Option<String>, i64, u64, u64, u64)>>(v)
                    .map_err(|e| e.to_string())
                    .and_then(|done| match done.len() {
                        n if n > 0 && n <= rest.len() => Ok(done),
                        n => Err(format!("{n} replies for {} deps", rest.len())),
                    }),
                Err(e) => {
                    // A refusal before the script ran (no permission, a moved slot)
                    // changed nothing; an error while it ran may follow some deps'
                    // writes (Redis does not roll a script back).
                    let ran = e.to_string().contains("user_script");
                    out.extend(rest.iter().map(|r| {
                        let e = anyhow::Error::from(e.clone());
                        Err(if ran {
                            partly_done(r, e)
                        } else {
                            e.context(format!(
                                "invalidating {}",
                                printable(r.dep.as_str().as_bytes())
                            ))
                        })
                    }));
                    break;
                }
            };
            let done = match done {
                Ok(done) => done,
                Err(text) => {
                    out.extend(
                        rest.iter()
                            .map(|r| Err(partly_done(r, anyhow::anyhow!(text.clone())))),
                    );
                    break;
                }
            };
            out.extend(
                done.into_iter()
                    .map(|(previous, members, l1, l2, skipped)| {
                        Ok(u64::try_from(members).ok().map(|members| Sweep {
                            previous,
                            members,
                            l1_deleted: l1,
                            l2_deleted: l2,
                            skipped_not_entries: skipped,
                        }))
                    }),
            );
        }
        Ok(out)
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
    /// a registry entry for a missing key, which the next run skips. On a cluster the
    /// entries go first, grouped by node (see `unlink_by_node`; a multi-key UNLINK there
    /// would be one request per key), and the cleanup of the sets whose entries are gone
    /// follows in a second round trip.
    pub async fn finish_many(&mut self, sets: &[FinalBatch]) -> Result<Vec<Result<(u64, u64)>>> {
        if self.slot_map().is_some() {
            let deleted = futures_util::future::join_all(sets.iter().map(|f| {
                let mut store = self.clone();
                async move { store.unlink_tiers(&f.l1, &f.l2).await }
            }))
            .await;
            let emptied: Vec<FinalBatch> = sets
                .iter()
                .zip(&deleted)
                .filter(|(_, d)| d.is_ok())
                .map(|(f, _)| FinalBatch {
                    pending: f.pending.clone(),
                    registry: f.registry.clone(),
                    l1: Vec::new(),
                    l2: Vec::new(),
                })
                .collect();
            let mut cleaned = self.finish_sets(&emptied).await?.into_iter();
            return Ok(deleted
                .into_iter()
                .map(|d| {
                    let counts = d?;
                    cleaned.next().expect("one cleanup per emptied set")?;
                    Ok(counts)
                })
                .collect());
        }
        self.finish_sets(sets).await
    }

    /// [`Store::finish_many`] in one round trip.
    async fn finish_sets(&mut self, sets: &[FinalBatch]) -> Result<Vec<Result<(u64, u64)>>> {
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
