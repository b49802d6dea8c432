//! Adding deps to existing entries, or removing them (`cachecore tag` and `untag`).
//!
//! Order keeps the layout's invariant ("an entry that declares a dep is in its set") true
//! at every instant: a tag adds the key to the dep sets before it rewrites `deps`; an
//! untag rewrites `deps` before it removes the key from the sets. The rewrite itself is a
//! compare-and-set on the `deps` field, retried when the proxy rewrote the entry meanwhile.

use anyhow::Result;
use serde::Serialize;

use crate::error::invalid;
use crate::layout::{DepId, DepRecord, parse_entry_deps, parse_entry_key, write_deps};
use crate::output::printable;
use crate::store::Store;

/// Compare-and-set attempts per entry before giving up on one the proxy keeps rewriting.
const ATTEMPTS: usize = 5;

/// What a retag did to one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Changed,
    WouldChange,
    Unchanged,
    Failed,
}

/// Checks every named key before anything changes: all are entries with readable deps.
/// Every problem found, one line each; empty when all are entries with readable deps.
pub async fn preflight(store: &mut Store, keys: &[String]) -> Result<Vec<String>> {
    let mut bad = Vec::new();
    for key in keys {
        let shown = printable(key.as_bytes());
        let Some(entry) = parse_entry_key(key.as_bytes()) else {
            bad.push(format!("{shown} is not an entry key"));
            continue;
        };
        let fields = store.entry_fields(key.as_bytes()).await?;
        match fields.key_type.as_str() {
            "hash" => {
                if let Err(e) = parse_entry_deps(fields.deps.as_deref(), &entry.namespace) {
                    bad.push(format!("{shown} is corrupt: {e}"));
                }
            }
            "none" => bad.push(format!("{shown} does not exist")),
            other => bad.push(format!("{shown} holds a {other}, not an entry")),
        }
    }
    Ok(bad)
}

/// What a retag does to an entry's deps.
pub enum Change<'a> {
    Tag(&'a [DepRecord]),
    Untag(&'a [DepId]),
}

/// Applies one change to one entry. Returns the deps actually added or removed.
pub async fn apply(
    store: &mut Store,
    key: &[u8],
    change: &Change<'_>,
    dry_run: bool,
) -> Result<(Status, Vec<String>)> {
    let entry = parse_entry_key(key).ok_or_else(|| invalid("not an entry key"))?;
    for _ in 0..ATTEMPTS {
        let probe = store
            .probe_members(&[key.to_vec()])
            .await?
            .pop()
            .expect("one probe per key");
        if !probe.exists() {
            return Err(invalid("the entry no longer exists"));
        }
        let raw = probe
            .deps
            .map_err(|e| invalid(format!("cannot read deps: {e}")))?;
        let deps = parse_entry_deps(raw.as_deref(), &entry.namespace)
            .map_err(|e| invalid(format!("corrupt: {e}")))?;
        let raw = raw.expect("parsed deps were present");
        let (new, touched): (Vec<DepRecord>, Vec<String>) = match change {
            Change::Tag(add) => {
                let missing: Vec<DepRecord> = add
                    .iter()
                    .filter(|a| !deps.iter().any(|d| d.id == a.id))
                    .cloned()
                    .collect();
                let mut new = deps.clone();
                let policy = new.pop().expect("entries end with the policy dep");
                new.extend(missing.iter().cloned());
                new.push(policy);
                (new, missing.into_iter().map(|d| d.id).collect())
            }
            Change::Untag(remove) => {
                let (gone, kept): (Vec<DepRecord>, Vec<DepRecord>) = deps
                    .iter()
                    .cloned()
                    .partition(|d| remove.iter().any(|r| r.as_str() == d.id));
                (kept, gone.into_iter().map(|d| d.id).collect())
            }
        };
        if touched.is_empty() {
            if !dry_run {
                // Nothing to rewrite, but make the set memberships agree with the deps.
                sync_sets(store, key, change).await?;
            }
            return Ok((Status::Unchanged, touched));
        }
        if dry_run {
            return Ok((Status::WouldChange, touched));
        }
        if let Change::Tag(_) = change {
            sync_sets(store, key, change).await?;
        }
        if store.replace_deps(key, &raw, &write_deps(&new)).await? {
            if let Change::Untag(_) = change {
                sync_sets(store, key, change).await?;
            }
            return Ok((Status::Changed, touched));
        }
    }
    Err(invalid(format!(
        "the entry was rewritten {ATTEMPTS} times while we updated it; try again"
    )))
}

async fn sync_sets(store: &mut Store, key: &[u8], change: &Change<'_>) -> Result<()> {
    match change {
        Change::Tag(add) => {
            for d in add.iter() {
                store
                    .sadd(&format!("{}{}", crate::layout::DEP_KEYS_PREFIX, d.id), key)
                    .await?;
            }
        }
        Change::Untag(remove) => {
            for d in remove.iter() {
                store.srem(&d.keys_key(), key).await?;
            }
        }
    }
    Ok(())
}
