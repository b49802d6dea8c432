//! Whether a found entry may be served, by the contract's freshness rule
//! (shared/redis-layout.md) applied to the hashes the lookup read, and what a miss would
//! record. Pure: no Redis here.

use std::time::Duration;

use super::deps::{Declaration, Declared};
use crate::layout::{
    DEFAULT_POLICY_VERSION, DepId, DepRecord, Freshness, Namespace, freshness_in_order,
    parse_entry_deps, write_deps_of,
};
use crate::store::{Found, WriteDep};

/// What the lookup found, judged.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Fresh {
        age: Duration,
    },
    /// In the stale window: served as HIT_L1_STALE while one refresh runs.
    Stale {
        age: Duration,
    },
    Absent,
    /// Found, recording a dep whose current hash the lookup did not read (a peek reads the
    /// request's deps only): not judged; the lookup script reads the entry's own deps.
    Unread,
    /// Found and refused: a miss, with the reason word (for metrics) and the detail (for
    /// the `X-Cache-Refused` header).
    Refused {
        reason: &'static str,
        detail: String,
    },
}

#[derive(Debug, Clone)]
pub struct Windows {
    pub fresh: Duration,
    pub stale: Duration,
}

pub fn judge(
    found: &Found,
    ns: &Namespace,
    declared: &Declaration,
    windows: &Windows,
    now_ms: u64,
) -> Verdict {
    let Some(_) = &found.body else {
        return Verdict::Absent;
    };
    let refused = |reason, detail: String| Verdict::Refused { reason, detail };
    if !written_as_read(found, ns, declared)
        && let Some(not_served) = judge_deps(found, ns, declared)
    {
        return not_served;
    }
    let created = found
        .created_at
        .as_deref()
        .and_then(|b| std::str::from_utf8(b).ok())
        .and_then(|s| s.parse::<u64>().ok());
    let Some(created) = created else {
        return refused("corrupt", "created_at is not a unix time in ms".into());
    };
    let age = Duration::from_millis(now_ms.saturating_sub(created));
    if age < windows.fresh {
        Verdict::Fresh { age }
    } else if age < windows.fresh + windows.stale {
        Verdict::Stale { age }
    } else {
        refused("expired", format!("{}s old", age.as_secs()))
    }
}

/// Whether the entry's deps let it be served, by the contract's rule on the hashes read:
/// `None` when they do, else why not.
fn judge_deps(found: &Found, ns: &Namespace, declared: &[Declared]) -> Option<Verdict> {
    let refused = |reason, detail: String| Verdict::Refused { reason, detail };
    let deps = match parse_entry_deps(found.deps.as_deref(), ns) {
        Ok(d) => d,
        Err(e) => return Some(refused("corrupt", e.to_string())),
    };
    let current: Vec<Option<&str>> = match &found.entry_current {
        Some(read) => read.iter().map(Option::as_deref).collect(),
        None => match by_request(&deps, found, declared) {
            Some(current) => current,
            None => return Some(Verdict::Unread),
        },
    };
    if let Freshness::Stale { dep, .. } = freshness_in_order(&deps, current) {
        return Some(refused("dep_changed", dep));
    }
    // The request's own declaration must match what the entry recorded: an entry written
    // without a dep this request declares is not in that dep's set, so invalidating the
    // dep would not delete it; one written under another expected hash answers for
    // another version of the data.
    for (i, d) in declared.iter().enumerate() {
        // At its own place in an entry written for this request's declaration.
        let recorded = match deps.get(i) {
            Some(r) if r.id == d.id.as_str() => Some(r),
            _ => deps.iter().find(|r| r.id == d.id.as_str()),
        };
        match recorded {
            None => return Some(refused("dep_not_recorded", d.id.to_string())),
            Some(r) if d.hash.is_some() && r.hash != d.hash => {
                return Some(refused("declared_hash_differs", d.id.to_string()));
            }
            Some(_) => {}
        }
    }
    None
}

