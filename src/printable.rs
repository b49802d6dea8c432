//! Untrusted bytes (Redis keys, dep ids, hashes) made safe to show on a terminal. Pure, so
//! that every layer, the store included, can word its errors with it.

use std::fmt::Write as _;

/// A key or id as it may be shown: printable UTF-8 as is; control characters, escape
/// sequences and invalid UTF-8 as `\n`, `\x1b`, `\xff`. Redis keys are arbitrary bytes.
pub fn printable(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if c.is_control() => {
                    let _ = write!(out, "\\u{{{:x}}}", c as u32);
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

/// `printable` for text that is already a `str`.
pub fn printable_str(s: &str) -> String {
    printable(s.as_bytes())
}
