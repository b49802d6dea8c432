//! `cachecore deps list [--pattern GLOB] [--top N] [--sort members|id]`

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use anyhow::Result;
use serde::Serialize;

use crate::cli::{ListArgs, ListSort};
use crate::commands::Context;
use crate::error::Exit;
use crate::layout::{DEP_HASH_PREFIX, DEP_KEYS_PREFIX};
use crate::output::{Line, opt_text, printable};
use crate::store::ScanPages;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
struct Row {
    dep_id: String,
    members: u64,
    current_hash: Option<String>,
}

/// Keeps the first `n` rows by the chosen order, so `--top` needs memory for `n` rows.
struct Top {
    n: usize,
    /// Min-heap on (members, then the id reversed): among equal sizes the id that sorts
    /// last is dropped first, so `--top 1` is the first row of `--top 10`.
    by_members: BinaryHeap<Reverse<(u64, Reverse<String>, Row)>>,
    by_id: BinaryHeap<(String, Row)>,
    sort: ListSort,
}

impl Top {
    fn push(&mut self, row: Row) {
        match self.sort {
            ListSort::Members => {
                self.by_members
                    .push(Reverse((row.members, Reverse(row.dep_id.clone()), row)));
                if self.by_members.len() > self.n {
                    self.by_members.pop();
                }
            }
            ListSort::Id => {
                self.by_id.push((row.dep_id.clone(), row));
                if self.by_id.len() > self.n {
                    self.by_id.pop();
                }
            }
        }
    }

    fn into_sorted(self) -> Vec<Row> {
        match self.sort {
            ListSort::Members => {
                let mut rows: Vec<_> = self
                    .by_members
                    .into_iter()
                    .map(|Reverse((_, _, r))| r)
                    .collect();
                rows.sort_by(|a, b| {
                    b.members
                        .cmp(&a.members)
                        .then_with(|| a.dep_id.cmp(&b.dep_id))
                });
                rows
            }
            ListSort::Id => {
                let mut rows: Vec<_> = self.by_id.into_iter().map(|(_, r)| r).collect();
                rows.sort_by(|a, b| a.dep_id.cmp(&b.dep_id));
                rows
            }
        }
    }
}

pub async fn run(ctx: &Context, args: ListArgs) -> Result<Exit> {
    let mut store = ctx.store().await?;
    // The prefix has no glob characters, so only the operator's part is a pattern.
    let pattern = format!("{DEP_KEYS_PREFIX}{}", args.pattern);
    let mut top = match (args.top, args.sort) {
        (None, None) => None,
        (n, sort) => Some(Top {
            n: n.unwrap_or(usize::MAX),
            by_members: BinaryHeap::new(),
            by_id: BinaryHeap::new(),
            sort: sort.unwrap_or(ListSort::Members),
        }),
    };
    ctx.out
        .for_people(&format!("{:>10}  {:<24}  dep", "members", "current hash"))?;
    let bar = ctx.out.progress(None, "listing dep sets", "sets");
    let mut count = 0u64;
    let mut pages = ScanPages::new(pattern, Some("set"));
    while let Some(keys) = pages.next_page(&mut store).await? {
        let keys: Vec<String> = keys
            .into_iter()
            .filter_map(|k| String::from_utf8(k).ok())
            .collect();
        let members = store.scards(&keys).await?;
        let hash_keys: Vec<String> = keys
            .iter()
            .map(|k| format!("{DEP_HASH_PREFIX}{}", &k[DEP_KEYS_PREFIX.len()..]))
            .collect();
        let hashes = store.get_strings(&hash_keys).await?;
        for ((key, members), hash) in keys.iter().zip(members).zip(hashes) {
            let row = Row {
                dep_id: key[DEP_KEYS_PREFIX.len()..].to_string(),
                members,
                current_hash: hash,
            };
            count += 1;
            match &mut top {
                Some(top) => top.push(row),
                None => bar.suspend(|| ctx.out.line(&row))?,
            }
        }
        bar.inc(keys.len() as u64);
        if ctx.interrupt.is_set() || crate::output::stdout_closed() {
            break;
        }
    }
    bar.finish_and_clear();
    if let Some(top) = top {
        for row in top.into_sorted() {
            ctx.out.line(&row)?;
        }
    }
    ctx.out.for_people(&format!("{count} dep sets"))?;
    Ok(if ctx.interrupt.is_set() {
        Exit::Interrupted
    } else {
        Exit::Success
    })
}

impl Line for Row {
    fn kind(&self) -> &'static str {
        "dep"
    }

    fn render(&self) -> Result<()> {
        crate::outln!(
            "{:>10}  {:<24}  {}",
            self.members,
            opt_text(self.current_hash.as_deref()),
            printable(self.dep_id.as_bytes())
        );
        Ok(())
    }
}
