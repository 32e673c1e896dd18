//! Sips behind the provider seam (`core::psp`): the sealed Paypage form
//! that starts a checkout (`captureMode=VALIDATION`), the responses
//! (automatic and manual) verified with the order's account and matched to
//! the order, and Office (`call`): `validate` to capture, `cancel` to
//! release, `getTransactionData` to read and to check a new account (the
//! refund is `super::refund`, over the same key and requests). The
//! seller's key is opened from its seal only for the call and never
//! traced; a decline is an outcome, a lost or unbelievable answer unknown.

use serde::Deserialize;

use super::call::{office_call, OfficeReply};
use super::codes::{Authorization, OfficeVerdict, ResponseCode};
use super::data::{currency_code, decode_data, paypage_form, split_pairs, PaypageRequest};
use super::office::{
    CashManagementAnswer, CashManagementRequest, Operation, Stage, TransactionDataAnswer,
    TransactionDataRequest,
};
use super::response::{read_response, PaypageResponse, ResponseError, ResponseMessage};
use super::seal::SealAlgorithm;
use super::OFFICE_INTERFACE_VERSION;
use crate::core::flow::{Effects, FlowError, NoAnswer, Patience, Site};
use crate::core::money::{Amount, Currency};
use crate::core::privacy::Role;
use crate::core::psp::notice::PaymentState;
use crate::core::psp::{
    AccountCheck, Called, Capabilities, CardOutcome, CardVerdict, CheckoutForm, NotificationTrust,
    SealedAccount, StartOutcome, StartRequest,
};
use crate::core::purchase::{OrderState, PaymentAnswer};
use crate::core::reconcile::Inquiry;
use crate::core::sealing::Binding;
use crate::core::sql::traces::Trace;

pub const CAPABILITIES: Capabilities = Capabilities {
    read_call: true,
    refund: true,
    notification: NotificationTrust::Sealed,
};

/// Who asked, as Sips' back office shows it (`operationOrigin`).
const OPERATION_ORIGIN: &str = "PayBook";

/// A reference no order ever has (order ids are 12 lower-case characters):
/// the account check reads it, and a sealed "not found" proves the key.
const CHECK_REFERENCE: &str = "PAYBOOKACCOUNTCHECK";

/// A seller's Sips account, opened for one call.
pub(super) struct Key {
    pub(super) merchant_id: String,
    pub(super) secret_key: String,
    pub(super) key_version: u32,
}

/// Opens the sealed secret (bound to client, version and merchant id).
fn open(site: &Site<'_>, account: SealedAccount<'_>) -> Result<Key, String> {
    #[derive(Deserialize)]
    struct Secret {
        secret_key: String,
        key_version: u32,
    }
    let binding = Binding {
        client_id: account.client_id,
        version: account.version,
        api_username: account.public_ref,
    };
    let plain = site
        .keyring
        .open(binding, account.sealed_secret)
        .map_err(|e| format!("unseal: {e}"))?;
    let secret: Secret = serde_json::from_slice(&plain).map_err(|e| format!("unseal: {e}"))?;
    Ok(Key {
        merchant_id: account.public_ref.to_owned(),
        secret_key: secret.secret_key,
        key_version: secret.key_version,
    })
}

pub(super) fn opened(site: &Site<'_>, account: SealedAccount<'_>) -> Result<Key, FlowError> {
    open(site, account).map_err(FlowError::Internal)
}

