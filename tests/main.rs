//! The one integration-test binary: every test starts its own redis-server, runs the real
//! `cachecore` binary against it, then reads Redis directly to check the effect.

mod suite;
mod support;
