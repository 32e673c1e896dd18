//! Monetico behind the provider seam (`core::psp`): the sealed
//! `paiement.cgi` form of a new order, the capture (`capture_paiement.cgi`
//! for the whole amount, `montant_restant=0EUR`) and the release (a capture
//! of `0EUR`), the reconciler's "read" (Monetico has none: an order holding
//! its claim has its capture repeated with the same fields, and "already
//! captured" counts as captured), the notification's MAC verified with the
//! order's account and matched to the order, and its acknowledgement
//! (the recredit is `super::refund`, over the same plumbing).
//!
//! The account's secret, sealed at rest, is `{"societe","key"}` (`key`:
//! the usable key as hex, derived when the seller typed it); it is opened
//! for each call and never traced or logged.

use serde_json::{Map, Value};

use super::account::Account;
use super::amount::WireAmount;
use super::capture::{
    capture_fields, read_answer, CallOutcome, CaptureSplit, OrderAtBank, CAPTURE_PATH,
};
use super::codes::Verdict;
use super::form::{payment_fields, PaymentRequest};
use super::key::UsableKey;
use super::mac::{decode_hex, Layout};
use super::notification::{parse_form, Received, ACK_CONTENT_TYPE, ACK_INVALID, ACK_VALID};
use crate::core::flow::effects::{Endpoint, Patience, WireRequest};
use crate::core::flow::{Effects, FlowError, NoAnswer, Site};
use crate::core::i18n::Lang;
use crate::core::money::Currency;
use crate::core::psp::notice::Answer;
use crate::core::psp::{
    AccountCheck, Called, Capabilities, CardOutcome, CardVerdict, CheckoutForm, NotificationTrust,
    Reply, SealedAccount, StartOutcome, StartRequest,
};
use crate::core::purchase::{OrderState, PaymentAnswer};
use crate::core::reconcile::Inquiry;
use crate::core::sealing::Binding;
use crate::core::sql::traces::Trace;
use crate::core::time::UtcTime;

pub const CAPABILITIES: Capabilities = Capabilities {
    read_call: false,
    refund: true,
    notification: NotificationTrust::Sealed,
};

/// `psp_traces.provider`.
const PSP: &str = "monetico";

/// The sealed part of an account: the société and the derived key.
pub fn secret_json(account: &Account) -> String {
    serde_json::json!({ "societe": account.societe, "key": account.key.to_hex() }).to_string()
}

/// An account's secret, opened.
pub(super) struct Secret {
    pub(super) societe: String,
    pub(super) key: UsableKey,
}

#[derive(serde::Deserialize)]
struct SecretJson {
    societe: String,
    key: String,
}

/// Opens the account's secret; the error says why (never the secret).
fn open(site: &Site<'_>, account: SealedAccount<'_>) -> Result<Secret, String> {
    let binding = Binding {
        client_id: account.client_id,
        version: account.version,
        api_username: account.public_ref,
    };
    let bytes = site
        .keyring
        .open(binding, account.sealed_secret)
        .map_err(|e| format!("the Monetico account does not open: {e:?}"))?;
    let json: SecretJson = serde_json::from_slice(&bytes)
        .map_err(|_| "the Monetico account's secret is not its JSON".to_string())?;
    let key = decode_hex(&json.key)
        .filter(|k| k.len() == 20)
        .ok_or("the Monetico account's key is not 20 bytes of hex")?;
    Ok(Secret {
        societe: json.societe,
        key: UsableKey::from_bytes(&key),
    })
}

fn currency(text: &str) -> Result<Currency, FlowError> {
    Currency::parse(text).ok_or_else(|| FlowError::Internal(format!("currency {text:?}")))
}

/// The order's description for 3-D Secure (`contexte_commande`): what is
/// bought, nothing about the buyer.
fn contexte_commande(request: &StartRequest<'_>) -> String {
    serde_json::json!({
        "shoppingCart": {
            "shoppingCartItems": [{
                "name": request.item,
                "unitPrice": request.amount.cents(),
                "quantity": 1,
            }]
        }
    })
    .to_string()
}

