//! `cachecore deps ...`: inspect, list and prune dep sets.

pub mod inspect;
pub mod list;
pub mod prune;
