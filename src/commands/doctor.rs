//! `cachecore doctor`: the checks of [`crate::engine::health`] and the event streams'
//! groups, as a table or JSON. Read-only. Exit 1 when a check finds something wrong.

use anyhow::Result;
use serde::Serialize;

use super::Context;
use crate::cli::DoctorArgs;
use crate::engine::health::{Check, DepSize, Status, server_checks};
use crate::error::Exit;
use crate::output::{print_table, table};

#[derive(Debug, Serialize)]
struct Report {
    ok: bool,
    checks: Vec<Check>,
    largest_dep_sets: Vec<DepSize>,
}

pub async fn run(ctx: &Context, args: DoctorArgs) -> Result<Exit> {
    let mut store = ctx.store().await?;
    let (mut checks, largest_dep_sets) = server_checks(&mut store, args.sample_sets).await?;
    // The event streams' consumer groups: lag, pending, consumers, dead letters.
    match crate::service::consume::status::doctor_findings(&mut store).await {
        Ok(found) => checks.extend(found.into_iter().map(|f| {
            let status = if f.warn { Status::Warn } else { Status::Ok };
            Check::new("event stream", status, f.detail)
        })),
        Err(e) => checks.push(Check::new(
            "event stream",
            Status::Warn,
            format!(
                "could not list the event streams ({}); grant +xinfo to check them",
                crate::error::one_line(&e)
            ),
        )),
    }
    let report = Report {
        ok: checks.iter().all(|c| c.status != Status::Error),
        checks,
        largest_dep_sets,
    };
    ctx.out.emit(&report)?;
    Ok(if report.ok {
        Exit::Success
    } else {
        Exit::Negative
    })
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
