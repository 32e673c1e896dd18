//! Sips Office as the emulator answers it: `validate`, `cancel`, `refund`
//! and `getTransactionData` in Sips' JSON, sealed with the merchant's key
//! (an answer to a call the emulator cannot attribute to a merchant's key
//! is unsealed: `30`, `34`). One batch loads the merchant, the clock, the
//! transaction and a matching fault; an operation is one guarded batch
//! (transaction and balance), tried again when another call moved the
//! transaction first.

use super::controls::take_fault;
use crate::core::flow::{row_at, Effects, FlowError, StoreError};
use crate::core::psp::sips::codes::ResponseCode;
use crate::core::psp::sips::emulator::{
    self as rules, FaultKind, FaultMethod, OfficeCall, TxState,
};
use crate::core::psp::sips::office::{sealed_body, Operation};
use crate::core::sql::emulator as paypal_tables;
use crate::core::sql::emulator::sips::{self, Amounts, Merchant, Transaction};

/// How many times an operation is tried after losing a race.
const TRIES: usize = 3;

enum Reply {
    Json(String),
    Dropped,
}

/// Answers one Office call: (HTTP status, body). `path` is the call's
/// path under the Office base (`rs-services/v2/...`, see
/// `office::Operation::path`). 200 with Sips' JSON for every answer,
/// refusals included; 404 for a path Office does not have; 502 with an
/// empty body when a `drop` fault lost the answer (the work is done);
/// 503 when the emulator's tables cannot be read (logged).
pub async fn office_answer<E: Effects>(fx: &E, path: &str, body: &[u8]) -> (u16, String) {
    let Some(operation) = rules::operation_at(path) else {
        return (404, String::new());
    };
    match answer(fx, operation, body).await {
        Ok(Reply::Json(json)) => (200, json),
        Ok(Reply::Dropped) => (502, String::new()),
        Err(error) => {
            fx.log(&format!("emulator: Sips Office: {error:?}"));
            (503, String::new())
        }
    }
}

fn bare(code: &ResponseCode, field: Option<&str>) -> Reply {
    Reply::Json(rules::bare_answer(code, field).to_string())
}

fn sealed<T: serde::Serialize>(answer: &T, merchant: &Merchant) -> Result<Reply, FlowError> {
    sealed_body(answer, &merchant.secret_key)
        .map(Reply::Json)
        .map_err(|e| FlowError::Internal(e.to_string()))
}

async fn answer<E: Effects>(fx: &E, operation: Operation, body: &[u8]) -> Result<Reply, FlowError> {
    let call = match rules::read_call(operation, body) {
        Ok(call) => call,
        Err(refusal) => return Ok(bare(&refusal.code, refusal.field)),
    };
    let (merchant, mut transaction, fault) = load(fx, &call).await?;
    if let Err(refusal) = rules::check_call_seal(&call, merchant.as_ref()) {
        return Ok(bare(&refusal.code, refusal.field));
    }
    let Some(merchant) = merchant else {
        return Ok(bare(&ResponseCode::FraudSuspected, None));
    };
    let fault = take_fault(fx, fault.as_ref()).await?;
    if let Some(FaultKind::Code(code)) = &fault {
        return sealed(&rules::bare_answer(code, None), &merchant);
    }
    for _ in 0..TRIES {
        let Some(t) = transaction.as_ref() else {
            let reply = sealed(
                &rules::bare_answer(&ResponseCode::NotFound, None),
                &merchant,
            )?;
            return Ok(finish(reply, fault.as_ref()));
        };
        let now = fx.now();
        let outcome = rules::apply(&call, t, now);
        if let (Some(to), Some((from, _))) = (outcome.write, rules::stored_state(t)) {
            let batch = sips::operate(
                &t.merchant_id,
                &t.transaction_reference,
                (&amounts(&from), &amounts(&to)),
                outcome.balance_cents,
                &now.to_string(),
            );
            match fx.run(&batch).await {
                Ok(_) => {}
                // Another call moved it first: look again.
                Err(StoreError::Guard) => {
                    transaction = load(fx, &call).await?.1;
                    continue;
                }
                Err(error) => return Err(error.into()),
            }
        }
        let reply = match operation {
            Operation::GetTransactionData => sealed(&rules::data_answer(&outcome, t), &merchant)?,
            Operation::Validate | Operation::Cancel | Operation::Refund => {
                sealed(&rules::cash_answer(&outcome, t, now), &merchant)?
            }
        };
        return Ok(finish(reply, fault.as_ref()));
    }
    Err(FlowError::Internal("Sips Office kept losing races".into()))
}

/// The reply, unless a `drop` fault loses it.
fn finish(reply: Reply, fault: Option<&FaultKind>) -> Reply {
    match fault {
        Some(FaultKind::Drop) => Reply::Dropped,
        Some(FaultKind::Code(_) | FaultKind::Delay | FaultKind::Duplicate) | None => reply,
    }
}

fn amounts(state: &TxState) -> Amounts<'static> {
    Amounts {
        status: state.status.as_str(),
        amount_cents: state.amount_cents,
        captured_cents: state.captured_cents,
        refunded_cents: state.refunded_cents,
    }
}

async fn load<E: Effects>(
    fx: &E,
    call: &OfficeCall,
) -> Result<(Option<Merchant>, Option<Transaction>, Option<sips::Fault>), FlowError> {
    let method = FaultMethod::Office(call.operation).as_str();
    let (merchant_id, reference) = (&call.merchant_id, &call.transaction_reference);
    let batch = vec![
        sips::merchant_by_id(merchant_id),
        paypal_tables::clock_offset(),
        sips::transaction(merchant_id, reference),
        sips::matching_fault(method, merchant_id, reference),
    ];
    let results = fx.run(&batch).await?;
    Ok((
        row_at(&results, 0)?,
        row_at(&results, 2)?,
        row_at(&results, 3)?,
    ))
}
