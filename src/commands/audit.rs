//! `cachecore audit [--since DURATION] [--limit N]`: the audit trail, newest first.

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Result;

use super::Context;
use crate::audit::AuditRecord;
use crate::cli::AuditArgs;
use crate::error::Exit;
use crate::output::{opt_text, print_table, printable_str, table};

pub async fn run(ctx: &Context, args: AuditArgs) -> Result<Exit> {
    let mut store = ctx.store().await?;
    let since_ms = args.since.map_or(0, |d| {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|n| n.as_millis() as u64)
            .unwrap_or(0);
        now.saturating_sub(d.as_millis() as u64)
    });
    let records = store.audit_read(since_ms, args.limit).await?;
    ctx.out.listing("audit", &records, |records| {
        let mut t = table(&[
            "time (UTC)",
            "who",
            "command",
            "deps",
            "hash",
            "counts",
            "reason",
        ]);
        for r in records {
            t.add_row(row(r));
        }
        print_table(&t)
    })?;
    Ok(Exit::Success)
}

fn row(r: &AuditRecord) -> Vec<String> {
    let hash = if r.old_hash.is_empty() && r.new_hash.is_empty() {
        String::new()
    } else {
        // An empty old hash is one that was absent: spelled as every table spells it.
        let old = (!r.old_hash.is_empty()).then_some(r.old_hash.as_str());
        format!("{} -> {}", opt_text(old), printable_str(&r.new_hash))
    };
    vec![
        humantime::format_rfc3339_seconds(UNIX_EPOCH + std::time::Duration::from_millis(r.time_ms))
            .to_string(),
        printable_str(&format!("{}@{}", r.user, r.host)),
        printable_str(&r.command),
        printable_str(&r.deps),
        hash,
        printable_str(&r.counts),
        printable_str(&reason_text(r)),
    ]
}

/// The reason, and for a change asked for by a stream event, which one.
fn reason_text(r: &AuditRecord) -> String {
    if r.entry_id.is_empty() {
        return r.reason.clone();
    }
    let event = format!("event {} {}", r.stream, r.entry_id);
    if r.reason.is_empty() {
        event
    } else {
        format!("{} ({event})", r.reason)
    }
}