/// The sealed `paiement.cgi` form for a new order (no call: the bank is
/// told of the payment by the buyer's browser). The buyer comes back to
/// `/psp/monetico/return?order=` either way; the notification decides.
pub fn start<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    account: SealedAccount<'_>,
    request: &StartRequest<'_>,
) -> Result<Called<StartOutcome>, FlowError> {
    let secret = open(site, account).map_err(FlowError::Internal)?;
    let amount = WireAmount::new(request.amount.cents(), currency(request.currency)?);
    let action = site
        .config
        .providers
        .monetico_payment_url
        .clone()
        .unwrap_or_else(|| format!("{}/_emulator/monetico/paiement.cgi", site.base_url));
    let back = format!(
        "{}/psp/monetico/return?order={}",
        site.base_url, request.order_id
    );
    let context = contexte_commande(request);
    let now = fx.now();
    let fields = payment_fields(
        &PaymentRequest {
            tpe: account.public_ref,
            societe: &secret.societe,
            reference: request.order_id,
            amount,
            at: now,
            lang: request.lang,
            mail: None,
            url_ok: &back,
            url_err: &back,
            contexte_commande: Some(&context),
        },
        &secret.key,
    )
    .map_err(|e| FlowError::Internal(format!("Monetico form: {e}")))?;
    let fields: Vec<(String, String)> = fields
        .into_iter()
        .map(|(n, v)| (n.to_string(), v))
        .collect();
    let trace = form_trace(&fields, &now.to_string());
    Ok(Called {
        outcome: StartOutcome::Form {
            reference: request.order_id.to_string(),
            form: CheckoutForm { action, fields },
        },
        traces: vec![trace],
    })
}

/// The form as sent (its MAC included: it proves nothing without the key).
fn form_trace(fields: &[(String, String)], at: &str) -> Trace {
    Trace {
        psp: PSP,
        method: "paiement",
        ack: None,
        error_codes: None,
        correlation_id: None,
        at: at.to_string(),
        request: fields_json(fields),
        response: None,
        request_wire: Some(urlencode(fields).into_bytes()),
        response_wire: None,
    }
}

fn fields_json(fields: &[(String, String)]) -> String {
    let object: Map<String, Value> = fields
        .iter()
        .map(|(n, v)| (n.clone(), Value::from(v.as_str())))
        .collect();
    Value::Object(object).to_string()
}

fn urlencode(fields: &[(String, String)]) -> String {
    serde_urlencoded::to_string(fields).unwrap_or_default()
}

/// What the bank made of a capture, release or recredit call.
pub(super) type CallResult = Result<CallOutcome, NoAnswer>;

/// The account's secret opened for a call about `order`.
pub(super) fn opened(site: &Site<'_>, account: SealedAccount<'_>) -> Result<Secret, FlowError> {
    open(site, account).map_err(FlowError::Internal)
}

/// The order as the bank knows it (`montant`, `date_commande`, ...).
pub(super) fn order_at_bank<'a>(
    account: SealedAccount<'a>,
    secret: &'a Secret,
    order: &'a OrderState,
) -> Result<OrderAtBank<'a>, FlowError> {
    let ordered_at = UtcTime::parse(&order.created_at)
        .ok_or_else(|| FlowError::Internal(format!("order time {:?}", order.created_at)))?;
    Ok(OrderAtBank {
        tpe: account.public_ref,
        societe: &secret.societe,
        reference: &order.id,
        amount: WireAmount::new(order.amount_cents, currency(&order.currency)?),
        ordered_at,
        lang: Lang::parse(&order.seller_language).unwrap_or(Lang::Fr),
    })
}

/// Sends `capture_paiement.cgi` for the order with `split`. The call is
/// sealed at the order's creation time, so that a repeat (the reconciler's
/// "read") is the same request.
async fn call<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    account: SealedAccount<'_>,
    order: &OrderState,
    split: CaptureSplit,
) -> Result<(CallResult, Trace), FlowError> {
    let secret = opened(site, account)?;
    let bank_order = order_at_bank(account, &secret, order)?;
    let fields = capture_fields(&bank_order, split, bank_order.ordered_at, &secret.key)
        .map_err(|e| FlowError::Internal(format!("Monetico capture: {e}")))?;
    let method = if split == CaptureSplit::RELEASE {
        "release"
    } else {
        "capture"
    };
    Ok(post(fx, CAPTURE_PATH, method, fields).await)
}

