//! Reading an entry's `deps` field: a JSON array of `{"id": string, "hash": string|null}`,
//! in one pass over the text. Every gateway hit reads one, so it is typed as it is read
//! (no `Value` tree, no second pass for repeated keys); what it accepts and refuses, and
//! the order of its refusals, are those of the two-pass reading it replaced (a property
//! test in layout/tests.rs holds both to the same answers).

use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::{DepId, DepRecord, DepsError};

/// Parses an entry's `deps` field: a JSON array of `{"id": string, "hash": string|null}`.
/// Unknown extra fields are tolerated so a newer proxy can add some. An object anywhere
/// that repeats a key makes the whole field untrusted: serde_json would keep one of them
/// silently, and a writer's `"id"` given twice would be judged by one of them.
pub fn parse_deps(raw: &[u8]) -> Result<Vec<DepRecord>, DepsError> {
    let text = std::str::from_utf8(raw).map_err(|_| DepsError::NotUtf8)?;
    let mut de = serde_json::Deserializer::from_str(text);
    let top = Top::deserialize(&mut de)
        .and_then(|top| de.end().map(|()| top))
        .map_err(|e| DepsError::NotJson(e.to_string()))?;
    let Top::Array(items) = top else {
        return Err(DepsError::NotArray);
    };
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| item.map_err(|reason| DepsError::Element { index, reason }))
        .collect()
}

/// The whole field: an array of elements, each read or refused with its reason.
enum Top {
    Array(Vec<Result<DepRecord, String>>),
    NotArray,
}

impl<'de> Deserialize<'de> for Top {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TopVisitor)
    }
}

struct TopVisitor;

/// A visitor's answer to a boolean or a number.
macro_rules! numbers_are {
    ($out:expr) => {
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok($out)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok($out)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok($out)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok($out)
        }
    };
}

/// A visitor's answer to any scalar (a string and null too).
macro_rules! scalars_are {
    ($out:expr) => {
        numbers_are!($out);
        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok($out)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok($out)
        }
    };
}

impl<'de> Visitor<'de> for TopVisitor {
    type Value = Top;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    // Anything but an array (or an object) is read to its end and is `NotArray`.
    scalars_are!(Top::NotArray);
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Top, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(4).min(1024));
        while let Some(Element(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Top::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Top, A::Error> {
        NoDuplicateKeysVisitor.visit_map(map)?;
        Ok(Top::NotArray)
    }
}

/// One element: a record, or why it is not one.
struct Element(Result<DepRecord, String>);

impl<'de> Deserialize<'de> for Element {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ElementVisitor)
    }
}

struct ElementVisitor;

fn not_an_object() -> Element {
    Element(Err("is not an object".into()))
}

/// A field's value as far as the rule cares: a string, null, or something else.
enum Scalar {
    Str(String),
    Null,
    Other,
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    numbers_are!(Scalar::Other);
    fn visit_str<E>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Scalar, E> {
        Ok(Scalar::Str(v))
    }
    fn visit_unit<E>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Scalar, A::Error> {
        NoDuplicateKeysVisitor.visit_seq(seq)?;
        Ok(Scalar::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Scalar, A::Error> {
        NoDuplicateKeysVisitor.visit_map(map)?;
        Ok(Scalar::Other)
    }
}

impl<'de> Visitor<'de> for ElementVisitor {
    type Value = Element;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    scalars_are!(not_an_object());
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Element, A::Error> {
        NoDuplicateKeysVisitor.visit_seq(seq)?;
        Ok(not_an_object())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Element, A::Error> {
        let (mut id, mut hash) = (None, None);
        // Keys other than id and hash are rare (a newer writer's): a list is enough.
        let mut others: Vec<String> = Vec::new();
        while let Some(key) = map.next_key::<Key>()? {
            let (slot, name) = match key {
                Key::Id => (&mut id, "id"),
                Key::Hash => (&mut hash, "hash"),
                Key::Other(key) => {
                    if others.contains(&key) {
                        return Err(twice(&key));
                    }
                    map.next_value_seed(Checked)?;
                    others.push(key);
                    continue;
                }
            };
            if slot.is_some() {
                return Err(twice(name));
            }
            *slot = Some(map.next_value::<Scalar>()?);
        }
        Ok(Element(record(id, hash)))
    }
}

/// An element's key, read without a copy for the two the rule knows.
enum Key {
    Id,
    Hash,
    Other(String),
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_identifier(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_str<E>(self, v: &str) -> Result<Key, E> {
        Ok(match v {
            "id" => Key::Id,
            "hash" => Key::Hash,
            other => Key::Other(other.to_string()),
        })
    }
}

fn twice<E: de::Error>(key: &str) -> E {
    E::custom(format!("the key {key:?} appears twice in one object"))
}

/// The rule for one object's `id` and `hash`, in the order the refusals are checked.
fn record(id: Option<Scalar>, hash: Option<Scalar>) -> Result<DepRecord, String> {
    let id = match id {
        Some(Scalar::Str(id)) => id,
        Some(_) => return Err("has an id that is not a string".into()),
        None => return Err("has no id".into()),
    };
    DepId::parse(&id).map_err(|e| format!("has an {e}"))?;
    let hash = match hash {
        Some(Scalar::Str(h)) => Some(h),
        Some(Scalar::Null) => None,
        Some(Scalar::Other) => {
            return Err("has a hash that is neither a string nor null".into());
        }
        None => return Err("has no hash field".into()),
    };
    Ok(DepRecord { id, hash })
}

/// Reads a value to its end, failing on an object that repeats a key at any depth (serde's
/// IgnoredAny would skip a nested object without looking at its keys).
struct Checked;

impl<'de> DeserializeSeed<'de> for Checked {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(NoDuplicateKeysVisitor)
    }
}

struct NoDuplicateKeysVisitor;

impl<'de> Visitor<'de> for NoDuplicateKeysVisitor {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    scalars_are!(());
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Checked)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            map.next_value_seed(Checked)?;
            if !seen.insert(key.clone()) {
                return Err(twice(&key));
            }
        }
        Ok(())
    }
}
