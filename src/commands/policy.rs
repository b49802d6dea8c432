//! `cachecore policy show | list | roll`

use std::collections::BTreeMap;
use std::time::Instant;

use anyhow::Result;
use serde::Serialize;

use super::Context;
use crate::cli::{NamespaceArg, PolicyPurgeArgs, PolicyRollArgs};
use crate::engine::policy;
use crate::engine::purge::{self, Purge};
use crate::error::Exit;
use crate::layout::{
    DEFAULT_POLICY_VERSION, DepId, Namespace, Tier, parse_entry_key, policy_hash_namespace,
    validate_hash,
};
use crate::output::{Report, elapsed_text, print_table, printable_str, table};
use crate::store::{ScanPages, Store};

#[derive(Serialize)]
struct ShowDoc {
    namespace: String,
    policy_version: String,
    /// False when no version was ever recorded (the default "1" applies).
    explicit: bool,
}

pub async fn show(ctx: &Context, args: NamespaceArg) -> Result<Exit> {
    let ns = Namespace::parse(args.name())?;
    let mut store = ctx.store().await?;
    let current = store.get_string(&DepId::policy(&ns).hash_key()).await?;
    let doc = ShowDoc {
        namespace: ns.to_string(),
        explicit: current.is_some(),
        policy_version: current.unwrap_or_else(|| DEFAULT_POLICY_VERSION.into()),
    };
    ctx.out.emit(&doc)?;
    Ok(Exit::Success)
}

impl Report for ShowDoc {
    fn command(&self) -> &'static str {
        "policy show"
    }

    fn render(&self) -> Result<()> {
        let mut t = table(&[]);
        t.add_row(vec!["namespace".to_string(), self.namespace.clone()]);
        let shown = if self.explicit {
            printable_str(&self.policy_version)
        } else {
            format!("{} (never rolled)", self.policy_version)
        };
        t.add_row(vec!["policy version".to_string(), shown]);
        print_table(&t)
    }
}

#[derive(Debug, Default, Serialize)]
struct NamespaceRow {
    namespace: String,
    policy_version: String,
    explicit: bool,
    l1: u64,
    l2: u64,
}

#[derive(Serialize)]
struct ListDoc<'a> {
    namespaces: Vec<&'a NamespaceRow>,
}

impl Report for ListDoc<'_> {
    fn command(&self) -> &'static str {
        "policy list"
    }

    fn render(&self) -> Result<()> {
        let mut t = table(&["namespace", "policy version", "L1 entries", "L2 entries"]);
        for r in &self.namespaces {
            t.add_row(vec![
                r.namespace.clone(),
                printable_str(&r.policy_version),
                crate::output::count(r.l1),
                crate::output::count(r.l2),
            ]);
        }
        print_table(&t)
    }
}

/// One cursor SCAN over the keyspace; memory is one row per namespace.
pub async fn list(ctx: &Context) -> Result<Exit> {
    let mut store = ctx.store().await?;
    let mut rows: BTreeMap<String, NamespaceRow> = BTreeMap::new();
    let bar = ctx.out.progress(None, "scanning", "keys");
    let mut pages = ScanPages::new("*", None);
    while let Some(keys) = pages.next_page(&mut store).await? {
        bar.inc(keys.len() as u64);
        for key in keys {
            if let Some(k) = parse_entry_key(&key) {
                let row = rows.entry(k.namespace.to_string()).or_default();
                match k.tier {
                    Tier::L1 => row.l1 += 1,
                    Tier::L2 => row.l2 += 1,
                }
            } else if let Some(ns) = policy_hash_namespace(&key) {
                rows.entry(ns.to_string()).or_default().explicit = true;
            }
        }
        if ctx.interrupt.is_set() {
            break;
        }
    }
    bar.finish_and_clear();
    let names: Vec<String> = rows.keys().cloned().collect();
    let keys: Vec<String> = names
        .iter()
        .map(|ns| DepId::policy(&Namespace::parse(ns).expect("parsed when found")).hash_key())
        .collect();
    for (ns, version) in names.iter().zip(store.get_strings(&keys).await?) {
        let row = rows.get_mut(ns).expect("row exists");
        row.namespace = ns.clone();
        row.explicit = version.is_some();
        row.policy_version = version.unwrap_or_else(|| DEFAULT_POLICY_VERSION.into());
    }
    ctx.out.emit(&ListDoc {
        namespaces: rows.values().collect(),
    })?;
    Ok(if ctx.interrupt.is_set() {
        Exit::Interrupted
    } else {
        Exit::Success
    })
}

