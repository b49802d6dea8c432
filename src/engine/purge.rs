//! Deleting a namespace's entries that are not at its policy version (`policy roll
//! --purge`, `policy purge`): a cursor SCAN of the namespace's L1 and L2 keys in bounded
//! pages, each page's `deps` read in one round trip, and the entries written before the
//! version deleted through the invalidation drain's paced, repeat-aware delete, so the
//! purge honours the command's rate and survives a dropped connection like an
//! invalidation does.
//!
//! An entry rewritten between the read and the delete is deleted too: a cache miss, never
//! a stale answer. A key that is no longer an entry by then (no `deps`, another type) is
//! kept: the delete checks it in the same step.

use anyhow::Result;
use indicatif::ProgressBar;
use serde::Serialize;

use crate::interrupt::Interrupt;
use crate::layout::{Namespace, Tier, parse_entry_deps, parse_entry_key};
use crate::store::{ScanPages, Store};

/// What a purge does.
#[derive(Debug, Clone)]
pub struct Plan<'a> {
    pub namespace: &'a Namespace,
    /// The policy version entries are kept at.
    pub version: &'a str,
    pub dry_run: bool,
    /// Keys per SCAN step.
    pub batch_size: usize,
}

/// What a purge did (or, in a dry run, would do).
#[derive(Debug, Default, Serialize)]
pub struct Purge {
    pub scanned: u64,
    pub l1_deleted: u64,
    pub l2_deleted: u64,
    /// Entries already at the new version (written after the roll).
    pub kept_fresh: u64,
    /// Entries whose deps cannot be read; left alone (they are never served as fresh).
    pub skipped_corrupt: u64,
}

/// Purges the namespace's entries not at `plan.version`; `bar` counts the keys scanned.
/// An interrupt stops the scan of each tier after the page in hand.
pub async fn purge(
    store: &mut Store,
    plan: &Plan<'_>,
    bar: &ProgressBar,
    interrupt: &Interrupt,
) -> Result<Purge> {
    let mut p = Purge::default();
    let ns = plan.namespace;
    // Namespaces have no glob characters, so only the trailing `*` is a pattern.
    for pattern in [ns.l1_key("*"), ns.l2_key("*")] {
        let mut pages = ScanPages::new(pattern, Some("hash")).count(plan.batch_size);
        while let Some(keys) = pages.next_page(store).await? {
            let keys: Vec<Vec<u8>> = keys
                .into_iter()
                .filter(|k| parse_entry_key(k).is_some())
                .collect();
            p.scanned += keys.len() as u64;
            bar.inc(keys.len() as u64);
            let probes = store.probe_members(&keys).await?;
            let (mut l1, mut l2) = (Vec::new(), Vec::new());
            for (key, probe) in keys.into_iter().zip(probes) {
                let Some(entry) = parse_entry_key(&key) else {
                    continue;
                };
                let deps = match &probe.deps {
                    Ok(raw) if probe.exists() => parse_entry_deps(raw.as_deref(), ns),
                    _ => continue,
                };
                match deps {
                    Err(_) => p.skipped_corrupt += 1,
                    Ok(d) if d.last().and_then(|p| p.hash.as_deref()) == Some(plan.version) => {
                        p.kept_fresh += 1
                    }
                    Ok(_) => match entry.tier {
                        Tier::L1 => l1.push(key),
                        Tier::L2 => l2.push(key),
                    },
                }
            }
            if plan.dry_run {
                p.l1_deleted += l1.len() as u64;
                p.l2_deleted += l2.len() as u64;
            } else {
                let done = store.unlink_entries(&l1, &l2).await?;
                p.l1_deleted += done.l1;
                p.l2_deleted += done.l2;
                // Replaced since the read by a key that is not an entry: kept, as unreadable.
                p.skipped_corrupt += done.not_entries;
            }
            if interrupt.is_set() {
                break;
            }
        }
    }
    Ok(p)
}
