//! `--dep` and `--hash` templates over a Debezium change event: literal text with
//! `{path}` placeholders (`{{` and `}}` for literal braces). Pure.
//!
//! A path's first name picks where it starts: `row` is the row after the change, or
//! before it for a delete (`op` = `d`); `key` is the event key; any other name is a path
//! into the payload (`{ts_ms}`, `{source.table}`, `{after.id}`). Later names go into
//! objects, numbers into arrays. A placeholder resolves to a string (as is), a number (as
//! written in the event) or a boolean; anything else (missing, null, an object, an array)
//! does not resolve, and the event is poison.

use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Path(Vec<String>),
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    text: String,
    parts: Vec<Part>,
}

/// What a template is rendered against: the event's payload (envelope removed) and key.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    pub payload: &'a Map<String, Value>,
    /// The event key with any schema/payload envelope removed; `None` for a null key.
    pub key: Option<&'a Value>,
}

impl Template {
    /// Parses `text`; the error says what is wrong with it (a usage error).
    pub fn parse(text: &str) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    literal.push('}');
                }
                '{' => {
                    let mut inner = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some('{') | None => {
                                return Err(format!(
                                    "template {text:?} has an unclosed {{ (write {{{{ for a literal brace)"
                                ));
                            }
                            Some(c) => inner.push(c),
                        }
                    }
                    let path: Vec<String> = inner.split('.').map(str::to_string).collect();
                    if path.iter().any(|p| {
                        p.is_empty()
                            || !p
                                .chars()
                                .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
                    }) {
                        return Err(format!(
                            "template {text:?}: {{{inner}}} is not a path of names separated by dots (e.g. {{source.table}}, {{row.id}})"
                        ));
                    }
                    if !literal.is_empty() {
                        parts.push(Part::Literal(std::mem::take(&mut literal)));
                    }
                    parts.push(Part::Path(path));
                }
                '}' => {
                    return Err(format!(
                        "template {text:?} has an unmatched }} (write }}}} for a literal brace)"
                    ));
                }
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            parts.push(Part::Literal(literal));
        }
        if parts.is_empty() {
            return Err("a template may not be empty".into());
        }
        Ok(Template {
            text: text.to_string(),
            parts,
        })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether the template reads the event key.
    pub fn uses_key(&self) -> bool {
        self.parts
            .iter()
            .any(|p| matches!(p, Part::Path(path) if path[0] == "key"))
    }

    /// The template filled in from `change`, or why it does not resolve.
    pub fn render(&self, change: Change) -> Result<String, String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(l) => out.push_str(l),
                Part::Path(path) => {
                    let value = resolve(path, change).map_err(|why| {
                        format!(
                            "template {:?} does not resolve: {{{}}} {why}",
                            self.text,
                            path.join(".")
                        )
                    })?;
                    out.push_str(&value);
                }
            }
        }
        Ok(out)
    }
}

fn resolve(path: &[String], change: Change) -> Result<String, String> {
    let (start, rest): (&Value, &[String]) = match path[0].as_str() {
        "row" => {
            let op = match change.payload.get("op") {
                Some(Value::String(op)) => op.as_str(),
                _ => return Err("needs the event's op field, which is missing".into()),
            };
            let side = if op == "d" { "before" } else { "after" };
            match change.payload.get(side) {
                Some(v @ Value::Object(_)) => (v, &path[1..]),
                _ => return Err(format!("has no row: {side} is missing or null (op {op:?})")),
            }
        }
        "key" => {
            let Some(key) = change.key else {
                return Err("reads the event key, which is null".into());
            };
            if path.len() == 1 {
                return key_scalar(key);
            }
            (key, &path[1..])
        }
        _ => {
            let Some(first) = change.payload.get(&path[0]) else {
                return Err(format!("is missing ({:?} is not in the payload)", path[0]));
            };
            (first, &path[1..])
        }
    };
    let mut here = start;
    for name in rest {
        here = match here {
            Value::Object(o) => o.get(name),
            Value::Array(a) => name.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => None,
        }
        .ok_or_else(|| format!("is missing (no {name:?} there)"))?;
    }
    scalar(here)
}

