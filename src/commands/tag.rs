//! `cachecore tag` and `cachecore untag`: add deps to, or remove them from, existing
//! entries, through [`crate::engine::retag`] (the order and the compare-and-set).

use std::collections::HashMap;

use anyhow::Result;
use serde::Serialize;

use super::Context;
use crate::cli::{TagArgs, UntagArgs};
use crate::engine::retag::{Change, Status, apply, preflight};
use crate::engine::verdict::current_hashes;
use crate::error::{Exit, invalid, one_line};
use crate::layout::{DepId, DepRecord, parse_entry_key, validate_hash};
use crate::output::{Line, print_table, printable, table};
use crate::store::{ScanPages, Store};

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

/// Every bad key named on stderr, then the one error: nothing was changed.
fn refuse_bad_keys(bad: Vec<String>, named: usize) -> Result<()> {
    if bad.is_empty() {
        return Ok(());
    }
    for b in &bad {
        crate::error::print_detail(b);
    }
    Err(invalid(format!(
        "{} of {named} keys refused; nothing was changed",
        bad.len()
    )))
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
            refuse_bad_keys(preflight(&mut store, &args.keys).await?, args.keys.len())?;
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
    refuse_bad_keys(preflight(&mut store, &args.keys).await?, args.keys.len())?;
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
