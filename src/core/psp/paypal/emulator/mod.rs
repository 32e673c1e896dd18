//! The built-in PayPal emulator's rules, pure: token and id formats, the
//! validation of each NVP request and the ORDER of its checks, the cart
//! totals check, PayPal's error texts, the fields (and their order) of every
//! answer, one-shot faults, the IPN body exactly as PayPal encodes it and its
//! date format, later events (reversal, refund, cancelled reversal), the
//! clock's input and the checkout page's texts in both languages. The
//! emulator at work (loading rows, taking faults, paying in a guarded batch,
//! queuing IPNs) is `serve`, written once over the flows' effects for the
//! Worker and the simulation; the shell only parses HTTP and renders.
//! See `shared/reference/paypal-nvp.md` for PayPal's real behaviour.

mod answer;
mod clock;
mod fault;
mod ids;
mod ipn;
mod later_event;
mod page;
mod payment;
mod refund;
mod refusal;
mod set_express_checkout;
#[cfg(test)]
mod test_support;
mod token;
mod transaction;

pub mod serve;

pub use answer::*;
pub use clock::*;
pub use fault::*;
pub use ids::*;
pub use ipn::*;
pub use later_event::*;
pub use page::*;
pub use payment::*;
pub use refund::*;
pub use refusal::*;
pub use set_express_checkout::*;
pub use token::*;
pub use transaction::*;

/// Ordered (name, value) pairs of an answer or an IPN.
pub type Fields = Vec<(String, String)>;

/// PayPal's build number, echoed in every answer like the real service.
pub const BUILD: &str = "58807128";
/// An Express Checkout token is valid 3 hours after SetExpressCheckout.
pub const TOKEN_VALID_SECONDS: i64 = 3 * 3_600;
/// DoExpressCheckoutPayment calls allowed per token before 10416.
pub const MAX_PAYMENT_ATTEMPTS: i64 = 10;
/// PayPal's cap for one payment: 10,000.00 in any currency.
pub const MAX_AMOUNT_CENTS: i64 = 1_000_000;
/// How far one call may move the emulator's clock (100 years, either way).
pub const MAX_CLOCK_ADVANCE_SECONDS: i64 = 100 * 365 * 86_400;
/// The `notify_version` of the IPNs the emulator sends.
pub const IPN_NOTIFY_VERSION: &str = "3.9";

/// "Transaction refused because of an invalid argument": the short message
/// of most Express Checkout refusals.
pub const TRIA: &str =
    "Transaction refused because of an invalid argument. See additional error messages for details.";
