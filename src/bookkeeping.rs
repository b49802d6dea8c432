//! The keys `cachecore` keeps for itself under `cc:`. The proxy never reads them, and they
//! never change the meaning of the layout's keys. Pure.
//!
//! Each carries a hash tag that puts it in the cluster slot of the layout key it
//! accompanies, so that the atomic steps that touch both (a RENAME, a script) stay valid on
//! Redis Cluster without changing the layout's key names.

use crate::layout::{DepId, Namespace};
use crate::slot::{key_slot, tag_for_slot};

fn tag_of(key: &str) -> &'static str {
    tag_for_slot(key_slot(key.as_bytes()))
}

/// The set of a dep's unfinished invalidation runs (their pending keys), in the dep
/// set's slot.
pub fn registry_key(dep: &DepId) -> String {
    format!("cc:inval:{{{}}}:pending:{dep}", tag_of(&dep.keys_key()))
}

/// A run-unique name for a detached dep set, in the dep set's slot.
pub fn pending_key(dep: &DepId, run: &str) -> String {
    format!("cc:inval:{{{}}}:run:{run}:{dep}", tag_of(&dep.keys_key()))
}

/// When the dep's hash record was last written (server time, unix ms), in the hash
/// record's slot. Needed to retire old hash records safely: Redis keeps no write time.
pub fn hash_time_key(dep: &DepId) -> String {
    format!("cc:hashtime:{{{}}}:{dep}", tag_of(&dep.hash_key()))
}

/// Every policy version the namespace ever had (a set), in the slot of its policy record,
/// so that a roll checks and extends it in the same script that writes the record. Without
/// it a roll could return to an earlier version and make every entry written at that
/// version fresh again; the layout keeps only the current version.
pub fn policy_history_key(ns: &Namespace) -> String {
    let record = DepId::policy(ns).hash_key();
    format!("cc:policyhist:{{{}}}:{ns}", tag_of(&record))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bookkeeping_key_shares_the_slot_of_its_layout_key() {
        for id in [
            "doc:contract-123",
            "table:products",
            "a{b}c",
            "{x}",
            "日本",
            "cc:policy-version:default",
        ] {
            let dep = DepId::parse(id).unwrap();
            let set_slot = key_slot(dep.keys_key().as_bytes());
            assert_eq!(key_slot(registry_key(&dep).as_bytes()), set_slot, "{id}");
            assert_eq!(
                key_slot(pending_key(&dep, "r1").as_bytes()),
                set_slot,
                "{id}"
            );
            assert_eq!(
                key_slot(hash_time_key(&dep).as_bytes()),
                key_slot(dep.hash_key().as_bytes()),
                "{id}"
            );
            assert!(registry_key(&dep).ends_with(id));
        }
        for ns in ["default", "shop", "a.b-c_9"] {
            let ns = Namespace::parse(ns).unwrap();
            assert_eq!(
                key_slot(policy_history_key(&ns).as_bytes()),
                key_slot(DepId::policy(&ns).hash_key().as_bytes()),
                "{ns}"
            );
        }
    }

    #[test]
    fn keys_are_deterministic_per_dep_and_distinct_per_run() {
        let dep = DepId::parse("doc:1").unwrap();
        assert_eq!(registry_key(&dep), registry_key(&dep));
        assert_ne!(pending_key(&dep, "a"), pending_key(&dep, "b"));
        // Never inside the layout's own namespaces.
        for k in [
            registry_key(&dep),
            pending_key(&dep, "a"),
            hash_time_key(&dep),
            policy_history_key(&Namespace::parse("default").unwrap()),
        ] {
            assert!(!k.starts_with("cc:dep:") && !k.starts_with("cc:l1:"), "{k}");
        }
    }
}
