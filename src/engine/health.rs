//! The checks of `cachecore doctor`: is this Redis safe to run Cachecore on, and how
//! healthy are its dep sets? Read-only; each check is one function over the store.
//!
//! The one hard error besides connectivity: an `allkeys-*` eviction policy can evict a
//! `cc:dep:hash:` record, and an absent hash makes every entry that recorded an older one
//! fresh again. `volatile-*` policies only evict keys with a TTL (entries), which is safe.

use std::time::Instant;

use anyhow::Result;
use serde::Serialize;

use crate::layout::DEP_KEYS_PREFIX;
use crate::output::printable;
use crate::store::{ScanPages, Store};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Warn,
    Error,
}

#[derive(Debug, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub status: Status,
    pub detail: String,
}

impl Check {
    pub fn new(name: &'static str, status: Status, detail: impl Into<String>) -> Check {
        Check {
            name,
            status,
            detail: detail.into(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct DepSize {
    pub dep_id: String,
    pub members: u64,
    /// The set's key as stored (dep_id is escaped for printing).
    #[serde(skip)]
    key: String,
}

/// Every check of the server and its dep sets, in the order shown, and the five largest
/// dep sets of the sample (the first `sample_sets` sets a SCAN finds).
pub async fn server_checks(
    store: &mut Store,
    sample_sets: u64,
) -> Result<(Vec<Check>, Vec<DepSize>)> {
    let mut checks = vec![connectivity(store).await?];
    checks.push(server_version(store).await);
    checks.push(Check::new(
        "topology",
        Status::Ok,
        if store.is_standalone() {
            "single node"
        } else {
            "Redis Cluster"
        },
    ));
    checks.push(eviction(store).await);
    checks.push(persistence(store).await);
    let mut sizes = largest_sets(store, sample_sets).await?;
    checks.push(dangling(store, &sizes).await?);
    sizes.truncate(5);
    Ok((checks, sizes))
}

/// Ten PINGs: the median and the worst round trip.
async fn connectivity(store: &mut Store) -> Result<Check> {
    let mut rtts = Vec::new();
    for _ in 0..10 {
        let t = Instant::now();
        store.ping().await?;
        rtts.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    rtts.sort_by(f64::total_cmp);
    let (median, worst) = (rtts[rtts.len() / 2], rtts[rtts.len() - 1]);
    let status = if median > 50.0 {
        Status::Warn
    } else {
        Status::Ok
    };
    Ok(Check::new(
        "connectivity",
        status,
        format!(
            "{}: PING median {median:.2} ms, worst {worst:.2} ms of 10",
            store.endpoint()
        ),
    ))
}

async fn server_version(store: &mut Store) -> Check {
    let name = "server version";
    match store.info_field("server", "redis_version").await {
        Ok(Some(v)) => Check::new(name, Status::Ok, format!("Redis {v}")),
        Ok(None) => Check::new(name, Status::Warn, "INFO gave no redis_version"),
        Err(e) => Check::new(name, Status::Warn, not_permitted("INFO", &e)),
    }
}

async fn eviction(store: &mut Store) -> Check {
    let name = "eviction policy";
    match store.config_get("maxmemory-policy").await {
        Ok(Some(policy)) if policy.starts_with("allkeys-") => Check::new(
            name,
            Status::Error,
            format!(
                "maxmemory-policy is {policy}: Redis may evict cc:dep:hash: records, which makes stale entries fresh again; use noeviction or a volatile-* policy"
            ),
        ),
        Ok(Some(policy)) => Check::new(name, Status::Ok, format!("maxmemory-policy is {policy}")),
        Ok(None) => Check::new(name, Status::Warn, "maxmemory-policy not reported"),
        Err(e) => Check::new(name, Status::Warn, not_permitted("CONFIG GET", &e)),
    }
}

async fn persistence(store: &mut Store) -> Check {
    let name = "persistence";
    match (
        store.config_get("save").await,
        store.config_get("appendonly").await,
    ) {
        (Ok(save), Ok(aof)) => {
            let save = save.unwrap_or_default();
            let aof = aof.unwrap_or_default();
            let none = save.trim().is_empty() && aof != "yes";
            let detail = if none {
                "none: a restart empties the cache, entries and hash records alike (consistent)"
                    .to_string()
            } else {
                format!("RDB save \"{save}\", appendonly {aof}")
            };
            Check::new(name, Status::Ok, detail)
        }
        (Err(e), _) | (_, Err(e)) => {
            Check::new(name, Status::Warn, not_permitted("CONFIG GET", &e))
        }
    }
}

/// The sizes of the first `sample_sets` dep sets a SCAN finds, largest first.
async fn largest_sets(store: &mut Store, sample_sets: u64) -> Result<Vec<DepSize>> {
    let mut sizes: Vec<DepSize> = Vec::new();
    let mut pages = ScanPages::new(format!("{DEP_KEYS_PREFIX}*"), Some("set"));
    while sizes.len() < sample_sets as usize {
        let Some(sets) = pages.next_page(store).await? else {
            break;
        };
        let names: Vec<String> = sets
            .into_iter()
            .filter_map(|s| String::from_utf8(s).ok())
            .collect();
        for (name, n) in names.iter().zip(store.scards(&names).await?) {
            sizes.push(DepSize {
                dep_id: printable(&name.as_bytes()[DEP_KEYS_PREFIX.len()..]),
                members: n,
                key: name.clone(),
            });
        }
    }
    sizes.sort_by_key(|d| std::cmp::Reverse(d.members));
    Ok(sizes)
}

/// The share of members whose entry is gone, among up to 50 entry keys of each of the 20
/// largest sets.
async fn dangling(store: &mut Store, sizes: &[DepSize]) -> Result<Check> {
    let (mut probed, mut dangling) = (0u64, 0u64);
    for d in sizes.iter().take(20) {
        // One SSCAN page rather than SRANDMEMBER: the documented ACL roles grant SSCAN,
        // and a page is as good a sample of expiry as a random draw. Members that are not
        // entry keys are never read.
        let (_, members) = store.sscan(&d.key, 0, 50).await?;
        let members: Vec<Vec<u8>> = members
            .into_iter()
            .filter(|m| crate::layout::parse_entry_key(m).is_some())
            .take(50)
            .collect();
        probed += members.len() as u64;
        dangling += store
            .exists_each(&members)
            .await?
            .iter()
            .filter(|l| !**l)
            .count() as u64;
    }
    let ratio = if probed == 0 {
        0.0
    } else {
        dangling as f64 / probed as f64
    };
    let (status, advice) = if ratio > 0.5 {
        (Status::Warn, ": run `cachecore deps prune`")
    } else {
        (Status::Ok, "")
    };
    Ok(Check::new(
        "dangling members",
        status,
        format!(
            "{:.0} % of {probed} sampled members point to expired entries{advice}",
            ratio * 100.0
        ),
    ))
}

fn not_permitted(what: &str, e: &anyhow::Error) -> String {
    format!(
        "could not run {what} ({}); grant +info and +config|get to check this",
        crate::error::one_line(e)
    )
}
