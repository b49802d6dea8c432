//! Stream entries and what they ask for: native events (`dep_id`, `new_hash`, `if_hash`,
//! `soft`, `reason`, the field names `invalidate-many` reads in JSON Lines) and Debezium
//! change events as Debezium Server's Redis sink writes them. Pure.

use std::fmt;

use serde_json::{Map, Value};

use super::template::{Change, Template};
use crate::layout::{DepId, validate_hash};

/// A stream entry id, `<ms>-<seq>`, ordered as Redis orders them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntryId {
    pub ms: u64,
    pub seq: u64,
}

impl EntryId {
    pub fn parse(text: &str) -> Option<EntryId> {
        let (ms, seq) = text.split_once('-')?;
        Some(EntryId {
            ms: ms.parse().ok()?,
            seq: seq.parse().ok()?,
        })
    }
}

impl fmt::Display for EntryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

/// The event format of the streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Fields dep_id, and optionally new_hash, if_hash, soft, reason.
    Native,
    /// Debezium Server's Redis sink, compact or extended message format (detected per
    /// entry); deps and hash come from --dep and --hash.
    Debezium,
}

/// What one invalidation an event asks for, per dep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// One or more deps, each invalidated with the same hash.
    pub deps: Vec<DepId>,
    /// `None`: a generated unique hash.
    pub new_hash: Option<String>,
    pub if_hash: Option<String>,
    pub soft: bool,
    /// The event's own reason (audit trail).
    pub reason: Option<String>,
}

/// The decoded meaning of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    Event(Event),
    /// Nothing to do (a Debezium tombstone): acked and skipped.
    Skip(&'static str),
    /// The entry can never be applied: why. It goes to the dead-letter stream.
    Poison(String),
}

/// The native fields, in the order of the error messages.
pub const NATIVE_FIELDS: [&str; 5] = ["dep_id", "new_hash", "if_hash", "soft", "reason"];

/// The longest `reason` a native event may carry (it is stored in every audit record).
pub const MAX_REASON_BYTES: usize = 4096;

/// Decodes entries of one format.
#[derive(Debug, Clone)]
pub struct Decoder {
    pub format: Format,
    /// Debezium: the dep templates (one dep each).
    pub deps: Vec<Template>,
    /// Debezium: the hash template; `None` for a generated hash.
    pub hash: Option<Template>,
    /// What Debezium Server writes for a null key or value (its `null.key` and
    /// `null.value` settings, both `default` unless configured).
    pub null_marker: String,
    /// Every event is soft (`--soft`): its hash is recorded, its entries expire by TTL.
    pub soft: bool,
}

impl Decoder {
    pub fn decode(&self, fields: &[(Vec<u8>, Vec<u8>)]) -> Decoded {
        let decoded = match self.format {
            Format::Native => native(fields),
            Format::Debezium => self.debezium(fields),
        };
        match decoded {
            Ok(Some(mut event)) => {
                event.soft |= self.soft;
                Decoded::Event(event)
            }
            Ok(None) => Decoded::Skip("tombstone"),
            Err(why) => Decoded::Poison(why),
        }
    }

    fn debezium(&self, fields: &[(Vec<u8>, Vec<u8>)]) -> Result<Option<Event>, String> {
        let named = |name: &str| -> Result<Option<&[u8]>, String> {
            let mut found = fields.iter().filter(|(f, _)| f == name.as_bytes());
            let first = found.next();
            if found.next().is_some() {
                return Err(format!("field {name:?} is given twice"));
            }
            Ok(first.map(|(_, v)| v.as_slice()))
        };
        // Extended: `key`, `value` and the event's headers. Compact: one field, the key
        // as its name and the value as its value.
        let (key, value): (Option<&[u8]>, &[u8]) = if let Some(value) = named("value")? {
            (named("key")?, value)
        } else if let [(key, value)] = fields {
            (Some(key.as_slice()), value.as_slice())
        } else {
            return Err(format!(
                "not a Debezium change event: {} fields, but neither one field (compact message format) nor key and value fields (extended)",
                fields.len()
            ));
        };
        let value = utf8(value, "value")?;
        if self.is_null(value) {
            return Ok(None);
        }
        let value: Value =
            serde_json::from_str(value).map_err(|e| format!("the value is not valid JSON: {e}"))?;
        let payload = match unwrap_envelope(value) {
            Value::Null => return Ok(None),
            Value::Object(o) => o,
            _ => return Err("the value's payload is not a JSON object".into()),
        };
        let key = match key {
            Some(k) if self.deps.iter().chain(&self.hash).any(Template::uses_key) => {
                let k = utf8(k, "key")?;
                if self.is_null(k) {
                    None
                } else {
                    let v: Value = serde_json::from_str(k)
                        .map_err(|e| format!("the key is not valid JSON: {e}"))?;
                    Some(unwrap_envelope(v))
                }
            }
            _ => None,
        };
        let change = Change {
            payload: &payload,
            key: key.as_ref().filter(|k| !k.is_null()),
        };
        self.event_of(change)
    }

