//! PayPal's refund of a captured payment: RefundTransaction (`REFUNDTYPE=Full`, MSGSUBID = the order's id, so that a retry never refunds twice).

use crate::core::flow::{Effects, FlowError, NoAnswer, Site};
use crate::core::psp::{Called, RefundOutcome, SealedAccount};
use crate::core::purchase::OrderState;

/// Refunds the order's whole payment with the seller's account.
pub async fn refund<E: Effects>(
    _fx: &E,
    _site: &Site<'_>,
    _account: SealedAccount<'_>,
    _order: &OrderState,
) -> Result<Called<RefundOutcome>, FlowError> {
    // Not built yet: an unknown outcome moves nothing and is never guessed.
    Ok(Called {
        outcome: RefundOutcome::Unknown(NoAnswer::Network("refund not built".into())),
        traces: Vec::new(),
    })
}
