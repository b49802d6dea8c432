//! The services' log: one JSON object per line on stderr, so that `serve`, `consume` and
//! the shared listener write lines a log pipeline parses without a second format.

use std::io::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Writes one JSON line to stderr: `{"ts_ms": ..., "event": ..., <fields>}`. Values are
/// ours or escaped by JSON; no token ever reaches this function (only token names).
pub fn log(event: &str, fields: Value) {
    let mut line = Map::new();
    line.insert("ts_ms".into(), now_ms().into());
    line.insert("event".into(), event.into());
    if let Value::Object(fields) = fields {
        line.extend(fields.into_iter().filter(|(_, v)| !v.is_null()));
    }
    let mut text = serde_json::to_vec(&Value::Object(line)).expect("a log line serializes");
    text.push(b'\n');
    // One write per line, so lines of concurrent requests never interleave.
    let _ = std::io::stderr().lock().write_all(&text);
}