#[derive(Serialize)]
struct RollDoc {
    /// `policy roll` or `policy purge`.
    #[serde(skip)]
    command: &'static str,
    namespace: String,
    old_version: String,
    new_version: String,
    dry_run: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    purge: Option<Purge>,
    interrupted: bool,
    elapsed_ms: u64,
}

pub async fn roll(ctx: &Context, args: PolicyRollArgs) -> Result<Exit> {
    let ns = Namespace::parse(args.ns.name())?;
    if !args.dry_run {
        ctx.require_named(
            args.yes,
            args.ns.namespace.is_some(),
            "the namespace (--namespace)",
        )?;
    }
    if let Some(v) = &args.to {
        validate_hash(v)?;
    }
    let dep = DepId::policy(&ns);
    let mut store = ctx.store().await?;
    let mut started = Instant::now();
    let plan = policy::plan_roll(&mut store, &ns, args.to.as_deref()).await?;
    let mut doc = RollDoc {
        command: "policy roll",
        namespace: ns.to_string(),
        old_version: plan.old.clone(),
        new_version: plan.new.clone(),
        dry_run: args.dry_run,
        purge: None,
        interrupted: false,
        elapsed_ms: 0,
    };
    if !args.dry_run {
        ctx.confirm(
            args.yes,
            &format!(
                "roll the policy of namespace {ns} from {} to {} on {}? Every entry of the namespace becomes stale at once{}",
                printable_str(&doc.old_version),
                printable_str(&doc.new_version),
                store.endpoint(),
                if args.purge { " and is deleted" } else { "" }
            ),
        )?;
        // Time spent at the prompt is not the command's.
        started = Instant::now();
        // The prompt may have waited long: the roll is made only from the version read
        // above, so a concurrent roll is never overwritten by an older one.
        policy::apply_roll(&mut store, &plan).await?;
    }
    if args.purge {
        doc.purge = Some(
            purge(
                ctx,
                &mut store,
                &ns,
                &doc.new_version,
                args.dry_run,
                args.batch_size as usize,
            )
            .await?,
        );
    }
    doc.interrupted = ctx.interrupt.is_set();
    doc.elapsed_ms = started.elapsed().as_millis() as u64;
    record_and_print(ctx, &mut store, &dep, &doc).await?;
    Ok(if doc.interrupted {
        ctx.out.note(&format!(
            "interrupted: the new version is recorded; finish with `cachecore policy purge --namespace {ns}`"
        ));
        Exit::Interrupted
    } else {
        Exit::Success
    })
}

pub async fn purge_only(ctx: &Context, args: PolicyPurgeArgs) -> Result<Exit> {
    let ns = Namespace::parse(args.ns.name())?;
    if !args.dry_run {
        ctx.require_named(
            args.yes,
            args.ns.namespace.is_some(),
            "the namespace (--namespace)",
        )?;
    }
    let dep = DepId::policy(&ns);
    let mut store = ctx.store().await?;
    store
        .expect_type(dep.hash_key().as_bytes(), "string")
        .await?;
    let version = store
        .get_string(&dep.hash_key())
        .await?
        .unwrap_or_else(|| DEFAULT_POLICY_VERSION.into());
    if !args.dry_run {
        ctx.confirm(
            args.yes,
            &format!(
                "delete every entry of namespace {ns} not at policy version {} on {}?",
                printable_str(&version),
                store.endpoint()
            ),
        )?;
    }
    let started = Instant::now();
    let purged = purge(
        ctx,
        &mut store,
        &ns,
        &version,
        args.dry_run,
        args.batch_size as usize,
    )
    .await?;
    let doc = RollDoc {
        command: "policy purge",
        namespace: ns.to_string(),
        old_version: version.clone(),
        new_version: version,
        dry_run: args.dry_run,
        purge: Some(purged),
        interrupted: ctx.interrupt.is_set(),
        elapsed_ms: started.elapsed().as_millis() as u64,
    };
    record_and_print(ctx, &mut store, &dep, &doc).await?;
    Ok(if doc.interrupted {
        Exit::Interrupted
    } else {
        Exit::Success
    })
}

