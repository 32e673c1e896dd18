//! The emulator's test tools and IPN: one-shot faults
//! (`/_emulator/paypal/faults`), the clock (`/_emulator/clock`), the IPN
//! messages it queues and the postback that verifies them
//! (`/_emulator/paypal/ipn`, `/_emulator/paypal/ipn-verify`), and the later
//! life of a payment (`/_emulator/paypal/transactions/{id}`: complete a
//! Pending payment, reverse, refund, cancel a reversal). Every money move is
//! one guarded batch; balances never go negative (409 instead).

use serde_json::json;
use worker::{Request, Response};

use super::api::verify_sign;
use super::{adopt_clock_offset, clock_offset_stmt, row_at, rows_at};
use crate::core::crypto::sha256_hex;
use crate::core::money::Amount;
use crate::core::psp::paypal::emulator::{self as rules, Direction, Ipn, LaterEvent, Payment};
use crate::core::psp::paypal::emulator_ipn::{self as ipn_options, IpnCharset};
use crate::core::psp::paypal::nvp::{PaymentOutcome, PaymentStatus, PendingReason};
use crate::core::sql::{emulator, StmtResult};
use crate::core::time::UtcTime;
use crate::shell::app::random_hex;
use crate::shell::web::{json_response, read_form, Ctx, WebError};

// ---------------------------------------------------------------------------
// IPN
// ---------------------------------------------------------------------------

