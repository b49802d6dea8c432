//! `cachecore consume --stream NAME...`: the command line of the stream consumer (see
//! `crate::service::consume`), its output, and `--status`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Result;
use serde::Serialize;

use super::Context;
use crate::cli::ConsumeArgs;
use crate::error::{Exit, invalid};
use crate::output::{
    Line, Output, Report, count, elapsed_text, opt_text, print_table, printable_str, table,
};
use crate::pace::Pacer;
use crate::service::consume::event::{Decoder, EntryId, Format};
use crate::service::consume::status::{StreamStatus, status};
use crate::service::consume::template::Template;
use crate::service::consume::{
    EventOutcome, Observer, Settings, Totals, default_consumer, run as consume,
};

/// `--max-outage` of a run `--until-idle` when none is given.
const UNTIL_IDLE_MAX_OUTAGE: Duration = Duration::from_secs(30);

pub async fn run(ctx: &Context, args: ConsumeArgs) -> Result<Exit> {
    let settings = settings(ctx, &args)?;
    if args.status {
        return show_status(ctx, &settings).await;
    }
    // SIGTERM is how a service is stopped: exit 0 after the events in hand. Ctrl-C stays
    // an interruption (130). The shared handler sets the flag for both; this listener
    // tells them apart.
    let terminated = Arc::new(AtomicBool::new(false));
    let flag = terminated.clone();
    let listener = tokio::spawn(async move {
        if let Ok(mut term) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            term.recv().await;
            flag.store(true, Ordering::SeqCst);
        }
    });
    let mut printer = Printer { out: ctx.out };
    printer.header()?;
    let totals = consume(&ctx.connect, &settings, &ctx.interrupt, &mut printer).await?;
    if totals.interrupted {
        // Both handlers wake on the same signal; give this one a moment to record it.
        for _ in 0..20 {
            if terminated.load(Ordering::SeqCst) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    listener.abort();
    ctx.out.line(&Summary(&totals))?;
    if totals.interrupted {
        let by_term = terminated.load(Ordering::SeqCst);
        ctx.out.note(&format!(
            "cachecore: {}: the events in hand were finished and acked; entries read but not started stay pending and are delivered again",
            if by_term { "stopped by SIGTERM" } else { "interrupted" }
        ));
        return Ok(if by_term {
            Exit::Success
        } else {
            Exit::Interrupted
        });
    }
    Ok(Exit::Success)
}

/// Validates the command line before Redis is touched.
fn settings(ctx: &Context, args: &ConsumeArgs) -> Result<Settings> {
    if args.streams.iter().any(|s| s.is_empty()) {
        return Err(invalid("--stream needs a stream name"));
    }
    for (flag, value) in [
        ("--group", &args.group),
        ("--dead-letter", &args.dead_letter),
    ] {
        if value.is_empty() {
            return Err(invalid(format!("{flag} may not be empty")));
        }
    }
    let consumer = args.consumer.clone().unwrap_or_else(default_consumer);
    if consumer.is_empty() {
        return Err(invalid("--consumer may not be empty"));
    }
    // A new group reads what the stream already holds: skipping events silently would
    // leave their entries fresh (a stale answer served), reading them again costs misses.
    let from = args.from.clone().unwrap_or_else(|| "0".into());
    if from != "$" && from != "0" && EntryId::parse(&from).is_none() {
        return Err(invalid(format!(
            "--from {from:?} is not $, 0 or a stream entry id (<ms>-<seq>)"
        )));
    }
    let dead_of = |s: &str| args.dead_letter.replace("{stream}", s);
    if let Some(s) = args
        .streams
        .iter()
        .find(|s| args.streams.contains(&dead_of(s)))
    {
        return Err(invalid(format!(
            "the dead-letter stream of {} would be a stream this consumer reads; choose another --dead-letter",
            printable_str(s)
        )));
    }
    let templates = |list: &[String]| -> Result<Vec<Template>> {
        list.iter()
            .map(|t| Template::parse(t).map_err(invalid))
            .collect()
    };
    let decoder = match args.format {
        Format::Native => {
            if !args.deps.is_empty() || args.hash.is_some() {
                return Err(invalid(
                    "--dep and --hash are for --format debezium; a native event names its dep in its dep_id field and its hash in new_hash",
                ));
            }
            Decoder {
                format: Format::Native,
                deps: Vec::new(),
                hash: None,
                null_marker: args.null_marker.clone(),
                soft: args.soft,
            }
        }
        Format::Debezium => {
            if args.deps.is_empty() {
                return Err(invalid(
                    "--format debezium needs at least one --dep template, e.g. --dep 'table:{source.table}' --dep 'row:{source.table}:{row.id}'",
                ));
            }
            Decoder {
                format: Format::Debezium,
                deps: templates(&args.deps)?,
                hash: args
                    .hash
                    .as_ref()
                    .map(|h| Template::parse(h).map_err(invalid))
                    .transpose()?,
                null_marker: args.null_marker.clone(),
                soft: args.soft,
            }
        }
    };
    Ok(Settings {
        streams: args.streams.clone(),
        group: args.group.clone(),
        consumer,
        from,
        from_given: args.from.is_some(),
        batch: args.batch as usize,
        concurrency: args.concurrency as usize,
        block: args.block,
        until_idle: args.until_idle,
        claim_idle: args.claim_idle,
        max_attempts: args.max_attempts,
        dead_letter: args.dead_letter.clone(),
        decoder,
        batch_size: args.pace.batch_size as usize,
        pipeline_depth: args.pace.pipeline as usize,
        pacer: args
            .pace
            .rate
            .map_or_else(Pacer::unlimited, Pacer::per_second),
        max_outage: args
            .max_outage
            .or(args.until_idle.then_some(UNTIL_IDLE_MAX_OUTAGE)),
        max_clock_skew: args.max_clock_skew,
        reason: ctx.reason.clone(),
        timeout: ctx.connect.timeout,
    })
}

struct Printer {
    out: Output,
}

impl Printer {
    fn header(&self) -> Result<()> {
        self.out.for_people(&format!(
            "{:<11} {:<34} {:<30} {:<24} {:>6} {:>6} {:>6}",
            "status", "stream entry", "dep", "old -> new hash", "L1", "L2", "gone"
        ))
    }
}

impl Observer for Printer {
    fn event(&mut self, o: &EventOutcome) -> Result<()> {
        self.out.line(o)
    }

    fn progress(&mut self, t: &Totals) -> Result<()> {
        self.out.line(&Progress(t))
    }

    fn note(&mut self, text: &str) {
        crate::output::note(text);
    }

    fn warn(&mut self, text: &str) {
        crate::output::warn(text);
    }
}

/// One event's rows: a row per dep.
impl Line for EventOutcome {
    fn kind(&self) -> &'static str {
        "event"
    }

    fn render(&self) -> Result<()> {
        let o = self;
        let entry = format!("{} {}", printable_str(&o.stream), o.id);
        if o.deps.is_empty() {
            // No dep column to fill (a dead letter, a tombstone): the reason goes on a
            // line of its own, under the row, never into the dep column.
            crate::outln!("{:<11} {:<34} (no dep)", o.status, entry);
            if let Some(error) = o.error.as_deref() {
                crate::outln!("{:<11} reason: {}", "", printable_str(error));
            }
            return Ok(());
        }
        for d in &o.deps {
            let status = if o.status == "dead_letter" || o.status == "failed" {
                o.status
            } else {
                d.outcome
            };
            let (hashes, l1, l2, gone) = match &d.report {
                Some(r) => (
                    format!(
                        "{} -> {}",
                        opt_text(r.old_hash.as_deref()),
                        printable_str(&r.new_hash)
                    ),
                    r.l1_deleted.to_string(),
                    r.l2_deleted.to_string(),
                    r.already_gone.to_string(),
                ),
                None => (
                    d.superseded_by
                        .as_ref()
                        .map(|by| format!("(newer: {})", printable_str(by)))
                        .or_else(|| d.failure.as_deref().map(printable_str))
                        .or_else(|| {
                            d.current_hash
                                .as_deref()
                                .map(|h| format!("(hash is {})", printable_str(h)))
                        })
                        .unwrap_or_default(),
                    String::new(),
                    String::new(),
                    String::new(),
                ),
            };
            crate::outln!(
                "{:<11} {:<34} {:<30} {:<24} {:>6} {:>6} {:>6}",
                status,
                entry,
                printable_str(d.dep_id()),
                hashes,
                l1,
                l2,
                gone
            );
        }
        Ok(())
    }
}

