//! `cachecore consume`: turns Redis Streams of change events into invalidations, as one
//! consumer of a consumer group (at-least-once delivery; add consumers to scale out).
//!
//! A batch of entries goes through these steps, each one pipeline for the whole batch:
//! 1. Decode. Entries that can never be applied (poison: an invalid dep id, a template
//!    that does not resolve, malformed JSON) go to the dead-letter stream, with the reason
//!    and the original fields, and are acked. Tombstones are acked and skipped.
//! 2. The order gate (see `scripts/gate.lua` in the store): per event and dep, one script
//!    that records the event's hash only if the event is newer (by stream entry id) than
//!    the last one applied to the dep, or, when another path (CLI, HTTP) wrote the hash
//!    since, than that write. So the hash recorded last is the newest event's, whichever
//!    consumer processes which event when, and however often one is redelivered. An id
//!    ahead of the server's clock by more than `--max-clock-skew` is dead-lettered and
//!    never recorded. Within a batch only a dep's newest event goes to the gate (unless
//!    one has an `if_hash`; the older ones go too if the newest turns out to be ahead of
//!    the clock). On a single node the same script invalidates a small dep at once.
//! 3. Invalidate the other deps with the engine, once per dep: with `--if-hash` = the hash
//!    the gate recorded, whose compare-and-set leaves the value unchanged. If a newer event
//!    got in between, the run is refused and the event counts as superseded: the newer
//!    event's own invalidation deletes the entries.
//! 4. Audit records (with the stream entry id) and XACK, one round trip: an entry is acked
//!    only after its invalidation is complete (hash recorded, every tagged entry deleted).
//!
//! `--concurrency` batches are in flight at once, each a task on a clone of the connection.
//!
//! Failures: a Redis outage (lost connection, timeout, LOADING, OOM…) keeps the batch in
//! hand and retries it, on a new connection, with backoff from 200 ms to 5 s; nothing is
//! dead-lettered for it, and every step is safe to repeat (the gate answers a repeat with
//! the hash it recorded). A missing permission (NOPERM) or a deleted group (NOGROUP)
//! stops the consumer (exit 3) with nothing of the batch acked. Any other failure of one
//! event (a dep set of the wrong type…) leaves it pending: it is claimed again after
//! `--claim-idle`, and dead-lettered once it failed `--max-attempts` deliveries.

pub mod event;
mod flow;
mod process;
mod source;
pub mod status;
pub mod template;

use flow::Flow;
pub use process::event_plan;
use process::process;
use source::{Batch, Source};

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use indicatif::ProgressBar;
use serde::Serialize;
use tokio::task::JoinSet;

use crate::audit::AuditRecord;
use crate::bookkeeping::{event_order_key, hash_time_key, registry_key};
use crate::engine::invalidation::{Plan, Report, generated_hash, invalidate_wave};
use crate::error::{is_connection_error, is_refusal_or_invalid, one_line, redis_failure};
use crate::interrupt::Interrupt;
use crate::layout::DepId;
use crate::pace::Pacer;
use crate::store::{
    ConnectOptions, Fields, Gate, GateOutcome, GateSweep, HashCondition, RawEntry, Store,
};
use event::{Decoded, Decoder, EntryId, Event};

/// How long a dep's order record is kept after its last applied event: an event older
/// than the last applied one is recognised as such for this long (far beyond any
/// redelivery while consumers run; see the README).
pub const ORDER_RECORD_KEEP: Duration = Duration::from_secs(7 * 24 * 3600);

/// The largest dep set the gate's script invalidates in the same step (the engine's
/// single-step limit: Redis is held for microseconds); larger ones take the engine's
/// stepwise protocol.
const SWEEP_LIMIT: u64 = 256;

/// Backoff while Redis is unreachable: from the first to the last, doubling.
const BACKOFF_FIRST: Duration = Duration::from_millis(200);
const BACKOFF_LAST: Duration = Duration::from_secs(5);

/// How often a progress line is given.
const PROGRESS_EVERY: Duration = Duration::from_secs(10);

