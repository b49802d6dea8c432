//! `cachecore entry <KEY>`

use std::time::{Duration, UNIX_EPOCH};

use anyhow::Result;
use serde::Serialize;

use super::Context;
use crate::cli::EntryArgs;
use crate::engine::verdict::{Verdict, current_hashes, judge};
use crate::error::{Exit, invalid};
use crate::layout::{DepRecord, Tier, parse_entry_deps, parse_entry_key};
use crate::output::{opt_text, print_table, printable_str, table, ttl_text};

#[derive(Serialize)]
struct DepRow {
    id: String,
    recorded: Option<String>,
    current: Option<String>,
}

#[derive(Serialize)]
struct Document {
    key: String,
    tier: Tier,
    namespace: String,
    ttl_ms: Option<i64>,
    created_at_ms: Option<u64>,
    body_bytes: u64,
    embedding_bytes: u64,
    #[serde(flatten)]
    verdict: Verdict,
    deps: Vec<DepRow>,
    /// Shown as `gone`/`none`/a duration in the table; `ttl_ms` in JSON.
    #[serde(skip)]
    pttl_ms: i64,
}

impl crate::output::Report for Document {
    fn command(&self) -> &'static str {
        "entry"
    }

    fn render(&self) -> Result<()> {
        print_entry(self, self.pttl_ms)
    }
}

pub async fn run(ctx: &Context, args: EntryArgs) -> Result<Exit> {
    let key = args.key.as_bytes();
    let shown = printable_str(&args.key);
    let Some(entry_key) = parse_entry_key(key) else {
        return Err(invalid(format!(
            "{shown} is not an entry key: expected cc:l1:{{ns}}:{{sha256 hex}} or vec:{{ns}}:{{id}}"
        )));
    };
    let mut store = ctx.store().await?;
    let fields = store.entry_fields(key).await?;
    match fields.key_type.as_str() {
        "hash" => {}
        "none" => {
            return Err(invalid(format!(
                "no key {shown} in Redis (it may have expired or been invalidated)"
            )));
        }
        other => {
            return Err(invalid(format!(
                "{shown} holds a {other}, not a Cachecore entry (a hash)"
            )));
        }
    }
    let deps = parse_entry_deps(fields.deps.as_deref(), &entry_key.namespace);
    let records: &[DepRecord] = deps.as_deref().unwrap_or(&[]);
    let current = current_hashes(&mut store, records.iter().map(|d| d.id.as_str())).await?;
    let verdict = match &deps {
        Ok(deps) => judge(deps, &current),
        Err(e) => Verdict::Corrupt {
            reason: e.to_string(),
        },
    };
    let doc = Document {
        pttl_ms: fields.pttl_ms,
        key: shown,
        tier: entry_key.tier,
        namespace: entry_key.namespace.to_string(),
        ttl_ms: (fields.pttl_ms >= 0).then_some(fields.pttl_ms),
        created_at_ms: fields
            .created_at
            .as_deref()
            .and_then(|b| std::str::from_utf8(b).ok())
            .and_then(|s| s.parse().ok()),
        body_bytes: fields.body_len,
        embedding_bytes: fields.embedding_len,
        verdict,
        deps: records
            .iter()
            .map(|d| DepRow {
                id: d.id.clone(),
                recorded: d.hash.clone(),
                current: current.get(&d.id).cloned(),
            })
            .collect(),
    };
    ctx.out.emit(&doc)?;
    Ok(match doc.verdict {
        Verdict::Corrupt { .. } => Exit::Negative,
        _ => Exit::Success,
    })
}

fn print_entry(doc: &Document, pttl_ms: i64) -> anyhow::Result<()> {
    let mut t = table(&[]);
    t.add_row(vec!["key".to_string(), doc.key.clone()]);
    t.add_row(vec![
        "tier".to_string(),
        format!("{} (namespace {})", doc.tier, doc.namespace),
    ]);
    t.add_row(vec!["ttl".to_string(), ttl_text(pttl_ms)]);
    let created = doc.created_at_ms.map_or_else(
        || "(missing)".to_string(),
        |ms| {
            let at = UNIX_EPOCH + Duration::from_millis(ms);
            format!("{} ({ms})", humantime::format_rfc3339_millis(at))
        },
    );
    t.add_row(vec!["created_at".to_string(), created]);
    t.add_row(vec![
        "body".to_string(),
        format!("{} bytes", doc.body_bytes),
    ]);
    if doc.tier == Tier::L2 {
        t.add_row(vec![
            "embedding".to_string(),
            format!("{} bytes", doc.embedding_bytes),
        ]);
    }
    let detail = doc.verdict.detail();
    let verdict = if detail.is_empty() {
        doc.verdict.name().to_string()
    } else {
        format!("{}: {detail}", doc.verdict.name())
    };
    t.add_row(vec!["verdict".to_string(), verdict]);
    print_table(&t)?;
    if doc.deps.is_empty() {
        return Ok(());
    }
    let mut d = table(&["dep", "recorded", "current", "verdict"]);
    for row in &doc.deps {
        let policy = row.id.starts_with(crate::layout::POLICY_DEP_PREFIX);
        let effective = row
            .current
            .as_deref()
            .or(policy.then_some(crate::layout::DEFAULT_POLICY_VERSION));
        let status = match effective {
            None => "ok (never invalidated)",
            Some(now) if row.recorded.as_deref() == Some(now) => "ok",
            Some(_) => "CHANGED",
        };
        let current = match (&row.current, policy) {
            (None, true) => "(absent = 1)".to_string(),
            (c, _) => opt_text(c.as_deref()),
        };
        d.add_row(vec![
            printable_str(&row.id),
            opt_text(row.recorded.as_deref()),
            current,
            status.to_string(),
        ]);
    }
    print_table(&d)?;
    Ok(())
}
