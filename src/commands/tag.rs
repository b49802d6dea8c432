//! `cachecore tag` and `cachecore untag`: add deps to, or remove them from, existing
//! entries.
//!
//! Order keeps the layout's invariant ("an entry that declares a dep is in its set") true
//! at every instant: `tag` adds the key to the dep sets before it rewrites `deps`; `untag`
//! rewrites `deps` before it removes the key from the sets. The rewrite itself is a
//! compare-and-set on the `deps` field, retried when the proxy rewrote the entry meanwhile.

use std::collections::HashMap;

use anyhow::Result;
use serde::Serialize;

use super::Context;
use crate::cli::{TagArgs, UntagArgs};
use crate::engine::verdict::current_hashes;
use crate::error::{Exit, invalid, one_line};
use crate::layout::{
    DepId, DepRecord, parse_entry_deps, parse_entry_key, validate_hash, write_deps,
};
use crate::output::{Line, print_table, printable, table};
use crate::store::{ScanPages, Store};

/// Compare-and-set attempts per entry before giving up on one the proxy keeps rewriting.
const ATTEMPTS: usize = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Status {
    Changed,
    WouldChange,
    Unchanged,
    Failed,
}

#[derive(Serialize)]
struct KeyLine {
    key: String,
    status: Status,
    /// Deps added (tag) or removed (untag).
    deps: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Debug, Default, Serialize)]
struct Summary {
    keys: u64,
    changed: u64,
    unchanged: u64,
    failed: u64,
    dry_run: bool,
}

/// `ID` or `ID=HASH`; the first `=` separates them (so an id containing `=` cannot be
/// given here).
fn parse_spec(spec: &str) -> Result<(DepId, Option<String>)> {
    match spec.split_once('=') {
        Some((id, hash)) => {
            validate_hash(hash)?;
            Ok((DepId::parse_user(id)?, Some(hash.to_string())))
        }
        None => Ok((DepId::parse_user(spec)?, None)),
    }
}

/// Checks every named key before anything changes: all are entries with readable deps.
async fn preflight(store: &mut Store, keys: &[String]) -> Result<()> {
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
    if bad.is_empty() {
        return Ok(());
    }
    for b in &bad {
        crate::error::print_detail(b);
    }
    Err(invalid(format!(
        "{} of {} keys refused; nothing was changed",
        bad.len(),
        keys.len()
    )))
}

enum Change<'a> {
    Tag(&'a [DepRecord]),
    Untag(&'a [DepId]),
}

/// Applies one change to one entry. Returns the deps actually added or removed.
async fn apply(
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

fn report(
    ctx: &Context,
    summary: &mut Summary,
    key: &[u8],
    result: Result<(Status, Vec<String>)>,
) -> Result<()> {
    summary.keys += 1;
    let (status, deps, error) = match result {
        Ok((status, deps)) => (status, deps, None),
        Err(e) => (Status::Failed, Vec::new(), Some(one_line(&e))),
    };
    match status {
        Status::Changed | Status::WouldChange => summary.changed += 1,
        Status::Unchanged => summary.unchanged += 1,
        Status::Failed => summary.failed += 1,
    }
    ctx.out.line(&KeyLine {
        key: printable(key),
        status,
        deps,
        error,
    })
}

impl Line for KeyLine {
    fn kind(&self) -> &'static str {
        "key"
    }

    fn render(&self) -> Result<()> {
        let detail = self.error.clone().unwrap_or_else(|| self.deps.join(", "));
        crate::outln!(
            "{:<12} {}  {}",
            format!("{:?}", self.status).to_lowercase(),
            self.key,
            detail
        );
        Ok(())
    }
}

impl Line for Summary {
    fn kind(&self) -> &'static str {
        "summary"
    }

    fn render(&self) -> Result<()> {
        let mut t = table(&[
            "keys",
            if self.dry_run {
                "would change"
            } else {
                "changed"
            },
            "unchanged",
            "failed",
        ]);
        t.add_row(vec![
            crate::output::count(self.keys),
            crate::output::count(self.changed),
            crate::output::count(self.unchanged),
            crate::output::count(self.failed),
        ]);
        print_table(&t)
    }
}

