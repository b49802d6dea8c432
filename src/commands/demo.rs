//! `cachecore demo [--entries N] [--namespace NS] [--force] [--yes]`
//!
//! Fills a Redis with a realistic synthetic data set, written exactly as the proxy writes
//! entries, so that a newcomer can try every command: L1 and L2 entries tagged with a few
//! hundred deps (documents, tables, users; most entries share their table dep), recorded
//! with the deps' current hashes, a day's TTL, and a few dangling members left by entries
//! that "expired". Refuses a namespace that already holds entries unless `--force`.

use std::collections::HashMap;
use std::io::IsTerminal as _;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Result;
use indicatif::ProgressBar;
use serde::Serialize;

use super::Context;
use crate::cli::DemoArgs;
use crate::error::{Exit, invalid, refused};
use crate::layout::{DepId, DepRecord, Namespace, fingerprint, write_deps};
use crate::output::{print_table, table};
use crate::store::{NewEntry, Store};

const TABLES: [&str; 10] = [
    "products",
    "orders",
    "customers",
    "prices",
    "stock",
    "shipping",
    "returns",
    "reviews",
    "suppliers",
    "promotions",
];
const DOCS: u64 = 200;
const USERS: u64 = 90;
const TTL_MS: u64 = 24 * 3600 * 1000;

#[derive(Debug, Default, Serialize)]
pub(super) struct Report {
    namespace: String,
    l1_written: u64,
    l2_written: u64,
    deps: u64,
    dangling_members: u64,
}

/// The deps entry `i` declares, in declaration order.
fn deps_of(i: u64) -> Vec<String> {
    let mut deps = vec![
        // Shifted by one every DOCS entries: with a plain i % DOCS all of a doc's entries
        // would be in the same tier (every fifth entry is L2, and DOCS is a multiple of 5).
        format!("doc:contract-{}", (i + i / DOCS) % DOCS),
        format!("table:{}", TABLES[((i / 5) % TABLES.len() as u64) as usize]),
    ];
    if i.is_multiple_of(3) {
        deps.push(format!("user:{}", (i / 3) % USERS));
    }
    deps
}

fn all_deps() -> Vec<String> {
    let mut deps: Vec<String> = (0..DOCS).map(|d| format!("doc:contract-{d}")).collect();
    deps.extend(TABLES.iter().map(|t| format!("table:{t}")));
    deps.extend((0..USERS).map(|u| format!("user:{u}")));
    deps
}

pub async fn run(ctx: &Context, args: DemoArgs) -> Result<Exit> {
    let ns = Namespace::parse(&args.namespace)?;
    let mut store = ctx.store().await?;
    let l1_pattern = format!("{}*", ns.l1_key(""));
    let l2_pattern = format!("{}*", ns.l2_key(""));
    if !args.force {
        for pattern in [&l1_pattern, &l2_pattern] {
            if store.any_key(pattern).await? {
                return Err(refused(format!(
                    "{} already holds Cachecore entries in namespace {ns} ({pattern}); pass --force to add the demo data anyway, or choose another --namespace",
                    store.endpoint()
                )));
            }
        }
    }
    scratch_or_confirmed(ctx, &mut store, &args).await?;
    let bar = ctx
        .out
        .progress(Some(args.entries), "writing demo entries", "entries");
    let report = fill(&mut store, &ns, args.entries, &bar).await?;
    bar.finish_and_clear();

    ctx.out.emit(&report)?;
    Ok(Exit::Success)
}

/// Demo data is for scratch servers: one that holds keys outside `cc:` and `vec:` is in
/// use for something else, so writing there is asked first (or needs `--yes` off a
/// terminal, where nobody can be asked).
async fn scratch_or_confirmed(ctx: &Context, store: &mut Store, args: &DemoArgs) -> Result<()> {
    if args.yes || store.keys_outside(&["cc:", "vec:"], 100).await? == 0 {
        return Ok(());
    }
    let what = format!(
        "{} holds keys that are not Cachecore's (outside cc: and vec:); demo writes {} test entries there",
        store.endpoint(),
        args.entries
    );
    if !std::io::stdin().is_terminal() {
        return Err(invalid(format!(
            "{what}: it is meant for a scratch server (`cachecore sandbox` makes one); pass --yes to write anyway; nothing was written"
        )));
    }
    ctx.confirm(false, &format!("{what}. Write them?"))
}

/// Writes `entries` demo entries into `ns` (and the dangling members), counting them on
/// `bar`. Shared with `sandbox`, which fills its private server the same way.
/// What every demo entry records: each dep's current hash and set, the policy version,
/// the write time.
struct Recorded<'a> {
    deps: HashMap<&'a str, (Option<String>, String)>,
    policy: DepId,
    policy_hash: String,
    created_at: String,
}