/// A peek's shortcut to [`judge_deps`]: the entry's `deps` field is, byte for byte, what
/// this gateway writes for the request's deps and the policy dep at the hashes just read
/// (a dep whose hash is absent: as the request declares it). Then it records exactly the
/// declared deps, each at the current hash (or at any, when the current one is absent)
/// and each declared expected hash is the recorded one, so judging would serve it (a
/// property test holds the two to that). Parsing and judging cost a hit some 2k
/// instructions per dep; this writes the field once and compares. Otherwise: `false`.
fn written_as_read(found: &Found, ns: &Namespace, declared: &Declaration) -> bool {
    let (None, Some(raw)) = (&found.entry_current, found.deps.as_deref()) else {
        return false;
    };
    if found.request_current.len() != declared.len() + 1 {
        return false;
    }
    if let Some(prefix) = declared.field_prefix() {
        // Every dep declares its hash, which is then the one written whether its current
        // one is absent or the same (and if it is another, judging refuses the entry):
        // the field is the declaration's, written once, and the policy dep's element.
        let policy = DepId::policy(ns);
        let now = found.request_current[declared.len()].as_deref();
        let tail = write_deps_of(std::iter::once((
            policy.as_str(),
            Some(now.unwrap_or(DEFAULT_POLICY_VERSION)),
        )));
        let agree = declared
            .iter()
            .zip(&found.request_current)
            .all(|(d, now)| now.is_none() || now.as_deref() == d.hash.as_deref());
        return agree
            && raw.len() + 1 == prefix.len() + tail.len()
            && raw.starts_with(prefix)
            && raw[prefix.len()..] == tail[1..];
    }
    let mut pairs = Vec::with_capacity(declared.len() + 1);
    for (d, now) in declared.iter().zip(&found.request_current) {
        let hash = match (now.as_deref(), d.hash.as_deref()) {
            (Some(now), Some(want)) if now != want => return false,
            (Some(now), _) => Some(now),
            (None, want) => want,
        };
        pairs.push((d.id.as_str(), hash));
    }
    let policy = DepId::policy(ns);
    let now = found.request_current[declared.len()].as_deref();
    pairs.push((policy.as_str(), Some(now.unwrap_or(DEFAULT_POLICY_VERSION))));
    write_deps_of(pairs.into_iter()) == raw
}

/// The current hash of each of the entry's `deps` from a peek's reads (the request's
/// declared deps, then the policy dep: `found.request_current`); `None` when the entry
/// records a dep the request did not declare. An entry written for this request records
/// its deps in the declared order, so each is looked for at its own place first.
fn by_request<'a>(
    deps: &[DepRecord],
    found: &'a Found,
    declared: &[Declared],
) -> Option<Vec<Option<&'a str>>> {
    let read = |j: usize| found.request_current.get(j).and_then(Option::as_deref);
    let last = deps.len().checked_sub(1)?;
    let mut current = Vec::with_capacity(deps.len());
    for (i, d) in deps.iter().enumerate() {
        // parse_entry_deps checked that the last is the namespace's policy dep.
        let j = if i == last {
            declared.len()
        } else if declared.get(i).is_some_and(|x| x.id.as_str() == d.id) {
            i
        } else {
            declared.iter().position(|x| x.id.as_str() == d.id)?
        };
        current.push(read(j));
    }
    Some(current)
}

