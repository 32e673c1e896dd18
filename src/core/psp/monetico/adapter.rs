//! Monetico behind the provider seam (`core::psp`): STUB written by the lead
//! so that the seam compiles; the Monetico helper replaces every body with the
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
    read_call: false,
    refund: true,
    notification: NotificationTrust::Sealed,
};

fn not_yet() -> NoAnswer {
    NoAnswer::Network("Monetico is not wired yet".into())
}

/// The sealed `paiement.cgi` form for a new order (no call: the bank is
/// told of the payment by the buyer's browser).
pub fn start<E: Effects>(
    _fx: &E,
    _site: &Site<'_>,
    _account: SealedAccount<'_>,
    _request: &StartRequest<'_>,
) -> Result<Called<StartOutcome>, FlowError> {
    Ok(Called {
        outcome: StartOutcome::Unknown(not_yet()),
        traces: Vec::new(),
    })
}

/// `capture_paiement.cgi` for the whole amount (`montant_restant=0EUR`).
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

/// A capture of `0EUR` with `montant_restant=0EUR`: the authorization is
/// released, no money moves.
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

/// Monetico has no read call: an order holding its claim has its capture
/// repeated with the same fields; any other is not paid.
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

/// The format was checked when typed; Monetico has no call to ask more.
pub fn check_account(_account: &super::account::Account) -> Called<AccountCheck> {
    Called {
        outcome: AccountCheck::Accepted,
        traces: Vec::new(),
    }
}

/// The `reference` of a notification, read before its MAC is verified.
pub fn message_reference(_raw: &[u8]) -> Result<String, String> {
    Err("Monetico is not wired yet".into())
}

/// A notification's MAC verified with the order's account, and its TPE,
/// amount and reference matched to the order.
pub fn verify(
    _site: &Site<'_>,
    _account: SealedAccount<'_>,
    _order: &OrderState,
    _raw: &[u8],
) -> CardVerdict {
    CardVerdict::Mismatch("Monetico is not wired yet".into())
}

/// `version=2\ncdr=0\n` for a notification recorded and verified,
/// `cdr=1` for a bad MAC, a 503 when it could not be recorded.
pub fn reply(answer: crate::core::psp::notice::Answer) -> crate::core::psp::Reply {
    crate::core::psp::Reply::empty(answer.http_status())
}

/// The sealed part of an account: the société and the derived key.
pub fn secret_json(account: &super::account::Account) -> String {
    serde_json::json!({ "societe": account.societe, "key": account.key.to_hex() }).to_string()
}

/// The fields of a Monetico trace `role` may see.
pub fn visible_fields(_role: Role, _fields: &serde_json::Value) -> serde_json::Value {
    serde_json::json!({})
}
