//! `cachecore token create | list | revoke`: the HTTP API's tokens.

use anyhow::Result;
use serde::Serialize;

use super::Context;
use crate::cli::TokenCommand;
use crate::error::{Exit, refused};
use crate::layout::Namespace;
use crate::output::{Report, print_table, table};
use crate::service::serve::tokens::{self, Scope, parse_scopes};

#[derive(Serialize)]
struct Created<'a> {
    name: &'a str,
    scopes: Vec<String>,
    namespace: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    fresh_ttl_secs: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stale_window_secs: Option<u64>,
    token: &'a str,
}

#[derive(Serialize)]
struct Row {
    name: String,
    scopes: Vec<String>,
    created_ms: u64,
    /// Absent when never used.
    last_used_ms: Option<u64>,
    namespace: String,
    /// The token's own gateway windows; absent: the gateway's.
    fresh_ttl_secs: Option<u64>,
    stale_window_secs: Option<u64>,
}

#[derive(Serialize)]
struct Listed {
    tokens: Vec<Row>,
}

#[derive(Serialize)]
struct Revoked<'a> {
    name: &'a str,
    revoked: bool,
}

pub async fn run(ctx: &Context, cmd: TokenCommand) -> Result<Exit> {
    match cmd {
        TokenCommand::Create(args) => {
            // Every input is checked before Redis is touched.
            tokens::validate_name(&args.name.name)?;
            let scopes = args
                .scopes
                .iter()
                .map(|s| Scope::parse(s))
                .collect::<Result<Vec<_>>>()?;
            let namespace = Namespace::parse(
                args.namespace
                    .as_deref()
                    .unwrap_or(crate::layout::DEFAULT_NAMESPACE),
            )?;
            let mut store = ctx.store().await?;
            let windows = tokens::Windows {
                fresh_ttl_secs: args.fresh_ttl,
                stale_window_secs: args.stale_window,
            };
            let token =
                tokens::create(&mut store, &args.name.name, &scopes, &namespace, windows).await?;
            let mut record = ctx.audit_record("token create");
            record.deps = scopes.iter().map(Scope::text).collect::<Vec<_>>().join(",");
            record.new_hash = format!("token:{}", args.name.name);
            ctx.audit(&mut store, &[record]).await;
            ctx.out.emit(&Created {
                name: &args.name.name,
                scopes: scopes.iter().map(Scope::text).collect(),
                namespace: namespace.as_str(),
                fresh_ttl_secs: args.fresh_ttl,
                stale_window_secs: args.stale_window,
                token: &token,
            })?;
            Ok(Exit::Success)
        }
        TokenCommand::List => {
            let mut store = ctx.store().await?;
            let rows: Vec<Row> = tokens::list(&mut store)
                .await?
                .into_iter()
                .map(|t| Row {
                    scopes: parse_scopes(&t.scopes).iter().map(Scope::text).collect(),
                    name: t.name,
                    created_ms: t.created_ms,
                    last_used_ms: (t.last_used_ms > 0).then_some(t.last_used_ms),
                    namespace: t
                        .namespace
                        .unwrap_or_else(|| crate::layout::DEFAULT_NAMESPACE.into()),
                    fresh_ttl_secs: t.fresh_ttl_secs,
                    stale_window_secs: t.stale_window_secs,
                })
                .collect();
            ctx.out.emit(&Listed { tokens: rows })?;
            Ok(Exit::Success)
        }
        TokenCommand::Revoke(args) => {
            tokens::validate_name(&args.name)?;
            let mut store = ctx.store().await?;
            if !tokens::revoke(&mut store, &args.name).await? {
                return Err(refused(format!(
                    "there is no token named {}; nothing was changed (`cachecore token list` shows them)",
                    args.name
                )));
            }
            let mut record = ctx.audit_record("token revoke");
            record.old_hash = format!("token:{}", args.name);
            ctx.audit(&mut store, &[record]).await;
            ctx.out.emit(&Revoked {
                name: &args.name,
                revoked: true,
            })?;
            Ok(Exit::Success)
        }
    }
}

impl Report for Created<'_> {
    fn command(&self) -> &'static str {
        "token create"
    }

    fn render(&self) -> Result<()> {
        // The only place the secret is ever written: stdout, once.
        crate::output::write_stdout(format!("{}\n", self.token).as_bytes())?;
        crate::output::note(&format!(
            "token {} created; it is shown only now (only its SHA-256 is stored): keep it in your webhook's secret store",
            self.name
        ));
        Ok(())
    }
}

impl Report for Listed {
    fn command(&self) -> &'static str {
        "token list"
    }

    fn render(&self) -> Result<()> {
        let mut t = table(&[
            "name",
            "scopes",
            "namespace",
            "windows",
            "created",
            "last used",
        ]);
        for r in &self.tokens {
            t.add_row(vec![
                r.name.clone(),
                r.scopes.join(" "),
                r.namespace.clone(),
                windows_text(r.fresh_ttl_secs, r.stale_window_secs),
                time_text(Some(r.created_ms)),
                time_text(r.last_used_ms),
            ]);
        }
        print_table(&t)
    }
}

impl Report for Revoked<'_> {
    fn command(&self) -> &'static str {
        "token revoke"
    }

    fn render(&self) -> Result<()> {
        crate::outln!(
            "revoked token {}: every server refuses it from its next request on",
            self.name
        );
        Ok(())
    }
}

/// A token's windows as `fresh 300s, stale 60s` (`gateway's` for the flags' own).
fn windows_text(fresh: Option<u64>, stale: Option<u64>) -> String {
    let one = |v: Option<u64>| v.map_or("gateway's".to_string(), |s| format!("{s}s"));
    format!("fresh {}, stale {}", one(fresh), one(stale))
}

/// A unix-ms time as UTC text (`never` for none).
fn time_text(ms: Option<u64>) -> String {
    match ms {
        Some(ms) if ms > 0 => humantime::format_rfc3339_seconds(
            std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms),
        )
        .to_string(),
        _ => "never".to_string(),
    }
}
