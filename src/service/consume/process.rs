//! One batch of events, event by event: decode, plan per dep, the order gate, the engine,
//! then the outcome that decides ack, retry or dead letter.

#[allow(unused_imports)]
use super::*;

/// One dep of one event, through the gate and the engine.
pub(super) struct Item {
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
pub(super) async fn process(
    store: &mut Store,
    s: &Settings,
    raw: &[RawEntry],
    deliveries: &HashMap<(String, String), u64>,
) -> BatchResult {
    let (mut outcomes, events) = decode(s, raw, deliveries);
    let mut items = items_of(&events);
    let early = supersede_within_batch(&mut items, raw);
    // Deps the gate let through without invalidating them: the newest such item of each
    // dep runs the dep's invalidation; older ones of the batch are superseded by it.
    let mut runner: HashMap<String, usize> = HashMap::new();
    gate_all(store, s, raw, &mut items, &early, &mut runner).await?;
    assign_runners(&mut items, raw, &runner);
    run_engine(store, s, &mut items).await?;
    for it in items {
        outcomes[it.entry]
            .deps
            .push(it.outcome.expect("every item decided"));
    }
    for o in outcomes.iter_mut().filter(|o| o.status == "applied") {
        settle_event(s, o);
    }
    finish(store, s, raw, &events, outcomes).await
}

/// Step 1: decode every entry; poison and tombstones are decided here.
fn decode(
    s: &Settings,
    raw: &[RawEntry],
    deliveries: &HashMap<(String, String), u64>,
) -> (Vec<EventOutcome>, Vec<(usize, EntryId, Event)>) {
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
    (outcomes, events)
}

/// One item per event and dep, oldest event first (the stream order, across streams by
/// time); an event's deps share its hash.
fn items_of(events: &[(usize, EntryId, Event)]) -> Vec<Item> {
    let mut events: Vec<&(usize, EntryId, Event)> = events.iter().collect();
    events.sort_by_key(|(_, id, _)| *id);
    let mut items: Vec<Item> = Vec::new();
    for (i, _, e) in events {
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
    items
}

/// Per dep, the newest event of the batch settles it: the others are superseded without a
/// round trip, unless one is conditional. Returns (superseded item, by item).
fn supersede_within_batch(items: &mut [Item], raw: &[RawEntry]) -> Vec<(usize, usize)> {
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
    for &(n, last) in &early {
        let mut o = items[n].outcome_of("superseded");
        o.superseded_by = Some(format!(
            "{} {}",
            raw[items[last].entry].stream, raw[items[last].entry].id
        ));
        items[n].outcome = Some(o);
    }
    early
}

/// Items the gate let through: the newest of each dep runs its invalidation, the older
/// ones are superseded by it.
fn assign_runners(items: &mut [Item], raw: &[RawEntry], runner: &HashMap<String, usize>) {
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
}

/// Step 3: invalidate each dep once. The events in hand are finished even after Ctrl-C:
/// the engine gets an interrupt flag of its own that is never set.
async fn run_engine(
    store: &mut Store,
    s: &Settings,
    items: &mut [Item],
) -> std::result::Result<(), Trouble> {
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
    Ok(())
}

/// An event's status from its deps' outcomes.
fn settle_event(s: &Settings, o: &mut EventOutcome) {
    let has = |st: &str| o.deps.iter().any(|d| d.outcome == st);
    if let Some(ahead) = o.deps.iter().find(|d| d.outcome == "dead_letter") {
        // Never retried: a redelivery has the same id.
        o.error = ahead.failure.clone();
        o.status = "dead_letter";
    } else if let Some(failed) = o.deps.iter().find(|d| d.outcome == "failed") {
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

/// Step 4: dead letters, audit records, then the acks.
async fn finish(
    store: &mut Store,
    s: &Settings,
    raw: &[RawEntry],
    events: &[(usize, EntryId, Event)],
    outcomes: Vec<EventOutcome>,
) -> BatchResult {
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
    for (i, _, e) in events {
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
                Some(report.audit_record(AuditRecord {
                    stream: r.stream.clone(),
                    entry_id: r.id.clone(),
                    ..AuditRecord::now("consume", reason)
                }))
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

/// Step 2: the order gate for every item not decided yet, one round trip. An item
/// superseded early (by a newer event of its dep in the batch) that the gate then finds
/// ahead of the server's clock was judged against an event that never counts: such items
/// go through the gate in a second round trip, in order. Sets each item's outcome, or
/// makes it its dep's runner.
async fn gate_all(
    store: &mut Store,
    s: &Settings,
    raw: &[RawEntry],
    items: &mut [Item],
    early: &[(usize, usize)],
    runner: &mut HashMap<String, usize>,
) -> Result<(), Trouble> {
    let mut round: Vec<usize> = (0..items.len())
        .filter(|&n| items[n].outcome.is_none())
        .collect();
    while !round.is_empty() {
        let answers = gate_round(store, s, raw, items, &round)
            .await
            .map_err(whole)?;
        for (&n, answer) in round.iter().zip(answers) {
            let answer = match answer {
                Ok(a) => Ok(a),
                Err(e) => Err(trouble(e)?),
            };
            settle(s, raw, items, n, answer, runner).await;
        }
        let ahead = |n: usize| {
            items[n]
                .outcome
                .as_ref()
                .is_some_and(|o| o.outcome == "dead_letter")
        };
        let next: Vec<usize> = early
            .iter()
            .filter(|&&(_, by)| round.contains(&by) && ahead(by))
            .map(|&(n, _)| n)
            .collect();
        for &n in &next {
            items[n].outcome = None;
        }
        round = next;
    }
    Ok(())
}

/// One pipeline of gate scripts, for the items `which`, in that order.
async fn gate_round(
    store: &mut Store,
    s: &Settings,
    raw: &[RawEntry],
    items: &[Item],
    which: &[usize],
) -> anyhow::Result<Vec<anyhow::Result<GateOutcome>>> {
    let keys: Vec<[String; 5]> = which
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
    let gates: Vec<Gate> = which
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
                max_skew_ms: s.max_clock_skew.as_millis() as u64,
                // A small dep is invalidated by the gate's own script (single node).
                sweep: (!it.soft).then_some(GateSweep {
                    set_key: &k[3],
                    registry_key: &k[4],
                    limit: SWEEP_LIMIT,
                }),
            }
        })
        .collect();
    store.gate_many(&gates).await
}

/// Item `n`'s outcome from the gate's answer; an item let through without its
/// invalidation becomes its dep's runner (the newest such item wins).
async fn settle(
    s: &Settings,
    raw: &[RawEntry],
    items: &mut [Item],
    n: usize,
    answer: anyhow::Result<GateOutcome>,
    runner: &mut HashMap<String, usize>,
) {
    let it = &mut items[n];
    let outcome = match answer {
        Err(e) => {
            let mut o = it.outcome_of("failed");
            o.failure = Some(one_line(&e));
            o
        }
        Ok(GateOutcome::Applied {
            previous,
            swept: Some(sw),
        }) => {
            s.pacer.admit(sw.members).await;
            let mut o = it.outcome_of("applied");
            // The gate returns the hash it replaced beside the sweep's counts.
            o.applied(Report::from_sweep(
                &it.dep,
                it.hash.clone(),
                crate::store::Sweep { previous, ..sw },
                0,
            ));
            o
        }
        Ok(GateOutcome::Applied {
            previous,
            swept: None,
        }) => {
            it.previous = Some(previous);
            runner.insert(it.dep.as_str().to_string(), n);
            return;
        }
        Ok(GateOutcome::Redelivered { hash }) => {
            it.hash = hash;
            runner.insert(it.dep.as_str().to_string(), n);
            return;
        }
        Ok(GateOutcome::Superseded { stream, id }) => {
            let mut o = it.outcome_of("superseded");
            o.superseded_by = Some(format!("{stream} {id}"));
            o
        }
        Ok(GateOutcome::Overwritten { written_ms }) => {
            let mut o = it.outcome_of("superseded");
            o.superseded_by = Some(format!(
                "a write of the hash at {} (an invalidation by another path)",
                server_time_text(written_ms)
            ));
            o
        }
        Ok(GateOutcome::AheadOfClock { server_ms }) => {
            let mut o = it.outcome_of("dead_letter");
            o.failure = Some(ahead_reason(
                &raw[it.entry].id,
                &it.dep,
                server_ms,
                s.max_clock_skew,
            ));
            o
        }
        Ok(GateOutcome::Refused { current }) => {
            let mut o = it.outcome_of("refused");
            o.current_hash = current;
            o
        }
    };
    it.outcome = Some(outcome);
}

/// A server time (unix ms) as RFC 3339, UTC.
fn server_time_text(ms: u64) -> String {
    let t = std::time::UNIX_EPOCH + Duration::from_millis(ms);
    humantime::format_rfc3339_millis(t).to_string()
}

/// Why an event whose entry id is ahead of the server's clock is dead-lettered: by how
/// much, and what the operator does (auto ids that follow a forged one are ahead too).
pub(super) fn ahead_reason(id: &str, dep: &DepId, server_ms: u64, skew: Duration) -> String {
    let id_ms = EntryId::parse(id).map_or(0, |i| i.ms);
    let ahead_s = id_ms.saturating_sub(server_ms) / 1000;
    format!(
        "entry id {id} is {} s ahead of the Redis server's clock ({}; more than --max-clock-skew {}): not applied to {}, never recorded as its order mark; fix the producer's clock or its explicit ids, then reset the stream, whose XADD * ids now follow this one (XTRIM, XSETID, XGROUP SETID: see consume, \"Entry ids ahead of the clock\")",
        crate::output::count(ahead_s),
        server_time_text(server_ms),
        humantime::format_duration(skew),
        crate::output::printable_str(dep.as_str()),
    )
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
        pipeline_depth: crate::engine::invalidation::DEFAULT_PIPELINE_DEPTH,
        pacer: Pacer::unlimited(),
    }
}

/// A dead-letter entry: why, where from, and the original fields after ours (prefixed
/// `cc.`, so a replay drops the fields that start with it).
pub(super) fn dead_letter_fields(s: &Settings, o: &EventOutcome, r: &RawEntry) -> Fields {
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