    fn is_null(&self, text: &str) -> bool {
        let t = text.trim();
        t.is_empty() || t == "null" || t == self.null_marker
    }

    fn event_of(&self, change: Change) -> Result<Option<Event>, String> {
        let mut deps: Vec<DepId> = Vec::with_capacity(self.deps.len());
        for template in &self.deps {
            let id = template.render(change)?;
            let dep = DepId::parse_user(&id)
                .map_err(|e| format!("template {:?} gave {e}", template.text()))?;
            if !deps.contains(&dep) {
                deps.push(dep);
            }
        }
        let new_hash = match &self.hash {
            Some(t) => {
                let h = t.render(change)?;
                validate_hash(&h).map_err(|e| format!("--hash {:?} gave an {e}", t.text()))?;
                Some(h)
            }
            None => None,
        };
        Ok(Some(Event {
            deps,
            new_hash,
            if_hash: None,
            soft: false,
            reason: None,
        }))
    }
}

/// `{"schema": …, "payload": P}` is P; anything else is itself (a bare payload).
fn unwrap_envelope(v: Value) -> Value {
    match v {
        Value::Object(mut o) if o.contains_key("payload") && o.contains_key("schema") => {
            o.remove("payload").expect("checked")
        }
        other => other,
    }
}

fn utf8<'a>(bytes: &'a [u8], what: &str) -> Result<&'a str, String> {
    std::str::from_utf8(bytes).map_err(|_| format!("the {what} is not valid UTF-8"))
}

