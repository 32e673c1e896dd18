//! Sips Office as the emulator answers it: reading a call (its path, its
//! JSON, its seal under the merchant's key and key version), and what
//! `validate`, `cancel`, `refund` and `getTransactionData` do to a
//! transaction and answer, with Sips' response codes: `00` done, `24`
//! not possible in the transaction's state (or beyond its amount), `25`
//! not found, `12` a field that does not fit, `30` unreadable, `34` a bad
//! seal, key version or merchant. `validate` leaves `TO_CAPTURE` until the
//! day's remittance: before it `cancel` takes money back (an
//! authorization's or a validation's), after it only `refund` does, within
//! what was captured and not refunded yet; a second full refund is `24`.

use crate::core::money::Amount;
use crate::core::psp::sips::codes::ResponseCode;
use crate::core::psp::sips::office::{CashManagementAnswer, Operation, TransactionDataAnswer};
use crate::core::psp::sips::seal::verify_json_seal;
use crate::core::sql::emulator::sips::{Merchant, Transaction};
use crate::core::time::UtcTime;

use super::state::{capture_limit, effective_status, limit_date, Times, TxStatus};

/// Every Office call the emulator answers.
const OPERATIONS: [Operation; 4] = [
    Operation::Validate,
    Operation::Cancel,
    Operation::Refund,
    Operation::GetTransactionData,
];

/// The call a path under the Office base names (with or without a
/// leading `/`), if any.
pub fn operation_at(path: &str) -> Option<Operation> {
    let path = path.trim_start_matches('/');
    OPERATIONS.into_iter().find(|op| op.path() == path)
}

/// An Office call as received.
#[derive(Clone, Debug, PartialEq)]
pub struct OfficeCall {
    pub operation: Operation,
    pub merchant_id: String,
    pub key_version: Option<i64>,
    pub transaction_reference: String,
    /// Cents, when the call carries an amount.
    pub operation_amount: Option<i64>,
    pub currency_code: Option<String>,
    /// The whole message, for its seal.
    pub message: serde_json::Value,
}

/// Why a call is refused before its transaction is looked at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallRefusal {
    pub code: ResponseCode,
    /// The field at fault (`errorFieldName`).
    pub field: Option<&'static str>,
}

fn refusal(code: ResponseCode, field: &'static str) -> CallRefusal {
    CallRefusal {
        code,
        field: Some(field),
    }
}

fn text(message: &serde_json::Value, name: &str) -> Option<String> {
    match message.get(name)? {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::String(_)
        | serde_json::Value::Null
        | serde_json::Value::Bool(_)
        | serde_json::Value::Array(_)
        | serde_json::Value::Object(_) => None,
    }
}

/// An integer from a JSON number or a digit string.
fn integer(message: &serde_json::Value, name: &'static str) -> Result<Option<i64>, CallRefusal> {
    let Some(value) = text(message, name) else {
        return Ok(None);
    };
    let digits =
        !value.is_empty() && value.len() <= 12 && value.bytes().all(|b| b.is_ascii_digit());
    match (digits, value.parse::<i64>()) {
        (true, Ok(n)) => Ok(Some(n)),
        (true, Err(_)) | (false, _) => Err(refusal(ResponseCode::FormatError, name)),
    }
}

/// Reads a call's JSON body: `merchantId` and `transactionReference` are
/// required, numbers are integers.
pub fn read_call(operation: Operation, body: &[u8]) -> Result<OfficeCall, CallRefusal> {
    let message: serde_json::Value = serde_json::from_slice(body).map_err(|_| CallRefusal {
        code: ResponseCode::FormatError,
        field: None,
    })?;
    if !message.is_object() {
        return Err(CallRefusal {
            code: ResponseCode::FormatError,
            field: None,
        });
    }
    let merchant_id = text(&message, "merchantId")
        .ok_or_else(|| refusal(ResponseCode::FormatError, "merchantId"))?;
    let transaction_reference = text(&message, "transactionReference")
        .ok_or_else(|| refusal(ResponseCode::FormatError, "transactionReference"))?;
    Ok(OfficeCall {
        operation,
        key_version: integer(&message, "keyVersion")?,
        operation_amount: integer(&message, "operationAmount")?,
        currency_code: text(&message, "currencyCode"),
        merchant_id,
        transaction_reference,
        message,
    })
}

