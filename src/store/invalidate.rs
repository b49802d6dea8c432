//! The invalidation protocol's steps (see `crate::engine::invalidation`), each one pipeline for a
//! whole wave of deps: preflight, the hash compare-and-set, the single-step fast path, the
//! detach, and the deletes.

use anyhow::{Context, Result};

use super::{READ, Repeat, Store, Sweep, scripts, wrong_type};
use crate::bookkeeping::{hash_time_key, is_pending_key_of, pending_prefix, registry_key};
use crate::layout::DepId;
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
    pub dep: DepId,
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

/// One dep for the fast path.
#[derive(Debug, Clone)]
pub struct SweepRequest<'a> {
    pub dep: &'a DepId,
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

/// What a checked delete of a batch did (see `scripts/unlink_entries.lua`): members
/// named as entries that were not one are kept and counted, never deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Unlinked {
    pub l1: u64,
    pub l2: u64,
    pub not_entries: u64,
}

impl Unlinked {
    fn add(&mut self, (l1, l2, not_entries): (u64, u64, u64)) {
        self.l1 += l1;
        self.l2 += l2;
        self.not_entries += not_entries;
    }
}

/// A checked delete's reply: L1 and L2 deleted, kept, the refused places (1-based) and
/// the first refusal's error.
type UnlinkReply = (u64, u64, u64, Vec<usize>, String);

const UNLINK_REPEAT: Repeat = Repeat::Safe(
    "a repeat finds the entries it deleted gone and keeps what it kept; a lost first reply only loses its counts",
);

/// Appends a checked delete of `l1` then `l2` to `pipe`, the first key declared when
/// `route` (it routes the call to its node on a cluster), the others as arguments.
fn call_unlink_entries(pipe: &mut redis::Pipeline, l1: &[&[u8]], l2: &[&[u8]], route: bool) {
    let mut keys = l1.iter().chain(l2).copied();
    let declared = if route { keys.next() } else { None };
    let call = scripts::UNLINK_ENTRIES.call(pipe, usize::from(declared.is_some()));
    if let Some(first) = declared {
        call.arg(first);
    }
    call.arg(l1.len());
    for key in keys {
        call.arg(key);
    }
}

/// The counts of a checked delete whose keys the server all took: a key it refused (not
/// served here, or a permission missing) was neither deleted nor checked, so the batch
/// failed, whatever the counts say (they would report it as gone).
fn all_done((l1, l2, not_entries, refused, why): UnlinkReply, what: &str) -> Result<Unlinked> {
    if !refused.is_empty() {
        return Err(crate::error::redis_failure(format!(
            "{what}: the server refused {} of the keys: {why}",
            refused.len()
        )));
    }
    Ok(Unlinked {
        l1,
        l2,
        not_entries,
    })
}

fn as_slices(keys: &[Vec<u8>]) -> Vec<&[u8]> {
    keys.iter().map(Vec::as_slice).collect()
}

impl Store {
    /// Deletes a batch of L1 keys and a batch of L2 keys in one round trip, each only if it
    /// is an entry (checked in the same script step as its delete); returns how many of
    /// each were deleted and how many were kept as not entries (the rest were gone).
    pub async fn unlink_entries(&mut self, l1: &[Vec<u8>], l2: &[Vec<u8>]) -> Result<Unlinked> {
        if l1.is_empty() && l2.is_empty() {
            return Ok(Unlinked::default());
        }
        if let Some(counts) = self.unlink_by_node(l1, l2).await? {
            return Ok(counts);
        }
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        let (l1, l2) = (as_slices(l1), as_slices(l2));
        call_unlink_entries(&mut pipe, &l1, &l2, false);
        let context = || format!("deleting {} entries", l1.len() + l2.len());
        let reply = self
            .send(&pipe, UNLINK_REPEAT)
            .await
            .with_context(context)?
            .pop()
            .expect("one reply")
            .with_context(context)?;
        all_done(redis::from_redis_value(reply)?, &context())
    }

