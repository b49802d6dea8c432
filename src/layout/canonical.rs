//! The canonical JSON of a request and its fingerprint, the `{fingerprint}` of an L1 key.

use std::borrow::Cow;

use sha2::{Digest, Sha256};

/// Why a request could not be canonicalised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid request JSON at byte {offset}: {reason}")]
pub struct JsonError {
    pub offset: usize,
    pub reason: &'static str,
}

/// Nesting deeper than this is refused rather than risking the stack.
const MAX_JSON_DEPTH: usize = 128;

/// The request's canonical JSON: object keys sorted by code point, no insignificant
/// whitespace, strings escaped minimally, numbers exactly as written.
///
/// Parsed from the text by hand because a JSON library's value type normalises numbers
/// (serde_json turns `1E+2` into `1e+2`, or `1.50` into `1.5`), which would change the
/// fingerprint. A repeated object key keeps its last value, as JSON parsers commonly do.
pub fn canonical_json(text: &str) -> Result<String, JsonError> {
    let node = parse(text)?;
    let mut out = String::with_capacity(text.len());
    node.write(&mut out);
    Ok(out)
}

fn parse(text: &str) -> Result<Node<'_>, JsonError> {
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        pos: 0,
    };
    let node = p.value(0)?;
    p.ws();
    if p.pos != p.s.len() {
        return Err(p.err("trailing characters after the JSON value"));
    }
    Ok(node)
}

/// Lowercase hex SHA-256 of the request's canonical JSON: the L1 key's `{fingerprint}`.
pub fn fingerprint(request_json: &str) -> Result<String, JsonError> {
    Ok(request_key(request_json)?.fingerprint)
}

/// What the gateway reads of a request, from one parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestKey {
    /// [`fingerprint`]'s.
    pub fingerprint: String,
    /// Whether it asks for a stream: a top-level `"stream": true` (the last `stream` when
    /// repeated, the one its fingerprint keeps).
    pub stream: bool,
}

/// The request's fingerprint and whether it streams.
pub fn request_key(request_json: &str) -> Result<RequestKey, JsonError> {
    let node = parse(request_json)?;
    let mut canonical = String::with_capacity(request_json.len());
    node.write(&mut canonical);
    let stream = match &node {
        Node::Object(members) => members
            .binary_search_by(|(k, _)| k.as_bytes().cmp(b"stream"))
            .is_ok_and(|i| matches!(members[i].1, Node::Raw("true"))),
        _ => false,
    };
    Ok(RequestKey {
        fingerprint: hex::encode(Sha256::digest(canonical.as_bytes())),
        stream,
    })
}

enum Node<'a> {
    /// Sorted by key, each key once.
    Object(Vec<(Cow<'a, str>, Node<'a>)>),
    Array(Vec<Node<'a>>),
    String(Cow<'a, str>),
    /// A number, `true`, `false` or `null`, copied verbatim.
    Raw(&'a str),
}

impl Node<'_> {
    fn write(&self, out: &mut String) {
        match self {
            Node::Object(members) => {
                out.push('{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_json_string(k, out);
                    out.push(':');
                    v.write(out);
                }
                out.push('}');
            }
            Node::Array(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write(out);
                }
                out.push(']');
            }
            Node::String(s) => write_json_string(s, out),
            Node::Raw(raw) => out.push_str(raw),
        }
    }
}

