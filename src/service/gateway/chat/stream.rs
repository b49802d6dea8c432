//! Streamed answers (`"stream": true`): chunks go to the client as they arrive (caching
//! adds no delay to the first byte), while a copy is kept; the whole stream is cached
//! only once it ended with its terminal event (`data: [DONE]`) after a chunk with a
//! finish_reason. A stream that errors or is cut is passed on as it is and not cached;
//! a hit replays the stored bytes as server-sent events.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use hyper::body::{Frame, Incoming};

use super::{CACHE_LIMIT, Pending, Trace, ms};

/// The upstream body, copied as it passes.
struct Tee {
    inner: Incoming,
    copy: Vec<u8>,
    /// The write to make at the end; `None` once decided (or never cacheable).
    write: Option<Pending>,
    ok_status: bool,
    started: Instant,
}

impl hyper::body::Body for Tee {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    if self.copy.len() + data.len() > CACHE_LIMIT {
                        self.give_up("too_large");
                    } else if self.write.is_some() {
                        self.copy.extend_from_slice(data);
                    }
                }
            }
            Poll::Ready(Some(Err(_))) => self.give_up("stream_broke"),
            Poll::Ready(None) => self.end(),
            Poll::Pending => {}
        }
        polled
    }
}

impl Tee {
    fn give_up(&mut self, why: &'static str) {
        if let Some(w) = self.write.take() {
            w.gw.metrics.not_written(why);
            self.copy = Vec::new();
        }
    }

    /// The upstream's stream ended: cache it if it is complete.
    fn end(&mut self) {
        let Some(w) = self.write.take() else {
            return;
        };
        w.gw.metrics.upstream(self.started.elapsed());
        let verdict = if self.ok_status {
            complete_sse(&self.copy)
        } else {
            Err("upstream_status")
        };
        if let Err(why) = verdict {
            w.gw.metrics.not_written(why);
            return;
        }
        w.write_in_background(std::mem::take(&mut self.copy).into());
    }
}

impl Drop for Tee {
    fn drop(&mut self) {
        // Dropped before the end: the client went away mid-stream; the copy is partial.
        self.give_up("client_left");
    }
}

/// Whether a server-sent event stream is a complete chat completion: a chunk with a
/// non-null finish_reason, then the terminal `data: [DONE]`, and no error event.
pub fn complete_sse(body: &[u8]) -> Result<(), &'static str> {
    let text = std::str::from_utf8(body).map_err(|_| "not_utf8")?;
    let mut finished = false;
    let mut done = false;
    for line in text.lines() {
        let Some(data) = line.strip_prefix("data:") else {
            continue;
        };
        let data = data.trim();
        if data == "[DONE]" {
            done = true;
            continue;
        }
        let Ok(v) = serde_json::from_str::<serde_json::Value>(data) else {
            return Err("stream_not_json");
        };
        if v.get("error").is_some() {
            return Err("stream_error_event");
        }
        let reasons = v.get("choices").and_then(|c| c.as_array());
        if reasons.is_some_and(|cs| {
            cs.iter()
                .any(|c| c.get("finish_reason").is_some_and(|f| f.is_string()))
        }) {
            finished = true;
        }
    }
    match (finished, done) {
        (true, true) => Ok(()),
        (_, false) => Err("stream_cut"),
        (false, true) => Err("no_finish_reason"),
    }
}

pub fn pass_through(
    status: StatusCode,
    headers: HeaderMap,
    body: Incoming,
    write: Option<Pending>,
    started: Instant,
    trace: &mut Trace,
) -> Response {
    trace.upstream_ms = Some(ms(started.elapsed()));
    let tee = Tee {
        inner: body,
        copy: Vec::new(),
        write,
        ok_status: status.is_success(),
        started,
    };
    let mut resp = Response::new(Body::new(tee));
    *resp.status_mut() = status;
    *resp.headers_mut() = headers;
    resp
}

#[cfg(test)]
mod tests {
    use super::complete_sse;

    #[test]
    fn only_a_finished_stream_is_complete() {
        let chunk = |fr: &str| {
            format!(
                "data: {{\"choices\":[{{\"delta\":{{\"content\":\"x\"}},\"finish_reason\":{fr}}}]}}\n\n"
            )
        };
        let full = format!("{}{}data: [DONE]\n\n", chunk("null"), chunk("\"stop\""));
        assert_eq!(complete_sse(full.as_bytes()), Ok(()));
        let cut = chunk("null");
        assert_eq!(complete_sse(cut.as_bytes()), Err("stream_cut"));
        let unfinished = format!("{}data: [DONE]\n\n", chunk("null"));
        assert_eq!(complete_sse(unfinished.as_bytes()), Err("no_finish_reason"));
        let err = "data: {\"error\":{\"message\":\"boom\"}}\n\ndata: [DONE]\n\n";
        assert_eq!(complete_sse(err.as_bytes()), Err("stream_error_event"));
    }
}
