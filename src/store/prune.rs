//! Pruning dep sets of members whose entry is gone, and retiring old hash records.

use anyhow::{Context, Result};

use super::{READ, Repeat, Store, scripts};
use crate::printable::printable;

/// One page of a prune (see `scripts/prune_page.lua`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrunePage {
    /// SSCAN cursor to continue from; 0 when the set is done.
    pub next: u64,
    pub scanned: u64,
    /// Members whose key is gone: removed, or in a dry run removable.
    pub dangling: u64,
    /// MEMORY USAGE before the first page (0 on later pages).
    pub bytes_before: u64,
    /// MEMORY USAGE after the last page (0 before it, and once the set is gone).
    pub bytes_after: u64,
    /// Members that are not entry keys: kept, never read.
    pub not_entries: u64,
}

impl Store {
    /// One prune page of each of several sets: members whose key is gone are removed (or
    /// with `remove` false only counted), and a member whose entry exists keeps its place.
    pub async fn prune_pages(
        &mut self,
        sets: &[(&str, u64)],
        count: u64,
        remove: bool,
    ) -> Result<Vec<PrunePage>> {
        if self.is_standalone() {
            self.prune_pages_scripted(sets, count, remove).await
        } else {
            self.prune_pages_routed(sets, count, remove).await
        }
    }

    /// A cluster keeps a set and its members in different slots, so no script can check
    /// and remove atomically. Instead: SSCAN, EXISTS, SREM of the missing ones, then
    /// EXISTS again for those and SADD back any that a writer stored meanwhile. An entry
    /// stored in that instant is untracked only between the SREM and the SADD; it is
    /// still judged by its recorded hashes, so it can be stale but never wrongly fresh.
    async fn prune_pages_routed(
        &mut self,
        sets: &[(&str, u64)],
        count: u64,
        remove: bool,
    ) -> Result<Vec<PrunePage>> {
        let scanned = self.scan_pages_routed(sets, count).await?;
        // Only entry keys are asked about (see `scripts/prune_page.lua`).
        let is_entry = |m: &&Vec<u8>| crate::layout::parse_entry_key(m).is_some();
        let all: Vec<Vec<u8>> = scanned
            .iter()
            .flat_map(|(_, _, m)| m.iter().filter(is_entry).cloned())
            .collect();
        let mut live = self.exists_each(&all).await?.into_iter();
        let dangling: Vec<Vec<Vec<u8>>> = scanned
            .iter()
            .map(|(_, _, members)| {
                members
                    .iter()
                    .filter(is_entry)
                    .zip(live.by_ref())
                    .filter(|(_, live)| !live)
                    .map(|(m, _)| m.clone())
                    .collect()
            })
            .collect();
        let mut removed: Vec<u64> = dangling.iter().map(|d| d.len() as u64).collect();
        if remove {
            for (i, members) in dangling.iter().enumerate() {
                if members.is_empty() {
                    continue;
                }
                removed[i] = self.remove_dangling(sets[i].0, members).await?;
            }
        }
        let done: Vec<&str> = sets
            .iter()
            .zip(&scanned)
            .filter_map(|((set, _), (_, next, _))| (*next == 0).then_some(*set))
            .collect();
        let mut after = self.memory_usage_routed(&done).await?.into_iter();
        scanned
            .into_iter()
            .zip(removed)
            .map(|((bytes_before, next, members), dangling)| {
                let bytes_after = if next == 0 {
                    after.next().expect("one per finished set")?
                } else {
                    0
                };
                Ok(PrunePage {
                    next,
                    scanned: members.len() as u64,
                    dangling,
                    bytes_before,
                    bytes_after,
                    not_entries: members
                        .iter()
                        .filter(|m| crate::layout::parse_entry_key(m).is_none())
                        .count() as u64,
                })
            })
            .collect()
    }

    /// A page of each set (SSCAN), and the memory of those read from the start.
    async fn scan_pages_routed(
        &mut self,
        sets: &[(&str, u64)],
        count: u64,
    ) -> Result<Vec<(u64, u64, Vec<Vec<u8>>)>> {
        self.per_item(
            "scanning dep sets",
            READ,
            sets,
            |pipe, (set, cursor)| {
                if *cursor == 0 {
                    pipe.cmd("MEMORY").arg("USAGE").arg(*set);
                }
                pipe.cmd("SSCAN")
                    .arg(*set)
                    .arg(*cursor)
                    .arg("COUNT")
                    .arg(count);
            },
            |(set, cursor), replies| {
                let mut next = || {
                    replies
                        .next()
                        .expect("one reply per command")
                        .with_context(|| format!("SSCAN {}", printable(set.as_bytes())))
                };
                let before = if *cursor == 0 {
                    redis::from_redis_value::<Option<u64>>(next()?)?.unwrap_or(0)
                } else {
                    0
                };
                let (cursor, members): (u64, Vec<Vec<u8>>) = redis::from_redis_value(next()?)?;
                Ok((before, cursor, members))
            },
        )
        .await?
        .into_iter()
        .collect::<Result<Vec<_>>>()
    }