/// The sealed Paypage form for a new order (no call: Sips is told of the
/// payment by the buyer's browser). Its trace is the form as sent.
pub fn start<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    account: SealedAccount<'_>,
    request: &StartRequest<'_>,
) -> Result<Called<StartOutcome>, FlowError> {
    let key = opened(site, account)?;
    let base = site.base_url;
    let currency = Currency::parse(request.currency)
        .ok_or_else(|| FlowError::Internal(format!("currency {}", request.currency)))?;
    let (normal, automatic) = (
        format!("{base}/psp/sips/return"),
        format!("{base}/psp/sips/notify"),
    );
    let paypage = PaypageRequest {
        merchant_id: &key.merchant_id,
        key_version: key.key_version,
        amount: request.amount,
        currency,
        transaction_reference: request.order_id,
        normal_return_url: &normal,
        automatic_response_url: &automatic,
        capture_day: u32::try_from(site.config.providers.capture_days).unwrap_or(0),
        lang: request.lang,
    };
    let form = paypage_form(&paypage, &key.secret_key)
        .map_err(|e| FlowError::Internal(format!("Sips request: {e}")))?;
    let action = match &site.config.providers.sips_paypage_url {
        Some(url) => url.clone(),
        None => format!("{base}/_emulator/sips/paymentInit"),
    };
    let fields: Vec<(String, String)> = [
        ("Data", form.data.as_str()),
        ("InterfaceVersion", form.interface_version),
        ("Seal", form.seal.as_str()),
        ("SealAlgorithm", form.seal_algorithm),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let wire = serde_urlencoded::to_string(&fields).unwrap_or_default();
    let request_json: serde_json::Map<String, serde_json::Value> = fields
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::from(v.as_str())))
        .collect();
    let trace = Trace {
        psp: "sips",
        method: "paymentInit",
        ack: None,
        error_codes: None,
        correlation_id: None,
        at: fx.now().to_string(),
        request: serde_json::Value::Object(request_json).to_string(),
        response: None,
        request_wire: Some(wire.into_bytes()),
        response_wire: None,
    };
    Ok(Called {
        outcome: StartOutcome::Form {
            reference: request.order_id.to_string(),
            form: CheckoutForm { action, fields },
        },
        traces: vec![trace],
    })
}

/// The Office request of `operation` for the whole order.
pub(super) fn cash_request(
    key: &Key,
    order: &OrderState,
) -> Result<CashManagementRequest, FlowError> {
    let currency = Currency::parse(&order.currency)
        .and_then(|c| currency_code(c).ok())
        .ok_or_else(|| FlowError::Internal(format!("currency {}", order.currency)))?;
    Ok(CashManagementRequest {
        currency_code: currency.to_owned(),
        interface_version: OFFICE_INTERFACE_VERSION.to_owned(),
        key_version: key.key_version,
        merchant_id: key.merchant_id.clone(),
        operation_amount: order.amount_cents,
        operation_origin: OPERATION_ORIGIN.to_owned(),
        transaction_reference: order.id.clone(),
    })
}

/// Office `validate` of the order's authorization, for its whole amount.
pub async fn capture<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    account: SealedAccount<'_>,
    order: &OrderState,
) -> Result<Called<Result<PaymentAnswer, NoAnswer>>, FlowError> {
    let key = opened(site, account)?;
    validate(fx, &key, order).await
}

async fn validate<E: Effects>(
    fx: &E,
    key: &Key,
    order: &OrderState,
) -> Result<Called<Result<PaymentAnswer, NoAnswer>>, FlowError> {
    let request = cash_request(key, order)?;
    let (reply, trace) = office_call::<_, _, CashManagementAnswer>(
        fx,
        Operation::Validate,
        &request,
        &key.secret_key,
        Patience::Payment,
    )
    .await?;
    let outcome = reply.map(|r| validated(key, order, &r));
    Ok(Called {
        outcome: outcome.and_then(|answer| answer),
        traces: vec![trace],
    })
}

/// What a `validate` answer means for the order.
fn validated(
    key: &Key,
    order: &OrderState,
    reply: &OfficeReply<CashManagementAnswer>,
) -> Result<PaymentAnswer, NoAnswer> {
    let code = &reply.answer.answer.response_code;
    let refused = |already_paid: bool, code: String, message: String| PaymentAnswer::Refused {
        code,
        message,
        retry_funding: false,
        already_paid,
    };
    match reply.answer.verdict.clone() {
        OfficeVerdict::Done => Ok(PaymentAnswer::Completed {
            transaction_id: order.id.clone(),
            amount: Some(order.amount()),
            currency: Some(order.currency.clone()),
            receiver_id: Some(key.merchant_id.clone()),
        }),
        // 24: not in a state to validate (validated already, or lapsed,
        // or released): the flow reads what it is.
        OfficeVerdict::Refused { code: c, message } if *code == ResponseCode::NotAuthorised => {
            Ok(refused(true, c, message))
        }
        OfficeVerdict::Refused { code, message } => Ok(refused(false, code, message)),
        OfficeVerdict::NotFound => Ok(refused(
            false,
            code.as_str().to_owned(),
            code.meaning().to_owned(),
        )),
        OfficeVerdict::KeyRefused => Ok(refused(
            false,
            code.as_str().to_owned(),
            code.meaning().to_owned(),
        )),
        OfficeVerdict::Unavailable { code } => Err(NoAnswer::Unreadable(format!("Sips {code}"))),
    }
}