/// Minimal escaping: `"`, `\\` and control characters only (serde_json's rules). Most
/// strings of a request have none of them and are copied as they are.
fn write_json_string(s: &str, out: &mut String) {
    if s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        out.push_str(&serde_json::to_string(s).expect("a str always serialises"));
    } else {
        out.push('"');
        out.push_str(s);
        out.push('"');
    }
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn err(&self, reason: &'static str) -> JsonError {
        JsonError {
            offset: self.pos,
            reason,
        }
    }

    fn ws(&mut self) {
        while matches!(self.s.get(self.pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        let hit = self.s.get(self.pos) == Some(&b);
        self.pos += usize::from(hit);
        hit
    }

    fn value(&mut self, depth: usize) -> Result<Node<'a>, JsonError> {
        if depth > MAX_JSON_DEPTH {
            return Err(self.err("nested deeper than 128 levels"));
        }
        self.ws();
        match self.s.get(self.pos) {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => Ok(Node::String(self.string()?)),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => {
                for lit in ["true", "false", "null"] {
                    if self.s[self.pos..].starts_with(lit.as_bytes()) {
                        self.pos += lit.len();
                        return Ok(Node::Raw(lit));
                    }
                }
                Err(self.err("expected a JSON value"))
            }
            None => Err(self.err("unexpected end of input")),
        }
    }

    fn object(&mut self, depth: usize) -> Result<Node<'a>, JsonError> {
        self.pos += 1;
        let mut members: Vec<(Cow<'a, str>, Node<'a>)> = Vec::new();
        self.ws();
        if !self.eat(b'}') {
            loop {
                self.ws();
                if self.s.get(self.pos) != Some(&b'"') {
                    return Err(self.err("expected an object key"));
                }
                let key = self.string()?;
                self.ws();
                if !self.eat(b':') {
                    return Err(self.err("expected ':'"));
                }
                members.push((key, self.value(depth + 1)?));
                self.ws();
                if self.eat(b'}') {
                    break;
                }
                if !self.eat(b',') {
                    return Err(self.err("expected ',' or '}'"));
                }
            }
        }
        // Stable sort, then keep the last of equal keys. UTF-8 byte order is code-point order.
        members.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        let mut unique: Vec<(Cow<'a, str>, Node<'a>)> = Vec::with_capacity(members.len());
        for m in members {
            match unique.last_mut() {
                Some(last) if last.0 == m.0 => *last = m,
                _ => unique.push(m),
            }
        }
        Ok(Node::Object(unique))
    }

    fn array(&mut self, depth: usize) -> Result<Node<'a>, JsonError> {
        self.pos += 1;
        let mut items = Vec::new();
        self.ws();
        if !self.eat(b']') {
            loop {
                items.push(self.value(depth + 1)?);
                self.ws();
                if self.eat(b']') {
                    break;
                }
                if !self.eat(b',') {
                    return Err(self.err("expected ',' or ']'"));
                }
            }
        }
        Ok(Node::Array(items))
    }

    /// Finds the closing quote; a string with no escape and no control character is
    /// borrowed as it is, any other is decoded (and validated) by serde_json.
    fn string(&mut self) -> Result<Cow<'a, str>, JsonError> {
        let start = self.pos;
        self.pos += 1;
        let mut plain = true;
        loop {
            match self.s.get(self.pos) {
                Some(b'"') => break,
                Some(b'\\') => {
                    plain = false;
                    self.pos += 2;
                }
                Some(&b) => {
                    plain &= b >= 0x20;
                    self.pos += 1;
                }
                None => return Err(self.err("unterminated string")),
            }
        }
        self.pos += 1;
        if plain {
            return Ok(Cow::Borrowed(&self.text[start + 1..self.pos - 1]));
        }
        serde_json::from_str(&self.text[start..self.pos])
            .map(Cow::Owned)
            .map_err(|_| JsonError {
                offset: start,
                reason: "invalid string (bad escape or control character)",
            })
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.s.get(self.pos), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Node<'a>, JsonError> {
        let start = self.pos;
        self.eat(b'-');
        if self.eat(b'0') {
            if matches!(self.s.get(self.pos), Some(b'0'..=b'9')) {
                return Err(self.err("leading zero in a number"));
            }
        } else if self.digits() == 0 {
            return Err(self.err("expected digits"));
        }
        if self.eat(b'.') && self.digits() == 0 {
            return Err(self.err("expected digits after '.'"));
        }
        if self.eat(b'e') || self.eat(b'E') {
            let _ = self.eat(b'+') || self.eat(b'-');
            if self.digits() == 0 {
                return Err(self.err("expected exponent digits"));
            }
        }
        Ok(Node::Raw(&self.text[start..self.pos]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_json_sorts_keys_by_code_point_at_every_depth() {
        let text = r#"{ "model": "m", "messages": [ {"role":"user", "content":"hi"} ], "B": 1, "a": {"z":1,"é":2,"e":3, "😀":4, "\uffff":5} }"#;
        assert_eq!(
            canonical_json(text).unwrap(),
            "{\"B\":1,\"a\":{\"e\":3,\"z\":1,\"é\":2,\"\u{ffff}\":5,\"😀\":4},\"messages\":[{\"content\":\"hi\",\"role\":\"user\"}],\"model\":\"m\"}"
        );
    }

    #[test]
    fn canonical_json_keeps_numbers_exactly_as_given() {
        let text =
            r#"{"t":1.50,"n":-0,"e":1E+2,"f":2e-3,"big":123456789012345678901234567890,"z":0.0}"#;
        assert_eq!(
            canonical_json(text).unwrap(),
            r#"{"big":123456789012345678901234567890,"e":1E+2,"f":2e-3,"n":-0,"t":1.50,"z":0.0}"#
        );
    }

    #[test]
    fn canonical_json_escapes_strings_minimally() {
        let text = r#"{"s":"quote\" slash\/ back\\ nl\n tab\t bell\u0007 \u00fc 日本 \u007f \ud83d\ude00"}"#;
        assert_eq!(
            canonical_json(text).unwrap(),
            "{\"s\":\"quote\\\" slash/ back\\\\ nl\\n tab\\t bell\\u0007 ü 日本 \u{7f} 😀\"}"
        );
    }

    #[test]
    fn canonical_json_last_duplicate_key_wins() {
        assert_eq!(
            canonical_json(r#"{"a":1,"b":2,"a":3}"#).unwrap(),
            r#"{"a":3,"b":2}"#
        );
    }

    #[test]
    fn canonical_json_rejects_invalid_input_with_an_offset() {
        for (bad, offset) in [
            ("", 0),
            ("{", 1),
            (r#"{"a":1,}"#, 7),
            ("[1 2]", 3),
            ("01", 1),
            ("1.", 2),
            ("1e", 2),
            (r#""a\x""#, 0),
            ("\"a\u{1}\"", 0),
            ("tru", 0),
            ("{} x", 3),
            ("NaN", 0),
        ] {
            let err = canonical_json(bad).unwrap_err();
            assert_eq!(err.offset, offset, "{bad:?}: {err}");
        }
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(canonical_json(&deep).is_err());
        assert_eq!(
            canonical_json(&("[".repeat(100) + &"]".repeat(100)))
                .unwrap()
                .len(),
            200
        );
    }

    #[test]
    fn canonical_json_keeps_arrays_and_literals() {
        assert_eq!(
            canonical_json(r#"[ true , false,null, [1, "a"] ]"#).unwrap(),
            r#"[true,false,null,[1,"a"]]"#
        );
    }

    #[test]
    fn canonical_json_nesting_limit_is_128_levels_below_the_top() {
        // The top value is at depth 0: 129 nested values are the most accepted.
        let arrays = |n: usize| "[".repeat(n) + &"]".repeat(n);
        assert!(canonical_json(&arrays(129)).is_ok());
        assert!(canonical_json(&arrays(130)).is_err());
        // Objects count as deep as arrays, not only when they hold arrays.
        let objects = |n: usize| r#"{"a":"#.repeat(n) + "1" + &"}".repeat(n);
        assert!(canonical_json(&objects(128)).is_ok());
        assert!(canonical_json(&objects(129)).is_err());
    }

    #[test]
    fn fingerprint_is_lowercase_sha256_of_canonical_bytes() {
        // sha256("{}") is a published constant.
        assert_eq!(
            fingerprint("{ }").unwrap(),
            "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
        let a = fingerprint(r#"{"model":"m","messages":[]}"#).unwrap();
        let b = fingerprint("{ \"messages\" : [ ],\n \"model\":\"m\" }").unwrap();
        assert_eq!(a, b);
        assert_ne!(
            a,
            fingerprint(r#"{"model":"m","messages":[],"temperature":1.0}"#).unwrap()
        );
        assert_ne!(
            fingerprint(r#"{"t":1.0}"#).unwrap(),
            fingerprint(r#"{"t":1}"#).unwrap(),
            "numbers as given: 1.0 and 1 are different requests"
        );
    }

    #[test]
    fn a_request_streams_when_its_last_top_level_stream_is_true() {
        for (text, stream) in [
            (r#"{"model":"m","stream":true}"#, true),
            (r#"{"stream":false,"model":"m","stream":true}"#, true),
            (r#"{"stream":true,"stream":false}"#, false),
            (r#"{"stream":"true"}"#, false),
            (r#"{"stream":1}"#, false),
            (r#"{"o":{"stream":true}}"#, false),
            (r#"[{"stream":true}]"#, false),
            (r#"{"model":"m"}"#, false),
        ] {
            let key = request_key(text).unwrap();
            assert_eq!(key.stream, stream, "{text}");
            assert_eq!(key.fingerprint, fingerprint(text).unwrap());
        }
    }

    /// `c` as JSON's `\uXXXX` escapes (a surrogate pair above the BMP).
    fn escaped(c: char) -> String {
        c.encode_utf16(&mut [0; 2])
            .iter()
            .map(|u| format!("\\u{u:04x}"))
            .collect()
    }

    proptest::proptest! {
        /// serde_json's writing is the definition of minimal escaping: whatever the
        /// string holds and however the request escaped it, keys and values come out as
        /// serde_json writes them.
        #[test]
        fn strings_come_out_as_serde_json_writes_them_however_they_came_in(
            s in proptest::prelude::any::<String>(),
            escape in proptest::collection::vec(proptest::prelude::any::<bool>(), 0..40),
        ) {
            let mut quoted = String::from("\"");
            for (i, c) in s.chars().enumerate() {
                if c == '"' || c == '\\' || c < ' ' || escape.get(i).copied().unwrap_or(false) {
                    quoted.push_str(&escaped(c));
                } else {
                    quoted.push(c);
                }
            }
            quoted.push('"');
            let want = serde_json::to_string(&s).unwrap();
            let text = format!("{{{quoted}:[{quoted}]}}");
            proptest::prop_assert_eq!(canonical_json(&text).unwrap(), format!("{{{want}:[{want}]}}"));
        }
    }
}
