//! Worldline Sips 2.0: the pure wire format of card payments on the bank's
//! page (Paypage POST: the request `Data`, its seal, the automatic and
//! manual responses) and of Sips Office (JSON cash management and reads),
//! and what Sips' response codes mean for an order. Sans-IO: values in,
//! values out; malformed input is an error value, never a panic.
//! Sources of every name here: `shared/reference/monetico-sips.md` part B;
//! the contract: `shared/spec/providers.md` §1 and §4. Shared by the
//! platform's adapter and the built-in emulator (`init` reads a request as
//! `paymentInit` does), so both speak the same bytes.
//!
//! - `seal`: Paypage (HMAC-SHA-256, SHA-256) and JSON seals.
//! - `data`: building a request `Data` and its sealed form; splitting and
//!   joining `Data`. `response`: a payment response, seal first.
//! - `codes`: `responseCode` and what it means. `office`: Office calls.

pub mod account;
pub mod adapter;
mod call;
pub mod codes;
pub mod data;
#[cfg(feature = "emulators")]
pub mod emulator;
mod fields;
pub mod init;
pub mod office;
pub mod refund;
pub mod response;
pub mod seal;

#[cfg(test)]
mod fixtures;

/// The Paypage POST interface version sent with every request (spec §4:
/// `HP_2.x`; the official samples use `HP_2.24`).
pub const PAYPAGE_INTERFACE_VERSION: &str = "HP_2.24";

/// The Office interface version (the SDK's, reference part B5).
pub const OFFICE_INTERFACE_VERSION: &str = "CR_WS_2.27";