/// Everything a consumer needs to know.
#[derive(Debug, Clone)]
pub struct Settings {
    pub streams: Vec<String>,
    pub group: String,
    pub consumer: String,
    /// Where a group created now starts (`$`: new entries only; `0`: the whole stream).
    pub from: String,
    /// Whether `from` was given (a note says it is ignored for an existing group).
    pub from_given: bool,
    /// Entries per read.
    pub batch: usize,
    /// Batches in flight at once.
    pub concurrency: usize,
    pub block: Duration,
    pub until_idle: bool,
    pub claim_idle: Duration,
    pub max_attempts: u64,
    /// The dead-letter stream's name; `{stream}` is the source stream's name.
    pub dead_letter: String,
    pub decoder: Decoder,
    /// The engine's pace (members per SSCAN/UNLINK, batches in flight, `--rate`).
    pub batch_size: usize,
    pub pipeline_depth: usize,
    pub pacer: Pacer,
    /// Give up (exit 3) when Redis stays unreachable longer than this; `None`: never.
    pub max_outage: Option<Duration>,
    /// How far an entry id may be ahead of the Redis server's clock (`--max-clock-skew`).
    pub max_clock_skew: Duration,
    /// `--reason`: the audit reason of events that carry none of their own.
    pub reason: Option<String>,
    /// The per-round-trip timeout (a blocking read must answer well within it).
    pub timeout: Duration,
}

impl Settings {
    /// The dead-letter stream of a source stream.
    pub fn dead_letter_of(&self, stream: &str) -> String {
        self.dead_letter.replace("{stream}", stream)
    }
}

/// What became of one dep of an event. Applied, the invalidation's report gives the dep
/// id and hashes (old and new); otherwise the dep id and the event's hash are given here.
#[derive(Debug, Clone, Serialize)]
pub struct DepOutcome {
    #[serde(skip_serializing_if = "Option::is_none")]
    dep_id: Option<String>,
    /// `applied`, `superseded` (a newer event was applied, or another path wrote the hash
    /// later), `refused` (`if_hash`), `dead_letter` (the entry id is ahead of the server's
    /// clock), `failed`.
    pub outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    new_hash: Option<String>,
    /// Superseded: the stream entry that was newer (`STREAM ID`), or the later write of the
    /// hash by another path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub superseded_by: Option<String>,
    /// Refused: the hash found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_hash: Option<String>,
    /// Failed or dead-lettered: why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    /// Applied: what the invalidation did.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub report: Option<Report>,
}

impl DepOutcome {
    pub fn dep_id(&self) -> &str {
        self.report
            .as_ref()
            .map_or_else(|| self.dep_id.as_deref().unwrap_or(""), |r| &r.dep_id)
    }

    pub fn new_hash(&self) -> &str {
        self.report
            .as_ref()
            .map_or_else(|| self.new_hash.as_deref().unwrap_or(""), |r| &r.new_hash)
    }

    fn applied(&mut self, report: Report) {
        self.dep_id = None;
        self.new_hash = None;
        self.report = Some(report);
    }
}

/// What became of one stream entry.
#[derive(Debug, Clone, Serialize)]
pub struct EventOutcome {
    pub stream: String,
    pub id: String,
    /// `applied`, `superseded`, `refused`, `skipped`, `dead_letter`, or `failed` (left
    /// pending, to be claimed again).
    pub status: &'static str,
    /// How many times the entry has been delivered, this delivery included.
    pub deliveries: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub deps: Vec<DepOutcome>,
}

/// Running totals: all a consumer keeps across batches.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Totals {
    pub events: u64,
    pub applied: u64,
    pub superseded: u64,
    pub refused: u64,
    pub skipped: u64,
    pub dead_lettered: u64,
    pub failed: u64,
    pub claimed: u64,
    pub deps_invalidated: u64,
    pub l1_deleted: u64,
    pub l2_deleted: u64,
    pub already_gone: u64,
    pub interrupted: bool,
    pub elapsed_ms: u64,
    pub events_per_s: f64,
}

impl Totals {
    fn add(&mut self, o: &EventOutcome) {
        self.events += 1;
        match o.status {
            "applied" => self.applied += 1,
            "superseded" => self.superseded += 1,
            "refused" => self.refused += 1,
            "skipped" => self.skipped += 1,
            "dead_letter" => self.dead_lettered += 1,
            _ => self.failed += 1,
        }
        for d in &o.deps {
            if let Some(r) = &d.report {
                self.deps_invalidated += 1;
                self.l1_deleted += r.l1_deleted;
                self.l2_deleted += r.l2_deleted;
                self.already_gone += r.already_gone;
            }
        }
    }

    fn stamp(&mut self, started: Instant) {
        let secs = started.elapsed().as_secs_f64();
        self.elapsed_ms = (secs * 1000.0) as u64;
        self.events_per_s = if secs > 0.0 {
            (self.events as f64 / secs * 10.0).round() / 10.0
        } else {
            0.0
        };
    }
}

/// Where results go.
pub trait Observer {
    fn event(&mut self, outcome: &EventOutcome) -> Result<()>;
    fn progress(&mut self, totals: &Totals) -> Result<()>;
    /// Something people should know (a group created, an outage, a recovery).
    fn note(&mut self, text: &str);
    fn warn(&mut self, text: &str);
}

