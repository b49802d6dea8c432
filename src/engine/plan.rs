//! What an invalidation is, apart from how it runs: the plan a command resolves from its
//! arguments, the report it gets back, the keys one run touches, and the rules and texts
//! of a refusal. The protocol ([`super::invalidation`], [`super::stepwise`],
//! [`super::drain`]) depends on this module and nothing here depends on it.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::bookkeeping::{hash_time_key, pending_key, registry_key};
use crate::layout::DepId;
use crate::pace::Pacer;
use crate::printable::printable_str;
use crate::store::{DepKeys, HashCondition, Sweep};

#[derive(Debug, Clone)]
pub struct Plan {
    pub dep: DepId,
    pub new_hash: Option<String>,
    pub condition: HashCondition,
    pub soft: bool,
    pub dry_run: bool,
    pub max_keys: Option<u64>,
    pub batch_size: usize,
    /// UNLINK batches in flight at once.
    pub pipeline_depth: usize,
    /// `--rate`: shared by every dep of one command.
    pub pacer: Pacer,
}

/// In-flight UNLINK batches per dep, chosen by measurement (see the README's performance
/// section): enough to keep Redis busy across a round trip, small enough to keep memory flat.
pub const DEFAULT_PIPELINE_DEPTH: usize = 4;

/// What one invalidation did (or, with `dry_run`, would do).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub dep_id: String,
    pub old_hash: Option<String>,
    pub new_hash: String,
    pub dry_run: bool,
    pub soft: bool,
    /// Members of the dep set (and of unfinished earlier runs) when the run started.
    pub members: u64,
    pub l1_deleted: u64,
    pub l2_deleted: u64,
    /// Members whose entry had already expired or been deleted.
    pub already_gone: u64,
    /// Members that are not entries, by their name or by what they hold (not a HASH with a
    /// `deps` field); never deleted.
    pub skipped_not_entries: u64,
    /// Unfinished earlier runs for this dep that this run completed.
    pub resumed_runs: u64,
    /// Members of the dep's registry of unfinished runs that this tool did not write
    /// (planted): never followed, never deleted.
    #[serde(skip_serializing_if = "is_zero")]
    pub foreign_runs: u64,
    pub interrupted: bool,
    pub elapsed_ms: u64,
    /// Dry run only: a few of the keys that would be deleted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sample: Vec<String>,
}

