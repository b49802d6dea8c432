//! Long-running adapters over the engines: `serve` puts the invalidation engine behind an
//! HTTP API. They hold no state of their own that correctness depends on; everything
//! durable lives in Redis, in the keys the CLI uses.

pub mod serve;
