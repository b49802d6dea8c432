//! Long-running services: processes that keep working on Redis until they are stopped.

pub mod consume;
