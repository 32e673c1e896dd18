//! The payment flows, written once: the purchase start, the return (claim,
//! then capture), the cancel, the reconciler's step, a notification's
//! handling and the scheduled re-read. Each is a function generic over
//! [`Effects`] (run a batch, send a provider call, read the clock, draw
//! random bytes), so the Worker (`shell::effects`) and the simulation
//! (`tests/simulation`) run the very same code; only the effects differ.

pub mod effects;
pub mod site;

pub use effects::{
    Effects, Endpoint, FlowError, NoAnswer, Patience, RandomUnavailable, StoreError, WireAnswer,
    WireRequest,
};
pub use site::Site;
