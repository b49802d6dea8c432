//! The keys `cachecore` keeps for itself under `cc:`. The proxy never reads them, and they
//! never change the meaning of the layout's keys. Pure.
//!
//! Each carries a hash tag that puts it in the cluster slot of the layout key it
//! accompanies, so that the atomic steps that touch both (a RENAME, a script) stay valid on
//! Redis Cluster without changing the layout's key names.

use crate::layout::{DepId, Namespace};
use crate::slot::{key_slot, tag_for_slot};

fn tag_of(key: &str) -> u32 {
    tag_for_slot(key_slot(key.as_bytes()))
}

/// The set of a dep's unfinished invalidation runs (their pending keys), in the dep
/// set's slot.
pub fn registry_key(dep: &DepId) -> String {
    format!("cc:inval:{{{}}}:pending:{dep}", tag_of(&dep.keys_key()))
}

/// A run-unique name for a detached dep set, in the dep set's slot.
pub fn pending_key(dep: &DepId, run: &str) -> String {
    format!("{}{run}:{dep}", pending_prefix(dep))
}

/// Whether `key` is a pending key that [`pending_key`] makes for `dep` with a run id of
/// 32 lowercase hex digits (what the engine uses). A dep's registry is only ever trusted
/// for keys of this exact form: anything else in it was planted, and following it could
/// delete keys outside the cache or another dep's entries.
pub fn is_pending_key_of(dep: &DepId, key: &[u8]) -> bool {
    let prefix = pending_prefix(dep);
    let suffix = format!(":{dep}");
    let Some(run) = key
        .strip_prefix(prefix.as_bytes())
        .and_then(|rest| rest.strip_suffix(suffix.as_bytes()))
    else {
        return false;
    };
    run.len() == RUN_ID_LEN && run.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Length of a run id: a UUID without dashes.
pub const RUN_ID_LEN: usize = 32;

/// Everything of a pending key before the run id (for the server-side check of
/// registry members, see the detach script).
pub fn pending_prefix(dep: &DepId) -> String {
    format!("cc:inval:{{{}}}:run:", tag_of(&dep.keys_key()))
}

/// When the dep's hash record was last written (server time, unix ms), in the hash
/// record's slot. Needed to retire old hash records safely: Redis keeps no write time.
pub fn hash_time_key(dep: &DepId) -> String {
    format!("cc:hashtime:{{{}}}:{dep}", tag_of(&dep.hash_key()))
}

/// The last stream event applied to the dep by `cachecore consume` (its entry id, hash and
/// stream), in the hash record's slot, so that one script compares the event's id with it
/// and writes the hash: an event older than the last one applied never records its hash.
pub fn event_order_key(dep: &DepId) -> String {
    format!("cc:evt:{{{}}}:{dep}", tag_of(&dep.hash_key()))
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
            assert_eq!(
                key_slot(event_order_key(&dep).as_bytes()),
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
    fn only_our_own_pending_keys_are_trusted() {
        let dep = DepId::parse("doc:1").unwrap();
        let run = "0123456789abcdef0123456789abcdef";
        assert!(is_pending_key_of(&dep, pending_key(&dep, run).as_bytes()));
        let other = DepId::parse("doc:victim").unwrap();
        for planted in [
            "session:abc".to_string(),
            "cc:dep:keys:doc:victim".to_string(),
            pending_key(&other, run),
            pending_key(&dep, "0123456789ABCDEF0123456789ABCDEF"),
            pending_key(&dep, "short"),
            pending_key(&dep, &format!("{run}0")),
            format!("{}:x", pending_key(&dep, run)),
            registry_key(&dep),
        ] {
            assert!(!is_pending_key_of(&dep, planted.as_bytes()), "{planted}");
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
            event_order_key(&dep),
            policy_history_key(&Namespace::parse("default").unwrap()),
        ] {
            assert!(!k.starts_with("cc:dep:") && !k.starts_with("cc:l1:"), "{k}");
        }
    }
}