impl Recorded<'_> {
    /// Demo entry `i`, written as the proxy writes one: every fifth an L2 entry.
    fn entry(&self, ns: &Namespace, i: u64) -> NewEntry {
        let l2 = i % 5 == 4;
        let key = if l2 {
            ns.l2_key(&i.to_string())
        } else {
            let request = format!(
                r#"{{"model":"demo-model","messages":[{{"role":"user","content":"demo question {i}"}}],"temperature":0}}"#
            );
            ns.l1_key(&fingerprint(&request).expect("the demo request is valid JSON"))
        };
        let declared = deps_of(i);
        let mut records: Vec<DepRecord> = declared
            .iter()
            .map(|id| DepRecord {
                id: id.clone(),
                hash: self.deps[id.as_str()].0.clone(),
            })
            .collect();
        records.push(DepRecord {
            id: self.policy.as_str().to_string(),
            hash: Some(self.policy_hash.clone()),
        });
        NewEntry {
            key,
            body: format!("Demo answer {i}: the contract's payment terms are net 30 days.")
                .into_bytes(),
            deps: write_deps(&records),
            created_at: self.created_at.clone(),
            embedding: l2.then(|| {
                (0..16u32)
                    .flat_map(|d| ((i as f32) + d as f32).to_le_bytes())
                    .collect()
            }),
            ttl_ms: TTL_MS,
            dep_sets: declared
                .iter()
                .map(|id| self.deps[id.as_str()].1.clone())
                .collect(),
        }
    }
}

pub(super) async fn fill(
    store: &mut Store,
    ns: &Namespace,
    entries: u64,
    bar: &ProgressBar,
) -> Result<Report> {
    // Recorded as the proxy records them: each dep's current hash, and the policy version.
    let ids: Vec<DepId> = all_deps()
        .iter()
        .map(|d| DepId::parse(d).expect("demo ids are valid"))
        .collect();
    let hash_keys: Vec<String> = ids.iter().map(DepId::hash_key).collect();
    let current = store.get_strings(&hash_keys).await?;
    // Each dep's recorded hash and set key, looked up per entry.
    let dep_table: HashMap<&str, (Option<String>, String)> = ids
        .iter()
        .zip(current)
        .map(|(id, hash)| (id.as_str(), (hash, id.keys_key())))
        .collect();
    let policy = DepId::policy(ns);
    let policy_hash = store
        .get_string(&policy.hash_key())
        .await?
        .unwrap_or_else(|| "1".into());
    let created_at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0)
        .to_string();

    let recorded = Recorded {
        deps: dep_table,
        policy,
        policy_hash,
        created_at,
    };
    let mut report = Report {
        namespace: ns.to_string(),
        deps: ids.len() as u64,
        ..Report::default()
    };
    let mut batch = Vec::with_capacity(500);
    for i in 0..entries {
        let entry = recorded.entry(ns, i);
        if entry.embedding.is_some() {
            report.l2_written += 1;
        } else {
            report.l1_written += 1;
        }
        batch.push(entry);
        if batch.len() == 500 {
            store.write_entries(&batch).await?;
            bar.inc(batch.len() as u64);
            batch.clear();
        }
    }
    store.write_entries(&batch).await?;
    bar.inc(batch.len() as u64);
    // Leftovers of entries that expired: members whose key no longer exists. The first
    // sits in doc:contract-123's set, the README's example dep, so that invalidating it
    // shows an "already gone" member too.
    let dangling = (entries / 100).max(3);
    for j in 0..dangling {
        let gone = ns.l2_key(&format!("expired-{j}"));
        let set = DepId::parse(&format!("doc:contract-{}", (123 + j) % DOCS))
            .expect("demo ids are valid")
            .keys_key();
        store.sadd(&set, gone.as_bytes()).await?;
    }
    report.dangling_members = dangling;
    Ok(report)
}

impl crate::output::Report for Report {
    fn command(&self) -> &'static str {
        "demo"
    }

    fn render(&self) -> Result<()> {
        let mut t = table(&[]);
        t.add_row(vec!["namespace".to_string(), self.namespace.clone()]);
        t.add_row(vec![
            "L1 entries written".to_string(),
            crate::output::count(self.l1_written),
        ]);
        t.add_row(vec![
            "L2 entries written".to_string(),
            crate::output::count(self.l2_written),
        ]);
        t.add_row(vec!["deps".to_string(), self.deps.to_string()]);
        t.add_row(vec![
            "dangling members".to_string(),
            crate::output::count(self.dangling_members),
        ]);
        print_table(&t)?;
        crate::output::note(
            "try: cachecore deps list --top 10, then cachecore invalidate table:products --dry-run",
        );
        Ok(())
    }
}