/// Posts sealed `fields` to `script` of the bank's API; its answer read
/// and the call's trace (named `method`).
pub(super) async fn post<E: Effects>(
    fx: &E,
    script: &'static str,
    method: &'static str,
    fields: Vec<(&'static str, String)>,
) -> (CallResult, Trace) {
    let fields: Vec<(String, String)> = fields
        .into_iter()
        .map(|(n, v)| (n.to_string(), v))
        .collect();
    let body = urlencode(&fields);
    let request = WireRequest {
        endpoint: Endpoint::MoneticoApi { script },
        patience: Patience::Payment,
        body: body.clone().into_bytes(),
    };
    let sent = fx.send(&request).await;
    let result = match &sent {
        Ok(answer) if answer.status == 200 => {
            let text = String::from_utf8_lossy(&answer.body);
            read_answer(&text).map_err(|e| NoAnswer::Unreadable(e.to_string()))
        }
        Ok(answer) => Err(NoAnswer::Status(answer.status)),
        Err(no_answer) => Err(no_answer.clone()),
    };
    let trace = call_trace(method, &fields, &sent, &result, &fx.now().to_string());
    (result, trace)
}

/// A capture, release or recredit call's trace: the fields sent (the MAC proves
/// nothing without the key) and the answer's lines.
fn call_trace(
    method: &'static str,
    fields: &[(String, String)],
    sent: &Result<crate::core::flow::WireAnswer, NoAnswer>,
    result: &CallResult,
    at: &str,
) -> Trace {
    let body = match sent {
        Ok(answer) => Some(answer.body.clone()),
        Err(_) => None,
    };
    let lines = body
        .as_deref()
        .map(String::from_utf8_lossy)
        .and_then(|text| super::capture::parse_lines(&text).ok());
    let response = match (&lines, result) {
        (Some(lines), _) => serde_json::to_string(lines).ok(),
        (None, Err(no_answer)) => {
            Some(serde_json::json!({ "no_answer": no_answer.describe() }).to_string())
        }
        (None, Ok(_)) => None,
    };
    let cdr = lines.as_ref().and_then(|l| l.get("cdr").cloned());
    Trace {
        psp: PSP,
        method,
        ack: cdr.clone(),
        error_codes: cdr.filter(|c| c != "1"),
        correlation_id: None,
        at: at.to_string(),
        request: fields_json(fields),
        response,
        request_wire: Some(urlencode(fields).into_bytes()),
        response_wire: body,
    }
}

/// What a capture's answer means for the order.
fn payment_answer(
    account: SealedAccount<'_>,
    order: &OrderState,
    outcome: CallOutcome,
) -> PaymentAnswer {
    match outcome {
        // Captured now, or before (a repeat whose first answer was lost).
        CallOutcome::Accepted { .. } | CallOutcome::AlreadyDone { .. } => {
            PaymentAnswer::Completed {
                transaction_id: order.id.clone(),
                amount: Some(order.amount()),
                currency: Some(order.currency.clone()),
                receiver_id: Some(account.public_ref.to_string()),
            }
        }
        CallOutcome::Declined { lib } => PaymentAnswer::Refused {
            code: "0".into(),
            message: lib,
            retry_funding: false,
            already_paid: false,
        },
        CallOutcome::Unrecognized { cdr, lib } => PaymentAnswer::Unrecognised {
            detail: format!("capture answered cdr={cdr} ({lib})"),
        },
    }
}

/// `capture_paiement.cgi` for the whole amount (`montant_restant=0EUR`).
pub async fn capture<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    account: SealedAccount<'_>,
    order: &OrderState,
) -> Result<Called<Result<PaymentAnswer, NoAnswer>>, FlowError> {
    let amount = WireAmount::new(order.amount_cents, currency(&order.currency)?);
    let (result, trace) = call(fx, site, account, order, CaptureSplit::whole(amount)).await?;
    Ok(Called {
        outcome: result.map(|outcome| payment_answer(account, order, outcome)),
        traces: vec![trace],
    })
}

/// A capture of `0EUR` with `montant_restant=0EUR`: the authorization is
/// released, no money moves. A refusal is reported as no answer: the
/// authorization lapses at the bank by itself.
pub async fn release<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    account: SealedAccount<'_>,
    order: &OrderState,
) -> Result<Called<Result<(), NoAnswer>>, FlowError> {
    let (result, trace) = call(fx, site, account, order, CaptureSplit::RELEASE).await?;
    let outcome = match result {
        Ok(CallOutcome::Accepted { .. } | CallOutcome::AlreadyDone { .. }) => Ok(()),
        Ok(CallOutcome::Declined { lib }) => {
            Err(NoAnswer::Unreadable(format!("release refused: {lib}")))
        }
        Ok(CallOutcome::Unrecognized { cdr, lib }) => Err(NoAnswer::Unreadable(format!(
            "release answered cdr={cdr} ({lib})"
        ))),
        Err(no_answer) => Err(no_answer),
    };
    Ok(Called {
        outcome,
        traces: vec![trace],
    })
}

