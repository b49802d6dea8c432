//! Where a consumer's events come from: new entries, its own pending history and entries
//! claimed from dead consumers, read in batches.

#[allow(unused_imports)]
use super::*;

/// Entries to process and how often each was delivered.
pub(super) struct Batch {
    pub(super) entries: Vec<RawEntry>,
    pub(super) deliveries: HashMap<(String, String), u64>,
    pub(super) claimed: u64,
}

/// Where the next batch comes from: first this consumer's own pending entries (a
/// restart under the same name), then entries idle on any consumer for `--claim-idle`
/// (claimed), and new entries.
pub(super) struct Source {
    /// Per stream: the id after which this consumer's own pending entries are read, until
    /// none are left.
    pub(super) history: Vec<Option<String>>,
    /// A claim sweep in progress: stream index and cursor.
    pub(super) sweep: Option<(usize, String)>,
    pub(super) next_sweep: Instant,
}

impl Source {
    pub(super) fn new(s: &Settings) -> Source {
        Source {
            history: s.streams.iter().map(|_| Some("0".to_string())).collect(),
            sweep: None,
            next_sweep: Instant::now(),
        }
    }

    pub(super) async fn next(
        &mut self,
        store: &mut Store,
        s: &Settings,
        may_block: bool,
    ) -> Result<Batch> {
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
    pub(super) async fn idle(&mut self, store: &mut Store, s: &Settings) -> Result<bool> {
        for stream in &s.streams {
            if store.pending_total(stream, &s.group).await? > 0 {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

pub(super) async fn read_history(
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
pub(super) async fn delivery_counts(
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
