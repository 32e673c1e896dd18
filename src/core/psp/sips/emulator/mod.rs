//! The built-in Worldline Sips emulator's rules, pure (providers.md §5,
//! issue 16): what `paymentInit` checks (`30`, `34`; `94` is the serve's,
//! from the stored references) and the response it sends back (`paypage`),
//! the card page's input (`card`) and texts (`page`), a transaction's
//! statuses and the lapse of an authorization after `captureDay` days
//! (`state`), what each Office call does and answers (`operation`), and
//! one-shot faults (`fault`). The emulator at work over the flows'
//! effects (loading rows, guarded batches, the queue of automatic
//! responses) is `serve`; the shell only parses HTTP and renders. The wire
//! pieces (seals, `Data`, Office JSON, codes) are the platform's own
//! modules in `core::psp::sips`, so both sides speak the same bytes.

mod card;
mod fault;
mod operation;
mod page;
mod paypage;
mod state;

pub mod serve;

pub use card::*;
pub use fault::*;
pub use operation::*;
pub use page::*;
pub use paypage::*;
pub use state::*;
