//! The purchase, as pure decisions: placing an order (the purchase rules of
//! spec §5 applied to a title as it stands), and the return from PayPal as a
//! step machine. Each step takes the order's state and gives back effects:
//! a D1 batch to run or a PSP call to make. The web return path, the cron's
//! reconciler and the simulation all drive these same functions, so that an
//! order is recorded the same way whoever finds its outcome.
//!
//! The safety argument, in one place:
//! - an order is bound to the title's holder, version and value at order
//!   time, and claims the title (one guarded batch) before any money moves;
//! - DoExpressCheckoutPayment is only sent for an order that holds its
//!   title's claim; a lost answer is retried with the same MSGSUBID, so
//!   PayPal never executes the payment twice;
//! - recording is one guarded batch (order processed, trade, title moved,
//!   trace, e-mail): all or nothing, and only once.
//!
//! Placing: `plan` (the rules), `create` (the order written), `ids`
//! (PayPal's INVNUM and MSGSUBID). The return: `state` (the order as read),
//! `step` (claim and payment lease), `decide` (PayPal's answer and what it
//! means), `record` (the guarded batches), `mails`, `receipt` (the
//! buyer's), and `cancel`.

mod account_refused;
mod cancel;
mod create;
mod decide;
#[cfg(test)]
mod fixture;
mod ids;
mod mails;
mod plan;
mod receipt;
mod record;
mod state;
mod step;

pub use account_refused::{account_refused_at_payment, refuses_account};
pub use cancel::cancel;
pub use create::{create_order, credentials_refused, NewOrder};
pub use decide::{after_payment, after_retried_payment, AfterPayment, PaymentAnswer};
pub use ids::{invnum, msgsubid};
pub use mails::seller_mail;
pub use plan::{
    parse_amount, parse_rate, plan, title_for_sale, BuyField, BuyProblem, Buyer, Limits,
    PlannedPurchase, TitleForSale,
};
pub use receipt::{receipt_key, receipt_mail, Paid};
pub use record::{record_completed, MailSetting, REVIEW_PARTLY_RETURNED};
// Still `purchase::order_state!` for notify and the reconciler.
pub(crate) use state::order_state;
pub use state::{order_by_id, order_by_token, OrderState};
pub use step::{lease_held, on_return, take_payment_lease, ReturnStep, PAYMENT_LEASE_SECONDS};