/// `34` unless the call names a known merchant with its key version and
/// carries that key's JSON seal.
pub fn check_call_seal(call: &OfficeCall, merchant: Option<&Merchant>) -> Result<(), CallRefusal> {
    let fraud = CallRefusal {
        code: ResponseCode::FraudSuspected,
        field: None,
    };
    let Some(merchant) = merchant else {
        return Err(fraud);
    };
    if call.key_version != Some(merchant.key_version)
        || !verify_json_seal(&call.message, &merchant.secret_key)
    {
        return Err(fraud);
    }
    Ok(())
}

/// A transaction's money and status, as stored or as an operation leaves it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TxState {
    pub status: TxStatus,
    /// Still authorized (what `validate` may capture).
    pub amount_cents: i64,
    pub captured_cents: i64,
    pub refunded_cents: i64,
}

impl TxState {
    /// What Office shows as `currentAmount`/`newAmount`.
    pub fn current_cents(self) -> i64 {
        match self.status {
            TxStatus::Initialized | TxStatus::ToValidate | TxStatus::Pending => self.amount_cents,
            TxStatus::ToCapture | TxStatus::Captured | TxStatus::Credited => {
                self.captured_cents - self.refunded_cents
            }
            TxStatus::Cancelled | TxStatus::Refused | TxStatus::Expired => 0,
        }
    }
}

/// A stored transaction's state and times.
pub fn stored_state(t: &Transaction) -> Option<(TxState, Times)> {
    let state = TxState {
        status: TxStatus::parse(&t.status)?,
        amount_cents: t.amount_cents,
        captured_cents: t.captured_cents,
        refunded_cents: t.refunded_cents,
    };
    let times = Times {
        authorized_at: t.authorized_at.as_deref().and_then(UtcTime::parse),
        updated_at: UtcTime::parse(&t.updated_at),
    };
    Some((state, times))
}

/// What an operation does: the state to write (`None`: nothing), the
/// balance move, and the code it answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub write: Option<TxState>,
    pub balance_cents: i64,
    pub code: ResponseCode,
    pub field: Option<&'static str>,
    /// The state after (the answer's `newStatus`, `newAmount`).
    pub after: TxState,
}

/// What `call` does to transaction `t` (its state and authorization time)
/// at `now`.
pub fn apply(call: &OfficeCall, t: &Transaction, now: UtcTime) -> Outcome {
    let Some((stored, times)) = stored_state(t) else {
        return refused(None, ResponseCode::InternalError, None);
    };
    let status = effective_status(stored.status, times, t.capture_day, now);
    let state = TxState { status, ..stored };
    // A lapse or a remittance is written by the operation that finds it.
    let lapse = (status != stored.status).then_some(state);
    match call.operation {
        Operation::GetTransactionData => match status {
            TxStatus::Initialized => refused(None, ResponseCode::NotFound, None),
            TxStatus::ToValidate
            | TxStatus::ToCapture
            | TxStatus::Captured
            | TxStatus::Cancelled
            | TxStatus::Refused
            | TxStatus::Expired
            | TxStatus::Credited
            | TxStatus::Pending => refused(lapse, ResponseCode::Accepted, None).with_after(state),
        },
        Operation::Validate | Operation::Cancel | Operation::Refund => {
            match operation_cents(call, t) {
                Ok(cents) => cash_operation(call.operation, state, cents, lapse),
                Err(field) => refused(lapse, ResponseCode::InvalidTransaction, Some(field)),
            }
        }
    }
}

/// The call's amount if it is positive and in the transaction's currency;
/// else the field at fault.
fn operation_cents(call: &OfficeCall, t: &Transaction) -> Result<i64, &'static str> {
    let cents = call
        .operation_amount
        .filter(|a| *a > 0)
        .ok_or("operationAmount")?;
    if call.currency_code.as_deref() != Some(t.currency_code.as_str()) {
        return Err("currencyCode");
    }
    Ok(cents)
}