fn native(fields: &[(Vec<u8>, Vec<u8>)]) -> Result<Option<Event>, String> {
    let mut values: Map<String, Value> = Map::new();
    for (name, value) in fields {
        let name = utf8(name, "field name")?;
        if !NATIVE_FIELDS.contains(&name) {
            return Err(format!(
                "unknown field {:?} (expected {})",
                crate::output::printable_str(name),
                NATIVE_FIELDS.join(", ")
            ));
        }
        let value = utf8(value, name)?;
        if values
            .insert(name.to_string(), Value::String(value.to_string()))
            .is_some()
        {
            return Err(format!("field {name:?} is given twice"));
        }
    }
    let text = |name: &str| values.get(name).and_then(Value::as_str);
    let Some(dep_id) = text("dep_id") else {
        return Err("no dep_id field".into());
    };
    let dep = DepId::parse_user(dep_id).map_err(|e| format!("invalid dep_id: {e}"))?;
    let hash = |name: &str| -> Result<Option<String>, String> {
        text(name)
            .map(|h| {
                validate_hash(h)
                    .map(|()| h.to_string())
                    .map_err(|e| format!("an {e} in {name}"))
            })
            .transpose()
    };
    let soft = match text("soft") {
        None => false,
        Some("1" | "true" | "yes") => true,
        Some("0" | "false" | "no") => false,
        Some(other) => {
            return Err(format!(
                "soft is {:?}; expected true or false (1/0, yes/no)",
                crate::output::printable_str(other)
            ));
        }
    };
    let reason = text("reason").map(str::to_string);
    if reason.as_ref().is_some_and(|r| r.len() > MAX_REASON_BYTES) {
        return Err(format!(
            "the reason is longer than {MAX_REASON_BYTES} bytes"
        ));
    }
    Ok(Some(Event {
        deps: vec![dep],
        new_hash: hash("new_hash")?,
        if_hash: hash("if_hash")?,
        soft,
        reason,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(pairs: &[(&str, &str)]) -> Vec<(Vec<u8>, Vec<u8>)> {
        pairs
            .iter()
            .map(|(k, v)| (k.as_bytes().to_vec(), v.as_bytes().to_vec()))
            .collect()
    }

    fn native_decoder() -> Decoder {
        Decoder {
            format: Format::Native,
            deps: Vec::new(),
            hash: None,
            null_marker: "default".into(),
            soft: false,
        }
    }

    fn debezium(deps: &[&str], hash: Option<&str>) -> Decoder {
        Decoder {
            format: Format::Debezium,
            deps: deps.iter().map(|t| Template::parse(t).unwrap()).collect(),
            hash: hash.map(|t| Template::parse(t).unwrap()),
            null_marker: "default".into(),
            soft: false,
        }
    }

    #[test]
    fn entry_ids_order_numerically() {
        let a = EntryId::parse("1700000000000-9").unwrap();
        let b = EntryId::parse("1700000000000-10").unwrap();
        let c = EntryId::parse("1700000000001-0").unwrap();
        assert!(a < b && b < c);
        assert_eq!(b.to_string(), "1700000000000-10");
        assert!(EntryId::parse("17").is_none());
        assert!(EntryId::parse("a-1").is_none());
    }

    #[test]
    fn native_events() {
        let d = native_decoder();
        let Decoded::Event(e) = d.decode(&f(&[("dep_id", "doc:contract-123"), ("new_hash", "v2")]))
        else {
            panic!()
        };
        assert_eq!(e.deps[0].as_str(), "doc:contract-123");
        assert_eq!(e.new_hash.as_deref(), Some("v2"));
        assert!(!e.soft && e.if_hash.is_none() && e.reason.is_none());
        let Decoded::Event(e) = d.decode(&f(&[
            ("dep_id", "doc:1"),
            ("if_hash", "v1"),
            ("soft", "true"),
            ("reason", "ticket 7"),
        ])) else {
            panic!()
        };
        assert_eq!(e.if_hash.as_deref(), Some("v1"));
        assert!(e.soft);
        assert_eq!(e.reason.as_deref(), Some("ticket 7"));
        assert_eq!(e.new_hash, None);
    }

    #[test]
    fn poison_native_events_say_why() {
        let d = native_decoder();
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("new_hash", "v2")], "no dep_id"),
            (&[("dep_id", "doc 1")], "whitespace"),
            (&[("dep_id", "cc:policy-version:x")], "reserved"),
            (&[("dep_id", "doc:1"), ("new_hash", "")], "new_hash"),
            (&[("dep_id", "doc:1"), ("newhash", "v2")], "unknown field"),
            (&[("dep_id", "doc:1"), ("dep_id", "doc:2")], "twice"),
            (&[("dep_id", "doc:1"), ("soft", "maybe")], "soft"),
        ];
        for (fields, want) in cases {
            match d.decode(&f(fields)) {
                Decoded::Poison(why) => assert!(why.contains(want), "{fields:?}: {why}"),
                other => panic!("{fields:?}: {other:?}"),
            }
        }
        let bad = vec![(b"dep_id".to_vec(), b"doc:\xff".to_vec())];
        assert!(matches!(d.decode(&bad), Decoded::Poison(w) if w.contains("UTF-8")));
    }

    #[test]
    fn debezium_compact_extended_envelope_and_tombstones() {
        let d = debezium(
            &["table:{source.table}", "row:{source.table}:{row.id}"],
            Some("{source.lsn}"),
        );
        let payload = r#"{"before":null,"after":{"id":1001},"source":{"table":"customers","lsn":33},"op":"c","ts_ms":1}"#;
        let envelope = format!(r#"{{"schema":{{"type":"struct"}},"payload":{payload}}}"#);
        let key = r#"{"schema":{"type":"struct"},"payload":{"id":1001}}"#;
        for value in [payload.to_string(), envelope] {
            for fields in [
                f(&[(key, &value)]),
                f(&[("key", key), ("value", &value), ("TRACE", "x")]),
            ] {
                let Decoded::Event(e) = d.decode(&fields) else {
                    panic!("{fields:?}")
                };
                let ids: Vec<&str> = e.deps.iter().map(|d| d.as_str()).collect();
                assert_eq!(ids, ["table:customers", "row:customers:1001"]);
                assert_eq!(e.new_hash.as_deref(), Some("33"));
            }
        }
        for tomb in ["default", "null", ""] {
            assert_eq!(d.decode(&f(&[(key, tomb)])), Decoded::Skip("tombstone"));
            assert_eq!(
                d.decode(&f(&[("key", key), ("value", tomb)])),
                Decoded::Skip("tombstone")
            );
        }
        let null_payload = r#"{"schema":{},"payload":null}"#;
        assert_eq!(
            d.decode(&f(&[(key, null_payload)])),
            Decoded::Skip("tombstone")
        );
    }

    #[test]
    fn poison_debezium_events() {
        let d = debezium(&["row:{row.id}"], None);
        let poison = |fields: Vec<(Vec<u8>, Vec<u8>)>, want: &str| match d.decode(&fields) {
            Decoded::Poison(why) => assert!(why.contains(want), "{why}"),
            other => panic!("{other:?}"),
        };
        poison(f(&[("{}", "{not json")]), "not valid JSON");
        poison(f(&[("a", "1"), ("b", "2")]), "neither one field");
        poison(
            f(&[("{}", r#"{"op":"c","after":{"id":null}}"#)]),
            "does not resolve",
        );
        poison(
            f(&[("{}", r#"{"op":"c","after":{"id":"a b"}}"#)]),
            "whitespace",
        );
        poison(f(&[("{}", "[1]")]), "not a JSON object");
        let d = debezium(&["x"], Some("{after.h}"));
        match d.decode(&f(&[("{}", r#"{"op":"c","after":{"h":""}}"#)])) {
            Decoded::Poison(why) => assert!(why.contains("--hash"), "{why}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn key_templates_read_the_key() {
        let d = debezium(&["k:{key}"], None);
        let Decoded::Event(e) = d.decode(&f(&[(r#"{"id":5}"#, r#"{"op":"u","after":{}}"#)])) else {
            panic!()
        };
        assert_eq!(e.deps[0].as_str(), "k:5");
        assert!(matches!(
            d.decode(&f(&[("default", r#"{"op":"u","after":{}}"#)])),
            Decoded::Poison(w) if w.contains("null")
        ));
    }
}
