//! PayPal's refund of a captured payment: RefundTransaction
//! (`REFUNDTYPE=Full`, MSGSUBID = the order's id, so that a retry never
//! refunds twice: PayPal answers a repeated MSGSUBID with the first call's
//! result), with the seller's credentials opened as for the capture, and
//! traced like every call (no secret). Its answer read into a
//! [`RefundOutcome`]: PayPal's refusals are `Refused`, a lost, unreadable
//! or transient answer is `Unknown` (the cron asks again).

use super::adapter::{open, traced};
use super::nvp::{Ack, Method, NvpRequest, NvpResponse};
use crate::core::flow::{Effects, FlowError, NoAnswer, Patience, Site};
use crate::core::psp::{Called, RefundOutcome, SealedAccount};
use crate::core::purchase::OrderState;

/// PayPal's errors that say "not now" rather than "no": 10001 internal
/// error, 10014 rate limited, 10445 "try again later". A refused refund is
/// final, so these are unknown outcomes the cron asks again.
const TRANSIENT: [&str; 3] = ["10001", "10014", "10445"];

/// RefundTransaction's request for the order's payment.
pub fn request(
    credentials: &super::nvp::Credentials,
    order: &OrderState,
    transaction_id: &str,
) -> NvpRequest {
    NvpRequest::new(Method::RefundTransaction, credentials)
        .field("TRANSACTIONID", transaction_id)
        .field("REFUNDTYPE", "Full")
        .field("MSGSUBID", order.id.clone())
}

/// Refunds the order's whole payment with the seller's account.
pub async fn refund<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    account: SealedAccount<'_>,
    order: &OrderState,
) -> Result<Called<RefundOutcome>, FlowError> {
    let Some(transaction_id) = order.psp_transaction_id.as_deref() else {
        // No payment PayPal named: nothing can be refunded, nothing moved.
        return Ok(Called {
            outcome: RefundOutcome::Refused {
                code: "no_transaction".into(),
                message: "PayPal never named this order's payment".into(),
            },
            traces: Vec::new(),
        });
    };
    let credentials = open(site, account)?;
    let request = request(&credentials, order, transaction_id);
    let (answer, trace) = traced(fx, &request, Patience::Payment).await;
    let outcome = match answer {
        Ok(response) => classify(&response),
        Err(no_answer) => RefundOutcome::Unknown(no_answer),
    };
    Ok(Called {
        outcome,
        traces: vec![trace],
    })
}

/// What PayPal's answer says. A success (11607's `SuccessWithWarning`
/// replaying the first answer included) names the refund by
/// REFUNDTRANSACTIONID; without it nothing proves the refund, so it is
/// asked again. Every failure is a refusal except the transient ones.
pub fn classify(response: &NvpResponse) -> RefundOutcome {
    match response.ack() {
        Ack::Success | Ack::SuccessWithWarning => {
            match response.get("REFUNDTRANSACTIONID").filter(|id| !id.is_empty()) {
                Some(id) => RefundOutcome::Refunded {
                    reference: id.to_string(),
                },
                None => RefundOutcome::Unknown(NoAnswer::Unreadable(
                    "a success without REFUNDTRANSACTIONID".into(),
                )),
            }
        }
        Ack::Failure | Ack::FailureWithWarning => {
            let (code, message) = response
                .first_error()
                .map(|e| (e.code, e.long_message))
                .unwrap_or_default();
            if TRANSIENT.contains(&code.as_str()) {
                RefundOutcome::Unknown(NoAnswer::Unreadable(format!(
                    "PayPal {code}: {message}"
                )))
            } else {
                RefundOutcome::Refused { code, message }
            }
        }
        // Parallel payments' and custom acknowledgements never answer a
        // refund: nothing is proven either way.
        Ack::Warning | Ack::PartialSuccess | Ack::CustomCode | Ack::Unknown(_) => {
            RefundOutcome::Unknown(NoAnswer::Unreadable(format!("ACK {:?}", response.ack())))
        }
    }
}

#[cfg(test)]
mod tests;
