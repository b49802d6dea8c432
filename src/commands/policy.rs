//! `cachecore policy show | list | roll`

use std::collections::BTreeMap;
use std::time::Instant;

use anyhow::Result;
use serde::Serialize;

use super::Context;
use crate::bookkeeping::{hash_time_key, policy_history_key};
use crate::cli::{NamespaceArg, PolicyPurgeArgs, PolicyRollArgs};
use crate::engine::purge::{self, Purge};
use crate::error::{Exit, invalid, refused};
use crate::layout::{
    DEFAULT_POLICY_VERSION, DepId, Namespace, Tier, parse_entry_key, policy_hash_namespace,
    validate_hash,
};
use crate::output::{Report, elapsed_text, print_table, printable_str, table};
use crate::store::{PolicyKeys, PolicyRoll, ScanPages, Store};

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

/// The version a roll moves to. Refuses (exit 1) a version the namespace had before:
/// the current one, "1" (current from the start), any recorded in `history`, or, for a
/// namespace rolled before the history was kept, a number lower than the current one.
/// Entries written at such a version would be fresh again.
pub(crate) fn next_version(
    ns: &Namespace,
    current: &str,
    to: Option<&str>,
    history: &[String],
) -> Result<String> {
    let numeric = current.parse::<u64>().ok();
    let new = match to {
        Some(v) => {
            if let (Some(c), Ok(n)) = (numeric, v.parse::<u64>())
                && n < c
            {
                return Err(refused(format!(
                    "refused to roll the policy of namespace {ns} to {n}: it is lower than the current version {c}, and entries written at {n} would be fresh again; pick a version never used; nothing was changed"
                )));
            }
            v.to_string()
        }
        None => numeric
            .and_then(|n| n.checked_add(1))
            .map(|n| n.to_string())
            .ok_or_else(|| {
                invalid(format!(
                    "the current policy version {} is not a number; give the next one with --to",
                    printable_str(current)
                ))
            })?,
    };
    if new == current {
        return Err(refused(format!(
            "refused to roll the policy of namespace {ns} to {:?}: it is already the current version; a roll must change it; nothing was changed",
            printable_str(&new)
        )));
    }
    if new == DEFAULT_POLICY_VERSION || history.contains(&new) {
        return Err(used_before(ns, &new, history));
    }
    Ok(new)
}

/// The refusal of a version that was current before, listing the versions used.
pub(crate) fn used_before(ns: &Namespace, version: &str, history: &[String]) -> anyhow::Error {
    const SHOWN: usize = 20;
    let mut used: Vec<&str> = history.iter().map(String::as_str).collect();
    used.push(DEFAULT_POLICY_VERSION);
    // Numbers in order first, then the rest by text.
    used.sort_by_key(|v| (v.parse::<u64>().unwrap_or(u64::MAX), *v));
    used.dedup();
    let mut listed = used
        .iter()
        .take(SHOWN)
        .map(|v| printable_str(v))
        .collect::<Vec<_>>()
        .join(", ");
    if used.len() > SHOWN {
        listed.push_str(&format!(" and {} more", used.len() - SHOWN));
    }
    refused(format!(
        "refused to roll the policy of namespace {ns} to {:?}: it was current before (used versions: {listed}); entries written at it would be fresh again; pick a version never used; nothing was changed",
        printable_str(version)
    ))
}

