//! The emulator's IPN: the messages it builds and queues for NOTIFYURL in
//! the batch of their event, their delivery records, and the postback that
//! verifies them.

use super::{changed_one, random_hex, random_text, row_at, rows_at, SIGNATURE_CHARS};
use crate::core::crypto::sha256_hex;
use crate::core::flow::effects::random_bytes;
use crate::core::flow::{Effects, FlowError};
use crate::core::psp::paypal::emulator::{self as rules, Ipn, LaterEvent, Payment};
use crate::core::psp::paypal::emulator_ipn::{self as ipn_options, IpnCharset};
use crate::core::psp::paypal::nvp::{PaymentOutcome, PaymentStatus};
use crate::core::sql::{emulator, StmtResult};
use crate::core::time::UtcTime;

/// An IPN message the emulator stored and has to deliver to NOTIFYURL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueuedIpn {
    pub id: i64,
    pub txn_id: String,
    /// IPN spelling (`Completed`, `Pending`, `Canceled_Reversal`, ...).
    pub payment_status: String,
    pub notify_url: Option<String>,
    /// The exact bytes to POST (and that the postback verifies).
    pub body: String,
}

/// An IPN about to be stored in the batch that records its event.
pub(super) struct OutgoingIpn {
    txn_id: String,
    parent_txn_id: Option<String>,
    payment_status: String,
    notify_url: Option<String>,
    body: String,
    body_sha256: String,
    now: String,
}

impl OutgoingIpn {
    fn new(ipn: &Ipn, notify_url: Option<&str>, charset: IpnCharset) -> OutgoingIpn {
        let body = ipn_options::ipn_body_in(ipn, charset);
        OutgoingIpn {
            txn_id: ipn.txn_id.to_owned(),
            parent_txn_id: ipn.parent_txn_id.map(str::to_owned),
            payment_status: ipn.payment_status.as_ipn_str(),
            notify_url: notify_url.map(str::to_owned),
            body_sha256: sha256_hex(body.as_bytes()),
            body,
            now: ipn.payment_date.to_string(),
        }
    }

    /// The row stored with the event, in the event's batch.
    pub(super) fn row(&self) -> emulator::NewIpn<'_> {
        emulator::NewIpn {
            txn_id: &self.txn_id,
            parent_txn_id: self.parent_txn_id.as_deref(),
            payment_status: &self.payment_status,
            notify_url: self.notify_url.as_deref(),
            body: &self.body,
            body_sha256: &self.body_sha256,
            now: &self.now,
        }
    }

    /// The stored message, once the batch ran (`at`: the INSERT's index).
    pub(super) fn queued(&self, results: &[StmtResult], at: usize) -> Result<QueuedIpn, FlowError> {
        let row: emulator::NewId = row_at(results, at)?
            .ok_or_else(|| FlowError::Internal("IPN insert returned no id".into()))?;
        Ok(QueuedIpn {
            id: row.id,
            txn_id: self.txn_id.clone(),
            payment_status: self.payment_status.clone(),
            notify_url: self.notify_url.clone(),
            body: self.body.clone(),
        })
    }
}

/// PayPal's random parts of an IPN: `verify_sign` and `ipn_track_id`.
fn ipn_randoms<E: Effects>(fx: &E) -> Result<(String, String), FlowError> {
    let track: String = random_hex::<7, E>(fx)?.chars().take(13).collect();
    Ok((random_text::<56, E>(fx, SIGNATURE_CHARS)?, track))
}

/// The IPN of a payment DoExpressCheckoutPayment records.
pub(super) fn payment_ipn<E: Effects>(
    fx: &E,
    transaction_id: &str,
    payment: &Payment,
    checkout: &emulator::Checkout,
    receiver: &emulator::Account,
    charset: IpnCharset,
    now: UtcTime,
) -> Result<OutgoingIpn, FlowError> {
    let (verify_sign, ipn_track_id) = ipn_randoms(fx)?;
    let pending =
        (payment.status.outcome() == PaymentOutcome::Pending).then_some(&payment.pending_reason);
    let ipn = Ipn {
        txn_id: transaction_id,
        parent_txn_id: None,
        txn_type: Some("express_checkout"),
        payment_status: &payment.status,
        pending_reason: pending,
        reason_code: None,
        gross_cents: payment.amount.cents(),
        currency: &payment.currency,
        invoice: payment.invnum.as_deref(),
        custom: payment.custom.as_deref(),
        payer_id: checkout.payer_payer_id.as_deref().unwrap_or(""),
        payer_email: checkout.payer_email.as_deref().unwrap_or(""),
        receiver_id: &receiver.payer_id,
        receiver_email: &receiver.email,
        payment_date: now,
        residence_country: rules::residence_country(checkout.locale_code.as_deref()),
        verify_sign: &verify_sign,
        ipn_track_id: &ipn_track_id,
    };
    Ok(OutgoingIpn::new(
        &ipn,
        payment.notify_url.as_deref(),
        charset,
    ))
}

