//! The engines: what the commands do to Redis, built from the store's primitives. Each
//! takes a plan (plain values the command resolved from its arguments) and returns a
//! report; none prints. Progress goes to the bars and callbacks the command passes in,
//! so the command alone decides what people and machines see.
//!
//! - [`plan`]: what an invalidation is (plan, report, the keys a run touches, refusals);
//!   below the protocol, which depends on it.
//! - [`invalidation`]: the protocol that records a dep's new hash and deletes its
//!   entries, for a wave of deps at once; `stepwise` runs its steps and `drain`
//!   streams large sets.
//! - [`waves`]: `invalidate-many`'s scheduler, waves of deps in flight at once.
//! - [`purge`]: deleting a namespace's entries written before its policy version.
//! - [`prune`]: dep sets rid of dangling members, and hash records retired.
//! - [`verdict`]: the freshness rule applied to the keys as they are now.
//! - [`health`]: `doctor`'s checks of the server and its dep sets.
//! - [`policy`]: the rules of a policy roll, and the roll.
//! - [`inspect`]: a dep's members judged, and the CI gate's verdict.
//! - [`retag`]: deps added to or removed from existing entries (`tag`, `untag`).

mod drain;
pub mod health;
pub mod inspect;
pub mod invalidation;
pub mod plan;
pub mod policy;
pub mod prune;
pub mod purge;
pub mod retag;
mod stepwise;
pub mod verdict;
pub mod waves;
