//! What the bulk commands read: dep files and their lines (`depfile`, the parser, pure)
//! and the streamed two-pass reader over a file or stdin (`stream`). Below the commands
//! and the engine, above nothing of ours but the layout: a file of ten million deps is
//! validated whole before anything changes, and never held in memory.

pub mod depfile;
pub mod stream;

pub use stream::{DepFile, DepStream, Items};