/// The end of `roll` and `purge`: the audit record (unless a dry run), then the report.
async fn record_and_print(
    ctx: &Context,
    store: &mut Store,
    dep: &DepId,
    doc: &RollDoc,
) -> Result<()> {
    if !doc.dry_run {
        let mut record = ctx.audit_record(doc.command);
        record.deps = dep.as_str().to_string();
        record.old_hash = doc.old_version.clone();
        record.new_hash = doc.new_version.clone();
        if let Some(p) = &doc.purge {
            record.counts = crate::audit::counts(&[
                ("scanned", p.scanned),
                ("l1_deleted", p.l1_deleted),
                ("l2_deleted", p.l2_deleted),
            ]);
        }
        ctx.audit(store, &[record]).await;
    }
    ctx.out.emit(doc)
}

/// The purge of `roll --purge` and `purge`, with its progress bar. `policy` has no
/// `--rate` yet: the purge runs unpaced.
async fn purge(
    ctx: &Context,
    store: &mut Store,
    ns: &Namespace,
    version: &str,
    dry_run: bool,
    batch: usize,
) -> Result<Purge> {
    let bar = ctx
        .out
        .progress(None, &format!("purging namespace {ns}"), "keys");
    let plan = purge::Plan {
        namespace: ns,
        version,
        dry_run,
        batch_size: batch,
    };
    let purged = purge::purge(store, &plan, &bar, &ctx.interrupt).await?;
    bar.finish_and_clear();
    Ok(purged)
}

impl Report for RollDoc {
    fn command(&self) -> &'static str {
        self.command
    }

    fn render(&self) -> Result<()> {
        print_roll(self)
    }
}

fn print_roll(doc: &RollDoc) -> anyhow::Result<()> {
    let mut t = table(&[]);
    t.add_row(vec!["namespace".to_string(), doc.namespace.clone()]);
    t.add_row(vec![
        "policy version".to_string(),
        format!(
            "{} -> {}",
            printable_str(&doc.old_version),
            printable_str(&doc.new_version)
        ),
    ]);
    if doc.dry_run {
        t.add_row(vec![
            "mode".to_string(),
            "dry run: nothing written".to_string(),
        ]);
    }
    if let Some(p) = &doc.purge {
        let verb = if doc.dry_run {
            "would delete"
        } else {
            "deleted"
        };
        t.add_row(vec![
            "entries scanned".to_string(),
            crate::output::count(p.scanned),
        ]);
        t.add_row(vec![
            format!("L1 {verb}"),
            crate::output::count(p.l1_deleted),
        ]);
        t.add_row(vec![
            format!("L2 {verb}"),
            crate::output::count(p.l2_deleted),
        ]);
        t.add_row(vec![
            "kept (new version)".to_string(),
            crate::output::count(p.kept_fresh),
        ]);
        t.add_row(vec![
            "skipped (corrupt)".to_string(),
            crate::output::count(p.skipped_corrupt),
        ]);
    }
    t.add_row(vec![
        "elapsed".to_string(),
        elapsed_text(std::time::Duration::from_millis(doc.elapsed_ms)),
    ]);
    print_table(&t)?;
    Ok(())
}
