//! Sips behind the provider seam (`core::psp`): STUB written by the lead
//! so that the seam compiles; the Sips helper replaces every body with the
//! real calls (see /work/wt/SEAM_READY). Every stub answers "unknown" or
//! "not this order's", never a payment.

use crate::core::flow::{Effects, FlowError, NoAnswer, Site};
use crate::core::privacy::Role;
use crate::core::psp::{
    AccountCheck, Called, Capabilities, CardVerdict, NotificationTrust, SealedAccount,
    StartOutcome, StartRequest,
};
use crate::core::purchase::{OrderState, PaymentAnswer};
use crate::core::reconcile::Inquiry;

pub const CAPABILITIES: Capabilities = Capabilities {
    read_call: true,
    refund: true,
    notification: NotificationTrust::Sealed,
};

fn not_yet() -> NoAnswer {
    NoAnswer::Network("Sips is not wired yet".into())
}

/// The sealed Paypage form for a new order (no call: Sips is told of the
/// payment by the buyer's browser).
pub fn start(
    _site: &Site<'_>,
    _account: SealedAccount<'_>,
    _request: &StartRequest<'_>,
) -> Result<Called<StartOutcome>, FlowError> {
    Ok(Called {
        outcome: StartOutcome::Unknown(not_yet()),
        traces: Vec::new(),
    })
}

/// Office `validate` of the order's authorization, for its whole amount.
pub async fn capture<E: Effects>(
    _fx: &E,
    _site: &Site<'_>,
    _account: SealedAccount<'_>,
    _order: &OrderState,
) -> Result<Called<Result<PaymentAnswer, NoAnswer>>, FlowError> {
    Ok(Called {
        outcome: Err(not_yet()),
        traces: Vec::new(),
    })
}

/// Office `cancel` of the order's authorization (no money moves).
pub async fn release<E: Effects>(
    _fx: &E,
    _site: &Site<'_>,
    _account: SealedAccount<'_>,
    _order: &OrderState,
) -> Result<Called<Result<(), NoAnswer>>, FlowError> {
    Ok(Called {
        outcome: Err(not_yet()),
        traces: Vec::new(),
    })
}

/// Office `getTransactionData` read into the reconciler's words.
pub async fn read<E: Effects>(
    _fx: &E,
    _site: &Site<'_>,
    _account: SealedAccount<'_>,
    _order: &OrderState,
) -> Result<Called<Inquiry>, FlowError> {
    Ok(Called {
        outcome: Inquiry::Unknown,
        traces: Vec::new(),
    })
}

/// Office `getTransactionData` for a reference that does not exist: a
/// correctly sealed answer proves the key, `34` refuses it.
pub async fn check_account<E: Effects>(
    _fx: &E,
    _site: &Site<'_>,
    _account: &super::account::SipsAccount,
) -> Called<AccountCheck> {
    Called {
        outcome: AccountCheck::Unknown(not_yet()),
        traces: Vec::new(),
    }
}

/// The `transactionReference` of a response (automatic or manual), read
/// before its seal is verified.
pub fn message_reference(_raw: &[u8]) -> Result<String, String> {
    Err("Sips is not wired yet".into())
}

/// A response's seal verified with the order's account, and its merchant,
/// amount, currency and reference matched to the order.
pub fn verify(
    _site: &Site<'_>,
    _account: SealedAccount<'_>,
    _order: &OrderState,
    _raw: &[u8],
) -> CardVerdict {
    CardVerdict::Mismatch("Sips is not wired yet".into())
}

/// The fields of a Sips trace `role` may see.
pub fn visible_fields(_role: Role, _fields: &serde_json::Value) -> serde_json::Value {
    serde_json::json!({})
}
