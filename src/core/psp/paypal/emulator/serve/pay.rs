//! DoExpressCheckoutPayment: the checks, the fault, and the payment as one
//! guarded batch, so that two calls racing for one token can never both
//! pay (the loser looks again and answers what the state now says).

use super::ipn::{payment_ipn, QueuedIpn};
use super::nvp::{finish, load, refuse, take_fault, Loaded, Reply};
use crate::core::flow::effects::random_bytes;
use crate::core::flow::{Effects, FlowError};
use crate::core::psp::paypal::emulator::{
    self as rules, Envelope, FaultKind, Fields, Payment, PaymentDecision, Refusal,
};
use crate::core::psp::paypal::emulator_ipn::IpnCharset;
use crate::core::sql::emulator;

/// How many times a payment is tried again after losing a race (the
/// second try sees the winner's result and answers 10415 or 11607).
const PAYMENT_TRIES: usize = 3;

pub(super) async fn do_express_checkout_payment<E: Effects>(
    fx: &E,
    env: &Envelope,
    request: &rules::Request<'_>,
    account: &emulator::Account,
    mut loaded: Loaded,
) -> Result<Reply, FlowError> {
    // The fault is taken once, by the first try that passed every check.
    let mut fault: Option<Option<FaultKind>> = None;
    for _ in 0..PAYMENT_TRIES {
        let decision =
            match rules::decide_payment(request, loaded.checkout.as_ref(), account, fx.now()) {
                Ok(decision) => decision,
                Err(refusal) => {
                    if let (true, Some(token)) =
                        (rules::counts_as_attempt(refusal), request.value("TOKEN"))
                    {
                        fx.run(&vec![emulator::count_attempt(token)]).await?;
                    }
                    return Ok(refuse(env, refusal));
                }
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
            return Ok(Reply::Fields(rules::failure(
                env,
                &rules::fault_error(code),
            )));
        }
        let payment = match decision {
            PaymentDecision::Replay(original) => {
                let fields = rules::payment_answer(env, &original, true);
                return Ok(finish(env, kind.as_ref(), fields));
            }
            PaymentDecision::Pay(payment) => payment,
        };
        let payment = match &kind {
            Some(FaultKind::Status {
                status,
                pending_reason,
            }) => payment.with_status(status.clone(), pending_reason.clone()),
            Some(FaultKind::Drop) | Some(FaultKind::Error(_)) | None => payment,
        };
        let Some(checkout) = loaded.checkout.as_ref() else {
            return Ok(refuse(env, Refusal::InvalidToken));
        };
        match pay(fx, &payment, checkout, account, loaded.ipn_charset).await? {
            Some((body, ipn)) => {
                super::ipn::deliver(fx, &ipn);
                let fields = rules::payment_answer(env, &body, false);
                return Ok(finish(env, kind.as_ref(), fields));
            }
            // Lost a race (paid meanwhile, approval changed, funds gone):
            // look again, and answer what the state now says.
            None => loaded = load(fx, request).await?,
        }
    }
    Err(FlowError::Internal(
        "DoExpressCheckoutPayment kept losing races".into(),
    ))
}

/// Records a payment in one guarded batch: the checkout completed (only
/// if still approved by this payer), the money moved when the payment is
/// completed (never below zero), the transaction, the answer for MSGSUBID
/// replays and the IPN. `None` when the batch was refused (nothing
/// written): a guard, or a MSGSUBID another call stored meanwhile.
async fn pay<E: Effects>(
    fx: &E,
    payment: &Payment,
    checkout: &emulator::Checkout,
    receiver: &emulator::Account,
    ipn_charset: IpnCharset,
) -> Result<Option<(Fields, QueuedIpn)>, FlowError> {
    let transaction_id = rules::transaction_id(&random_bytes::<17, E>(fx)?);
    let now = fx.now();
    let now_text = now.to_string();
    let body = rules::payment_answer_body(payment, &transaction_id, now, receiver);
    let stored = rules::encode_stored(&body);
    let ipn = payment_ipn(
        fx,
        &transaction_id,
        payment,
        checkout,
        receiver,
        ipn_charset,
        now,
    )?;
    let (batch, ipn_at) = emulator::record_payment(&emulator::PaymentRecord {
        transaction: emulator::NewTransaction {
            id: &transaction_id,
            token: &payment.token,
            payer_account_id: payment.payer_account_id,
            receiver_account_id: payment.receiver_account_id,
            amount_cents: payment.amount.cents(),
            currency: &payment.currency,
            invnum: payment.invnum.as_deref(),
            custom: payment.custom.as_deref(),
            notify_url: payment.notify_url.as_deref(),
            locale_code: checkout.locale_code.as_deref(),
            status: payment.status.as_str(),
            pending_reason: payment.pending_reason.as_str(),
            settled: payment.moves_money(),
            now: &now_text,
        },
        msgsubid: payment.msgsubid.as_deref(),
        answer: &stored,
        ipn: ipn.row(),
    });
    match fx.run(&batch).await {
        Ok(results) => Ok(Some((body, ipn.queued(&results, ipn_at)?))),
        Err(error) => {
            fx.log(&format!(
                "emulator: payment batch refused, looking again: {error:?}"
            ));
            Ok(None)
        }
    }
}