/// `validate`, `cancel` or `refund` of `cents` on a transaction in `state`.
fn cash_operation(
    operation: Operation,
    state: TxState,
    cents: i64,
    lapse: Option<TxState>,
) -> Outcome {
    let done = |after: TxState, balance_cents: i64| Outcome {
        write: Some(after),
        balance_cents,
        code: ResponseCode::Accepted,
        field: None,
        after,
    };
    let refunded = state.refunded_cents + cents;
    match (operation, state.status) {
        (_, TxStatus::Initialized) => refused(None, ResponseCode::NotFound, None),
        (Operation::Validate, TxStatus::ToValidate) if cents <= state.amount_cents => done(
            TxState {
                status: TxStatus::ToCapture,
                amount_cents: cents,
                captured_cents: cents,
                ..state
            },
            cents,
        ),
        (Operation::Cancel, TxStatus::ToValidate) if cents <= state.amount_cents => {
            let left = state.amount_cents - cents;
            done(
                TxState {
                    status: cancelled_if_none(left, TxStatus::ToValidate),
                    amount_cents: left,
                    ..state
                },
                0,
            )
        }
        // Before remittance: the validated money does not go out at all.
        (Operation::Cancel, TxStatus::ToCapture) if cents <= state.current_cents() => {
            let left = state.captured_cents - cents;
            done(
                TxState {
                    status: cancelled_if_none(left, TxStatus::ToCapture),
                    amount_cents: left,
                    captured_cents: left,
                    ..state
                },
                -cents,
            )
        }
        (Operation::Refund, TxStatus::Captured) if refunded <= state.captured_cents => {
            let status = if refunded == state.captured_cents {
                TxStatus::Credited
            } else {
                TxStatus::Captured
            };
            done(
                TxState {
                    status,
                    refunded_cents: refunded,
                    ..state
                },
                -cents,
            )
        }
        (
            Operation::Validate
            | Operation::Cancel
            | Operation::Refund
            | Operation::GetTransactionData,
            _,
        ) => refused(lapse, ResponseCode::NotAuthorised, None).with_after(state),
    }
}

/// After a cancel: `CANCELLED` once nothing is `left`, else `status`.
fn cancelled_if_none(left: i64, status: TxStatus) -> TxStatus {
    if left == 0 {
        TxStatus::Cancelled
    } else {
        status
    }
}

fn refused(write: Option<TxState>, code: ResponseCode, field: Option<&'static str>) -> Outcome {
    let after = write.unwrap_or(TxState {
        status: TxStatus::Initialized,
        amount_cents: 0,
        captured_cents: 0,
        refunded_cents: 0,
    });
    Outcome {
        write,
        balance_cents: 0,
        code,
        field,
        after,
    }
}

impl Outcome {
    fn with_after(self, after: TxState) -> Outcome {
        Outcome { after, ..self }
    }
}

/// The answer to `validate`, `cancel` or `refund`.
pub fn cash_answer(outcome: &Outcome, t: &Transaction, now: UtcTime) -> CashManagementAnswer {
    let known = outcome.after.status.office().filter(|_| {
        !matches!(
            outcome.code,
            ResponseCode::NotFound | ResponseCode::InvalidTransaction
        )
    });
    CashManagementAnswer {
        response_code: outcome.code.clone(),
        acquirer_response_code: None,
        authorisation_id: known.as_ref().and(t.authorisation_id.clone()),
        new_amount: known
            .as_ref()
            .and_then(|_| Amount::from_cents(outcome.after.current_cents())),
        new_status: known,
        operation_date_time: Some(now.to_string()),
        error_field_name: outcome.field.map(str::to_owned),
    }
}

/// The answer to `getTransactionData`.
pub fn data_answer(outcome: &Outcome, t: &Transaction) -> TransactionDataAnswer {
    let found = outcome.code == ResponseCode::Accepted;
    let limit = t
        .authorized_at
        .as_deref()
        .and_then(UtcTime::parse)
        .map(|at| limit_date(capture_limit(at, t.capture_day)));
    let when = |v: Option<String>| v.filter(|_| found);
    TransactionDataAnswer {
        response_code: outcome.code.clone(),
        transaction_reference: when(Some(t.transaction_reference.clone())),
        merchant_id: when(Some(t.merchant_id.clone())),
        transaction_status: outcome.after.status.office().filter(|_| found),
        origin_amount: Amount::from_cents(t.origin_cents).filter(|_| found),
        current_amount: Amount::from_cents(outcome.after.current_cents()).filter(|_| found),
        currency_code: when(Some(t.currency_code.clone())),
        capture_limit_date: when(limit),
        authorisation_id: when(t.authorisation_id.clone()),
        acquirer_response_code: when(t.response_code.clone()),
        transaction_date_time: when(t.authorized_at.clone().or(Some(t.created_at.clone()))),
    }
}

/// The answer to a call whose transaction does not exist (`25`) or that
/// was refused before it was looked at.
pub fn bare_answer(code: &ResponseCode, field: Option<&str>) -> serde_json::Value {
    let mut answer = serde_json::json!({ "responseCode": code.as_str() });
    if let (Some(field), Some(object)) = (field, answer.as_object_mut()) {
        object.insert("errorFieldName".to_owned(), serde_json::Value::from(field));
    }
    answer
}
