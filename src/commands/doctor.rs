//! `cachecore doctor`: is this Redis safe to run Cachecore on, and how healthy are its
//! dep sets? Read-only. Exit 1 when a check finds something wrong.
//!
//! The one hard error besides connectivity: an `allkeys-*` eviction policy can evict a
//! `cc:dep:hash:` record, and an absent hash makes every entry that recorded an older one
//! fresh again. `volatile-*` policies only evict keys with a TTL (entries), which is safe.

use std::time::Instant;

use anyhow::Result;
use serde::Serialize;

use super::Context;
use crate::cli::DoctorArgs;
use crate::error::Exit;
use crate::layout::DEP_KEYS_PREFIX;
use crate::output::{print_table, printable, table};
use crate::store::ScanPages;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Status {
    Ok,
    Warn,
    Error,
}

#[derive(Debug, Serialize)]
struct Check {
    name: &'static str,
    status: Status,
    detail: String,
}

#[derive(Debug, Serialize)]
struct DepSize {
    dep_id: String,
    members: u64,
    /// The set's key as stored (dep_id is escaped for printing).
    #[serde(skip)]
    key: String,
}

#[derive(Debug, Serialize)]
struct Report {
    ok: bool,
    checks: Vec<Check>,
    largest_dep_sets: Vec<DepSize>,
}

pub async fn run(ctx: &Context, args: DoctorArgs) -> Result<Exit> {
    let mut store = ctx.store().await?;
    let mut checks = Vec::new();
    let mut add = |name, status, detail: String| {
        checks.push(Check {
            name,
            status,
            detail,
        })
    };

    let mut rtts = Vec::new();
    for _ in 0..10 {
        let t = Instant::now();
        store.ping().await?;
        rtts.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    rtts.sort_by(f64::total_cmp);
    let (median, worst) = (rtts[rtts.len() / 2], rtts[rtts.len() - 1]);
    add(
        "connectivity",
        if median > 50.0 {
            Status::Warn
        } else {
            Status::Ok
        },
        format!(
            "{}: PING median {median:.2} ms, worst {worst:.2} ms of 10",
            store.endpoint()
        ),
    );

    match store.info_field("server", "redis_version").await {
        Ok(Some(v)) => add("server version", Status::Ok, format!("Redis {v}")),
        Ok(None) => add(
            "server version",
            Status::Warn,
            "INFO gave no redis_version".into(),
        ),
        Err(e) => add("server version", Status::Warn, not_permitted("INFO", &e)),
    }
    add(
        "topology",
        Status::Ok,
        if store.is_standalone() {
            "single node".into()
        } else {
            "Redis Cluster".into()
        },
    );

    match store.config_get("maxmemory-policy").await {
        Ok(Some(policy)) if policy.starts_with("allkeys-") => add(
            "eviction policy",
            Status::Error,
            format!(
                "maxmemory-policy is {policy}: Redis may evict cc:dep:hash: records, which makes stale entries fresh again; use noeviction or a volatile-* policy"
            ),
        ),
        Ok(Some(policy)) => add(
            "eviction policy",
            Status::Ok,
            format!("maxmemory-policy is {policy}"),
        ),
        Ok(None) => add(
            "eviction policy",
            Status::Warn,
            "maxmemory-policy not reported".into(),
        ),
        Err(e) => add(
            "eviction policy",
            Status::Warn,
            not_permitted("CONFIG GET", &e),
        ),
    }
    match (
        store.config_get("save").await,
        store.config_get("appendonly").await,
    ) {
        (Ok(save), Ok(aof)) => {
            let save = save.unwrap_or_default();
            let aof = aof.unwrap_or_default();
            let none = save.trim().is_empty() && aof != "yes";
            add(
                "persistence",
                Status::Ok,
                if none {
                    "none: a restart empties the cache, entries and hash records alike (consistent)"
                        .into()
                } else {
                    format!("RDB save \"{save}\", appendonly {aof}")
                },
            );
        }
        (Err(e), _) | (_, Err(e)) => {
            add("persistence", Status::Warn, not_permitted("CONFIG GET", &e))
        }
    }

    // Dep sets: the largest of a sample, and how many sampled members are dangling.
    let mut sizes: Vec<DepSize> = Vec::new();
    let mut pages = ScanPages::new(format!("{DEP_KEYS_PREFIX}*"), Some("set"));
    while sizes.len() < args.sample_sets as usize {
        let Some(sets) = pages.next_page(&mut store).await? else {
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
    add(
        "dangling members",
        if ratio > 0.5 {
            Status::Warn
        } else {
            Status::Ok
        },
        format!(
            "{:.0} % of {probed} sampled members point to expired entries{}",
            ratio * 100.0,
            if ratio > 0.5 {
                ": run `cachecore deps prune`"
            } else {
                ""
            }
        ),
    );
    sizes.truncate(5);
    match crate::service::consume::status::doctor_findings(&mut store).await {
        Ok(found) => {
            for f in found {
                let status = if f.warn { Status::Warn } else { Status::Ok };
                add("event stream", status, f.detail);
            }
        }
        Err(e) => add(
            "event stream",
            Status::Warn,
            format!(
                "could not list the event streams ({}); grant +xinfo to check them",
                crate::error::one_line(&e)
            ),
        ),
    }

    let ok = checks.iter().all(|c| c.status != Status::Error);
    let report = Report {
        ok,
        checks,
        largest_dep_sets: sizes,
    };
    ctx.out.emit(&report)?;
    Ok(if report.ok {
        Exit::Success
    } else {
        Exit::Negative
    })
}

fn not_permitted(what: &str, e: &anyhow::Error) -> String {
    format!(
        "could not run {what} ({}); grant +info and +config|get to check this",
        crate::error::one_line(e)
    )
}

impl crate::output::Report for Report {
    fn command(&self) -> &'static str {
        "doctor"
    }

    fn render(&self) -> Result<()> {
        let mut t = table(&["check", "status", "detail"]);
        for c in &self.checks {
            let status = match c.status {
                Status::Ok => "ok",
                Status::Warn => "warn",
                Status::Error => "ERROR",
            };
            t.add_row(vec![
                c.name.to_string(),
                status.to_string(),
                c.detail.clone(),
            ]);
        }
        for d in &self.largest_dep_sets {
            t.add_row(vec![
                "largest dep set".to_string(),
                String::new(),
                format!("{} ({} members)", d.dep_id, d.members),
            ]);
        }
        print_table(&t)
    }
}
