//! Policy versions: the rules of a roll and the roll itself, for `cachecore policy roll`
//! and serve's roll routes alike. A namespace's policy version is the hash of its policy
//! dep; rolling it makes every entry of the namespace stale at once. A roll never returns
//! to a version the namespace had: entries written at it would be fresh again.

use anyhow::Result;

use crate::bookkeeping::{hash_time_key, policy_history_key};
use crate::error::{invalid, refused};
use crate::layout::{DEFAULT_POLICY_VERSION, DepId, Namespace};
use crate::output::printable_str;
use crate::store::{PolicyKeys, PolicyRoll, Store};

/// A roll as read: from which version (`current`, `None` when never rolled) to which.
#[derive(Debug, Clone)]
pub struct RollPlan {
    pub ns: Namespace,
    keys: PolicyKeys,
    current: Option<String>,
    /// The current version as it reads (`"1"` when never rolled).
    pub old: String,
    pub new: String,
}

/// Reads the namespace's version and history and decides the version a roll moves to
/// (`to`, or the next number): refused (exit 1) when it was used before.
pub async fn plan_roll(store: &mut Store, ns: &Namespace, to: Option<&str>) -> Result<RollPlan> {
    let dep = DepId::policy(ns);
    let keys = PolicyKeys {
        record: dep.hash_key(),
        record_time: hash_time_key(&dep),
        history: policy_history_key(ns),
    };
    let state = store.policy_state(&keys).await?;
    let old = state
        .current
        .clone()
        .unwrap_or_else(|| DEFAULT_POLICY_VERSION.into());
    let new = next_version(ns, &old, to, &state.history)?;
    Ok(RollPlan {
        ns: ns.clone(),
        keys,
        current: state.current,
        old,
        new,
    })
}

/// Rolls from the version `plan` read, never over a roll made since (a compare-and-set in
/// one script, which also extends the history).
pub async fn apply_roll(store: &mut Store, plan: &RollPlan) -> Result<()> {
    match store
        .roll_policy(&plan.keys, plan.current.as_deref(), &plan.new)
        .await?
    {
        PolicyRoll::Rolled => Ok(()),
        PolicyRoll::Changed(now) => {
            let now = shown_version(now.as_deref());
            Err(refused(format!(
                "the policy version of namespace {} changed from {} to {now} while this roll waited; nothing was changed; rerun to roll from {now}",
                plan.ns,
                shown_version(plan.current.as_deref()),
            )))
        }
        PolicyRoll::Used(history) => Err(used_before(&plan.ns, &plan.new, &history)),
    }
}

/// The version a roll moves to. Refuses (exit 1) a version the namespace had before:
/// the current one, "1" (current from the start), any recorded in `history`, or, for a
/// namespace rolled before the history was kept, a number lower than the current one.
pub fn next_version(
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
pub fn used_before(ns: &Namespace, version: &str, history: &[String]) -> anyhow::Error {
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
pub fn shown_version(v: Option<&str>) -> String {
    v.map_or_else(
        || format!("{DEFAULT_POLICY_VERSION:?} (never rolled)"),
        |v| format!("{:?}", printable_str(v)),
    )
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