/// Office `cancel` of the order's authorization (no money moves). Any
/// answer Sips gives means there is nothing (more) to release; only a
/// lost answer is unknown.
pub async fn release<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    account: SealedAccount<'_>,
    order: &OrderState,
) -> Result<Called<Result<(), NoAnswer>>, FlowError> {
    let key = opened(site, account)?;
    let request = cash_request(&key, order)?;
    let (reply, trace) = office_call::<_, _, CashManagementAnswer>(
        fx,
        Operation::Cancel,
        &request,
        &key.secret_key,
        Patience::Default,
    )
    .await?;
    let outcome = reply.and_then(|r| match r.answer.verdict {
        OfficeVerdict::Unavailable { code } => Err(NoAnswer::Unreadable(format!("Sips {code}"))),
        OfficeVerdict::Done
        | OfficeVerdict::NotFound
        | OfficeVerdict::KeyRefused
        | OfficeVerdict::Refused { .. } => Ok(()),
    });
    Ok(Called {
        outcome,
        traces: vec![trace],
    })
}

/// Office `getTransactionData` of the order: the read (the reconciler's
/// question) and the refund's first step ask it alike.
pub(super) async fn transaction_data<E: Effects>(
    fx: &E,
    key: &Key,
    order: &OrderState,
) -> Result<(Result<OfficeReply<TransactionDataAnswer>, NoAnswer>, Trace), FlowError> {
    let request = TransactionDataRequest {
        interface_version: OFFICE_INTERFACE_VERSION.to_owned(),
        key_version: key.key_version,
        merchant_id: key.merchant_id.clone(),
        transaction_reference: order.id.clone(),
    };
    office_call::<_, _, TransactionDataAnswer>(
        fx,
        Operation::GetTransactionData,
        &request,
        &key.secret_key,
        Patience::Default,
    )
    .await
}

/// Office `getTransactionData` read into the reconciler's words. An
/// authorization not validated yet is validated again only for an order
/// holding its claim (its `validate` was lost); never otherwise.
pub async fn read<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    account: SealedAccount<'_>,
    order: &OrderState,
) -> Result<Called<Inquiry>, FlowError> {
    let key = opened(site, account)?;
    let (reply, trace) = transaction_data(fx, &key, order).await?;
    let mut traces = vec![trace];
    let inquiry = match reply {
        Err(_) => Inquiry::Unknown,
        Ok(r) => match inquiry(&key, order, &r.answer.verdict, &r.answer.answer) {
            Read::Known(inquiry) => inquiry,
            Read::ValidateAgain => {
                let again = validate(fx, &key, order).await?;
                traces.extend(again.traces);
                match again.outcome {
                    Ok(answer) => Inquiry::Payment(answer),
                    Err(_) => Inquiry::Unknown,
                }
            }
        },
    };
    Ok(Called {
        outcome: inquiry,
        traces,
    })
}

enum Read {
    Known(Inquiry),
    ValidateAgain,
}

/// What a `getTransactionData` answer says of the order's payment.
fn inquiry(
    key: &Key,
    order: &OrderState,
    verdict: &OfficeVerdict,
    answer: &TransactionDataAnswer,
) -> Read {
    match verdict {
        OfficeVerdict::Done => {}
        OfficeVerdict::NotFound => return Read::Known(Inquiry::NotPaidYet),
        OfficeVerdict::KeyRefused
        | OfficeVerdict::Unavailable { .. }
        | OfficeVerdict::Refused { .. } => return Read::Known(Inquiry::Unknown),
    }
    let ours = answer
        .transaction_reference
        .as_deref()
        .is_none_or(|r| r == order.id)
        && answer
            .merchant_id
            .as_deref()
            .is_none_or(|m| m == key.merchant_id);
    let Some(status) = answer.transaction_status.as_ref().filter(|_| ours) else {
        return Read::Known(Inquiry::Unknown);
    };
    let failed = |state: PaymentState| {
        Read::Known(Inquiry::Payment(PaymentAnswer::Failed {
            transaction_id: order.id.clone(),
            status: status.as_str().to_owned(),
            state,
        }))
    };
    match status.stage() {
        Stage::Captured => Read::Known(Inquiry::Payment(PaymentAnswer::Completed {
            transaction_id: order.id.clone(),
            amount: answer.origin_amount.or(Some(order.amount())),
            currency: Some(order.currency.clone()),
            receiver_id: Some(key.merchant_id.clone()),
        })),
        Stage::Authorized if order.holds_claim() => Read::ValidateAgain,
        Stage::Authorized => Read::Known(Inquiry::NotPaidYet),
        Stage::NotPaid => failed(PaymentState::Failed),
        Stage::Refunded if answer.current_amount.is_some_and(|a| a.cents() > 0) => {
            Read::Known(Inquiry::Payment(PaymentAnswer::PartlyRefunded {
                transaction_id: order.id.clone(),
                receiver_id: Some(key.merchant_id.clone()),
            }))
        }
        Stage::Refunded => failed(PaymentState::Refunded),
        Stage::Unknown => Read::Known(Inquiry::Unknown),
    }
}