/// Why a batch could not be finished.
enum Trouble {
    /// Redis is unreachable or not answering normally: retry the batch.
    Outage(anyhow::Error),
    /// Retrying cannot help (a missing permission, a deleted group): stop.
    Fatal(anyhow::Error),
}

/// Whether an error stops the consumer, is an outage to wait out, or belongs to one event.
/// Decided by the error codes Redis gave (never by text, which may hold a dep id).
fn trouble(e: anyhow::Error) -> std::result::Result<anyhow::Error, Trouble> {
    if is_connection_error(&e) {
        return Err(Trouble::Outage(e));
    }
    let codes: Vec<String> = e
        .chain()
        .filter_map(|c| c.downcast_ref::<redis::RedisError>())
        .filter_map(|r| r.code().map(str::to_string))
        .collect();
    let any = |list: &[&str]| codes.iter().any(|c| list.contains(&c.as_str()));
    if any(&[
        "LOADING",
        "BUSY",
        "TRYAGAIN",
        "CLUSTERDOWN",
        "MASTERDOWN",
        "READONLY",
        "OOM",
    ]) {
        return Err(Trouble::Outage(e));
    }
    if any(&["NOPERM", "NOGROUP", "NOAUTH", "WRONGPASS"]) {
        return Err(Trouble::Fatal(e));
    }
    Ok(e)
}

/// A step of the batch that must succeed as a whole: any error is an outage or fatal.
fn whole(e: anyhow::Error) -> Trouble {
    match trouble(e) {
        Err(t) => t,
        Ok(e) => Trouble::Fatal(e),
    }
}

