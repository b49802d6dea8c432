//! Wave records: a bulk command (`invalidate-many`, `serve`'s bulk jobs) writes one audit
//! record for each wave of deps, not one per dep, so that the trail of a million tiny deps
//! costs ten thousand XADDs, not a million. The record keeps everything the per-dep records
//! held: `deps` lists the wave's deps, `counts` their totals (and `deps=N`), and `results`
//! each dep's old and new hash and counts, as JSON. `cachecore audit` shows it expanded
//! into one record per dep, as before.

use serde::{Deserialize, Serialize};

use super::{AuditRecord, count_pairs, deps_field, deps_list};

/// The `results` field: the count names once, then per dep (in `deps` order) its old hash
/// (`null` when absent), new hash and the counts' values.
#[derive(Serialize, Deserialize)]
struct Packed {
    names: Vec<String>,
    deps: Vec<(Option<String>, String, Vec<u64>)>,
}

impl AuditRecord {
    /// `records` (one per dep, each with one dep, all alike but for deps, hashes and
    /// counts) as one wave record. Records that cannot be packed (a count that is not a
    /// number, names that differ) are returned as they are: the trail is never lossy.
    pub fn wave(records: Vec<AuditRecord>) -> Vec<AuditRecord> {
        let Some(first) = records.first() else {
            return records;
        };
        if records.len() == 1 {
            return records;
        }
        let names: Vec<&str> = count_pairs(&first.counts).map(|(k, _)| k).collect();
        let mut totals = vec![0u64; names.len()];
        let mut packed = Vec::with_capacity(records.len());
        for r in &records {
            let values: Vec<(&str, u64)> = count_pairs(&r.counts).collect();
            let alike = values.len() == names.len()
                && values.len() == r.counts.split_whitespace().count()
                && values.iter().zip(&names).all(|((k, _), n)| k == n)
                && deps_list(&r.deps).len() == 1
                && (
                    r.user.as_str(),
                    r.host.as_str(),
                    r.command.as_str(),
                    r.reason.as_str(),
                ) == (
                    first.user.as_str(),
                    first.host.as_str(),
                    first.command.as_str(),
                    first.reason.as_str(),
                )
                && r.stream.is_empty()
                && r.results.is_empty();
            if !alike {
                return records;
            }
            for (total, (_, v)) in totals.iter_mut().zip(&values) {
                *total += v;
            }
            packed.push((
                (!r.old_hash.is_empty()).then(|| r.old_hash.clone()),
                r.new_hash.clone(),
                values.iter().map(|(_, v)| *v).collect(),
            ));
        }
        let deps: Vec<String> = records.iter().flat_map(|r| deps_list(&r.deps)).collect();
        let deps: Vec<&str> = deps.iter().map(String::as_str).collect();
        let mut counts = vec![format!("deps={}", records.len())];
        counts.extend(names.iter().zip(&totals).map(|(k, v)| format!("{k}={v}")));
        let results = Packed {
            names: names.iter().map(|n| n.to_string()).collect(),
            deps: packed,
        };
        vec![AuditRecord {
            deps: deps_field(&deps),
            old_hash: String::new(),
            new_hash: String::new(),
            counts: counts.join(" "),
            results: serde_json::to_string(&results).expect("strings and numbers serialize"),
            ..first.clone()
        }]
    }

    /// A record as `cachecore audit` shows it: a wave record as one record per dep (all
    /// with the wave's id), any other as it is. A wave record whose `results` does not
    /// match its deps is shown as stored.
    pub fn expand(self) -> Vec<AuditRecord> {
        if self.results.is_empty() {
            return vec![self];
        }
        let deps = deps_list(&self.deps);
        let Ok(packed) = serde_json::from_str::<Packed>(&self.results) else {
            return vec![self];
        };
        let fits = packed.deps.len() == deps.len()
            && packed
                .deps
                .iter()
                .all(|(_, _, v)| v.len() == packed.names.len());
        if !fits {
            return vec![self];
        }
        deps.iter()
            .zip(&packed.deps)
            .map(|(dep, (old, new, values))| AuditRecord {
                deps: deps_field(&[dep]),
                old_hash: old.clone().unwrap_or_default(),
                new_hash: new.clone(),
                counts: super::counts(
                    &packed
                        .names
                        .iter()
                        .map(String::as_str)
                        .zip(values.iter().copied())
                        .collect::<Vec<_>>(),
                ),
                results: String::new(),
                ..self.clone()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::counts;

    fn dep_record(dep: &str, old: &str, l1: u64) -> AuditRecord {
        let mut r = AuditRecord::now("invalidate-many", Some("ticket 7"));
        r.deps = deps_field(&[dep]);
        r.old_hash = old.into();
        r.new_hash = "v2".into();
        r.counts = counts(&[("members", l1 + 1), ("l1_deleted", l1), ("interrupted", 0)]);
        r
    }

    fn round_trip(r: &AuditRecord) -> AuditRecord {
        let fields: Vec<(String, String)> = r
            .fields()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        AuditRecord::from_entry("1700000000000-3", &fields)
    }

    #[test]
    fn a_wave_record_expands_to_the_records_it_packed() {
        let records = vec![
            dep_record("doc:1", "v1", 3),
            dep_record("doc:[2]", "", 0),
            dep_record("a,b", "old hash", 7),
        ];
        let packed = AuditRecord::wave(records.clone());
        assert_eq!(packed.len(), 1);
        let stored = round_trip(&packed[0]);
        assert_eq!(
            stored.counts,
            "deps=3 members=13 l1_deleted=10 interrupted=0"
        );
        assert_eq!(deps_list(&stored.deps), ["doc:1", "doc:[2]", "a,b"]);
        let shown = stored.expand();
        assert_eq!(shown.len(), 3);
        for (shown, original) in shown.iter().zip(&records) {
            assert_eq!(shown.id, "1700000000000-3");
            assert_eq!(
                AuditRecord {
                    id: String::new(),
                    time_ms: original.time_ms,
                    ..shown.clone()
                },
                *original
            );
        }
    }

    #[test]
    fn records_that_differ_are_kept_as_they_are() {
        let one = vec![dep_record("doc:1", "v1", 3)];
        assert_eq!(AuditRecord::wave(one.clone()), one);
        let mut other = vec![dep_record("doc:1", "v1", 3), dep_record("doc:2", "v1", 3)];
        other[1].counts = "members=4 l1_deleted=x interrupted=0".into();
        assert_eq!(AuditRecord::wave(other.clone()), other);
        other[1].counts = "members=4 interrupted=0".into();
        assert_eq!(AuditRecord::wave(other.clone()), other);
        other[1] = dep_record("doc:2", "v1", 3);
        other[1].reason = "another".into();
        assert_eq!(AuditRecord::wave(other.clone()), other);
        assert!(AuditRecord::wave(Vec::new()).is_empty());
    }

    #[test]
    fn a_wave_record_that_does_not_fit_is_shown_as_stored() {
        let packed =
            AuditRecord::wave(vec![dep_record("doc:1", "", 1), dep_record("doc:2", "", 2)])
                .pop()
                .unwrap();
        let mut short = packed.clone();
        short.deps = deps_field(&["doc:1"]);
        assert_eq!(short.clone().expand(), vec![short]);
        let mut garbled = packed.clone();
        garbled.results = "{".into();
        assert_eq!(garbled.clone().expand(), vec![garbled]);
        let plain = dep_record("doc:1", "", 1);
        assert_eq!(plain.clone().expand(), vec![plain]);
    }
}
