//! The consumer loop's state and its two steps that touch it most: filling the batches in
//! flight, and taking one back.

#[allow(unused_imports)]
use super::*;

/// The consumer loop's state: batches in flight (each a task on a clone of the connection:
/// their commands are pipelined on the one socket, and a batch goes on while the next is
/// read), batches to finish again once Redis answers, and why the loop may stop.
#[derive(Default)]
pub(super) struct Flow {
    pub(super) in_flight: JoinSet<(Batch, BatchResult)>,
    pub(super) retry: Vec<Batch>,
    pub(super) outage: Option<anyhow::Error>,
    pub(super) outage_since: Option<Instant>,
    pub(super) fatal: Option<anyhow::Error>,
    pub(super) stopping: bool,
}

impl Flow {
    /// A batch that came back: its outcomes reported; or kept in hand to finish once
    /// Redis answers again; or the reason the consumer stops.
    pub(super) fn absorb(
        &mut self,
        batch: Batch,
        result: BatchResult,
        totals: &mut Totals,
        obs: &mut dyn Observer,
    ) -> Result<()> {
        match result {
            Ok(done) => report_batch(done, totals, obs)?,
            // Keep the batch in hand and finish it once Redis answers again.
            Err(Trouble::Outage(e)) => {
                self.retry.push(batch);
                self.outage.get_or_insert(e);
            }
            Err(Trouble::Fatal(e)) => {
                self.fatal.get_or_insert(e.context(
                        "the consumer stopped; the entries of the batches in hand that were not acked will be delivered again",
                    ));
                self.stopping = true;
            }
        }
        Ok(())
    }

    /// Keeps up to --concurrency batches in flight. A read may block only when nothing is
    /// in flight (a blocked read holds up the shared connection).
    pub(super) async fn fill(
        &mut self,
        store: &mut Store,
        source: &mut Source,
        s: &Settings,
        shared: &Arc<Settings>,
        totals: &mut Totals,
        obs: &mut dyn Observer,
    ) {
        while !self.stopping
            && self.fatal.is_none()
            && self.outage.is_none()
            && self.retry.is_empty()
            && self.in_flight.len() < s.concurrency
        {
            let may_block = self.in_flight.is_empty();
            match source.next(store, s, may_block).await {
                Ok(batch) => {
                    if self.outage_since.take().is_some() {
                        obs.note("Redis answers again; consuming");
                    }
                    totals.claimed += batch.claimed;
                    if batch.entries.is_empty() {
                        break;
                    }
                    self.in_flight
                        .spawn(run_batch(store.clone(), shared.clone(), batch));
                }
                Err(e) => match whole(e) {
                    Trouble::Outage(e) => self.outage = Some(e),
                    Trouble::Fatal(e) => self.fatal = Some(e),
                },
            }
        }
    }
}