/// Runs the consumer until it is idle (`until_idle`), interrupted, or stopped by an error.
pub async fn run(
    connect: &ConnectOptions,
    s: &Settings,
    interrupt: &Interrupt,
    obs: &mut dyn Observer,
) -> Result<Totals> {
    // A consumer that cannot connect at start is misconfigured: fail at once (exit 3).
    let mut store = Store::connect(connect).await?;
    ensure_groups(&mut store, s, obs).await?;
    let started = Instant::now();
    let mut totals = Totals::default();
    let mut source = Source::new(s);
    let mut last_progress = Instant::now();
    // Batches in flight, each a task on a clone of the connection (their commands are
    // pipelined on the one socket, and a batch goes on while the next is read), and
    // batches to finish again once Redis answers.
    let shared = Arc::new(s.clone());
    let mut flow = Flow::default();
    loop {
        if interrupt.is_set() && !flow.stopping {
            // Finish the batches in hand, read nothing more.
            totals.interrupted = true;
            flow.stopping = true;
        }
        if last_progress.elapsed() >= PROGRESS_EVERY {
            totals.stamp(started);
            obs.progress(&totals)?;
            last_progress = Instant::now();
        }
        // Once every batch in flight has come back, an outage is waited out and the
        // batches it stopped are finished first.
        if flow.in_flight.is_empty()
            && (flow.outage.is_some() || !flow.retry.is_empty())
            && !flow.stopping
        {
            if let Some(e) = flow.outage.take()
                && !recover(
                    &mut store,
                    connect,
                    s,
                    &mut flow.outage_since,
                    e,
                    interrupt,
                    obs,
                )
                .await?
            {
                totals.interrupted = true;
                break;
            }
            if let Some(batch) = flow.retry.pop() {
                flow.in_flight
                    .spawn(run_batch(store.clone(), shared.clone(), batch));
            }
        }
        flow.fill(&mut store, &mut source, s, &shared, &mut totals, obs)
            .await;
        let Some(joined) = flow.in_flight.join_next().await else {
            if let Some(e) = flow.fatal.take() {
                return Err(e);
            }
            if flow.stopping {
                break;
            }
            if flow.outage.is_some() || !flow.retry.is_empty() {
                continue;
            }
            // Nothing in flight and nothing read.
            if s.until_idle {
                if source.idle(&mut store, s).await.is_ok_and(|idle| idle) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            continue;
        };
        let (batch, result) = joined.context("a batch task failed")?;
        flow.absorb(batch, result, &mut totals, obs)?;
    }
    // Tidy the group: a consumer that leaves nothing pending is removed from it (not
    // while Redis is away: each try would wait out the timeout).
    for stream in s.streams.iter().filter(|_| flow.outage_since.is_none()) {
        let _ = store
            .remove_consumer_if_done(stream, &s.group, &s.consumer)
            .await;
    }
    totals.stamp(started);
    Ok(totals)
}

/// Creates the group on each stream where it is missing, at `--from`, and says how many
/// events that reads or skips; a `--from` for a group that exists is ignored, with a note.
async fn ensure_groups(store: &mut Store, s: &Settings, obs: &mut dyn Observer) -> Result<()> {
    for stream in &s.streams {
        let name = crate::output::printable_str(stream);
        if store.create_group(stream, &s.group, &s.from).await? {
            let held = store.stream_len(stream).await?;
            let events = if held == 1 { "event" } else { "events" };
            let what = match s.from.as_str() {
                "0" => format!("the {held} {events} it holds will be read"),
                "$" => format!("the {held} {events} it holds are skipped (only new ones are read)"),
                id => format!("entries after {id} of the {held} {events} it holds will be read"),
            };
            obs.note(&format!(
                "created consumer group {} on {name} at {}: {what}",
                s.group, s.from
            ));
        } else if s.from_given {
            obs.note(&format!(
                "consumer group {} exists on {name}: --from is ignored (the group continues where it is; XGROUP SETID moves it)",
                s.group
            ));
        }
    }
    Ok(())
}

/// A batch's outcomes and warnings, to the totals and the observer.
fn report_batch(
    (outcomes, warnings): (Vec<EventOutcome>, Vec<String>),
    totals: &mut Totals,
    obs: &mut dyn Observer,
) -> Result<()> {
    for w in warnings {
        obs.warn(&w);
    }
    for o in &outcomes {
        totals.add(o);
        obs.event(o)?;
    }
    Ok(())
}

/// Waits out an outage with backoff and connects again. False when interrupted meanwhile;
/// an error when Redis stayed unreachable longer than `--max-outage`.
async fn recover(
    store: &mut Store,
    connect: &ConnectOptions,
    s: &Settings,
    since: &mut Option<Instant>,
    cause: anyhow::Error,
    interrupt: &Interrupt,
    obs: &mut dyn Observer,
) -> Result<bool> {
    if since.is_none() {
        obs.note(&format!(
            "Redis is unreachable or not answering ({}); retrying with backoff, nothing is acked or dead-lettered meanwhile",
            one_line(&cause)
        ));
    }
    let began = *since.get_or_insert_with(Instant::now);
    let mut wait = BACKOFF_FIRST;
    loop {
        if let Some(max) = s.max_outage
            && began.elapsed() >= max
        {
            return Err(redis_failure(format!(
                "Redis was unreachable for longer than --max-outage {} ({}); the entries in hand were not acked and will be delivered again",
                humantime::format_duration(max),
                one_line(&cause)
            )));
        }
        let until = Instant::now() + wait;
        while Instant::now() < until {
            if interrupt.is_set() {
                return Ok(false);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        match Store::connect(connect).await {
            Ok(fresh) => {
                *store = fresh;
                return Ok(true);
            }
            Err(_) => wait = (wait * 2).min(BACKOFF_LAST),
        }
    }
}

/// What a batch came back with: its outcomes and any warnings, or why it stopped.
type BatchResult = std::result::Result<(Vec<EventOutcome>, Vec<String>), Trouble>;

/// One batch, on its own clone of the connection; the batch comes back with its result
/// (to be finished again after an outage).
async fn run_batch(mut store: Store, s: Arc<Settings>, batch: Batch) -> (Batch, BatchResult) {
    let result = with_heartbeat(&mut store, &s, &batch.entries, |store| {
        process(store, &s, &batch.entries, &batch.deliveries)
    })
    .await;
    (batch, result)
}

/// Runs `work` while resetting the idle time of the entries in hand every third of
/// `--claim-idle`, so that a long invalidation is not claimed by another consumer.
async fn with_heartbeat<'a, F, Fut>(
    store: &'a mut Store,
    s: &Settings,
    entries: &[RawEntry],
    work: F,
) -> BatchResult
where
    F: FnOnce(&'a mut Store) -> Fut,
    Fut: std::future::Future<Output = BatchResult>,
{
    let mut beat = store.clone();
    let every = (s.claim_idle / 3).max(Duration::from_millis(100));
    let mut by_stream: HashMap<&str, Vec<String>> = HashMap::new();
    for e in entries {
        by_stream.entry(&e.stream).or_default().push(e.id.clone());
    }
    let heartbeat = async {
        loop {
            tokio::time::sleep(every).await;
            for (stream, ids) in &by_stream {
                // A failed beat only risks a second delivery, which is safe.
                let _ = beat.touch_pending(stream, &s.group, &s.consumer, ids).await;
            }
        }
    };
    tokio::select! {
        biased;
        done = work(store) => done,
        never = heartbeat => never,
    }
}

/// The default consumer name: host name and process id.
pub fn default_consumer() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .or_else(|_| std::env::var("HOSTNAME"))
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "cachecore".into());
    format!("{host}-{}", std::process::id())
}
