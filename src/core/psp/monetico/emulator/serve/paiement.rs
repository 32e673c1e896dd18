//! `paiement.cgi` and the card page at work: a form accepted is recorded
//! as a pending payment (a reused reference is refused: the insert finds
//! it); the buyer's choice decides the payment and queues its sealed
//! notification in one guarded batch (a second decision finds it decided
//! and changes nothing).

use super::notify::QueuedNotification;
use super::{random_digits, random_hex, take_fault};
use crate::core::flow::{row_at, Effects, FlowError, StoreError};
use crate::core::money::Currency;
use crate::core::psp::monetico::amount::WireAmount;
use crate::core::psp::monetico::emulator::card::{decide_card, CardAction, CardDecision};
use crate::core::psp::monetico::emulator::fault::{FaultKind, FaultMethod};
use crate::core::psp::monetico::emulator::paiement::{
    check_paiement, notification_body, NotificationFacts, PaiementError,
};
use crate::core::psp::monetico::emulator::State;
use crate::core::psp::monetico::key::UsableKey;
use crate::core::psp::monetico::notification::Received;
use crate::core::sql::emulator::monetico::{self as sql, Merchant, NewId, Payment};
use crate::core::sql::guard_one_row_changed;

/// What `paiement.cgi` made of a posted form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Posted {
    /// Nothing recorded: the error page says why (HTTP 400).
    Refused(PaiementError),
    /// Recorded as pending: the card page shows it.
    Accepted {
        payment: Box<Payment>,
        merchant: Box<Merchant>,
    },
}

/// Checks and records a form posted to `paiement.cgi`. `may_return` says
/// whether the emulator may send the buyer back to a return URL (the
/// shell allows only this deployment's origin: no open redirect).
pub async fn post_paiement<E: Effects>(
    fx: &E,
    raw: &[u8],
    may_return: &dyn Fn(&str) -> bool,
) -> Result<Posted, FlowError> {
    let Ok(received) = Received::parse(raw) else {
        return Ok(Posted::Refused(PaiementError::NotForm));
    };
    let tpe = received.field("TPE").unwrap_or("");
    let results = fx.run(&vec![sql::merchant_by_tpe(tpe)]).await?;
    let merchant: Option<Merchant> = row_at(&results, 0)?;
    let form = match check_paiement(&received, merchant.as_ref()) {
        Ok(form) => form,
        Err(error) => return Ok(Posted::Refused(error)),
    };
    for (field, url) in [
        ("url_retour_ok", &form.url_ok),
        ("url_retour_err", &form.url_err),
    ] {
        if !may_return(url) {
            return Ok(Posted::Refused(PaiementError::Field(field)));
        }
    }
    let Some(merchant) = merchant else {
        return Ok(Posted::Refused(PaiementError::UnknownTpe));
    };
    let token = random_hex::<16, E>(fx)?;
    let now = fx.now().to_string();
    let new = sql::NewPayment {
        tpe: &form.tpe,
        reference: &form.reference,
        token: &token,
        amount_cents: form.amount.cents,
        currency: form.amount.currency.as_str(),
        texte_libre: &form.texte_libre,
        lgue: &form.lgue,
        mail: &form.mail,
        url_ok: &form.url_ok,
        url_err: &form.url_err,
        now: &now,
    };
    let batch = vec![sql::insert_payment(&new), sql::payment_by_token(&token)];
    let results = fx.run(&batch).await?;
    match row_at::<Payment>(&results, 1)? {
        Some(payment) => Ok(Posted::Accepted {
            payment: Box::new(payment),
            merchant: Box::new(merchant),
        }),
        None => Ok(Posted::Refused(PaiementError::ReusedReference)),
    }
}

/// The payment of a card page still waiting for the buyer, with its
/// merchant; `None` when unknown or decided.
pub async fn pending_payment<E: Effects>(
    fx: &E,
    token: &str,
) -> Result<Option<(Payment, Merchant)>, FlowError> {
    let results = fx.run(&vec![sql::payment_by_token(token)]).await?;
    let Some(payment) = row_at::<Payment>(&results, 0)? else {
        return Ok(None);
    };
    if State::parse(&payment.status) != Some(State::Pending) {
        return Ok(None);
    }
    let results = fx.run(&vec![sql::merchant_by_tpe(&payment.tpe)]).await?;
    Ok(row_at::<Merchant>(&results, 0)?.map(|merchant| (payment, merchant)))
}

