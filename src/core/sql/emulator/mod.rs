//! The PayPal emulator's own tables (never batched with the platform's):
//! accounts, Express Checkout sessions, payments, one-shot faults and the
//! IPN messages it sends; and the clock offset it moves.

mod accounts;
mod checkouts;
mod clock;
mod faults;
mod ipn;
pub mod monetico;
mod transactions;

pub use self::accounts::*;
pub use self::checkouts::*;
pub use self::clock::*;
pub use self::faults::*;
pub use self::ipn::*;
pub use self::transactions::*;
mod refunds;
pub use self::refunds::*;
pub mod sips;
