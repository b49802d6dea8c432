//! Every `/v1/` route of the upstream but chat completions (models, embeddings, ...):
//! forwarded uncached, streamed both ways, with the same credential stripping and the
//! same BYPASS rate limit for callers without a cachecore credential.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::Gateway;
use super::chat::upstream_unreachable;
use super::identity::{Caller, identify, resolve};
use super::upstream::incoming;
use crate::service::serve::api::{ApiError, ClientAddr, LogFields};

pub async fn forward_other(
    State(gw): State<Arc<Gateway>>,
    client: ClientAddr,
    req: Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let mut log_fields = LogFields::default();
    let caller = match identify(&gw, client, &parts.headers, &mut log_fields).await {
        Ok(c) => resolve(&gw, client, c, &mut log_fields).await,
        Err(e) => Err(e),
    };
    match caller {
        Err(e) => return e.into_response(),
        Ok(Caller::Bypass) => {
            if gw
                .bypass_limiter
                .admit(&client.0.ip().to_string(), Instant::now())
                .is_err()
            {
                return ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    "requests without a cachecore credential from this address are over --bypass-rate-limit",
                )
                .into_response();
            }
        }
        Ok(_) => {}
    }
    let path = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .trim_start_matches("/v1");
    match gw
        .upstream
        .send(parts.method, path, &parts.headers, body)
        .await
    {
        Ok(resp) => {
            let (p, b) = resp.into_parts();
            let mut out = Response::new(Body::new(b));
            *out.status_mut() = p.status;
            *out.headers_mut() = incoming(&p.headers);
            out
        }
        Err(e) => upstream_unreachable(&e),
    }
}
