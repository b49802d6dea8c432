//! Applies the layout's freshness rule to keys as they are in Redis right now: fetches
//! each batch's entries and the current hashes of every dep they declare, then judges
//! each one. Memory is bounded by the batch.

use std::collections::{HashMap, HashSet};

use anyhow::Result;
use serde::Serialize;

use crate::layout::{DepRecord, Freshness, Tier, freshness, parse_entry_deps, parse_entry_key};
use crate::store::{MemberProbe, Store};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    Fresh,
    Stale {
        stale_dep: String,
        recorded: Option<String>,
        current: String,
    },
    /// Exists but cannot be trusted; never served as fresh.
    Corrupt {
        reason: String,
    },
    /// The member's key no longer exists.
    Dangling,
    /// The member is not an entry key (`user:secret` planted in a dep set): never read,
    /// never deleted, so that no ACL role needs access outside the cache's keys.
    NotEntry,
}

impl Verdict {
    pub fn name(&self) -> &'static str {
        match self {
            Verdict::Fresh => "fresh",
            Verdict::Stale { .. } => "stale",
            Verdict::Corrupt { .. } => "corrupt",
            Verdict::Dangling => "dangling",
            Verdict::NotEntry => "not-entry",
        }
    }

    pub fn detail(&self) -> String {
        use crate::output::{opt_text, printable_str};
        match self {
            Verdict::Stale {
                stale_dep,
                recorded,
                current,
            } => format!(
                "{}: recorded {} current {}",
                printable_str(stale_dep),
                opt_text(recorded.as_deref()),
                printable_str(current)
            ),
            Verdict::Corrupt { reason } => reason.clone(),
            _ => String::new(),
        }
    }
}

impl From<Freshness> for Verdict {
    fn from(f: Freshness) -> Verdict {
        match f {
            Freshness::Fresh => Verdict::Fresh,
            Freshness::Stale {
                dep,
                recorded,
                current,
            } => Verdict::Stale {
                stale_dep: dep,
                recorded,
                current,
            },
        }
    }
}

/// One judged key.
#[derive(Debug, Clone)]
pub struct Judged {
    pub key: Vec<u8>,
    pub tier: Option<Tier>,
    /// `None` when the key was not read (not an entry key).
    pub pttl_ms: Option<i64>,
    pub verdict: Verdict,
}

/// The current hash of each dep id (absent ones omitted), one pipelined round trip.
pub async fn current_hashes<'a>(
    store: &mut Store,
    ids: impl IntoIterator<Item = &'a str>,
) -> Result<HashMap<String, String>> {
    let ids: Vec<&str> = ids
        .into_iter()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let keys: Vec<String> = ids
        .iter()
        .map(|id| format!("{}{id}", crate::layout::DEP_HASH_PREFIX))
        .collect();
    let values = store.get_strings(&keys).await?;
    Ok(ids
        .into_iter()
        .zip(values)
        .filter_map(|(id, v)| v.map(|v| (id.to_string(), v)))
        .collect())
}

/// The verdict for parsed deps given the current hashes.
pub fn judge(deps: &[DepRecord], current: &HashMap<String, String>) -> Verdict {
    freshness(deps, |id| current.get(id).map(String::as_str)).into()
}

/// The deps of a member that exists and is a readable entry, or the verdict that ends
/// its judgement early.
fn member_deps(key: &[u8], probe: &MemberProbe) -> Result<Vec<DepRecord>, Verdict> {
    if !probe.exists() {
        return Err(Verdict::Dangling);
    }
    let Some(entry_key) = parse_entry_key(key) else {
        return Err(Verdict::NotEntry);
    };
    match &probe.deps {
        Ok(raw) => {
            parse_entry_deps(raw.as_deref(), &entry_key.namespace).map_err(|e| Verdict::Corrupt {
                reason: e.to_string(),
            })
        }
        Err(e) => Err(Verdict::Corrupt {
            reason: format!("cannot read the deps field: {e}"),
        }),
    }
}

/// Judges a batch of keys (typically dep-set members). Keys that are not entry keys are
/// judged without being read.
pub async fn judge_keys(store: &mut Store, keys: Vec<Vec<u8>>) -> Result<Vec<Judged>> {
    let (entries, foreign): (Vec<Vec<u8>>, Vec<Vec<u8>>) =
        keys.into_iter().partition(|k| parse_entry_key(k).is_some());
    let probes = store.probe_members(&entries).await?;
    let deps: Vec<_> = entries
        .iter()
        .zip(&probes)
        .map(|(k, p)| member_deps(k, p))
        .collect();
    // Collected before the await: an iterator of closures held across it makes the
    // future not provably Send, which the HTTP API's handlers need.
    let ids: Vec<&str> = deps
        .iter()
        .filter_map(|d| d.as_ref().ok())
        .flatten()
        .map(|d| d.id.as_str())
        .collect();
    let current = current_hashes(store, ids.iter().copied()).await?;
    let judged = entries
        .into_iter()
        .zip(probes)
        .zip(deps)
        .map(|((key, probe), deps)| Judged {
            tier: parse_entry_key(&key).map(|k| k.tier),
            key,
            pttl_ms: Some(probe.pttl_ms),
            verdict: deps.map_or_else(|v| v, |deps| judge(&deps, &current)),
        });
    let foreign = foreign.into_iter().map(|key| Judged {
        key,
        tier: None,
        pttl_ms: None,
        verdict: Verdict::NotEntry,
    });
    Ok(judged.chain(foreign).collect())
}
