//! `invalidate-many`'s scheduler: deps run in *waves* (each step of the protocol is one
//! pipeline for a whole wave, see [`super::invalidation`]), several waves in flight at
//! once on the shared connection. Each wave's results go to the caller as soon as it
//! completes, so memory is bounded by the waves in flight however many deps there are,
//! and a `--json` reader has a line for every finished dep even if the run dies later.
//!
//! Once the connection is lost no further wave is started (each would only wait out its
//! own timeout): the deps never started are counted, and a rerun finishes the job.

use anyhow::{Context as _, Result};
use indicatif::ProgressBar;
use tokio::task::JoinSet;

use super::invalidation::{Plan, Report, invalidate_wave};
use crate::error::{is_connection_error, one_line};
use crate::interrupt::Interrupt;
use crate::store::Store;

/// How many deps form a wave, and how many waves are in flight at once.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    pub wave: usize,
    pub concurrency: usize,
}

/// What a run did, counted over every dep.
#[derive(Debug, Clone, Default)]
pub struct Totals {
    pub succeeded: u64,
    /// Failed or interrupted deps.
    pub failed: u64,
    /// Deps not attempted because the connection was lost or the run was interrupted.
    pub not_started: u64,
    pub l1_deleted: u64,
    pub l2_deleted: u64,
    pub already_gone: u64,
    /// A dep's run was interrupted, or the whole run was.
    pub interrupted: bool,
    /// The connection to Redis was lost; no wave was started after that.
    pub lost_connection: bool,
}

/// One finished wave, as the caller sees it.
pub struct Wave<'a> {
    pub plans: &'a [Plan],
    /// One per plan, in order.
    pub results: &'a [Result<Report>],
    /// The connection was lost in this wave or an earlier one: Redis will not answer
    /// more (an audit append would only wait out another timeout).
    pub connection_lost: bool,
    /// The totals so far, this wave included.
    pub totals: &'a Totals,
}

/// Invalidates every plan, `schedule.wave` at a time (each batch of member keys counts on
/// `keys`) with up to `schedule.concurrency`
/// waves in flight, and hands each wave to `on_wave` as it completes (no new wave starts
/// meanwhile). Stops starting waves on an interrupt or a lost connection. The outer
/// error is `on_wave`'s, or a task that panicked.
pub async fn run(
    store: &Store,
    plans: impl Iterator<Item = Plan>,
    schedule: Schedule,
    keys: &ProgressBar,
    interrupt: &Interrupt,
    mut on_wave: impl AsyncFnMut(Wave<'_>) -> Result<()>,
) -> Result<Totals> {
    let mut totals = Totals::default();
    let mut running = JoinSet::new();
    let mut queue = plans;
    loop {
        while running.len() < schedule.concurrency && !totals.lost_connection && !interrupt.is_set()
        {
            let wave: Vec<Plan> = queue.by_ref().take(schedule.wave).collect();
            if wave.is_empty() {
                break;
            }
            let mut store = store.clone();
            let interrupt = interrupt.clone();
            let keys = keys.clone();
            running.spawn(async move {
                // Every wave counts on the one bar: it moves with each batch of keys.
                let results =
                    invalidate_wave(&mut store, &wave, |_| keys.clone(), &interrupt).await;
                (wave, results)
            });
        }
        let Some(joined) = running.join_next().await else {
            break;
        };
        let (wave, results) = joined.context("an invalidation task panicked")?;
        let results: Vec<Result<Report>> = match results {
            Ok(results) => results,
            Err(e) => {
                // The wave's round trip failed: every dep in it failed the same way.
                totals.lost_connection |= is_connection_error(&e);
                let text = one_line(&e);
                wave.iter()
                    .map(|_| Err(anyhow::anyhow!(text.clone())))
                    .collect()
            }
        };
        for result in &results {
            match result {
                Ok(report) => {
                    totals.l1_deleted += report.l1_deleted;
                    totals.l2_deleted += report.l2_deleted;
                    totals.already_gone += report.already_gone;
                    totals.interrupted |= report.interrupted;
                    if report.interrupted {
                        totals.failed += 1;
                    } else {
                        totals.succeeded += 1;
                    }
                }
                Err(e) => {
                    totals.failed += 1;
                    // Every later dep would fail the same way: stop starting new ones.
                    totals.lost_connection |= is_connection_error(e);
                }
            }
        }
        on_wave(Wave {
            plans: &wave,
            results: &results,
            connection_lost: totals.lost_connection,
            totals: &totals,
        })
        .await?;
    }
    totals.not_started = queue.count() as u64;
    totals.interrupted |= interrupt.is_set();
    Ok(totals)
}