/// A policy value for messages: the stored text, or how an absent record reads.
pub(crate) fn shown_version(v: Option<&str>) -> String {
    v.map_or_else(
        || format!("{DEFAULT_POLICY_VERSION:?} (never rolled)"),
        |v| format!("{:?}", printable_str(v)),
    )
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
    let keys = PolicyKeys {
        record: dep.hash_key(),
        record_time: hash_time_key(&dep),
        history: policy_history_key(&ns),
    };
    let mut store = ctx.store().await?;
    let mut started = Instant::now();
    let state = store.policy_state(&keys).await?;
    let old = state
        .current
        .clone()
        .unwrap_or_else(|| DEFAULT_POLICY_VERSION.into());
    let new = next_version(&ns, &old, args.to.as_deref(), &state.history)?;
    let mut doc = RollDoc {
        command: "policy roll",
        namespace: ns.to_string(),
        old_version: old,
        new_version: new,
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
        // The prompt may have waited long: the script rolls only from the version read
        // above, so a concurrent roll is never overwritten by an older one.
        match store
            .roll_policy(&keys, state.current.as_deref(), &doc.new_version)
            .await?
        {
            PolicyRoll::Rolled => {}
            PolicyRoll::Changed(now) => {
                let now = shown_version(now.as_deref());
                return Err(refused(format!(
                    "the policy version of namespace {ns} changed from {} to {now} while this roll waited; nothing was changed; rerun to roll from {now}",
                    shown_version(state.current.as_deref()),
                )));
            }
            PolicyRoll::Used(history) => {
                return Err(used_before(&ns, &doc.new_version, &history));
            }
        }
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

#[cfg(test)]
mod tests {
    use super::{next_version, used_before};
    use crate::error::{Exit, exit_for};
    use crate::layout::Namespace;

    fn next(current: &str, to: Option<&str>, history: &[&str]) -> Result<String, Exit> {
        let ns = Namespace::parse("demo").unwrap();
        let history: Vec<String> = history.iter().map(|v| v.to_string()).collect();
        next_version(&ns, current, to, &history).map_err(|e| exit_for(&e))
    }

    #[test]
    fn versions_increment_or_move_to_one_never_used() {
        assert_eq!(next("1", None, &[]).unwrap(), "2");
        assert_eq!(next("41", None, &["1", "41"]).unwrap(), "42");
        assert_eq!(
            next("v7", None, &[]),
            Err(Exit::Usage),
            "non-numeric needs --to"
        );
        assert_eq!(next("v7", Some("v8"), &["v7"]).unwrap(), "v8");
        assert_eq!(next("3", Some("10"), &[]).unwrap(), "10");
        assert_eq!(next("3", Some("3"), &[]), Err(Exit::Negative));
        assert_eq!(
            next("3", Some("2"), &[]),
            Err(Exit::Negative),
            "never back to an old number"
        );
        assert_eq!(next(&u64::MAX.to_string(), None, &[]), Err(Exit::Usage));
    }

    #[test]
    fn a_version_that_was_current_before_is_refused() {
        assert_eq!(
            next("2026-12", Some("1"), &["1", "2026-12"]),
            Err(Exit::Negative)
        );
        assert_eq!(
            next("v9", Some("1"), &[]),
            Err(Exit::Negative),
            "\"1\" is used from the start, history or not"
        );
        assert_eq!(
            next("abc", Some("2"), &["1", "2", "abc"]),
            Err(Exit::Negative)
        );
        assert_eq!(next("abc", None, &[]), Err(Exit::Usage), "still needs --to");
        assert_eq!(
            next("5", None, &["1", "5", "6", "x"]),
            Err(Exit::Negative),
            "an increment to a used number"
        );
        assert_eq!(next("abc", Some("3"), &["1", "2", "abc"]).unwrap(), "3");
    }

    fn message(current: &str, to: Option<&str>, history: &[&str]) -> String {
        let ns = Namespace::parse("demo").unwrap();
        let history: Vec<String> = history.iter().map(|v| v.to_string()).collect();
        format!(
            "{:#}",
            next_version(&ns, current, to, &history).unwrap_err()
        )
    }

    #[test]
    fn each_refusal_says_why() {
        let lower = message("3", Some("2"), &[]);
        assert!(
            lower.contains("lower than the current version 3"),
            "{lower}"
        );
        let same = message("3", Some("3"), &[]);
        assert!(same.contains("already the current version"), "{same}");
        let used = message("v3", Some("2"), &["1", "2", "v3"]);
        assert!(used.contains("(used versions: 1, 2, v3)"), "{used}");
    }

    #[test]
    fn the_used_versions_are_listed_up_to_twenty() {
        let ns = Namespace::parse("demo").unwrap();
        let history = |n: u64| (1..=n).map(|v| v.to_string()).collect::<Vec<_>>();
        let twenty = format!("{:#}", used_before(&ns, "7", &history(20)));
        assert!(twenty.contains("1, 2, 3,"), "{twenty}");
        assert!(twenty.contains(", 20);"), "{twenty}");
        assert!(!twenty.contains("more"), "{twenty}");
        let many = format!("{:#}", used_before(&ns, "7", &history(25)));
        assert!(many.contains(", 20 and 5 more);"), "{many}");
        assert!(!many.contains("21"), "{many}");
    }
}