fn scalar(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Null => Err("is null".into()),
        Value::Object(_) => Err("is an object, not a value".into()),
        Value::Array(_) => Err("is an array, not a value".into()),
    }
}

/// `{key}` alone: a scalar key, or the one field of a single-column key.
fn key_scalar(key: &Value) -> Result<String, String> {
    match key {
        Value::Object(o) if o.len() == 1 => scalar(o.values().next().expect("one field")),
        Value::Object(o) => Err(format!(
            "is a key of {} fields: name one, e.g. {{key.{}}}",
            o.len(),
            o.keys().next().map_or("id", String::as_str)
        )),
        other => scalar(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn change(payload: &Value) -> Map<String, Value> {
        payload.as_object().unwrap().clone()
    }

    #[test]
    fn placeholders_literals_and_escapes() {
        let p = change(&json!({
            "op": "u", "ts_ms": 1700000000123u64,
            "before": {"id": 1, "name": "old"},
            "after": {"id": 1, "name": "new", "tags": ["a", "b"], "ok": true},
            "source": {"table": "customers", "lsn": 24023928}
        }));
        let key = json!({"id": 1});
        let c = Change {
            payload: &p,
            key: Some(&key),
        };
        let r = |t: &str| Template::parse(t).unwrap().render(c);
        assert_eq!(r("table:{source.table}").unwrap(), "table:customers");
        assert_eq!(r("row:{source.table}:{row.id}").unwrap(), "row:customers:1");
        assert_eq!(r("{source.lsn}").unwrap(), "24023928");
        assert_eq!(r("{ts_ms}").unwrap(), "1700000000123");
        assert_eq!(r("{row.name}").unwrap(), "new");
        assert_eq!(r("{after.tags.1}").unwrap(), "b");
        assert_eq!(r("{after.ok}").unwrap(), "true");
        assert_eq!(r("{op}").unwrap(), "u");
        assert_eq!(r("k:{key}").unwrap(), "k:1");
        assert_eq!(r("k:{key.id}").unwrap(), "k:1");
        assert_eq!(r("{{tenant}}:{row.id}").unwrap(), "{tenant}:1");
        assert_eq!(r("a}}b").unwrap(), "a}b");
    }

    #[test]
    fn deletes_use_the_row_before() {
        let p = change(&json!({"op": "d", "before": {"id": 7}, "after": null}));
        let c = Change {
            payload: &p,
            key: None,
        };
        let t = Template::parse("row:{row.id}").unwrap();
        assert_eq!(t.render(c).unwrap(), "row:7");
    }

    #[test]
    fn what_does_not_resolve_says_why() {
        let p = change(&json!({"op": "c", "after": {"id": null, "o": {"x": 1}}, "source": {}}));
        let two = json!({"a": 1, "b": 2});
        let c = Change {
            payload: &p,
            key: Some(&two),
        };
        let e = |t: &str| Template::parse(t).unwrap().render(c).unwrap_err();
        assert!(e("{row.id}").contains("is null"), "{}", e("{row.id}"));
        assert!(e("{row.o}").contains("object"));
        assert!(e("{source.table}").contains("missing"));
        assert!(e("{nothing}").contains("not in the payload"));
        assert!(e("{key}").contains("{key.a}"), "{}", e("{key}"));
        let none = Change {
            payload: &p,
            key: None,
        };
        assert!(
            Template::parse("{key.id}")
                .unwrap()
                .render(none)
                .unwrap_err()
                .contains("null")
        );
        let no_op = change(&json!({"after": {"id": 1}}));
        let c = Change {
            payload: &no_op,
            key: None,
        };
        assert!(
            Template::parse("{row.id}")
                .unwrap()
                .render(c)
                .unwrap_err()
                .contains("op")
        );
    }

    #[test]
    fn bad_templates_are_usage_errors() {
        for bad in ["", "{", "a{b", "}", "{}", "{a..b}", "{a b}", "{a{b}}"] {
            assert!(Template::parse(bad).is_err(), "{bad:?}");
        }
        assert!(Template::parse("x:{key.id}").unwrap().uses_key());
        assert!(!Template::parse("x:{row.id}").unwrap().uses_key());
    }
}
