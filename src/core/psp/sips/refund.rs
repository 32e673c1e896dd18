//! Sips's refund of a captured payment (spec backoffice.md §3): the
//! transaction is read first (Office `getTransactionData`), then, for the
//! whole amount, Office `cancel` while the money has not been remitted yet
//! (`TO_VALIDATE`, `TO_CAPTURE`: the validated amount never leaves the
//! buyer) or Office `refund` once it has (`CAPTURED`).
//!
//! Reading first is what makes a retry safe: a refund whose answer was
//! lost left the transaction `CREDITED` (or `CANCELLED`) with nothing left
//! on it, which a second call reads as already refunded and sends nothing.
//! If the transaction moved between the read and the operation (`24`: a
//! remittance at midnight, another refund), it is read once more. Every
//! status and verdict is mapped by name; a lost or unbelievable answer is
//! unknown, never a refusal.

use super::adapter::{cash_request, opened, transaction_data, Key};
use super::call::office_call;
use super::codes::{OfficeVerdict, ResponseCode};
use super::office::{CashManagementAnswer, Operation, TransactionDataAnswer, TransactionStatus};
use crate::core::flow::{Effects, FlowError, NoAnswer, Patience, Site};
use crate::core::psp::{Called, RefundOutcome, SealedAccount};
use crate::core::purchase::OrderState;
use crate::core::sql::traces::Trace;

/// Reads before operating at most this many times (a second read only
/// when the transaction moved under the first operation).
const ROUNDS: usize = 2;

/// What the read says to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Nothing to send: this is the outcome.
    Answer(RefundOutcome),
    /// Send this operation for the whole amount.
    Send(Operation),
}

/// Refunds the order's whole payment with the seller's account: a read,
/// then at most one operation (two of each if the transaction moved).
pub async fn refund<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    account: SealedAccount<'_>,
    order: &OrderState,
) -> Result<Called<RefundOutcome>, FlowError> {
    let key = opened(site, account)?;
    let mut traces = Vec::new();
    let mut outcome = RefundOutcome::Unknown(NoAnswer::Network("no round".into()));
    for round in 1..=ROUNDS {
        let (step, trace) = read_step(fx, &key, order).await?;
        traces.push(trace);
        let operation = match step {
            Step::Answer(answer) => {
                outcome = answer;
                break;
            }
            Step::Send(operation) => operation,
        };
        let request = cash_request(&key, order)?;
        let (reply, trace) = office_call::<_, _, CashManagementAnswer>(
            fx,
            operation,
            &request,
            &key.secret_key,
            Patience::Payment,
        )
        .await?;
        traces.push(trace);
        let verdict = reply.map(|r| r.answer.verdict);
        let moved = matches!(&verdict, Ok(OfficeVerdict::Refused { code, .. })
            if ResponseCode::parse(code) == ResponseCode::NotAuthorised);
        outcome = operated(order, verdict);
        if !(moved && round < ROUNDS) {
            break;
        }
    }
    Ok(Called { outcome, traces })
}

/// `getTransactionData` of the order and what it says to do.
async fn read_step<E: Effects>(
    fx: &E,
    key: &Key,
    order: &OrderState,
) -> Result<(Step, Trace), FlowError> {
    let (reply, trace) = transaction_data(fx, key, order).await?;
    let step = match reply {
        Err(no_answer) => Step::Answer(RefundOutcome::Unknown(no_answer)),
        Ok(r) => step(&key.merchant_id, order, &r.answer.verdict, &r.answer.answer),
    };
    Ok((step, trace))
}

fn refused(code: &str, message: &str) -> RefundOutcome {
    RefundOutcome::Refused {
        code: code.to_owned(),
        message: message.to_owned(),
    }
}

fn refunded(order: &OrderState) -> RefundOutcome {
    // Sips gives a refund no id of its own: the transaction's reference.
    RefundOutcome::Refunded {
        reference: order.id.clone(),
    }
}

/// What a `getTransactionData` answer says to do for a full refund.
pub fn step(
    merchant_id: &str,
    order: &OrderState,
    verdict: &OfficeVerdict,
    answer: &TransactionDataAnswer,
) -> Step {
    let code = answer.response_code.as_str();
    match verdict {
        OfficeVerdict::Done => {}
        OfficeVerdict::NotFound | OfficeVerdict::KeyRefused => {
            return Step::Answer(refused(code, answer.response_code.meaning()))
        }
        OfficeVerdict::Refused { code, message } => return Step::Answer(refused(code, message)),
        OfficeVerdict::Unavailable { code } => {
            return Step::Answer(RefundOutcome::Unknown(NoAnswer::Unreadable(format!(
                "Sips {code}"
            ))))
        }
    }
    let ours = answer
        .transaction_reference
        .as_deref()
        .is_none_or(|r| r == order.id)
        && answer
            .merchant_id
            .as_deref()
            .is_none_or(|m| m == merchant_id);
    let Some(status) = answer.transaction_status.as_ref().filter(|_| ours) else {
        return Step::Answer(RefundOutcome::Unknown(NoAnswer::Unreadable(
            "getTransactionData names no status of this transaction".into(),
        )));
    };
    let left_cents = answer.current_amount.map(|a| a.cents());
    match status {
        TransactionStatus::ToValidate | TransactionStatus::ToCapture => {
            Step::Send(Operation::Cancel)
        }
        TransactionStatus::Captured => Step::Send(Operation::Refund),
        // Cancelled before remittance, or refunded with nothing left: the
        // buyer has all his money (our earlier call whose answer was lost).
        TransactionStatus::Cancelled => Step::Answer(refunded(order)),
        TransactionStatus::ToCredit | TransactionStatus::Credited
            if left_cents.is_none_or(|c| c == 0) =>
        {
            Step::Answer(refunded(order))
        }
        TransactionStatus::ToCredit | TransactionStatus::Credited => Step::Answer(refused(
            status.as_str(),
            "part of this payment was already refunded at Sips: only the whole payment is refunded here",
        )),
        TransactionStatus::Refused | TransactionStatus::Expired => Step::Answer(refused(
            status.as_str(),
            "Sips never captured this payment",
        )),
        TransactionStatus::Unknown(text) => Step::Answer(RefundOutcome::Unknown(
            NoAnswer::Unreadable(format!("Sips status {text:?}")),
        )),
    }
}

/// What the `cancel` or `refund` answer (or its absence) means.
pub fn operated(order: &OrderState, verdict: Result<OfficeVerdict, NoAnswer>) -> RefundOutcome {
    match verdict {
        Err(no_answer) => RefundOutcome::Unknown(no_answer),
        Ok(OfficeVerdict::Done) => refunded(order),
        Ok(OfficeVerdict::NotFound) => refused(
            ResponseCode::NotFound.as_str(),
            ResponseCode::NotFound.meaning(),
        ),
        Ok(OfficeVerdict::KeyRefused) => refused(
            ResponseCode::FraudSuspected.as_str(),
            ResponseCode::FraudSuspected.meaning(),
        ),
        Ok(OfficeVerdict::Refused { code, message }) => RefundOutcome::Refused { code, message },
        Ok(OfficeVerdict::Unavailable { code }) => {
            RefundOutcome::Unknown(NoAnswer::Unreadable(format!("Sips {code}")))
        }
    }
}

// Against the built-in emulator: built with it only.
#[cfg(all(test, feature = "emulators"))]
#[path = "refund_tests.rs"]
mod tests;
