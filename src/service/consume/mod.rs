//! `cachecore consume`: turns Redis Streams of change events into invalidations, as one
//! consumer of a consumer group (at-least-once delivery; add consumers to scale out).
//!
//! A batch of entries goes through these steps, each one pipeline for the whole batch:
//! 1. Decode. Entries that can never be applied (poison: an invalid dep id, a template
//!    that does not resolve, malformed JSON) go to the dead-letter stream, with the reason
//!    and the original fields, and are acked. Tombstones are acked and skipped.
//! 2. The order gate (see `GATE_BODY` in the store): per event and dep, one script that
//!    records the event's hash only if the event is newer (by stream entry id) than the
//!    last one applied to the dep. So the hash recorded last is the newest event's,
//!    whichever consumer processes which event when, and however often one is redelivered.
//!    Within a batch only a dep's newest event goes to the gate (unless one has an
//!    `if_hash`). On a single node the same script invalidates a small dep at once.
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
pub mod status;
pub mod template;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use indicatif::ProgressBar;
use serde::Serialize;
use tokio::task::JoinSet;

use crate::audit::AuditRecord;
use crate::bookkeeping::{event_order_key, hash_time_key, registry_key};
use crate::error::{is_connection_error, is_refusal_or_invalid, one_line, redis_failure};
use crate::interrupt::Interrupt;
use crate::invalidation::{Plan, Report, generated_hash, invalidate_wave};
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
    /// `applied`, `superseded` (a newer event was applied), `refused` (`if_hash`), `failed`.
    pub outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    new_hash: Option<String>,
    /// Superseded: the stream entry that was newer (`STREAM ID`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub superseded_by: Option<String>,
    /// Refused: the hash found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_hash: Option<String>,
    /// Failed: why.
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
    for stream in &s.streams {
        if store.create_group(stream, &s.group, &s.from).await? {
            obs.note(&format!(
                "created consumer group {} on {} at {}",
                s.group,
                crate::output::printable_str(stream),
                s.from
            ));
        } else if s.from_given {
            obs.note(&format!(
                "consumer group {} exists on {}: --from is ignored (the group continues where it is)",
                s.group,
                crate::output::printable_str(stream)
            ));
        }
    }
    let started = Instant::now();
    let mut totals = Totals::default();
    let mut source = Source::new(s);
    let mut last_progress = Instant::now();
    let mut outage_since: Option<Instant> = None;
    let mut outage: Option<anyhow::Error> = None;
    // Batches in flight, each a task on a clone of the connection (their commands are
    // pipelined on the one socket, and a batch goes on while the next is read), and
    // batches to finish again once Redis answers.
    let shared = Arc::new(s.clone());
    let mut in_flight: JoinSet<(Batch, BatchResult)> = JoinSet::new();
    let mut retry: Vec<Batch> = Vec::new();
    let mut stopping = false;
    let mut fatal: Option<anyhow::Error> = None;
    loop {
        if interrupt.is_set() && !stopping {
            // Finish the batches in hand, read nothing more.
            totals.interrupted = true;
            stopping = true;
        }
        if last_progress.elapsed() >= PROGRESS_EVERY {
            totals.stamp(started);
            obs.progress(&totals)?;
            last_progress = Instant::now();
        }
        // Once every batch in flight has come back, an outage is waited out and the
        // batches it stopped are finished first.
        if in_flight.is_empty() && (outage.is_some() || !retry.is_empty()) && !stopping {
            if let Some(e) = outage.take()
                && !recover(&mut store, connect, s, &mut outage_since, e, interrupt, obs).await?
            {
                totals.interrupted = true;
                break;
            }
            if let Some(batch) = retry.pop() {
                in_flight.spawn(run_batch(store.clone(), shared.clone(), batch));
            }
        }
        // Keep up to --concurrency batches in flight. A read may block only when nothing
        // is in flight (a blocked read holds up the shared connection).
        while !stopping
            && fatal.is_none()
            && outage.is_none()
            && retry.is_empty()
            && in_flight.len() < s.concurrency
        {
            let may_block = in_flight.is_empty();
            match source.next(&mut store, s, may_block).await {
                Ok(batch) => {
                    if outage_since.take().is_some() {
                        obs.note("Redis answers again; consuming");
                    }
                    totals.claimed += batch.claimed;
                    if batch.entries.is_empty() {
                        break;
                    }
                    in_flight.spawn(run_batch(store.clone(), shared.clone(), batch));
                }
                Err(e) => match whole(e) {
                    Trouble::Outage(e) => outage = Some(e),
                    Trouble::Fatal(e) => fatal = Some(e),
                },
            }
        }
        let Some(joined) = in_flight.join_next().await else {
            if let Some(e) = fatal.take() {
                return Err(e);
            }
            if stopping {
                break;
            }
            if outage.is_some() || !retry.is_empty() {
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
        match result {
            Ok((outcomes, warnings)) => {
                for w in warnings {
                    obs.warn(&w);
                }
                for o in &outcomes {
                    totals.add(o);
                    obs.event(o)?;
                }
            }
            // Keep the batch in hand and finish it once Redis answers again.
            Err(Trouble::Outage(e)) => {
                retry.push(batch);
                outage.get_or_insert(e);
            }
            Err(Trouble::Fatal(e)) => {
                fatal.get_or_insert(e.context(
                    "the consumer stopped; the entries of the batches in hand that were not acked will be delivered again",
                ));
                stopping = true;
            }
        }
    }
    // Tidy the group: a consumer that leaves nothing pending is removed from it (not
    // while Redis is away: each try would wait out the timeout).
    for stream in s.streams.iter().filter(|_| outage_since.is_none()) {
        let _ = store
            .remove_consumer_if_done(stream, &s.group, &s.consumer)
            .await;
    }
    totals.stamp(started);
    Ok(totals)
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

/// Entries to process and how often each was delivered.
struct Batch {
    entries: Vec<RawEntry>,
    deliveries: HashMap<(String, String), u64>,
    claimed: u64,
}

/// Where the next batch comes from: first this consumer's own pending entries (a
/// restart under the same name), then entries idle on any consumer for `--claim-idle`
/// (claimed), and new entries.
struct Source {
    /// Per stream: the id after which this consumer's own pending entries are read, until
    /// none are left.
    history: Vec<Option<String>>,
    /// A claim sweep in progress: stream index and cursor.
    sweep: Option<(usize, String)>,
    next_sweep: Instant,
}

impl Source {
    fn new(s: &Settings) -> Source {
        Source {
            history: s.streams.iter().map(|_| Some("0".to_string())).collect(),
            sweep: None,
            next_sweep: Instant::now(),
        }
    }

    async fn next(&mut self, store: &mut Store, s: &Settings, may_block: bool) -> Result<Batch> {
        // 1. This consumer's own pending entries (left by an earlier run of the name).
        for (i, cursor) in self.history.iter_mut().enumerate() {
            let Some(after) = cursor.clone() else {
                continue;
            };
            let entries = read_history(store, s, &s.streams[i], &after).await?;
            match entries.last() {
                None => *cursor = None,
                Some(last) => {
                    *cursor = Some(last.id.clone());
                    let deliveries = delivery_counts(store, s, &entries).await?;
                    return Ok(Batch {
                        entries,
                        deliveries,
                        claimed: 0,
                    });
                }
            }
        }
        // 2. Entries idle too long on any consumer (a dead one, or this one's failures).
        if self.sweep.is_none() && Instant::now() >= self.next_sweep {
            self.sweep = Some((0, "0-0".to_string()));
        }
        while let Some((i, cursor)) = self.sweep.clone() {
            let (next, entries, _deleted) = store
                .autoclaim(
                    &s.streams[i],
                    &s.group,
                    &s.consumer,
                    s.claim_idle,
                    &cursor,
                    s.batch,
                )
                .await?;
            self.sweep = if next != "0-0" {
                Some((i, next))
            } else if i + 1 < s.streams.len() {
                Some((i + 1, "0-0".to_string()))
            } else {
                self.next_sweep = Instant::now()
                    + (s.claim_idle / 4).clamp(Duration::from_millis(100), Duration::from_secs(10));
                None
            };
            if !entries.is_empty() {
                let deliveries = delivery_counts(store, s, &entries).await?;
                let claimed = entries.len() as u64;
                return Ok(Batch {
                    entries,
                    deliveries,
                    claimed,
                });
            }
        }
        // 3. New entries: first deliveries. A consumer that runs until idle does not
        // block; a service blocks, within the round-trip timeout, when nothing else is
        // in flight.
        let block = (may_block && !s.until_idle).then(|| s.block.min(s.timeout / 2));
        let entries = store
            .read_group(&s.group, &s.consumer, &s.streams, None, s.batch, block)
            .await?;
        Ok(Batch {
            entries,
            deliveries: HashMap::new(),
            claimed: 0,
        })
    }

    /// Nothing new was read: is anything still pending in the group, on any consumer?
    async fn idle(&mut self, store: &mut Store, s: &Settings) -> Result<bool> {
        for stream in &s.streams {
            if store.pending_total(stream, &s.group).await? > 0 {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

async fn read_history(
    store: &mut Store,
    s: &Settings,
    stream: &str,
    after: &str,
) -> Result<Vec<RawEntry>> {
    // XREADGROUP with an id reads this consumer's pending entries after it.
    let streams = [stream.to_string()];
    store
        .read_group(&s.group, &s.consumer, &streams, Some(after), s.batch, None)
        .await
}

/// Delivery counts of entries that may have been delivered before (XPENDING).
async fn delivery_counts(
    store: &mut Store,
    s: &Settings,
    entries: &[RawEntry],
) -> Result<HashMap<(String, String), u64>> {
    let mut out = HashMap::new();
    let mut by_stream: HashMap<&str, Vec<&RawEntry>> = HashMap::new();
    for e in entries {
        by_stream.entry(&e.stream).or_default().push(e);
    }
    for (stream, list) in by_stream {
        let first = list.iter().map(|e| EntryId::parse(&e.id)).min().flatten();
        let last = list.iter().map(|e| EntryId::parse(&e.id)).max().flatten();
        let (Some(first), Some(last)) = (first, last) else {
            continue;
        };
        let counts = store
            .delivery_counts(
                stream,
                &s.group,
                &s.consumer,
                (&first.to_string(), &last.to_string()),
                s.batch.max(list.len()),
            )
            .await?;
        for (id, n) in counts {
            out.insert((stream.to_string(), id), n);
        }
    }
    Ok(out)
}

/// One dep of one event, through the gate and the engine.
struct Item {
    entry: usize,
    dep: DepId,
    hash: String,
    if_hash: Option<String>,
    soft: bool,
    /// Applied now: the hash the gate replaced (the engine then finds its own).
    previous: Option<Option<String>>,
    outcome: Option<DepOutcome>,
    /// The dep's invalidation is this item's (the newest applied of the batch).
    runs: bool,
}

impl Item {
    fn outcome_of(&self, status: &'static str) -> DepOutcome {
        DepOutcome {
            dep_id: Some(self.dep.as_str().to_string()),
            outcome: status,
            new_hash: Some(self.hash.clone()),
            superseded_by: None,
            current_hash: None,
            failure: None,
            report: None,
        }
    }
}

/// Processes one batch; the outcomes, one per entry, in the order read.
async fn process(
    store: &mut Store,
    s: &Settings,
    raw: &[RawEntry],
    deliveries: &HashMap<(String, String), u64>,
) -> BatchResult {
    // 1. Decode.
    let mut outcomes: Vec<EventOutcome> = raw
        .iter()
        .map(|r| EventOutcome {
            stream: r.stream.clone(),
            id: r.id.clone(),
            status: "applied",
            deliveries: deliveries
                .get(&(r.stream.clone(), r.id.clone()))
                .copied()
                .unwrap_or(1)
                .max(1),
            error: None,
            deps: Vec::new(),
        })
        .collect();
    let mut events: Vec<(usize, EntryId, Event)> = Vec::new();
    for (i, r) in raw.iter().enumerate() {
        let decoded = match &r.fields {
            None => Decoded::Skip("deleted from the stream"),
            Some(fields) => s.decoder.decode(fields),
        };
        match decoded {
            Decoded::Event(e) => {
                let id = EntryId::parse(&r.id).unwrap_or(EntryId { ms: 0, seq: 0 });
                events.push((i, id, e));
            }
            Decoded::Skip(why) => {
                outcomes[i].status = "skipped";
                outcomes[i].error = Some(why.to_string());
            }
            Decoded::Poison(why) => {
                outcomes[i].status = "dead_letter";
                outcomes[i].error = Some(why);
            }
        }
    }
    // 2. The order gate, oldest event first (the stream order, across streams by time).
    events.sort_by_key(|(_, id, _)| *id);
    let mut items: Vec<Item> = Vec::new();
    for (i, _, e) in &events {
        // One hash per event, shared by its deps.
        let hash = e.new_hash.clone().unwrap_or_else(generated_hash);
        for dep in &e.deps {
            items.push(Item {
                entry: *i,
                dep: dep.clone(),
                hash: hash.clone(),
                if_hash: e.if_hash.clone(),
                soft: e.soft,
                previous: None,
                outcome: None,
                runs: false,
            });
        }
    }
    // Per dep, the newest event of the batch settles it: older ones are superseded
    // without a round trip, unless one of them is conditional (an if_hash may hold only
    // after an older event of the batch was applied: then all go through the gate, in
    // order).
    let mut newest: HashMap<&str, usize> = HashMap::new();
    let mut conditional: HashMap<&str, bool> = HashMap::new();
    for (n, it) in items.iter().enumerate() {
        newest.insert(it.dep.as_str(), n);
        *conditional.entry(it.dep.as_str()).or_default() |= it.if_hash.is_some();
    }
    let mut early: Vec<(usize, usize)> = Vec::new();
    for (n, it) in items.iter().enumerate() {
        let last = newest[it.dep.as_str()];
        if last != n && !conditional[it.dep.as_str()] {
            early.push((n, last));
        }
    }
    for (n, last) in early {
        let mut o = items[n].outcome_of("superseded");
        o.superseded_by = Some(format!(
            "{} {}",
            raw[items[last].entry].stream, raw[items[last].entry].id
        ));
        items[n].outcome = Some(o);
    }
    let gated: Vec<usize> = (0..items.len())
        .filter(|&n| items[n].outcome.is_none())
        .collect();
    let keys: Vec<[String; 5]> = gated
        .iter()
        .map(|&n| {
            let dep = &items[n].dep;
            [
                event_order_key(dep),
                dep.hash_key(),
                hash_time_key(dep),
                dep.keys_key(),
                registry_key(dep),
            ]
        })
        .collect();
    let gates: Vec<Gate> = gated
        .iter()
        .zip(&keys)
        .map(|(&n, k)| {
            let it = &items[n];
            let id = EntryId::parse(&raw[it.entry].id).unwrap_or(EntryId { ms: 0, seq: 0 });
            Gate {
                order_key: &k[0],
                hash_key: &k[1],
                time_key: &k[2],
                stream: &raw[it.entry].stream,
                id: (id.ms, id.seq),
                new_hash: &it.hash,
                if_hash: it.if_hash.as_deref(),
                keep_ms: ORDER_RECORD_KEEP.as_millis() as u64,
                // A small dep is invalidated by the gate's own script (single node).
                sweep: (!it.soft).then_some(GateSweep {
                    set_key: &k[3],
                    registry_key: &k[4],
                    limit: SWEEP_LIMIT,
                }),
            }
        })
        .collect();
    let answers = store.gate_many(&gates).await.map_err(whole)?;
    drop(gates);
    // Deps the gate let through without invalidating them: the newest such item of each
    // dep runs the dep's invalidation; older ones of the batch are superseded by it.
    let mut runner: HashMap<String, usize> = HashMap::new();
    for (&n, answer) in gated.iter().zip(answers) {
        let it = &mut items[n];
        let answer = match answer {
            Ok(a) => Ok(a),
            Err(e) => Err(trouble(e)?),
        };
        match answer {
            Err(e) => {
                let mut o = it.outcome_of("failed");
                o.failure = Some(one_line(&e));
                it.outcome = Some(o);
            }
            Ok(GateOutcome::Applied {
                previous,
                swept: Some(sw),
            }) => {
                s.pacer.admit(sw.members).await;
                let mut o = it.outcome_of("applied");
                o.applied(Report {
                    dep_id: it.dep.as_str().to_string(),
                    old_hash: previous,
                    new_hash: it.hash.clone(),
                    members: sw.members,
                    l1_deleted: sw.l1_deleted,
                    l2_deleted: sw.l2_deleted,
                    already_gone: sw.members
                        - sw.l1_deleted
                        - sw.l2_deleted
                        - sw.skipped_not_entries,
                    skipped_not_entries: sw.skipped_not_entries,
                    ..Report::default()
                });
                it.outcome = Some(o);
            }
            Ok(GateOutcome::Applied {
                previous,
                swept: None,
            }) => {
                it.previous = Some(previous);
                runner.insert(it.dep.as_str().to_string(), n);
            }
            Ok(GateOutcome::Redelivered { hash }) => {
                it.hash = hash;
                runner.insert(it.dep.as_str().to_string(), n);
            }
            Ok(GateOutcome::Superseded { stream, id }) => {
                let mut o = it.outcome_of("superseded");
                o.superseded_by = Some(format!("{stream} {id}"));
                it.outcome = Some(o);
            }
            Ok(GateOutcome::Refused { current }) => {
                let mut o = it.outcome_of("refused");
                o.current_hash = current;
                it.outcome = Some(o);
            }
        }
    }
    for n in 0..items.len() {
        if items[n].outcome.is_some() {
            continue;
        }
        let newest = runner[items[n].dep.as_str()];
        if newest == n {
            items[n].runs = true;
        } else {
            let by = format!(
                "{} {}",
                raw[items[newest].entry].stream, raw[items[newest].entry].id
            );
            let mut o = items[n].outcome_of("superseded");
            o.superseded_by = Some(by);
            items[n].outcome = Some(o);
        }
    }
    // 3. Invalidate each dep once. The events in hand are finished even after Ctrl-C:
    // the engine gets an interrupt flag of its own that is never set.
    let running: Vec<usize> = (0..items.len()).filter(|&n| items[n].runs).collect();
    let plans: Vec<Plan> = running
        .iter()
        .map(|&n| {
            let it = &items[n];
            Plan {
                batch_size: s.batch_size,
                pipeline_depth: s.pipeline_depth,
                pacer: s.pacer.clone(),
                ..event_plan(&it.dep, &it.hash, it.soft)
            }
        })
        .collect();
    let never = Interrupt::default();
    let results = if plans.is_empty() {
        Vec::new()
    } else {
        invalidate_wave(store, &plans, |_| ProgressBar::hidden(), &never)
            .await
            .map_err(whole)?
    };
    for (&n, result) in running.iter().zip(results) {
        let it = &mut items[n];
        let mut o = it.outcome_of("applied");
        match result {
            Ok(mut report) => {
                if let Some(previous) = it.previous.take() {
                    report.old_hash = previous;
                }
                o.applied(report);
            }
            // The hash is no longer this event's: a newer event (or an operator's
            // invalidation) got in between, and its own run deletes the entries.
            Err(e) if is_refusal_or_invalid(&e) => {
                o.outcome = "superseded";
                o.superseded_by = Some("a newer write of the hash".into());
            }
            Err(e) => match trouble(e) {
                Err(t) => return Err(t),
                Ok(e) => {
                    o.outcome = "failed";
                    o.failure = Some(one_line(&e.context(format!(
                        "the event's hash {:?} is recorded (its entries are stale), but deleting them failed",
                        crate::output::printable_str(&it.hash)
                    ))));
                }
            },
        }
        it.outcome = Some(o);
    }
    // Each event's status from its deps'.
    for it in items {
        let o = &mut outcomes[it.entry];
        o.deps.push(it.outcome.expect("every item decided"));
    }
    for o in outcomes.iter_mut().filter(|o| o.status == "applied") {
        let has = |st: &str| o.deps.iter().any(|d| d.outcome == st);
        if let Some(failed) = o.deps.iter().find(|d| d.outcome == "failed") {
            o.error = failed.failure.clone();
            o.status = if o.deliveries >= s.max_attempts {
                "dead_letter"
            } else {
                "failed"
            };
            if o.status == "dead_letter" {
                o.error = Some(format!(
                    "failed on {} deliveries (--max-attempts {}): {}",
                    o.deliveries,
                    s.max_attempts,
                    o.error.take().unwrap_or_default()
                ));
            }
        } else if has("refused") {
            o.status = "refused";
        } else if !has("applied") {
            o.status = "superseded";
        }
    }
    // 4. Dead letters, audit records, then the acks.
    let dead: Vec<(String, Fields)> = outcomes
        .iter()
        .zip(raw)
        .filter(|(o, _)| o.status == "dead_letter")
        .map(|(o, r)| (s.dead_letter_of(&r.stream), dead_letter_fields(s, o, r)))
        .collect();
    if !dead.is_empty() {
        store.dead_letter(&dead).await.map_err(whole)?;
    }
    let mut reasons: Vec<Option<&str>> = vec![s.reason.as_deref(); raw.len()];
    for (i, _, e) in &events {
        if let Some(r) = &e.reason {
            reasons[*i] = Some(r);
        }
    }
    let records: Vec<AuditRecord> = outcomes
        .iter()
        .zip(raw)
        .zip(reasons)
        .flat_map(|((o, r), reason)| {
            o.deps.iter().filter_map(move |d| {
                let report = d.report.as_ref()?;
                let mut rec = AuditRecord::now("consume", reason);
                rec.deps = report.dep_id.clone();
                rec.old_hash = report.old_hash.clone().unwrap_or_default();
                rec.new_hash = report.new_hash.clone();
                rec.counts = crate::audit::counts(&[
                    ("members", report.members),
                    ("l1_deleted", report.l1_deleted),
                    ("l2_deleted", report.l2_deleted),
                    ("already_gone", report.already_gone),
                ]);
                rec.stream = r.stream.clone();
                rec.entry_id = r.id.clone();
                Some(rec)
            })
        })
        .collect();
    let mut acks: Vec<(String, Vec<String>)> = Vec::new();
    for (o, r) in outcomes.iter().zip(raw) {
        if o.status == "failed" {
            continue;
        }
        match acks.iter_mut().find(|(st, _)| *st == r.stream) {
            Some((_, ids)) => ids.push(r.id.clone()),
            None => acks.push((r.stream.clone(), vec![r.id.clone()])),
        }
    }
    let audit = store
        .audit_and_ack(&s.group, &records, &acks)
        .await
        .map_err(whole)?;
    let warnings = audit
        .map(|e| {
            format!(
                "{} invalidations are done, but their audit records could not be written: {}",
                records.len(),
                one_line(&e)
            )
        })
        .into_iter()
        .collect();
    Ok((outcomes, warnings))
}

/// The invalidation of one dep for an event the gate let through with `hash`: with
/// `--if-hash` = that hash, so its compare-and-set never changes the value (only the gate
/// does), and it is refused when a newer event's gate got in between.
pub fn event_plan(dep: &DepId, hash: &str, soft: bool) -> Plan {
    Plan {
        dep: dep.clone(),
        new_hash: Some(hash.to_string()),
        condition: HashCondition::Equals(hash.to_string()),
        soft,
        dry_run: false,
        max_keys: None,
        batch_size: 1000,
        pipeline_depth: crate::invalidation::DEFAULT_PIPELINE_DEPTH,
        pacer: Pacer::unlimited(),
    }
}

/// A dead-letter entry: why, where from, and the original fields after ours (prefixed
/// `cc.`, so a replay drops the fields that start with it).
fn dead_letter_fields(s: &Settings, o: &EventOutcome, r: &RawEntry) -> Fields {
    let mut fields: Fields = [
        ("cc.reason", o.error.clone().unwrap_or_default()),
        ("cc.stream", r.stream.clone()),
        ("cc.id", r.id.clone()),
        ("cc.group", s.group.clone()),
        ("cc.consumer", s.consumer.clone()),
        ("cc.deliveries", o.deliveries.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.as_bytes().to_vec(), v.into_bytes()))
    .collect();
    fields.extend(r.fields.iter().flatten().cloned());
    fields
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
