//! The engines: what the commands do to Redis, built from the store's primitives. Each
//! takes a plan (plain values the command resolved from its arguments) and returns a
//! report; none prints. Progress goes to the bars and callbacks the command passes in,
//! so the command alone decides what people and machines see.
//!
//! - [`invalidation`]: the protocol that records a dep's new hash and deletes its
//!   entries, for a wave of deps at once; `stepwise` runs its steps and `drain`
//!   streams large sets.
//! - [`waves`]: `invalidate-many`'s scheduler, waves of deps in flight at once.
//! - [`purge`]: deleting a namespace's entries written before its policy version.
//! - [`prune`]: dep sets rid of dangling members, and hash records retired.
//! - [`verdict`]: the freshness rule applied to the keys as they are now.
//! - [`health`]: `doctor`'s checks of the server and its dep sets.

mod drain;
pub mod health;
pub mod invalidation;
pub mod prune;
pub mod purge;
mod stepwise;
pub mod verdict;
pub mod waves;
