//! `capture_paiement.cgi` and `recredit_paiement.cgi` answered: the
//! request authenticated, the payment loaded, the one-shot fault taken,
//! then the capture, release or recredit done in one guarded batch (the
//! payment's state and the merchant's balance together), so that two calls
//! racing never both settle; the loser looks again and answers what the
//! state now says (a capture repeated: "already done").

use super::take_fault;
use crate::core::flow::{row_at, Effects, FlowError, StoreError};
use crate::core::money::Currency;
use crate::core::psp::monetico::amount::WireAmount;
use crate::core::psp::monetico::emulator::api::{
    self as rules, ApiAnswer, CaptureStep, PaymentFacts, RecreditStep, Script, CDR_INVALID,
    CDR_REFUSED,
};
use crate::core::psp::monetico::emulator::fault::{FaultKind, FaultMethod};
use crate::core::psp::monetico::emulator::State;
use crate::core::psp::monetico::notification::Received;
use crate::core::sql::emulator::monetico::{self as sql, Merchant, Payment};
use crate::core::sql::{guard_one_row_changed, Batch};

/// How many times a call is tried again after losing a race.
const TRIES: usize = 3;

/// The answer of one call to a script of the bank's API: (HTTP status,
/// body). 200 with `key=value` lines, refusals included; 404 for another
/// script; 502 with an empty body when a `drop` fault lost the answer
/// (the work is done); 503 when the database failed (nothing is known).
pub async fn answer_api<E: Effects>(fx: &E, script: &str, body: &[u8]) -> (u16, String) {
    let Some(script) = Script::parse(script) else {
        return (404, String::new());
    };
    match answer(fx, script, body).await {
        Ok(answered) => answered,
        Err(error) => {
            fx.log(&format!("monetico emulator: {script:?}: {error:?}"));
            (503, String::new())
        }
    }
}

async fn answer<E: Effects>(
    fx: &E,
    script: Script,
    body: &[u8],
) -> Result<(u16, String), FlowError> {
    let Ok(received) = Received::parse(body) else {
        return Ok((
            200,
            ApiAnswer::new(CDR_INVALID, "requete invalide").body(""),
        ));
    };
    let tpe = received.field("TPE").unwrap_or("").to_string();
    let reference = received.field("reference").unwrap_or("").to_string();
    let reply = |answer: ApiAnswer| Ok((200, answer.body(&reference)));
    let mut fault: Option<Option<FaultKind>> = None;
    for _ in 0..TRIES {
        let batch = vec![sql::merchant_by_tpe(&tpe), sql::payment(&tpe, &reference)];
        let results = fx.run(&batch).await?;
        let merchant: Option<Merchant> = row_at(&results, 0)?;
        if let Err(answer) = rules::authenticate(&received, merchant.as_ref()) {
            return reply(answer);
        }
        let Some(payment) = row_at::<Payment>(&results, 1)? else {
            return reply(ApiAnswer::new(CDR_REFUSED, "paiement non trouve"));
        };
        let facts = facts(&payment)?;
        let kind = match &fault {
            Some(kind) => kind.clone(),
            None => {
                let method = match script {
                    Script::Capture => FaultMethod::Capture,
                    Script::Recredit => FaultMethod::Recredit,
                };
                let kind = take_fault(fx, method, &tpe, &reference).await?;
                fault = Some(kind.clone());
                kind
            }
        };
        if let Some(FaultKind::Code(cdr)) = &kind {
            return reply(ApiAnswer::new(cdr, "panne emulee"));
        }
        let Some(answer) = act(fx, script, &received, &payment, &facts).await? else {
            continue;
        };
        return match kind {
            Some(FaultKind::Drop) => Ok((502, String::new())),
            Some(FaultKind::Code(_) | FaultKind::Delay | FaultKind::Duplicate) | None => {
                reply(answer)
            }
        };
    }
    Err(FlowError::Internal("the call kept losing races".into()))
}

/// What the bank knows of a stored payment.
fn facts(payment: &Payment) -> Result<PaymentFacts<'_>, FlowError> {
    let state = State::parse(&payment.status)
        .ok_or_else(|| FlowError::Internal(format!("payment state {:?}", payment.status)))?;
    let currency = Currency::parse(&payment.currency)
        .ok_or_else(|| FlowError::Internal(format!("currency {:?}", payment.currency)))?;
    Ok(PaymentFacts {
        state,
        amount: WireAmount::new(payment.amount_cents, currency),
        captured_cents: payment.captured_cents,
        recredited_cents: payment.recredited_cents,
        numauto: payment.numauto.as_deref(),
    })
}

/// Does what the call asks; `None` when a guard refused the batch (the
/// state changed meanwhile: look again).
async fn act<E: Effects>(
    fx: &E,
    script: Script,
    received: &Received,
    payment: &Payment,
    facts: &PaymentFacts<'_>,
) -> Result<Option<ApiAnswer>, FlowError> {
    let key = (payment.tpe.as_str(), payment.reference.as_str());
    let now = fx.now().to_string();
    let (batch, done): (Batch, ApiAnswer) = match script {
        Script::Capture => {
            let step = rules::decide_capture(received, facts);
            let done = rules::captured_answer(&step, facts.numauto);
            let from = State::Authorized.as_str();
            match step {
                CaptureStep::Answer(answer) => return Ok(Some(answer)),
                CaptureStep::Capture { cents } => (
                    vec![
                        sql::settle_payment(key, from, State::Captured.as_str(), cents, &now),
                        guard_one_row_changed(),
                        sql::credit_merchant(key.0, cents),
                    ],
                    done,
                ),
                CaptureStep::Release => (
                    vec![
                        sql::settle_payment(key, from, State::Released.as_str(), 0, &now),
                        guard_one_row_changed(),
                    ],
                    done,
                ),
            }
        }
        Script::Recredit => match rules::decide_recredit(received, facts) {
            RecreditStep::Answer(answer) => return Ok(Some(answer)),
            RecreditStep::Recredit { cents } => (
                vec![
                    sql::recredit_payment(key, facts.recredited_cents, cents),
                    guard_one_row_changed(),
                    sql::debit_merchant(key.0, cents),
                    guard_one_row_changed(),
                ],
                rules::recredited_answer(),
            ),
        },
    };
    match fx.run(&batch).await {
        Ok(_) => Ok(Some(done)),
        Err(StoreError::Guard) => Ok(None),
        Err(error) => Err(error.into()),
    }
}