/// Office `getTransactionData` for a reference that does not exist: a
/// correctly sealed answer proves the key, `34` refuses it.
pub async fn check_account<E: Effects>(
    fx: &E,
    _site: &Site<'_>,
    account: &super::account::SipsAccount,
) -> Called<AccountCheck> {
    let request = TransactionDataRequest {
        interface_version: OFFICE_INTERFACE_VERSION.to_owned(),
        key_version: account.key_version,
        merchant_id: account.merchant_id.clone(),
        transaction_reference: CHECK_REFERENCE.to_owned(),
    };
    let called = office_call::<_, _, TransactionDataAnswer>(
        fx,
        Operation::GetTransactionData,
        &request,
        &account.secret_key,
        Patience::Default,
    )
    .await;
    let (reply, trace) = match called {
        Ok(called) => called,
        Err(e) => {
            return Called {
                outcome: AccountCheck::Unknown(NoAnswer::Unreadable(format!("{e:?}"))),
                traces: Vec::new(),
            }
        }
    };
    let refused = |code: &str, message: &str| AccountCheck::Refused {
        code: code.to_owned(),
        message: message.to_owned(),
    };
    let outcome = match reply {
        Err(NoAnswer::Unreadable(why)) if why == super::call::BAD_SEAL => {
            refused("34", "the answer is not sealed with this key")
        }
        Err(no_answer) => AccountCheck::Unknown(no_answer),
        Ok(r) => match r.answer.verdict {
            OfficeVerdict::Done | OfficeVerdict::NotFound if r.sealed => AccountCheck::Accepted,
            OfficeVerdict::Done | OfficeVerdict::NotFound => {
                refused("34", "the answer is not sealed with this key")
            }
            OfficeVerdict::KeyRefused => refused("34", ResponseCode::FraudSuspected.meaning()),
            OfficeVerdict::Refused { code, message } => AccountCheck::Refused { code, message },
            OfficeVerdict::Unavailable { code } => {
                AccountCheck::Unknown(NoAnswer::Unreadable(format!("Sips {code}")))
            }
        },
    };
    Called {
        outcome,
        traces: vec![trace],
    }
}

/// A posted response's `Data`, `Seal` and `Encode`.
struct Posted {
    data: String,
    seal: String,
    encode: String,
}

fn posted(raw: &[u8]) -> Result<Posted, String> {
    let fields: Vec<(String, String)> =
        serde_urlencoded::from_bytes(raw).map_err(|e| format!("not a form: {e}"))?;
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    Ok(Posted {
        data: get("Data").ok_or("no Data")?,
        seal: get("Seal").ok_or("no Seal")?,
        encode: get("Encode").unwrap_or_default(),
    })
}

/// The `transactionReference` of a response (automatic or manual), read
/// before its seal is verified.
pub fn message_reference(raw: &[u8]) -> Result<String, String> {
    let posted = posted(raw)?;
    let plain = decode_data(&posted.data, &posted.encode).map_err(|e| e.to_string())?;
    let pairs = split_pairs(&plain).map_err(|e| e.to_string())?;
    pairs
        .into_iter()
        .find(|(k, v)| *k == "transactionReference" && !v.is_empty() && *v != "null")
        .map(|(_, v)| v.to_owned())
        .ok_or_else(|| "no transactionReference".to_owned())
}