/// An IPN message the emulator stored and has to deliver to NOTIFYURL.
#[derive(Clone, Debug)]
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
    pub(super) fn queued(&self, results: &[StmtResult], at: usize) -> Result<QueuedIpn, WebError> {
        let row: emulator::NewId = row_at(results, at)?
            .ok_or_else(|| WebError::Internal("IPN insert returned no id".into()))?;
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
fn ipn_randoms() -> Result<(String, String), WebError> {
    let track: String = random_hex::<7>()?.chars().take(13).collect();
    Ok((verify_sign()?, track))
}

/// The IPN of a payment DoExpressCheckoutPayment records.
pub(super) fn payment_ipn(
    transaction_id: &str,
    payment: &Payment,
    checkout: &emulator::Checkout,
    receiver: &emulator::Account,
    charset: IpnCharset,
    now: UtcTime,
) -> Result<OutgoingIpn, WebError> {
    let (verify_sign, ipn_track_id) = ipn_randoms()?;
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

/// The IPN of a later event on a transaction: its completion (same
/// `txn_id`), or a reversal, refund or cancelled reversal (a new `txn_id`,
/// `parent_txn_id` = the payment).
fn event_ipn(
    t: &emulator::Transaction,
    event: Option<LaterEvent>,
    moved_cents: i64,
    charset: IpnCharset,
    now: UtcTime,
) -> Result<OutgoingIpn, WebError> {
    let (verify_sign, ipn_track_id) = ipn_randoms()?;
    let new_id = match event {
        Some(_) => rules::transaction_id(&crate::shell::app::random_bytes::<17>()?),
        None => t.id.clone(),
    };
    let status = event.map_or(PaymentStatus::Completed, LaterEvent::status);
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

/// The one delivery seam, called right after every payment and later event
/// has stored its IPN (status `queued`). A deployed Worker cannot fetch
/// itself, so in emulator mode an IPN reaches the platform in-process: the
/// platform's listener is called with `ipn.body` and the outcome recorded
/// with [`record_ipn_delivery`]. Until the platform has an in-process
/// listener, the message stays queued, visible on `GET
/// /_emulator/paypal/ipn` and in [`queued_ipns`].
pub async fn deliver_ipn(_ctx: &Ctx, ipn: &QueuedIpn) -> Result<(), WebError> {
    worker::console_log!(
        "emulator: IPN {} ({} {}) queued for {}",
        ipn.id,
        ipn.txn_id,
        ipn.payment_status,
        ipn.notify_url.as_deref().unwrap_or("no NOTIFYURL")
    );
    Ok(())
}

/// The oldest IPN messages not delivered yet (for a retrying deliverer).
pub async fn queued_ipns(ctx: &Ctx, limit: i64) -> Result<Vec<QueuedIpn>, WebError> {
    let results = ctx
        .run_emulator(&vec![emulator::queued_ipns(limit)])
        .await?;
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
pub async fn record_ipn_delivery(ctx: &Ctx, id: i64, http_status: u16) -> Result<(), WebError> {
    let now = ctx.now().to_string();
    ctx.run_emulator(&vec![emulator::record_ipn_delivery(
        id,
        i64::from(http_status),
        &now,
    )])
    .await?;
    Ok(())
}

/// The IPN postback's answer (HTTP status, body): `VERIFIED` iff
/// `message` (the bytes after `cmd=_notify-validate&`) is exactly a
/// message the emulator sent, else `INVALID`; a `method=ipn-verify` fault
/// loses or garbles the answer once. 503 when the database cannot be
/// asked (logged): PayPal's own postback fails that way too.
pub async fn verify_ipn(ctx: &Ctx, message: &[u8]) -> (u16, String) {
    // Bytes that are not UTF-8 were never sent by the emulator (its IPNs
    // are form-encoded ASCII); the lookup then finds nothing.
    let text = String::from_utf8_lossy(message);
    let batch = vec![
        emulator::ipn_sent(&sha256_hex(message), &text),
        emulator::matching_fault(ipn_options::IPN_VERIFY_METHOD, None, ""),
    ];
    let read = async {
        let results = ctx.run_emulator(&batch).await?;
        let found: Option<emulator::Found> = row_at(&results, 0)?;
        let fault: Option<emulator::Fault> = row_at(&results, 1)?;
        Ok::<_, WebError>((found, fault))
    };
    let (found, fault) = match read.await {
        Ok(read) => read,
        Err(error) => {
            worker::console_error!("emulator: IPN postback: {error:?}");
            return (503, String::new());
        }
    };
    let sent = found.is_some_and(|f| f.found == 1);
    let fault = match fault {
        Some(fault) => match ctx
            .run_emulator(&vec![emulator::take_fault(fault.id)])
            .await
        {
            Ok(results) if results.first().is_some_and(|r| r.changes == 1) => {
                rules::fault_kind(&fault)
            }
            _ => None,
        },
        None => None,
    };
    ipn_options::postback_answer(fault.as_ref(), sent)
}

fn text_response(status: u16, text: &str) -> Result<Response, WebError> {
    let mut response = Response::ok(text)?.with_status(status);
    response
        .headers_mut()
        .set("Content-Type", "text/plain; charset=utf-8")?;
    Ok(response)
}

/// `POST /_emulator/paypal/ipn-verify`: `cmd=_notify-validate&` + the exact
/// bytes received → `VERIFIED` or `INVALID`, as PayPal's postback.
pub async fn ipn_verify_route(ctx: &Ctx, req: &mut Request) -> Result<Response, WebError> {
    let body = crate::shell::body::read_capped(req).await?;
    let (status, answer) = match body.strip_prefix(b"cmd=_notify-validate&".as_slice()) {
        Some(message) => verify_ipn(ctx, message).await,
        None => (200, "INVALID".to_owned()),
    };
    text_response(status, &answer)
}

/// `GET /_emulator/paypal/ipn[?txn_id=]`: the messages the emulator
/// queued, newest first (a `txn_id` also finds later events about it).
pub async fn ipn_list(ctx: &Ctx) -> Result<Response, WebError> {
    let txn_id = query(ctx, "txn_id");
    let results = ctx
        .run_emulator(&vec![emulator::ipn_messages(txn_id.as_deref(), 200)])
        .await?;
    let messages: Vec<emulator::IpnMessage> = rows_at(&results, 0)?;
    let list: Vec<serde_json::Value> = messages
        .iter()
        .map(|m| {
            json!({
                "id": m.id,
                "txn_id": m.txn_id,
                "parent_txn_id": m.parent_txn_id,
                "payment_status": m.payment_status,
                "notify_url": m.notify_url,
                "body": m.body,
                "delivered": m.status == "delivered",
                "status": m.status,
                "attempts": m.attempts,
                "last_http_status": m.last_http_status,
                "created_at": m.created_at,
                "delivered_at": m.delivered_at,
            })
        })
        .collect();
    json_response(200, &json!({ "messages": list }))
}

/// `POST /_emulator/paypal/ipn/drop[?txn_id=]`: the queued messages (about
/// one transaction when given, as its `txn_id` or `parent_txn_id`) are lost:
/// removed undelivered, as a notification PayPal never sends (so its
/// postback would not be verified either). For tests of what the platform
/// learns without notifications.
pub async fn ipn_drop(ctx: &Ctx) -> Result<Response, WebError> {
    let txn_id = query(ctx, "txn_id");
    let results = ctx
        .run_emulator(&vec![emulator::drop_queued_ipns(txn_id.as_deref())])
        .await?;
    let dropped = results.first().map_or(0, |r| r.changes);
    json_response(200, &json!({ "dropped": dropped }))
}

fn query(ctx: &Ctx, name: &str) -> Option<String> {
    ctx.url
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn invalid(field: &str) -> Result<Response, WebError> {
    json_response(422, &json!({ "error": "invalid", "field": field }))
}

// ---------------------------------------------------------------------------
// Faults
// ---------------------------------------------------------------------------

fn fault_json(f: &emulator::Fault) -> serde_json::Value {
    json!({
        "id": f.id,
        "method": f.method,
        "token": f.token,
        "api_username": f.api_username,
        "error_code": f.error_code,
        "payment_status": f.payment_status,
        "pending_reason": f.pending_reason,
        "drop": f.drop_answer == 1,
        "created_at": f.created_at,
    })
}

/// `POST /_emulator/paypal/faults`: `method`, optional `token` and
/// `api_username`, and one of `error_code`, `payment_status` (+
/// `pending_reason`) or `drop=1`. 201 with the fault; 422 naming the field.
pub async fn faults_post(ctx: &Ctx, req: &mut Request) -> Result<Response, WebError> {
    let form = read_form(req).await?;
    let get = |name: &str| form.get(name).to_owned();
    let spec = if form.get("method").trim() == ipn_options::IPN_VERIFY_METHOD {
        // A fault on the IPN postback rather than on an NVP method.
        match ipn_options::parse_verify_fault(&get) {
            Ok(kind) => {
                return insert_fault(ctx, ipn_options::IPN_VERIFY_METHOD, None, &kind).await
            }
            Err(field) => return invalid(field),
        }
    } else {
        match rules::parse_fault(&get) {
            Ok(spec) => spec,
            Err(field) => return invalid(field),
        }
    };
    insert_fault(
        ctx,
        spec.method.as_str(),
        Some((spec.token.as_deref(), spec.api_username.as_deref())),
        &spec.kind,
    )
    .await
}

/// Stores a fault for `method` (with its token and API username, if any).
async fn insert_fault(
    ctx: &Ctx,
    method: &str,
    scope: Option<(Option<&str>, Option<&str>)>,
    kind: &rules::FaultKind,
) -> Result<Response, WebError> {
    let (token, api_username) = scope.unwrap_or((None, None));
    let (error_code, payment_status, pending_reason, drop_answer) = match kind {
        rules::FaultKind::Error(code) => (Some(code.clone()), None, None, false),
        rules::FaultKind::Status {
            status,
            pending_reason,
        } => (
            None,
            Some(status.as_str().to_owned()),
            Some(pending_reason.as_str().to_owned()),
            false,
        ),
        rules::FaultKind::Drop => (None, None, None, true),
    };
    let now = ctx.now().to_string();
    let stmt = emulator::insert_fault(&emulator::NewFault {
        method,
        token,
        api_username,
        error_code: error_code.as_deref(),
        payment_status: payment_status.as_deref(),
        pending_reason: pending_reason.as_deref(),
        drop_answer,
        now: &now,
    });
    let results = ctx.run_emulator(&vec![stmt]).await?;
    let fault: emulator::Fault = row_at(&results, 0)?
        .ok_or_else(|| WebError::Internal("fault insert returned nothing".into()))?;
    json_response(201, &fault_json(&fault))
}

/// `GET /_emulator/paypal/faults[?token=&api_username=]`: pending faults.
pub async fn faults_get(ctx: &Ctx) -> Result<Response, WebError> {
    let (token, user) = (query(ctx, "token"), query(ctx, "api_username"));
    let results = ctx
        .run_emulator(&vec![emulator::list_faults(
            token.as_deref(),
            user.as_deref(),
        )])
        .await?;
    let faults: Vec<emulator::Fault> = rows_at(&results, 0)?;
    let list: Vec<serde_json::Value> = faults.iter().map(fault_json).collect();
    json_response(200, &json!({ "faults": list }))
}

/// `DELETE /_emulator/paypal/faults[?token=&api_username=]`: clears the
/// pending faults (only those of a token or API username when given).
pub async fn faults_delete(ctx: &Ctx) -> Result<Response, WebError> {
    let (token, user) = (query(ctx, "token"), query(ctx, "api_username"));
    let results = ctx
        .run_emulator(&vec![emulator::clear_faults(
            token.as_deref(),
            user.as_deref(),
        )])
        .await?;
    let cleared = results.first().map_or(0, |r| r.changes);
    json_response(200, &json!({ "cleared": cleared }))
}

// ---------------------------------------------------------------------------
// Clock
// ---------------------------------------------------------------------------

fn clock_json(ctx: &Ctx) -> serde_json::Value {
    json!({
        "offset_seconds": ctx.app.clock_offset_seconds.get(),
        "now": ctx.now().to_string(),
    })
}

/// `GET /_emulator/clock`: `{"offset_seconds", "now"}`.
pub async fn clock_get(ctx: &Ctx) -> Result<Response, WebError> {
    let results = ctx.run_emulator(&vec![clock_offset_stmt()]).await?;
    adopt_clock_offset(ctx, row_at(&results, 0)?);
    json_response(200, &clock_json(ctx))
}

/// `POST /_emulator/clock` with `advance_seconds=N` (an integer): moves the
/// clock of the platform, the emulator and the cron by N seconds, for good
/// (the offset is kept in `settings`). 422 for anything but an integer.
pub async fn clock_post(ctx: &Ctx, req: &mut Request) -> Result<Response, WebError> {
    let form = read_form(req).await?;
    let Some(seconds) = rules::parse_advance_seconds(form.get("advance_seconds")) else {
        return invalid("advance_seconds");
    };
    let results = ctx
        .run_emulator(&vec![emulator::advance_clock(seconds)])
        .await?;
    let total: emulator::ClockOffset = row_at(&results, 0)?
        .ok_or_else(|| WebError::Internal("clock offset not returned".into()))?;
    let total = total
        .value
        .trim()
        .parse::<i64>()
        .map_err(|_| WebError::Internal(format!("clock offset {:?}", total.value)))?;
    ctx.app.clock_offset_seconds.set(total);
    json_response(200, &clock_json(ctx))
}

// ---------------------------------------------------------------------------
// Transactions and their later events
// ---------------------------------------------------------------------------

fn transaction_json(t: &emulator::Transaction) -> serde_json::Value {
    json!({
        "id": t.id,
        "token": t.token,
        "status": t.status,
        "pending_reason": t.pending_reason,
        "reason_code": t.reason_code,
        "amount": rules::plain(t.amount_cents),
        "refunded": rules::plain(t.refunded_cents),
        "currency": t.currency,
        "invnum": t.invnum,
        "payer_email": t.payer_email,
        "receiver_email": t.receiver_email,
        "order_time": t.order_time,
    })
}

fn ipn_json(ipn: &QueuedIpn) -> serde_json::Value {
    json!({
        "id": ipn.id,
        "txn_id": ipn.txn_id,
        "payment_status": ipn.payment_status,
        "notify_url": ipn.notify_url,
        "body": ipn.body,
    })
}

/// The IPN charset of transaction `id`'s receiver.
async fn ipn_charset(ctx: &Ctx, id: &str) -> Result<IpnCharset, WebError> {
    let results = ctx
        .run_emulator(&vec![ipn_options::charset_by_transaction(id)])
        .await?;
    Ok(IpnCharset::of(row_at(&results, 0)?))
}

async fn load_transaction(ctx: &Ctx, id: &str) -> Result<Option<emulator::Transaction>, WebError> {
    let results = ctx
        .run_emulator(&vec![emulator::transaction_by_id(id), clock_offset_stmt()])
        .await?;
    adopt_clock_offset(ctx, row_at(&results, 1)?);
    row_at(&results, 0)
}

/// `GET /_emulator/paypal/transactions/{id}`: one payment as JSON.
pub async fn transaction_get(ctx: &Ctx, id: &str) -> Result<Response, WebError> {
    match load_transaction(ctx, id).await? {
        Some(t) => json_response(200, &json!({ "transaction": transaction_json(&t) })),
        None => json_response(404, &json!({ "error": "not_found" })),
    }
}

/// What a later event did.
pub enum EventOutcome {
    /// Recorded: the transaction as it is now and the IPN queued for it.
    Done {
        transaction: Box<emulator::Transaction>,
        ipn: QueuedIpn,
    },
    NotFound,
    /// Not possible now: `status` (wrong state), `not_pending` or
    /// `insufficient_funds` (balances never go negative).
    Conflict(&'static str),
}

/// How many times an event is tried again after a concurrent change.
const EVENT_TRIES: usize = 3;

/// Completes a Pending payment (the seam for tests and the reconciler):
/// the payer pays the receiver now, the status becomes Completed and an
/// IPN with the same `txn_id` and `payment_status=Completed` is queued.
pub async fn complete_pending(ctx: &Ctx, id: &str) -> Result<EventOutcome, WebError> {
    apply_event(ctx, id, None, None).await
}

/// Applies a completion (`None`) or a later event to transaction `id`, in
/// one guarded batch.
async fn apply_event(
    ctx: &Ctx,
    id: &str,
    event: Option<LaterEvent>,
    amount: Option<Amount>,
) -> Result<EventOutcome, WebError> {
    for _ in 0..EVENT_TRIES {
        let Some(t) = load_transaction(ctx, id).await? else {
            return Ok(EventOutcome::NotFound);
        };
        let effect = event.map(|e| rules::event_effect(&t, e, amount));
        let conflict = match (event, &effect) {
            (Some(event), Some(effect)) => rules::later_event_conflict(&t, event, effect),
            (None, _) | (_, None) => rules::completion_conflict(&t),
        };
        if let Some(conflict) = conflict {
            return Ok(EventOutcome::Conflict(conflict));
        }
        let now = ctx.now();
        let moved = effect.as_ref().map_or(t.amount_cents, |e| e.moved_cents);
        let refunded = effect.as_ref().map_or(t.refunded_cents, |e| e.refunded_cents);
        let charset = ipn_charset(ctx, &t.id).await?;
        let ipn = event_ipn(&t, event, moved, charset, now)?;
        let (to, reason_code, direction) = match (event, &effect) {
            (Some(event), Some(effect)) => (
                effect.status.as_str().to_owned(),
                event.reason_code(),
                event.direction(),
            ),
            (None, _) | (_, None) => (
                PaymentStatus::Completed.as_str().to_owned(),
                PendingReason::None.as_str(),
                Direction::ToReceiver,
            ),
        };
        let (giver, taker) = match direction {
            Direction::ToReceiver => (t.payer_account_id, t.receiver_account_id),
            Direction::ToPayer => (t.receiver_account_id, t.payer_account_id),
        };
        let now_text = now.to_string();
        let (batch, ipn_at) = emulator::record_event(&emulator::EventRecord {
            transaction_id: &t.id,
            from_status: &t.status,
            to_status: &to,
            reason_code,
            settled: direction == Direction::ToReceiver,
            giver_account_id: giver,
            taker_account_id: taker,
            amount_cents: moved,
            refunded_cents: (t.refunded_cents, refunded),
            now: &now_text,
            ipn: ipn.row(),
        });
        match ctx.run_emulator(&batch).await {
            Ok(results) => {
                let queued = ipn.queued(&results, ipn_at)?;
                deliver_ipn(ctx, &queued).await?;
                let transaction: emulator::Transaction = row_at(&results, ipn_at + 1)?
                    .ok_or_else(|| WebError::Internal("transaction vanished".into()))?;
                return Ok(EventOutcome::Done {
                    transaction: Box::new(transaction),
                    ipn: queued,
                });
            }
            Err(WebError::Db(error)) => {
                worker::console_log!("emulator: event batch refused, looking again: {error}");
            }
            Err(other) => return Err(other),
        }
    }
    Err(WebError::Internal("transaction kept changing".into()))
}

fn event_response(outcome: EventOutcome) -> Result<Response, WebError> {
    match outcome {
        EventOutcome::Done { transaction, ipn } => json_response(
            200,
            &json!({ "transaction": transaction_json(&transaction), "ipn": ipn_json(&ipn) }),
        ),
        EventOutcome::NotFound => json_response(404, &json!({ "error": "not_found" })),
        EventOutcome::Conflict(reason) => {
            json_response(409, &json!({ "error": "conflict", "reason": reason }))
        }
    }
}

/// `POST /_emulator/paypal/transactions/{id}/complete`: a Pending payment
/// completes (money moves, IPN Completed). 409 when not pending or the
/// payer lacks the amount.
pub async fn transaction_complete(ctx: &Ctx, id: &str) -> Result<Response, WebError> {
    event_response(complete_pending(ctx, id).await?)
}

/// `POST /_emulator/paypal/transactions/{id}/reverse` with
/// `status=Reversed|Refunded|Canceled_Reversal`: the money goes back to the
/// payer (or, for Canceled_Reversal, to the receiver again) and the event's
/// IPN is queued. With `status=Refunded`, `amount=` refunds part of the
/// payment: PayPal then says `Partially-Refunded` until all of it is
/// refunded, and the IPN's `mc_gross` is minus the part. 422 for another
/// status or a bad amount, 409 when the payment is not in a state for it,
/// the amount exceeds what is left to refund, or the giver lacks it.
pub async fn transaction_reverse(
    ctx: &Ctx,
    req: &mut Request,
    id: &str,
) -> Result<Response, WebError> {
    let form = read_form(req).await?;
    let Some(event) = LaterEvent::parse(form.get("status")) else {
        return invalid("status");
    };
    // `amount=` (PayPal's format, `0.01`): a partial refund; refunds only.
    let amount = match (form.get("amount").trim(), event) {
        ("", _) => None,
        (text, LaterEvent::Refunded) => match rules::parse_paypal_amount(text) {
            Some(amount) => Some(amount),
            None => return invalid("amount"),
        },
        (_, LaterEvent::Reversed | LaterEvent::CanceledReversal) => return invalid("amount"),
    };
    event_response(apply_event(ctx, id, Some(event), amount).await?)
}
