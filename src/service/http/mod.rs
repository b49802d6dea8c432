//! What the HTTP services share: the listener with its timeouts and connection limits
//! (`serve` today; the gateway next).

pub mod listener;
mod registry;

pub use listener::{ConnCounters, Limits};