    /// On a cluster: the batch's keys grouped by the node serving them, one checked delete
    /// per node (a few round trips where one command per key would be a thousand).
    /// `None` on a single node (or a slot the map does not know). Keys a node refused
    /// because their slot moved (see `unlink_entries.lua`), and every key of a call that
    /// failed as a whole (it did not run, or a permission stopped it, which the routed
    /// calls then report), are deleted one routed call each after the slot map is read
    /// again, so each key is counted once and the counts stay exact.
    async fn unlink_by_node(&mut self, l1: &[Vec<u8>], l2: &[Vec<u8>]) -> Result<Option<Unlinked>> {
        let Some(slots) = self.slot_map() else {
            return Ok(None);
        };
        // Per node, its L1 keys then its L2 keys.
        let mut by_node: std::collections::BTreeMap<usize, [Vec<&[u8]>; 2]> = Default::default();
        for (tier, keys) in [l1, l2].into_iter().enumerate() {
            for key in keys {
                let Some(node) = slots.node(crate::slot::key_slot(key)) else {
                    return Ok(None);
                };
                by_node.entry(node).or_default()[tier].push(key);
            }
        }
        let groups: Vec<[Vec<&[u8]>; 2]> = by_node.into_values().collect();
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        for [g1, g2] in &groups {
            call_unlink_entries(&mut pipe, g1, g2, true);
        }
        let context = || format!("deleting {} entries", l1.len() + l2.len());
        let replies = self
            .send(&pipe, UNLINK_REPEAT)
            .await
            .with_context(context)?;
        let mut counts = Unlinked::default();
        // (is L1, key) of every key to delete through the routed path.
        let mut retry: Vec<(bool, &[u8])> = Vec::new();
        for ([g1, g2], reply) in groups.iter().zip(replies) {
            let place = |p: usize| -> Option<(bool, &[u8])> {
                let i = p.checked_sub(1)?;
                g1.get(i)
                    .map(|k| (true, *k))
                    .or_else(|| g2.get(i - g1.len()).map(|k| (false, *k)))
            };
            match reply.map(redis::from_redis_value::<UnlinkReply>) {
                Ok(Ok((d1, d2, kept, refused, _))) => {
                    counts.add((d1, d2, kept));
                    retry.extend(refused.into_iter().filter_map(place));
                }
                _ => retry.extend(
                    g1.iter()
                        .map(|k| (true, *k))
                        .chain(g2.iter().map(|k| (false, *k))),
                ),
            }
        }
        if !retry.is_empty() {
            self.refresh_slots().await;
            let mut pipe = redis::pipe();
            pipe.ignore_errors();
            for (is_l1, key) in &retry {
                let (g1, g2): (&[&[u8]], &[&[u8]]) = if *is_l1 {
                    (&[*key], &[])
                } else {
                    (&[], &[*key])
                };
                call_unlink_entries(&mut pipe, g1, g2, true);
            }
            let replies = self
                .send(&pipe, UNLINK_REPEAT)
                .await
                .with_context(context)?;
            for ((_, key), reply) in retry.iter().zip(replies) {
                let reply = redis::from_redis_value(reply.with_context(context)?)?;
                let done = all_done(reply, &format!("deleting {}", printable(key)))?;
                counts.add((done.l1, done.l2, done.not_entries));
            }
        }
        Ok(Some(counts))
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

    /// The fast path for a wave of deps (`scripts/sweep_wave.lua`): one call a wave, more
    /// when its deletions pass [`SWEEP_BUDGET`] members; sets over `limit` are declined.
    /// Per dep, `Some` when invalidated, `None` when it needs the stepwise path (nothing
    /// changed). A call that failed fails each dep it was sent: the script may have done
    /// some, so they are reported failed (a rerun finishes them), never done or untouched.
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
            // Four runs of keys, one key per dep each (see the script).
            let runs: [fn(&DepId) -> String; 4] = [
                DepId::hash_key,
                hash_time_key,
                DepId::keys_key,
                registry_key,
            ];
            for key in runs {
                for r in rest {
                    call.arg(key(r.dep));
                }
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
                // Two values per dep reached (see the script), -1 when declined; anything
                // else is a failure that may be partly done, for every dep sent.
                Ok(v) => redis::from_redis_value::<Vec<(Option<String>, i64)>>(v)
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
                    .map(|(previous, packed)| Ok(Sweep::unpacked(previous, packed))),
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

    /// For each fully read pending set: delete its L1 and L2 keys that are entries (see
    /// [`Store::unlink_entries`]), then, once they are gone, the set itself and its
    /// registry entry. In that order: a crash in between leaves a registry entry for a
    /// missing key, which the next run skips. So the cleanup is a round trip of its own:
    /// sent with the deletes, it would run first whenever a delete has to be sent again
    /// because the server did not hold its script yet (NOSCRIPT, see `scripts`).
    pub async fn finish_many(&mut self, sets: &[FinalBatch]) -> Result<Vec<Result<Unlinked>>> {
        // One call per set, all at once: they share the connection, so they are pipelined.
        let deleted = futures_util::future::join_all(sets.iter().map(|f| {
            let mut store = self.clone();
            async move { store.unlink_entries(&f.l1, &f.l2).await }
        }))
        .await;
        let emptied: Vec<&FinalBatch> = sets
            .iter()
            .zip(&deleted)
            .filter_map(|(f, d)| d.is_ok().then_some(f))
            .collect();
        let mut cleaned = self
            .per_item(
                "dropping pending sets",
                Repeat::Safe("UNLINK and SREM of what is already gone are no-ops"),
                &emptied,
                |pipe, f| {
                    pipe.cmd("UNLINK").arg(&f.pending);
                    pipe.cmd("SREM").arg(&f.registry).arg(&f.pending);
                },
                |f, replies| {
                    for done in replies {
                        done.with_context(|| {
                            format!("dropping {}", printable(f.pending.as_bytes()))
                        })?;
                    }
                    Ok(())
                },
            )
            .await?
            .into_iter();
        Ok(deleted
            .into_iter()
            .map(|d| {
                let counts = d?;
                cleaned.next().expect("one cleanup per emptied set")?;
                Ok(counts)
            })
            .collect())
    }
}