/// What the card page's decision did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decided {
    /// Unknown or decided already: nothing changed.
    Gone,
    Done {
        decision: CardDecision,
        /// Where the buyer goes back: `url_retour_ok` or `url_retour_err`.
        location: String,
        /// A `paiement` drop fault: the buyer is not sent back.
        browser_lost: bool,
        /// The queued notification (`None`: a drop fault lost it).
        notification: Option<QueuedNotification>,
        /// False for a `delay` fault: the next delivery run sends it.
        deliver_now: bool,
    },
}

/// The buyer's card and address, as the card page received them.
#[derive(Clone, Copy, Debug)]
pub struct Buyer<'a> {
    /// The card's digits (empty when none was needed).
    pub card: &'a str,
    pub ip: &'a str,
}

/// Decides a pending payment as the buyer chose (the card number was
/// checked by the caller when paying), with the one-shot faults of the
/// card page and of the notification.
pub async fn decide<E: Effects>(
    fx: &E,
    token: &str,
    action: CardAction,
    buyer: Buyer<'_>,
) -> Result<Decided, FlowError> {
    let Some((payment, merchant)) = pending_payment(fx, token).await? else {
        return Ok(Decided::Gone);
    };
    let (tpe, reference) = (payment.tpe.as_str(), payment.reference.as_str());
    let paiement_fault = take_fault(fx, FaultMethod::Paiement, tpe, reference).await?;
    let notification_fault = take_fault(fx, FaultMethod::Notification, tpe, reference).await?;
    let code = match &paiement_fault {
        Some(FaultKind::Code(code)) => Some(code.as_str()),
        Some(FaultKind::Drop | FaultKind::Delay | FaultKind::Duplicate) | None => None,
    };
    let decision = decide_card(action, code, &random_digits::<6, E>(fx)?);
    let key = UsableKey::derive(&merchant.cle)
        .map_err(|e| FlowError::Internal(format!("merchant key: {e}")))?;
    let currency = Currency::parse(&payment.currency)
        .ok_or_else(|| FlowError::Internal(format!("currency {:?}", payment.currency)))?;
    let now = fx.now();
    let body = notification_body(
        &NotificationFacts {
            tpe,
            reference,
            amount: WireAmount::new(payment.amount_cents, currency),
            texte_libre: &payment.texte_libre,
            decision: &decision,
            card: buyer.card,
            ipclient: buyer.ip,
            at: now,
        },
        &key,
    );
    let now_text = now.to_string();
    let mut batch = vec![
        sql::decide_payment(
            token,
            decision.state.as_str(),
            &decision.code_retour,
            decision.numauto.as_deref(),
            decision.motifrefus.as_deref(),
            &now_text,
        ),
        guard_one_row_changed(),
    ];
    let duplicate = notification_fault == Some(FaultKind::Duplicate);
    let lost = notification_fault == Some(FaultKind::Drop);
    if !lost {
        batch.push(sql::insert_notification(
            tpe, reference, &body, duplicate, &now_text,
        ));
    }
    let results = match fx.run(&batch).await {
        Ok(results) => results,
        Err(StoreError::Guard) => return Ok(Decided::Gone),
        Err(error) => return Err(error.into()),
    };
    let notification = row_at::<NewId>(&results, 2)?.map(|row| QueuedNotification {
        id: row.id,
        tpe: tpe.to_string(),
        reference: reference.to_string(),
        body,
        duplicate,
    });
    let location = match decision.state {
        State::Authorized => payment.url_ok.clone(),
        State::Pending | State::Refused | State::Captured | State::Released | State::Recredited => {
            payment.url_err.clone()
        }
    };
    Ok(Decided::Done {
        decision,
        location,
        browser_lost: paiement_fault == Some(FaultKind::Drop),
        notification,
        deliver_now: notification_fault != Some(FaultKind::Delay),
    })
}
