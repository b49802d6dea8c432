//! The invalidation engine: record the new hash, then delete every tagged entry by
//! streaming the dep set in bounded batches.
//!
//! Order and mechanism, and why:
//! 1. Read-only checks first (key types, `--if-hash`, `--max-keys`): a refusal changes
//!    nothing.
//! 2. Compare-and-set the dep's hash. From this instant every entry built from the old
//!    version is stale by the freshness rule, deleted or not.
//! 3. Atomically RENAME the dep set to a run-unique pending key (O(1)) and record that key
//!    in a small per-dep registry. Writers that tag entries afterwards create a fresh dep
//!    set, so every entry that exists after the run is still tracked, without an SREM per
//!    member (which would cost the server a third more CPU).
//! 4. Delete. A small pending set (up to 256 members) is read whole and its entries go in
//!    one more round trip. A larger one is streamed: SSCAN runs ahead while up to
//!    `--pipeline` delete batches are in flight, so Redis always has the next batch
//!    queued; every command touches at most one batch. Nothing else writes a pending set,
//!    so the scan returns every member. A member is deleted only if it is an entry: its
//!    name is checked here, and what it holds (a HASH with a `deps` field) by the script
//!    that deletes it, in the same step (`Store::unlink_entries`); any other is kept and
//!    counted as skipped.
//! 5. Drop the pending set and its registry entry (after the last batch). An interrupted
//!    run leaves both behind; the next run for the dep finds them in the registry and
//!    finishes them first.
//!
//! Several deps run as a *wave*: each step above is one pipeline for all of them, so a
//! wave of a hundred deps costs the round trips of one. A single `invalidate` is a wave
//! of one.
//!
//! Fast path: on a single node, a dep whose set has at most 256 members, no unfinished
//! runs and keys of the right types is done in one step by a script that runs steps 1 to
//! 5 at once, one call for a whole wave of such deps (see `Store::sweep_wave`): for deps
//! with empty or tiny sets the cost is per call, not per dep. A call stops after about a
//! thousand deleted members and the rest of the wave goes in the next, so Redis is held
//! for a bounded time, and no detach is needed because no writer can interleave. Every
//! other dep, and every dep the script declines, takes the steps above.

use std::time::Instant;

use anyhow::Result;
use indicatif::ProgressBar;

use super::stepwise::stepwise_wave;
use crate::interrupt::Interrupt;
use crate::store::{Store, SweepRequest};

use super::plan::SMALL_SET;
pub use super::plan::{
    DEFAULT_PIPELINE_DEPTH, Plan, Report, finishing_command, generated_hash, shell_word,
};

/// Invalidates one dep (a wave of one).
pub async fn invalidate(
    store: &mut Store,
    plan: &Plan,
    progress: impl Fn(u64) -> ProgressBar,
    interrupt: &Interrupt,
) -> Result<Report> {
    invalidate_wave(store, std::slice::from_ref(plan), progress, interrupt)
        .await?
        .pop()
        .expect("one result per plan")
}

/// Plans the single-step path may take (see `Store::sweep_wave`): it deletes,
/// so not dry runs or soft ones, and it must see member keys, so a single node only.
fn fast_path_candidates(store: &Store, plans: &[Plan]) -> Vec<usize> {
    if !store.is_standalone() {
        return Vec::new();
    }
    (0..plans.len())
        .filter(|&i| !plans[i].dry_run && !plans[i].soft)
        .collect()
}

/// The most members a dep set may have for the fast path: the smallest of the plans'
/// `--max-keys` and [`SMALL_SET`]. One limit for the wave; a dep it declines for its size
/// takes the stepwise path, which applies the dep's own limit.
fn fast_path_limit(plans: &[Plan]) -> u64 {
    plans
        .iter()
        .map(|p| p.max_keys.unwrap_or(u64::MAX).min(SMALL_SET))
        .min()
        .unwrap_or(SMALL_SET)
}

/// Invalidates several deps together: each step of the protocol (see the module docs) is
/// one pipeline for the whole wave, so a wave costs the round trips of a single dep. One
/// result per plan, in order; the outer error means Redis could not be reached at all.
///
/// Small deps go first through a single-step script (one round trip for the wave); the
/// rest, and any the script declines, take the stepwise protocol.
pub async fn invalidate_wave(
    store: &mut Store,
    plans: &[Plan],
    progress: impl Fn(u64) -> ProgressBar,
    interrupt: &Interrupt,
) -> Result<Vec<Result<Report>>> {
    let started = Instant::now();
    let mut results: Vec<Option<Result<Report>>> = plans.iter().map(|_| None).collect();
    let fast = fast_path_candidates(store, plans);
    if !fast.is_empty() {
        let new_hashes: Vec<String> = fast
            .iter()
            .map(|&i| plans[i].new_hash.clone().unwrap_or_else(generated_hash))
            .collect();
        let reqs: Vec<SweepRequest> = fast
            .iter()
            .zip(&new_hashes)
            .map(|(&i, new)| SweepRequest {
                dep: &plans[i].dep,
                condition: &plans[i].condition,
                new,
            })
            .collect();
        let sweeps = store.sweep_wave(&reqs, fast_path_limit(plans)).await?;
        let elapsed = started.elapsed().as_millis() as u64;
        for ((&i, new_hash), sweep) in fast.iter().zip(new_hashes).zip(sweeps) {
            results[i] = match sweep {
                Ok(None) => None,
                Ok(Some(s)) => {
                    plans[i].pacer.admit(s.members).await;
                    Some(Ok(Report::from_sweep(&plans[i].dep, new_hash, s, elapsed)))
                }
                Err(e) => Some(Err(e)),
            }
        }
    }
    let rest: Vec<&Plan> = plans
        .iter()
        .zip(&results)
        .filter_map(|(p, r)| r.is_none().then_some(p))
        .collect();
    let mut stepwise = stepwise_wave(store, &rest, started, progress, interrupt)
        .await?
        .into_iter();
    Ok(results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| stepwise.next().expect("one result per stepwise plan")))
        .collect())
}