impl Report {
    /// `base` (who, when, which command) completed with this run's dep, hashes and counts:
    /// the audit record of one dep's invalidation, whichever command or API ran it.
    pub fn audit_record(&self, base: crate::audit::AuditRecord) -> crate::audit::AuditRecord {
        crate::audit::AuditRecord {
            deps: self.dep_id.clone(),
            old_hash: self.old_hash.clone().unwrap_or_default(),
            new_hash: self.new_hash.clone(),
            counts: crate::audit::counts(&[
                ("members", self.members),
                ("l1_deleted", self.l1_deleted),
                ("l2_deleted", self.l2_deleted),
                ("already_gone", self.already_gone),
                ("interrupted", u64::from(self.interrupted)),
            ]),
            ..base
        }
    }
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Every key one run for `dep` touches (see [`crate::bookkeeping`]).
pub(super) fn dep_keys(dep: &DepId) -> DepKeys {
    DepKeys {
        dep: dep.clone(),
        set: dep.keys_key(),
        hash: dep.hash_key(),
        hash_time: hash_time_key(dep),
        registry: registry_key(dep),
        pending: pending_key(dep, &uuid::Uuid::new_v4().simple().to_string()),
    }
}

/// A hash no one has used before, for `invalidate` without `--new-hash`.
pub fn generated_hash() -> String {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    format!("auto-{ms}-{}", uuid::Uuid::new_v4().simple())
}

pub(super) fn condition_holds(condition: &HashCondition, current: Option<&str>) -> bool {
    match condition {
        HashCondition::Any => true,
        HashCondition::Equals(want) => current == Some(want.as_str()),
        HashCondition::Absent => current.is_none(),
    }
}

/// Why a conditional run was refused, and what to do: what the hash is, what the
/// condition wanted, and how to finish an interrupted run if that is what happened.
pub(super) fn refusal_text(plan: &Plan, current: Option<&str>) -> String {
    let dep = printable_str(plan.dep.as_str());
    let now = current.map_or_else(
        || "absent".to_string(),
        |h| format!("{:?}", printable_str(h)),
    );
    let wanted = match &plan.condition {
        HashCondition::Equals(h) => format!("--if-hash {:?}", printable_str(h)),
        HashCondition::Absent => "--if-unset".to_string(),
        HashCondition::Any => unreachable!("an unconditional write is never refused"),
    };
    let advice = match (current, plan.new_hash.as_deref()) {
        (Some(c), Some(new)) if c == new => format!(
            "the hash is already the new one; if an interrupted run of this command recorded it, delete its entries with `cachecore invalidate {} --new-hash {}` (unconditional)",
            shell_word(plan.dep.as_str()),
            shell_word(new)
        ),
        _ => "another writer changed it: read it with `cachecore deps inspect` and decide"
            .to_string(),
    };
    format!(
        "refused to invalidate {dep}: its current hash is {now}, which does not match {wanted}; nothing was changed; {advice}"
    )
}

/// `text` as one shell word, quoted only when it needs to be.
pub fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:/@%+=,".contains(c));
    if plain {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// The command that finishes `plan` after an interruption or a lost connection: the
/// same dep, condition and (possibly generated) new hash. A rerun of it either runs
/// from the start or, the hash being recorded, finishes the unfinished run.
pub fn finishing_command(plan: &Plan, new_hash: &str) -> String {
    let condition = match &plan.condition {
        HashCondition::Any => String::new(),
        HashCondition::Equals(h) => format!(" --if-hash {}", shell_word(h)),
        HashCondition::Absent => " --if-unset".to_string(),
    };
    format!(
        "cachecore invalidate {} --new-hash {}{condition}",
        shell_word(plan.dep.as_str()),
        shell_word(new_hash)
    )
}

/// Sets up to this size are read whole (SMEMBERS) inside a wave's pipelines; larger ones
/// are streamed by [`super::drain`] in batches.
pub(super) const SMALL_SET: u64 = 256;

impl Report {
    /// The report of a dep the fast path's script did whole (the wave script, or the
    /// order gate's small-dep sweep).
    pub fn from_sweep(dep: &DepId, new_hash: String, s: Sweep, elapsed_ms: u64) -> Report {
        Report {
            dep_id: dep.as_str().to_string(),
            old_hash: s.previous,
            new_hash,
            members: s.members,
            l1_deleted: s.l1_deleted,
            l2_deleted: s.l2_deleted,
            already_gone: s.members - s.l1_deleted - s.l2_deleted - s.skipped_not_entries,
            skipped_not_entries: s.skipped_not_entries,
            elapsed_ms,
            ..Report::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_get_distinct_pending_keys_and_hashes() {
        let dep = DepId::parse("doc:1").unwrap();
        assert_ne!(dep_keys(&dep).pending, dep_keys(&dep).pending);
        assert_eq!(dep_keys(&dep).registry, dep_keys(&dep).registry);
        let (a, b) = (generated_hash(), generated_hash());
        assert_ne!(a, b);
        crate::layout::validate_hash(&a).unwrap();
    }

    #[test]
    fn conditions() {
        assert!(condition_holds(&HashCondition::Any, None));
        assert!(condition_holds(
            &HashCondition::Equals("v1".into()),
            Some("v1")
        ));
        assert!(!condition_holds(
            &HashCondition::Equals("v1".into()),
            Some("v2")
        ));
        assert!(!condition_holds(&HashCondition::Equals("v1".into()), None));
        assert!(condition_holds(&HashCondition::Absent, None));
        assert!(!condition_holds(&HashCondition::Absent, Some("v1")));
    }
}
