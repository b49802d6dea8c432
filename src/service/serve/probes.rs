//! The routes without a caller: liveness (`/healthz`, and `/health`, the path of the
//! product's self-hosted gateway), readiness, metrics, and the answer to an unknown route.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::api::{ApiError, LogFields, json_response};
use super::handlers::finish;
use super::state::App;

type Shared = State<Arc<App>>;

pub async fn healthz() -> Response {
    json_response(
        StatusCode::OK,
        &serde_json::json!({"version": crate::output::JSON_VERSION, "status": "alive"}),
    )
}

pub async fn readyz(State(app): Shared) -> Response {
    let mut log = LogFields::default();
    let result = async {
        let mut store = app.redis.store().await?;
        let started = Instant::now();
        let pinged = store.ping().await;
        app.metrics.redis_round_trip("ping", started.elapsed());
        match pinged {
            Ok(()) => Ok(json_response(
                StatusCode::OK,
                &serde_json::json!({"version": crate::output::JSON_VERSION, "status": "ready"}),
            )),
            Err(e) => {
                // A server that does not answer PING is not worth keeping a socket to.
                app.redis.reset().await;
                Err(ApiError::unavailable(crate::error::one_line(&e)))
            }
        }
    }
    .await;
    log.token = None;
    finish(&app, result, log)
}

pub async fn metrics(State(app): Shared) -> Response {
    let mut text = app.metrics.render();
    app.connections.render(&mut text, "cachecore_http");
    if let Some(extra) = app.extra_metrics.get() {
        extra(&mut text);
    }
    let mut resp = Response::new(Body::from(text));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    resp
}

pub async fn not_found() -> Response {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such endpoint (see `cachecore serve --help`)",
    )
    .into_response()
}