    /// Removes `members` from `set`, then puts back any whose entry was written again
    /// meanwhile (a writer re-tagged it): the set never loses a live entry. The count of
    /// members that stay removed.
    async fn remove_dangling(&mut self, set: &str, members: &[Vec<u8>]) -> Result<u64> {
        let mut srem = redis::cmd("SREM");
        srem.arg(set).arg(members);
        let context = format!("SREM {}", printable(set.as_bytes()));
        let n: u64 = self
            .send_one(
                srem,
                Repeat::Safe(
                    "SREM of members already removed is a no-op; only the lost first reply's count is missing",
                ),
                &context,
            )
            .await?;
        let back = self.exists_each(members).await?;
        let revived: Vec<&Vec<u8>> = members
            .iter()
            .zip(back)
            .filter_map(|(m, b)| b.then_some(m))
            .collect();
        if !revived.is_empty() {
            let mut sadd = redis::cmd("SADD");
            sadd.arg(set).arg(revived.as_slice());
            let context = format!("SADD {}", printable(set.as_bytes()));
            let _: u64 = self
                .send_one(
                    sadd,
                    Repeat::Safe("adding members that are already back is a no-op"),
                    &context,
                )
                .await?;
        }
        Ok(n.saturating_sub(revived.len() as u64))
    }

    /// MEMORY USAGE of each of `sets` (0 for one that is gone).
    async fn memory_usage_routed(&mut self, sets: &[&str]) -> Result<Vec<Result<u64>>> {
        self.per_item(
            "MEMORY USAGE",
            READ,
            sets,
            |pipe, set| {
                pipe.cmd("MEMORY").arg("USAGE").arg(*set);
            },
            |set, replies| {
                let reply = replies
                    .next()
                    .expect("one reply")
                    .with_context(|| format!("MEMORY USAGE {}", printable(set.as_bytes())))?;
                Ok(redis::from_redis_value::<Option<u64>>(reply)?.unwrap_or(0))
            },
        )
        .await
    }

    /// One prune page of each of several sets (see `scripts/prune_page.lua`), one round trip.
    async fn prune_pages_scripted(
        &mut self,
        sets: &[(&str, u64)],
        count: u64,
        remove: bool,
    ) -> Result<Vec<PrunePage>> {
        self.per_item(
            "pruning dep sets",
            Repeat::Safe(
                "the script removes only members whose key does not exist, checked as it runs",
            ),
            sets,
            |pipe, (set, cursor)| {
                scripts::PRUNE_PAGE
                    .call(pipe, 1)
                    .arg(*set)
                    .arg(*cursor)
                    .arg(count)
                    .arg(if remove { "1" } else { "0" });
            },
            |(set, _), replies| {
                let reply = replies
                    .next()
                    .expect("one reply")
                    .with_context(|| format!("pruning {}", printable(set.as_bytes())))?;
                let (next, scanned, dangling, bytes_before, bytes_after, not_entries) =
                    redis::from_redis_value(reply)?;
                Ok(PrunePage {
                    next,
                    scanned,
                    dangling,
                    bytes_before,
                    bytes_after,
                    not_entries,
                })
            },
        )
        .await?
        .into_iter()
        .collect()
    }

    /// Deletes a hash record and its write time if the time is still `written_at`.
    pub async fn retire_hash(
        &mut self,
        hash_key: &str,
        time_key: &str,
        written_at: &str,
    ) -> Result<bool> {
        let mut cmd = scripts::RETIRE_HASH.cmd(2);
        cmd.arg(hash_key).arg(time_key).arg(written_at);
        let context = format!("retiring {}", printable(hash_key.as_bytes()));
        // A delete that ran once would find the write time gone and report the record
        // as rewritten meanwhile.
        let retired: i64 = self.send_one(cmd, Repeat::Never, &context).await?;
        Ok(retired == 1)
    }
}