async fn finish(
    ctx: &Context,
    store: &mut Store,
    command: &str,
    deps: String,
    summary: &Summary,
) -> Result<Exit> {
    if !summary.dry_run && summary.changed > 0 {
        let mut record = ctx.audit_record(command);
        record.deps = deps;
        record.counts = crate::audit::counts(&[
            ("keys", summary.keys),
            ("changed", summary.changed),
            ("failed", summary.failed),
        ]);
        ctx.audit(store, &[record]).await;
    }
    ctx.out.line(summary)?;
    Ok(if ctx.interrupt.is_set() {
        Exit::Interrupted
    } else if summary.failed > 0 {
        Exit::Negative
    } else {
        Exit::Success
    })
}

pub async fn tag(ctx: &Context, args: TagArgs) -> Result<Exit> {
    let specs = args
        .deps
        .iter()
        .map(|s| parse_spec(s))
        .collect::<Result<Vec<_>>>()?;
    let mut store = ctx.store().await?;
    // The recorded hash defaults to the dep's current hash, read once before any change.
    let current: HashMap<String, String> = current_hashes(
        &mut store,
        specs
            .iter()
            .filter(|(_, h)| h.is_none())
            .map(|(d, _)| d.as_str()),
    )
    .await?;
    let records: Vec<DepRecord> = specs
        .into_iter()
        .map(|(dep, hash)| DepRecord {
            hash: hash.or_else(|| current.get(dep.as_str()).cloned()),
            id: dep.as_str().to_string(),
        })
        .collect();
    let change = Change::Tag(&records);
    let mut summary = Summary {
        dry_run: args.dry_run,
        ..Summary::default()
    };
    match &args.pattern {
        None => {
            preflight(&mut store, &args.keys).await?;
            for key in &args.keys {
                let result = apply(&mut store, key.as_bytes(), &change, args.dry_run).await;
                report(ctx, &mut summary, key.as_bytes(), result)?;
            }
        }
        Some(pattern) => {
            if !args.dry_run {
                ctx.confirm(
                    args.yes,
                    &format!(
                        "tag every entry matching {} on {}?",
                        printable(pattern.as_bytes()),
                        store.endpoint()
                    ),
                )?;
            }
            let mut pages = ScanPages::new(pattern.as_str(), Some("hash"));
            while let Some(keys) = pages.next_page(&mut store).await? {
                // Keys that match the pattern but are not entries are not ours to change.
                for key in keys.into_iter().filter(|k| parse_entry_key(k).is_some()) {
                    let result = apply(&mut store, &key, &change, args.dry_run).await;
                    report(ctx, &mut summary, &key, result)?;
                }
                if ctx.interrupt.is_set() {
                    break;
                }
            }
        }
    }
    let ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
    finish(
        ctx,
        &mut store,
        "tag",
        crate::audit::deps_field(&ids),
        &summary,
    )
    .await
}

pub async fn untag(ctx: &Context, args: UntagArgs) -> Result<Exit> {
    let deps = args
        .deps
        .iter()
        .map(|d| DepId::parse_user(d))
        .collect::<Result<Vec<_>, _>>()?;
    let mut store = ctx.store().await?;
    preflight(&mut store, &args.keys).await?;
    let change = Change::Untag(&deps);
    let mut summary = Summary {
        dry_run: args.dry_run,
        ..Summary::default()
    };
    for key in &args.keys {
        let result = apply(&mut store, key.as_bytes(), &change, args.dry_run).await;
        report(ctx, &mut summary, key.as_bytes(), result)?;
        if ctx.interrupt.is_set() {
            break;
        }
    }
    let ids: Vec<&str> = deps.iter().map(DepId::as_str).collect();
    finish(
        ctx,
        &mut store,
        "untag",
        crate::audit::deps_field(&ids),
        &summary,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::parse_spec;

    #[test]
    fn dep_specs() {
        let (d, h) = parse_spec("doc:1").unwrap();
        assert_eq!((d.as_str(), h), ("doc:1", None));
        let (d, h) = parse_spec("doc:1=v=2").unwrap();
        assert_eq!((d.as_str(), h.as_deref()), ("doc:1", Some("v=2")));
        assert!(parse_spec("doc:1=").is_err(), "an empty hash is invalid");
        assert!(parse_spec("cc:policy-version:default").is_err());
        assert!(parse_spec("a b").is_err());
    }
}
