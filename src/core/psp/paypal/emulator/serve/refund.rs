//! RefundTransaction at work: a repeated MSGSUBID answers the first
//! answer again (11607); otherwise the checks, the one-shot fault, and the
//! refund as one guarded batch (the payment `Refunded`, the money back from
//! the receiver to the payer, the IPN, the answer kept for its MSGSUBID).
//! A call that loses a race looks again and answers what the state says.

use super::ipn::{deliver, event_ipn};
use super::nvp::{finish, load, take_fault, Loaded, Reply};
use crate::core::flow::{Effects, FlowError};
use crate::core::psp::paypal::emulator::{self as rules, Envelope, FaultKind, LaterEvent};
use crate::core::psp::paypal::nvp::PaymentStatus;
use crate::core::sql::emulator;

/// How many times a refund is tried again after losing a race.
const REFUND_TRIES: usize = 3;

pub(super) async fn refund_transaction<E: Effects>(
    fx: &E,
    env: &Envelope,
    request: &rules::Request<'_>,
    account: &emulator::Account,
    mut loaded: Loaded,
) -> Result<Reply, FlowError> {
    let msgsubid = request.value("MSGSUBID");
    // The fault is taken once, by the first try that gets that far.
    let mut fault: Option<Option<FaultKind>> = None;
    for _ in 0..REFUND_TRIES {
        let stored = match msgsubid {
            Some(id) => stored_answer(fx, account.id, id).await?,
            None => None,
        };
        let first = match &stored {
            Some(_) => None,
            None => match rules::check_refund(request, loaded.transaction.as_ref(), account) {
                Ok(found) => Some(found),
                Err(refusal) => return Ok(Reply::Fields(rules::failure(env, &refusal.error()))),
            },
        };
        let kind = match &fault {
            Some(kind) => kind.clone(),
            None => {
                let kind = take_fault(fx, loaded.fault.as_ref()).await?;
                fault = Some(kind.clone());
                kind
            }
        };
        if let Some(FaultKind::Error(code)) = &kind {
            return Ok(Reply::Fields(rules::failure(env, &rules::fault_error(code))));
        }
        let Some((t, moved_cents)) = first else {
            let body = stored.unwrap_or_default();
            let fields = rules::refund_answer(env, &body, msgsubid, true);
            return Ok(finish(env, kind.as_ref(), fields));
        };
        if let Some(body) = refund(fx, t, moved_cents, msgsubid, account, &loaded).await? {
            let fields = rules::refund_answer(env, &body, msgsubid, false);
            return Ok(finish(env, kind.as_ref(), fields));
        }
        // Lost a race (refunded meanwhile, the same MSGSUBID stored by
        // another call, the balance moved): look again.
        loaded = load(fx, request).await?;
    }
    Err(FlowError::Internal("RefundTransaction kept losing races".into()))
}

/// The answer kept for this caller's MSGSUBID, if a refund was made with it.
async fn stored_answer<E: Effects>(
    fx: &E,
    receiver_account_id: i64,
    msgsubid: &str,
) -> Result<Option<rules::Fields>, FlowError> {
    let results = fx
        .run(&vec![emulator::refund_by_msgsubid(receiver_account_id, msgsubid)])
        .await?;
    let row: Option<emulator::StoredRefund> = super::row_at(&results, 0)?;
    Ok(row.and_then(|r| rules::decode_stored(&r.answer)))
}

/// Records the refund in one batch; `None` when the batch was refused.
async fn refund<E: Effects>(
    fx: &E,
    t: &emulator::Transaction,
    moved_cents: i64,
    msgsubid: Option<&str>,
    account: &emulator::Account,
    loaded: &Loaded,
) -> Result<Option<rules::Fields>, FlowError> {
    let now = fx.now();
    let now_text = now.to_string();
    let about = (Some(LaterEvent::Refunded), PaymentStatus::Refunded);
    let ipn = event_ipn(fx, t, about, moved_cents, loaded.ipn_charset, now)?;
    // PayPal names the refund by the transaction its message carries.
    let refund_id = ipn.row().txn_id.to_string();
    let body = rules::refund_answer_body(&refund_id, t, moved_cents);
    let stored = rules::encode_stored(&body);
    let (mut batch, ipn_at) = emulator::record_event(&emulator::EventRecord {
        transaction_id: &t.id,
        from_status: &t.status,
        to_status: PaymentStatus::Refunded.as_str(),
        reason_code: LaterEvent::Refunded.reason_code(),
        settled: false,
        giver_account_id: t.receiver_account_id,
        taker_account_id: t.payer_account_id,
        amount_cents: moved_cents,
        refunded_cents: (t.refunded_cents, t.refunded_cents + moved_cents),
        now: &now_text,
        ipn: ipn.row(),
    });
    if let Some(msgsubid) = msgsubid {
        batch.push(emulator::insert_refund(&emulator::NewRefund {
            receiver_account_id: account.id,
            msgsubid,
            refund_transaction_id: &refund_id,
            transaction_id: &t.id,
            answer: &stored,
            now: &now_text,
        }));
    }
    match fx.run(&batch).await {
        Ok(results) => {
            deliver(fx, &ipn.queued(&results, ipn_at)?);
            Ok(Some(body))
        }
        Err(error) => {
            fx.log(&format!(
                "emulator: refund batch refused, looking again: {error:?}"
            ));
            Ok(None)
        }
    }
}
