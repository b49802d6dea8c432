//! Long-running adapters over the engines: `serve` puts the invalidation engine behind an
//! HTTP API, `consume` turns Redis Streams events into invalidations. They hold no state
//! of their own that correctness depends on; everything durable lives in Redis.

pub mod consume;
pub mod gateway;
pub mod http;
mod log;
pub mod serve;

pub use log::log;