/// Monetico has no read call: an order holding its claim (its capture's
/// answer was lost) has its capture repeated with the same fields, "already
/// captured" counting as captured; any other is not paid (nothing is ever
/// captured without the claim).
pub async fn read<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    account: SealedAccount<'_>,
    order: &OrderState,
) -> Result<Called<Inquiry>, FlowError> {
    if !order.holds_claim() {
        // No call is made; the trace says why the answer is "not paid"
        // (the reconciler writes its decision with the read's trace).
        let trace = Trace {
            psp: PSP,
            method: "read",
            ack: None,
            error_codes: None,
            correlation_id: None,
            at: fx.now().to_string(),
            request: "{}".into(),
            response: Some(
                serde_json::json!({ "no_call": "Monetico has no read call; an order without its claim is never captured" })
                    .to_string(),
            ),
            request_wire: None,
            response_wire: None,
        };
        return Ok(Called {
            outcome: Inquiry::NotPaidYet,
            traces: vec![trace],
        });
    }
    let called = capture(fx, site, account, order).await?;
    Ok(Called {
        outcome: match called.outcome {
            Ok(answer) => Inquiry::Payment(answer),
            Err(_) => Inquiry::Unknown,
        },
        traces: called.traces,
    })
}

/// The format was checked when typed; Monetico has no call to ask more.
pub fn check_account(_account: &Account) -> Called<AccountCheck> {
    Called {
        outcome: AccountCheck::Accepted,
        traces: Vec::new(),
    }
}

/// The `reference` of a notification, read before its MAC is verified.
pub fn message_reference(raw: &[u8]) -> Result<String, String> {
    let fields = parse_form(raw).map_err(|e| format!("unreadable notification: {e}"))?;
    fields
        .get("reference")
        .filter(|r| !r.is_empty())
        .cloned()
        .ok_or_else(|| "notification without reference".to_string())
}

/// A notification's MAC verified with the order's account (the sorted
/// layout, or the legacy kits' positional one), then its TPE, amount and
/// reference matched to the order. A MAC that fails is the account's key
/// refused (Monetico signs every message with that one key).
pub fn verify(
    site: &Site<'_>,
    account: SealedAccount<'_>,
    order: &OrderState,
    raw: &[u8],
) -> CardVerdict {
    let received = match Received::parse(raw) {
        Ok(received) => received,
        Err(e) => return CardVerdict::Mismatch(format!("unreadable notification: {e}")),
    };
    let secret = match open(site, account) {
        Ok(secret) => secret,
        Err(why) => return CardVerdict::Mismatch(why),
    };
    let sealed = [Layout::Sorted, Layout::PositionalNotification]
        .into_iter()
        .any(|layout| received.mac_valid(&secret.key, layout));
    if !sealed {
        return CardVerdict::KeyRefused("the notification's MAC does not verify".into());
    }
    let notification = match received.read() {
        Ok(n) => n,
        Err(e) => return CardVerdict::Mismatch(format!("verified but unreadable: {e}")),
    };
    let Some(currency) = Currency::parse(&order.currency) else {
        return CardVerdict::Mismatch(format!("order currency {:?}", order.currency));
    };
    let reference = order.psp_token.as_deref().unwrap_or(&order.id);
    let amount = WireAmount::new(order.amount_cents, currency);
    if let Err(mismatch) = notification.check_order(account.public_ref, reference, amount) {
        return CardVerdict::Mismatch(format!("{mismatch:?} differs from the order's"));
    }
    match notification.verdict() {
        Verdict::Authorized { .. } => CardVerdict::Verified(CardOutcome::Authorized {
            authorization_id: notification.numauto.unwrap_or_default(),
        }),
        Verdict::Refused { code, reason } => CardVerdict::Verified(CardOutcome::Refused {
            code,
            message: reason,
        }),
        Verdict::Unrecognized { code } => {
            CardVerdict::Mismatch(format!("code-retour {code:?} is not one PayBook asks for"))
        }
    }
}

/// `version=2\ncdr=0\n` for a notification recorded and verified, `cdr=1`
/// for a bad MAC (both HTTP 200), a 503 when it could not be recorded.
pub fn reply(answer: Answer) -> Reply {
    let body = match answer {
        Answer::Acknowledge => ACK_VALID,
        Answer::Reject => ACK_INVALID,
        Answer::SendAgain => "",
    };
    Reply {
        status: answer.http_status(),
        content_type: ACK_CONTENT_TYPE,
        body: body.to_string(),
    }
}

pub use super::privacy::visible_fields;

// Against the built-in emulator: built with it only.
#[cfg(all(test, feature = "emulators"))]
#[path = "adapter_tests.rs"]
pub(super) mod tests;