/// The running totals, every few seconds: a JSON line, or a note for people.
#[derive(Serialize)]
#[serde(transparent)]
struct Progress<'a>(&'a Totals);

impl Line for Progress<'_> {
    fn kind(&self) -> &'static str {
        "progress"
    }

    fn render(&self) -> Result<()> {
        let t = self.0;
        crate::output::note(&format!(
            "cachecore: {} events ({} / s): {} applied, {} superseded, {} dead-lettered, {} failed; {} entries deleted",
            count(t.events),
            t.events_per_s,
            count(t.applied),
            count(t.superseded),
            count(t.dead_lettered),
            count(t.failed),
            count(t.l1_deleted + t.l2_deleted)
        ));
        Ok(())
    }
}

/// The totals at the end: a JSON line, or a table.
#[derive(Serialize)]
#[serde(transparent)]
struct Summary<'a>(&'a Totals);

impl Line for Summary<'_> {
    fn kind(&self) -> &'static str {
        "summary"
    }

    fn render(&self) -> Result<()> {
        summary_table(self.0)
    }
}

fn summary_table(t: &Totals) -> Result<()> {
    let mut tb = table(&[]);
    let rows: [(&str, u64); 11] = [
        ("events", t.events),
        ("applied", t.applied),
        ("superseded", t.superseded),
        ("refused (if_hash)", t.refused),
        ("skipped", t.skipped),
        ("dead-lettered", t.dead_lettered),
        ("failed (pending)", t.failed),
        ("claimed", t.claimed),
        ("deps invalidated", t.deps_invalidated),
        ("L1 deleted", t.l1_deleted),
        ("L2 deleted", t.l2_deleted),
    ];
    for (name, n) in rows {
        tb.add_row(vec![name.to_string(), count(n)]);
    }
    tb.add_row(vec![
        "events / s".to_string(),
        format!("{}", t.events_per_s),
    ]);
    tb.add_row(vec![
        "elapsed".to_string(),
        elapsed_text(Duration::from_millis(t.elapsed_ms)),
    ]);
    print_table(&tb)?;
    Ok(())
}