/// A response's seal verified with the order's account (HMAC-SHA-256, or
/// SHA-256 for older accounts), and its merchant, amount, currency and
/// reference matched to the order.
pub fn verify(
    site: &Site<'_>,
    account: SealedAccount<'_>,
    order: &OrderState,
    raw: &[u8],
) -> CardVerdict {
    let posted = match posted(raw) {
        Ok(posted) => posted,
        Err(why) => return CardVerdict::Forged(why),
    };
    let key = match open(site, account) {
        Ok(key) => key,
        Err(why) => return CardVerdict::Mismatch(why),
    };
    let message = ResponseMessage {
        data: &posted.data,
        seal: &posted.seal,
        encode: &posted.encode,
    };
    let read = SealAlgorithm::ALL
        .into_iter()
        .map(|algorithm| read_response(&message, algorithm, &key.secret_key))
        .find(|r| !matches!(r, Err(ResponseError::BadSeal)));
    let response = match read {
        None => return CardVerdict::Forged("seal".into()),
        Some(Err(ResponseError::BadSeal)) => return CardVerdict::Forged("seal".into()),
        Some(Err(ResponseError::Unreadable(e))) => return CardVerdict::Mismatch(e.to_string()),
        Some(Ok(response)) => response,
    };
    if let Err(why) = matches_order(&key, order, &response) {
        return CardVerdict::Mismatch(why);
    }
    CardVerdict::Verified(match response.response_code.authorization() {
        Authorization::Authorized => CardOutcome::Authorized {
            authorization_id: response.authorisation_id.unwrap_or_default(),
        },
        Authorization::Canceled => CardOutcome::Canceled,
        Authorization::Pending => CardOutcome::Pending,
        Authorization::Forged | Authorization::DuplicateReference => CardOutcome::Refused {
            code: response.response_code.as_str().to_owned(),
            message: response.response_code.meaning().to_owned(),
        },
        Authorization::Refused { code, message } => CardOutcome::Refused { code, message },
    })
}

/// Whether a verified response is about this order: its merchant,
/// reference, amount and currency.
fn matches_order(key: &Key, order: &OrderState, r: &PaypageResponse) -> Result<(), String> {
    if r.merchant_id != key.merchant_id {
        return Err(format!("merchantId {}", r.merchant_id));
    }
    if r.transaction_reference.as_deref() != Some(order.id.as_str()) {
        return Err(format!(
            "transactionReference {:?}",
            r.transaction_reference
        ));
    }
    if r.amount != Amount::from_cents(order.amount_cents) {
        return Err(format!("amount {:?}", r.amount.map(Amount::cents)));
    }
    let currency = Currency::parse(&order.currency).and_then(|c| currency_code(c).ok());
    if r.currency_code.as_deref() != currency {
        return Err(format!("currencyCode {:?}", r.currency_code));
    }
    Ok(())
}

/// Fields of Sips' messages and answers both parties may see: the
/// outcome, the references, the amount, the status and dates.
const SHARED: &[&str] = &[
    "responseCode",
    "acquirerResponseCode",
    "transactionReference",
    "amount",
    "currencyCode",
    "operationAmount",
    "originAmount",
    "currentAmount",
    "newAmount",
    "newStatus",
    "transactionStatus",
    "transactionDateTime",
    "operationDateTime",
    "captureMode",
    "captureDay",
    "captureLimitDate",
    "errorFieldName",
    "interfaceVersion",
    "InterfaceVersion",
    "no_answer",
];

/// What only the seller may see: his merchant account and the
/// authorization's details at his bank.
const SELLER_ONLY: &[&str] = &["merchantId", "authorisationId", "keyVersion"];

/// The fields of a Sips trace `role` may see (an allow-list: the seal,
/// the raw `Data` and the buyer's card details are never shown).
pub fn visible_fields(role: Role, fields: &serde_json::Value) -> serde_json::Value {
    let Some(object) = fields.as_object() else {
        return serde_json::json!({});
    };
    let shown: serde_json::Map<String, serde_json::Value> = object
        .iter()
        .filter(|(name, _)| {
            SHARED.contains(&name.as_str())
                || (role == Role::Seller && SELLER_ONLY.contains(&name.as_str()))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    serde_json::Value::Object(shown)
}

// Against the built-in emulator: built with it only.
#[cfg(all(test, feature = "emulators"))]
#[path = "adapter_tests.rs"]
pub(super) mod tests;