/// What a miss writes: the entry's `deps` (declared, then the policy dep) and each dep's
/// hash at request start for the race check; `Err(id)` when a declared expected hash is
/// already not the dep's current one, so the answer would be stale the moment it is
/// written (it is not cached).
pub fn plan_write(
    ns: &Namespace,
    declared: &[Declared],
    at_start: &[Option<String>],
) -> Result<(Vec<DepRecord>, Vec<WriteDep>), String> {
    let mut records = Vec::with_capacity(declared.len() + 1);
    let mut checks = Vec::with_capacity(declared.len() + 1);
    for (i, d) in declared.iter().enumerate() {
        let now = at_start.get(i).cloned().flatten();
        if let (Some(want), Some(now)) = (&d.hash, &now)
            && want != now
        {
            return Err(d.id.to_string());
        }
        records.push(DepRecord {
            id: d.id.to_string(),
            hash: d.hash.clone().or_else(|| now.clone()),
        });
        checks.push(WriteDep {
            id: d.id.to_string(),
            at_start: now,
            tracked: true,
        });
    }
    let policy = crate::layout::DepId::policy(ns).to_string();
    let now = at_start.get(declared.len()).cloned().flatten();
    records.push(DepRecord {
        id: policy.clone(),
        hash: Some(
            now.clone()
                .unwrap_or_else(|| DEFAULT_POLICY_VERSION.to_string()),
        ),
    });
    checks.push(WriteDep {
        id: policy,
        at_start: now,
        tracked: false,
    });
    Ok((records, checks))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{DepId, write_deps};

    fn ns() -> Namespace {
        Namespace::parse("default").unwrap()
    }

    fn found(deps: &str, current: Vec<Option<&str>>, created: u64) -> Found {
        Found {
            body: Some(b"{}".to_vec()),
            deps: Some(deps.as_bytes().to_vec()),
            created_at: Some(created.to_string().into_bytes()),
            entry_current: Some(current.into_iter().map(|c| c.map(String::from)).collect()),
            request_current: vec![],
            ..Found::default()
        }
    }

    const W: Windows = Windows {
        fresh: Duration::from_secs(3000),
        stale: Duration::from_secs(600),
    };

    fn decl(d: &[Declared]) -> Declaration {
        Declaration::new(d.to_vec())
    }

    fn declared(id: &str, hash: Option<&str>) -> Declared {
        Declared {
            id: DepId::parse(id).unwrap(),
            hash: hash.map(String::from),
        }
    }

    #[test]
    fn the_freshness_rule_decides_in_every_window() {
        let deps = r#"[{"id":"doc:1","hash":"v1"},{"id":"cc:policy-version:default","hash":"1"}]"#;
        let d = decl(&[declared("doc:1", Some("v1"))]);
        let now = 10_000_000;
        assert!(matches!(
            judge(
                &found(deps, vec![None, None], now - 1000),
                &ns(),
                &d,
                &W,
                now
            ),
            Verdict::Fresh { .. }
        ));
        assert!(matches!(
            judge(
                &found(deps, vec![Some("v1"), Some("1")], now - 3_100_000),
                &ns(),
                &d,
                &W,
                now
            ),
            Verdict::Stale { .. }
        ));
        for age in [1000, 3_100_000] {
            let v = judge(
                &found(deps, vec![Some("v2"), None], now - age),
                &ns(),
                &d,
                &W,
                now,
            );
            assert_eq!(
                v,
                Verdict::Refused {
                    reason: "dep_changed",
                    detail: "doc:1".into()
                }
            );
        }
        let v = judge(&found(deps, vec![None, Some("2")], now), &ns(), &d, &W, now);
        assert_eq!(
            v,
            Verdict::Refused {
                reason: "dep_changed",
                detail: "cc:policy-version:default".into()
            }
        );
        let v = judge(
            &found(deps, vec![None, None], now),
            &ns(),
            &decl(&[declared("doc:2", None)]),
            &W,
            now,
        );
        assert!(matches!(
            v,
            Verdict::Refused {
                reason: "dep_not_recorded",
                ..
            }
        ));
        let v = judge(
            &found(deps, vec![None, None], now),
            &ns(),
            &decl(&[declared("doc:1", Some("v2"))]),
            &W,
            now,
        );
        assert!(matches!(
            v,
            Verdict::Refused {
                reason: "declared_hash_differs",
                ..
            }
        ));
        let other = Namespace::parse("other").unwrap();
        assert!(matches!(
            judge(&found(deps, vec![None, None], now), &other, &d, &W, now),
            Verdict::Refused {
                reason: "corrupt",
                ..
            }
        ));
    }

    /// What a peek read: the request's deps' current hashes, then the policy dep's.
    fn peeked(deps: &str, request: Vec<Option<&str>>, created: u64) -> Found {
        Found {
            entry_current: None,
            request_current: request.into_iter().map(|c| c.map(String::from)).collect(),
            ..found(deps, vec![], created)
        }
    }

    #[test]
    fn a_peek_is_judged_by_the_requests_hashes_and_leaves_other_deps_unread() {
        let deps = r#"[{"id":"doc:1","hash":"v1"},{"id":"doc:2","hash":"v1"},{"id":"cc:policy-version:default","hash":"1"}]"#;
        let now = 10_000_000;
        let judged = |read: Vec<Option<&str>>, d: &[Declared]| {
            judge(&peeked(deps, read, now - 1000), &ns(), &decl(d), &W, now)
        };
        let moved = |dep: &str| Verdict::Refused {
            reason: "dep_changed",
            detail: dep.into(),
        };
        let both = [declared("doc:1", Some("v1")), declared("doc:2", None)];
        let fresh = judged(vec![Some("v1"), Some("v1"), None], &both);
        assert!(matches!(fresh, Verdict::Fresh { .. }), "{fresh:?}");
        assert_eq!(
            judged(vec![Some("v1"), Some("v2"), None], &both),
            moved("doc:2")
        );
        assert_eq!(
            judged(vec![None, None, Some("2")], &both),
            moved("cc:policy-version:default")
        );
        // Declared in another order than recorded: each hash is its own dep's.
        let swapped = [declared("doc:2", None), declared("doc:1", Some("v1"))];
        assert_eq!(
            judged(vec![Some("v2"), Some("v1"), None], &swapped),
            moved("doc:2")
        );
        assert!(matches!(
            judged(vec![Some("v1"), Some("v1"), None], &swapped),
            Verdict::Fresh { .. }
        ));
        // doc:2 was not declared, so its hash was not read: never taken as absent.
        for read in [vec![Some("v1"), None], vec![Some("v1"), Some("v1")]] {
            assert_eq!(
                judged(read, &[declared("doc:1", Some("v1"))]),
                Verdict::Unread
            );
        }
        assert_eq!(judged(vec![None], &[]), Verdict::Unread);
    }

    #[test]
    fn the_shortcut_serves_an_entry_written_at_the_hashes_read() {
        let now = 10_000_000;
        let d = decl(&[declared("doc:1", Some("v1")), declared("doc:\"2\\", None)]);
        // As a miss wrote it when doc:1 had no hash yet and doc:"2\ was at h7.
        let (records, _) = plan_write(&ns(), &d, &[None, Some("h7".into()), None]).unwrap();
        let field = write_deps(&records);
        let read = |r: Vec<Option<&str>>| peeked(&field, r, now - 1000);
        assert!(written_as_read(
            &read(vec![None, Some("h7"), None]),
            &ns(),
            &d
        ));
        assert!(written_as_read(
            &read(vec![Some("v1"), Some("h7"), Some("1")]),
            &ns(),
            &d
        ));
        for moved in [
            vec![Some("v2"), Some("h7"), None],
            vec![None, Some("h8"), None],
            vec![None, None, None],
            vec![None, Some("h7"), Some("2")],
        ] {
            assert!(!written_as_read(&read(moved), &ns(), &d));
        }
        assert!(!written_as_read(
            &read(vec![None, Some("h7"), None]),
            &ns(),
            &decl(&d[..1])
        ));
    }

    fn hash() -> impl proptest::strategy::Strategy<Value = Option<String>> {
        proptest::option::of(proptest::sample::select(vec!["v1", "v2", "1", "2", "\"\\"]))
            .prop_map(|h| h.map(String::from))
    }

    use proptest::strategy::Strategy as _;

    proptest::proptest! {
        /// Whatever the declaration, the hashes read and the entry's field (written by a
        /// miss at other hashes, or made up), the shortcut never serves what judging
        /// would refuse.
        #[test]
        fn what_the_shortcut_serves_judging_serves_too(
            ids in proptest::collection::vec(proptest::sample::select(vec!["a", "b", "c\"d"]), 0..4),
            expected in proptest::collection::vec(hash(), 4),
            at_write in proptest::collection::vec(hash(), 5),
            read in proptest::collection::vec(hash(), 5),
            recorded in proptest::collection::vec(proptest::option::of(hash()), 5),
            made_up in proptest::collection::vec(
                (proptest::sample::select(vec!["a", "b", "cc:policy-version:default"]), hash()), 0..4),
            kind in 0..3u8,
        ) {
            let mut d: Vec<Declared> = Vec::new();
            for (i, id) in ids.iter().enumerate() {
                if !d.iter().any(|x| x.id.as_str() == *id) {
                    d.push(Declared { id: DepId::parse(id).unwrap(), hash: expected[i].clone() });
                }
            }
            let record = |id: &str, hash: &Option<String>| DepRecord { id: id.to_string(), hash: hash.clone() };
            let field = match kind {
                // As a miss wrote it, at other hashes than those read now.
                0 => match plan_write(&ns(), &d, &at_write[..=d.len()]) {
                    Ok((records, _)) => write_deps(&records),
                    Err(_) => return Ok(()),
                },
                // The declared deps and the policy dep, each at the hash read now or
                // at another.
                1 => write_deps(&d.iter().map(|x| x.id.as_str())
                    .chain(["cc:policy-version:default"])
                    .zip(recorded.iter().zip(&read))
                    .map(|(id, (other, now))| record(id, other.as_ref().unwrap_or(now)))
                    .collect::<Vec<_>>()),
                _ => write_deps(&made_up.iter().map(|(id, h)| record(id, h)).collect::<Vec<_>>()),
            };
            let found = peeked(&field, read[..=d.len()].iter().map(|h| h.as_deref()).collect(), 0);
            // The declaration's field written once answers as the field written again.
            let general = written_as_read(&found, &ns(), &Declaration::without_prefix(d.clone()));
            proptest::prop_assert_eq!(written_as_read(&found, &ns(), &decl(&d)), general, "{}", field);
            if general {
                proptest::prop_assert_eq!(judge_deps(&found, &ns(), &d), None, "{}", field);
            }
        }
    }

    #[test]
    fn a_write_records_the_current_hash_of_deps_declared_without_one() {
        let d = [declared("doc:1", None), declared("doc:2", Some("v1"))];
        let (records, checks) =
            plan_write(&ns(), &d, &[Some("h7".into()), None, Some("3".into())]).unwrap();
        assert_eq!(
            write_deps(&records),
            r#"[{"id":"doc:1","hash":"h7"},{"id":"doc:2","hash":"v1"},{"id":"cc:policy-version:default","hash":"3"}]"#
        );
        assert_eq!(checks.iter().filter(|c| c.tracked).count(), 2);
        let (records, _) = plan_write(&ns(), &[], &[None]).unwrap();
        assert_eq!(
            write_deps(&records),
            r#"[{"id":"cc:policy-version:default","hash":"1"}]"#
        );
        assert_eq!(
            plan_write(
                &ns(),
                &[declared("doc:2", Some("v1"))],
                &[Some("v2".into()), None]
            )
            .unwrap_err(),
            "doc:2"
        );
    }
}