/// The IPN of a later event on a transaction: a Pending payment's outcome
/// (`event: None`; `decided`, Completed or Denied, with the same `txn_id`),
/// or a reversal, refund or cancelled reversal (a new `txn_id`,
/// `parent_txn_id` = the payment).
pub(super) fn event_ipn<E: Effects>(
    fx: &E,
    t: &emulator::Transaction,
    (event, decided): (Option<LaterEvent>, PaymentStatus),
    moved_cents: i64,
    charset: IpnCharset,
    now: UtcTime,
) -> Result<OutgoingIpn, FlowError> {
    let (verify_sign, ipn_track_id) = ipn_randoms(fx)?;
    let new_id = match event {
        Some(_) => rules::transaction_id(&random_bytes::<17, E>(fx)?),
        None => t.id.clone(),
    };
    let status = event.map_or(decided, LaterEvent::status);
    let ipn = Ipn {
        txn_id: &new_id,
        parent_txn_id: event.map(|_| t.id.as_str()),
        txn_type: match event {
            Some(_) => None,
            None => Some("express_checkout"),
        },
        payment_status: &status,
        pending_reason: None,
        reason_code: event.map(LaterEvent::reason_code),
        // A partial refund's message carries the part refunded, as PayPal's.
        gross_cents: event.map_or(t.amount_cents, |e| e.gross_cents(moved_cents)),
        currency: &t.currency,
        invoice: t.invnum.as_deref(),
        custom: t.custom.as_deref(),
        payer_id: &t.payer_payer_id,
        payer_email: &t.payer_email,
        receiver_id: &t.receiver_payer_id,
        receiver_email: &t.receiver_email,
        payment_date: now,
        residence_country: rules::residence_country(t.locale_code.as_deref()),
        verify_sign: &verify_sign,
        ipn_track_id: &ipn_track_id,
    };
    Ok(OutgoingIpn::new(&ipn, t.notify_url.as_deref(), charset))
}

/// Called right after every payment and later event has stored its IPN
/// (status `queued`). The emulator never posts it itself (a deployed Worker
/// cannot fetch itself): a deliverer takes it from [`queued_ipns`], hands it
/// to the platform's listener and records the outcome with
/// [`record_delivery`]; until then it is visible in [`ipn_messages`].
pub(super) fn deliver<E: Effects>(fx: &E, ipn: &QueuedIpn) {
    fx.log(&format!(
        "emulator: IPN {} ({} {}) queued for {}",
        ipn.id,
        ipn.txn_id,
        ipn.payment_status,
        ipn.notify_url.as_deref().unwrap_or("no NOTIFYURL")
    ));
}

/// The oldest IPN messages for the platform's listener not delivered yet
/// (for a retrying deliverer), at most `limit`.
pub async fn queued_ipns<E: Effects>(fx: &E, limit: i64) -> Result<Vec<QueuedIpn>, FlowError> {
    let results = fx.run(&vec![emulator::queued_ipns(limit)]).await?;
    let messages: Vec<emulator::IpnMessage> = rows_at(&results, 0)?;
    Ok(messages
        .into_iter()
        .map(|m| QueuedIpn {
            id: m.id,
            txn_id: m.txn_id,
            payment_status: m.payment_status,
            notify_url: m.notify_url,
            body: m.body,
        })
        .collect())
}

/// Records one delivery attempt of message `id`: the listener's HTTP
/// status; 200 marks it delivered.
pub async fn record_delivery<E: Effects>(
    fx: &E,
    id: i64,
    http_status: u16,
) -> Result<(), FlowError> {
    let now = fx.now().to_string();
    fx.run(&vec![emulator::record_ipn_delivery(
        id,
        i64::from(http_status),
        &now,
    )])
    .await?;
    Ok(())
}

/// The newest messages, queued or not (about one transaction when given,
/// as its `txn_id` or `parent_txn_id`), at most `limit`.
pub async fn ipn_messages<E: Effects>(
    fx: &E,
    txn_id: Option<&str>,
    limit: i64,
) -> Result<Vec<emulator::IpnMessage>, FlowError> {
    let results = fx.run(&vec![emulator::ipn_messages(txn_id, limit)]).await?;
    rows_at(&results, 0)
}

/// Loses the queued messages (about one transaction when given): PayPal
/// never sends them, so their postback is not verified either. Returns how
/// many were dropped.
pub async fn drop_queued_ipns<E: Effects>(fx: &E, txn_id: Option<&str>) -> Result<u64, FlowError> {
    let results = fx.run(&vec![emulator::drop_queued_ipns(txn_id)]).await?;
    Ok(results.first().map_or(0, |r| r.changes))
}

/// The IPN postback's answer (HTTP status, body): `VERIFIED` iff
/// `message` (the bytes after `cmd=_notify-validate&`) is exactly a
/// message the emulator sent, else `INVALID`; a `method=ipn-verify` fault
/// loses or garbles the answer once. 503 when the database cannot be
/// asked (logged): PayPal's own postback fails that way too.
pub async fn verify_postback<E: Effects>(fx: &E, message: &[u8]) -> (u16, String) {
    // Bytes that are not UTF-8 were never sent by the emulator (its IPNs
    // are form-encoded ASCII); the lookup then finds nothing.
    let text = String::from_utf8_lossy(message);
    let batch = vec![
        emulator::ipn_sent(&sha256_hex(message), &text),
        emulator::matching_fault(ipn_options::IPN_VERIFY_METHOD, None, ""),
    ];
    let read = async {
        let results = fx.run(&batch).await?;
        let found: Option<emulator::Found> = row_at(&results, 0)?;
        let fault: Option<emulator::Fault> = row_at(&results, 1)?;
        Ok::<_, FlowError>((found, fault))
    };
    let (found, fault) = match read.await {
        Ok(read) => read,
        Err(error) => {
            fx.log(&format!("emulator: IPN postback: {error:?}"));
            return (503, String::new());
        }
    };
    let sent = found.is_some_and(|f| f.found == 1);
    let fault = match fault {
        Some(fault) => match fx.run(&vec![emulator::take_fault(fault.id)]).await {
            Ok(results) if changed_one(&results, 0) => rules::fault_kind(&fault),
            Ok(_) | Err(_) => None,
        },
        None => None,
    };
    ipn_options::postback_answer(fault.as_ref(), sent)
}