#[derive(Serialize)]
struct StatusDoc<'a> {
    group: &'a str,
    streams: &'a [StreamStatus],
}

async fn show_status(ctx: &Context, s: &Settings) -> Result<Exit> {
    let mut store = ctx.store().await?;
    let found = status(&mut store, &s.streams, &s.group, |st| s.dead_letter_of(st)).await?;
    ctx.out.emit(&StatusDoc {
        group: &s.group,
        streams: &found,
    })?;
    Ok(Exit::Success)
}

impl Report for StatusDoc<'_> {
    fn command(&self) -> &'static str {
        "consume status"
    }

    fn render(&self) -> Result<()> {
        let (s, found) = (self, self.streams);
        let mut t = table(&[
            "stream",
            "length",
            "group",
            "lag",
            "pending",
            "last delivered",
            "consumers (pending, idle)",
            "dead letters",
        ]);
        for st in found {
            let (group, lag, pending, last, consumers) = match &st.group {
                None => (
                    format!("{} (none)", s.group),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                ),
                Some(g) => (
                    g.name.clone(),
                    g.lag.map_or_else(|| "unknown".into(), count),
                    count(g.pending),
                    g.last_delivered_id.clone(),
                    g.consumers
                        .iter()
                        .map(|c| {
                            format!(
                                "{} ({}, {:.1} s)",
                                printable_str(&c.name),
                                count(c.pending),
                                c.idle_ms as f64 / 1000.0
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("\n"),
                ),
            };
            t.add_row(vec![
                if st.exists {
                    printable_str(&st.stream)
                } else {
                    format!("{} (missing)", printable_str(&st.stream))
                },
                count(st.length),
                group,
                lag,
                pending,
                last,
                consumers,
                format!(
                    "{} {}",
                    count(st.dead_letter.length),
                    printable_str(&st.dead_letter.stream)
                ),
            ]);
        }
        print_table(&t)
    }
}
