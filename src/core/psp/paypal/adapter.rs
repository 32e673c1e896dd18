//! PayPal behind the provider seam (`core::psp`): the neutral requests as
//! Express Checkout NVP calls (SetExpressCheckout to start,
//! DoExpressCheckoutPayment to capture, GetExpressCheckoutDetails then
//! GetTransactionDetails to read), their answers as neutral outcomes, the
//! trace of each call without credentials, and the seller's credentials
//! opened from their seal only for the call.

use serde::Deserialize;

use super::nvp::{self, Credentials, Method, NvpRequest, NvpResponse};
use crate::core::flow::{Effects, Endpoint, FlowError, NoAnswer, Patience, Site, WireRequest};
use crate::core::psp::{
    AccountCheck, BalanceOutcome, Called, Capabilities, NotificationTrust, SealedAccount,
    StartOutcome, StartRequest,
};
use crate::core::purchase::{self, OrderState, PaymentAnswer};
use crate::core::reconcile::Inquiry;

use super::answers::{self, CheckoutFinding};
use crate::core::sealing::{Binding, Keyring};
use crate::core::sql::traces::Trace;

pub const CAPABILITIES: Capabilities = Capabilities {
    read_call: true,
    refund: true,
    notification: NotificationTrust::Prompt,
};

/// PayPal's code for credentials it does not accept.
const CREDENTIALS_REFUSED: &str = "10002";

/// Opens stored credentials (AES-GCM under the credentials keyring, bound to
/// their client, version and API username: see `crate::core::sealing`).
pub fn unseal(keyring: &Keyring, account: SealedAccount<'_>) -> Result<Credentials, String> {
    #[derive(Deserialize)]
    struct Secret {
        password: String,
        signature: String,
    }
    let binding = Binding {
        client_id: account.client_id,
        version: account.version,
        api_username: account.public_ref,
    };
    let plain = keyring
        .open(binding, account.sealed_secret)
        .map_err(|e| format!("unseal: {e}"))?;
    let secret: Secret = serde_json::from_slice(&plain).map_err(|e| format!("unseal: {e}"))?;
    Ok(Credentials {
        username: account.public_ref.to_string(),
        password: secret.password,
        signature: secret.signature,
    })
}

/// The seller's credentials for one call: every call on his behalf
/// (checkout, capture, read, refund) opens them here.
pub(super) fn open(
    site: &Site<'_>,
    account: SealedAccount<'_>,
) -> Result<Credentials, FlowError> {
    unseal(site.keyring, account).map_err(FlowError::Internal)
}

/// Sends one NVP request and parses the answer. PayPal answers 200 even
/// on `ACK=Failure`; any other status, or a body that is not PayPal's NVP
/// (no known `ACK`), is an unknown outcome.
pub async fn call<E: Effects>(
    fx: &E,
    request: &NvpRequest,
    patience: Patience,
) -> Result<NvpResponse, NoAnswer> {
    call_keeping_bytes(fx, request, patience)
        .await
        .map(|(response, _)| response)
}

/// [`call`], keeping the answer's bytes as received (for the trace).
async fn call_keeping_bytes<E: Effects>(
    fx: &E,
    request: &NvpRequest,
    patience: Patience,
) -> Result<(NvpResponse, Vec<u8>), NoAnswer> {
    let wire = WireRequest {
        endpoint: Endpoint::PaypalNvp,
        patience,
        body: request.encode().into_bytes(),
    };
    let answer = fx.send(&wire).await?;
    if answer.status != 200 {
        return Err(NoAnswer::Status(answer.status));
    }
    let text =
        std::str::from_utf8(&answer.body).map_err(|_| NoAnswer::Unreadable("not UTF-8".into()))?;
    let response = NvpResponse::parse(text).map_err(|e| NoAnswer::Unreadable(e.to_string()))?;
    // A 200 without an ACK PayPal uses is no answer of PayPal's (a proxy's
    // page, a truncated body): its outcome is unknown, never a refusal,
    // so a capture stays confirming for the reconciler instead of failing.
    if let nvp::Ack::Unknown(ack) = response.ack() {
        return Err(NoAnswer::Unreadable(format!("ACK {ack:?}")));
    }
    Ok((response, answer.body))
}

/// The audit trace of one call: the request without credentials, the
/// answer's fields and bytes as received (or why none came).
fn trace(
    request: &NvpRequest,
    answer: &Result<(NvpResponse, Vec<u8>), NoAnswer>,
    at: &str,
) -> Trace {
    let request_json = fields_json(&request.redacted());
    match answer {
        Ok((response, bytes)) => {
            let codes: Vec<String> = response.errors().into_iter().map(|e| e.code).collect();
            Trace {
                psp: "paypal",
                method: request.method().as_str(),
                ack: Some(response.get("ACK").unwrap_or("").to_string()),
                error_codes: (!codes.is_empty()).then(|| codes.join(",")),
                correlation_id: response.correlation_id().map(str::to_string),
                at: at.to_string(),
                request: request_json,
                response: Some(fields_json(response.fields())),
                request_wire: Some(request.encode_redacted().into_bytes()),
                response_wire: Some(bytes.clone()),
            }
        }
        Err(no_answer) => Trace {
            psp: "paypal",
            method: request.method().as_str(),
            ack: None,
            error_codes: None,
            correlation_id: None,
            at: at.to_string(),
            request: request_json,
            response: Some(serde_json::json!({ "no_answer": no_answer.describe() }).to_string()),
            request_wire: Some(request.encode_redacted().into_bytes()),
            response_wire: None,
        },
    }
}

fn fields_json(fields: &[(String, String)]) -> String {
    let map: serde_json::Map<String, serde_json::Value> = fields
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    serde_json::Value::Object(map).to_string()
}

/// Calls and traces in one step.
pub(super) async fn traced<E: Effects>(
    fx: &E,
    request: &NvpRequest,
    patience: Patience,
) -> (Result<NvpResponse, NoAnswer>, Trace) {
    let answer = call_keeping_bytes(fx, request, patience).await;
    let trace = trace(request, &answer, &fx.now().to_string());
    (answer.map(|(response, _)| response), trace)
}

/// Where buyers are sent to approve a payment.
pub fn checkout_url(site: &Site<'_>, token: &str) -> String {
    let base = match &site.config.paypal_checkout_url {
        Some(url) => url.clone(),
        None => format!("{}/_emulator/paypal/checkout", site.base_url),
    };
    format!(
        "{base}?cmd=_express-checkout&token={}&useraction=commit",
        form_encode(token)
    )
}

/// `value` form-encoded (as the shell encodes query values).
fn form_encode(value: &str) -> String {
    serde_urlencoded::to_string([("", value)])
        .map(|s| s.trim_start_matches('=').to_string())
        .unwrap_or_default()
}

fn notify_url(site: &Site<'_>) -> String {
    format!("{}/psp/paypal/ipn", site.base_url)
}

/// SetExpressCheckout for a new order.
pub async fn start<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    account: SealedAccount<'_>,
    order: &StartRequest<'_>,
) -> Result<Called<StartOutcome>, FlowError> {
    let credentials = open(site, account)?;
    let base = site.base_url;
    let amount = order.amount.to_plain();
    let request = NvpRequest::new(Method::SetExpressCheckout, &credentials)
        .field("PAYMENTREQUEST_0_AMT", amount.clone())
        .field("PAYMENTREQUEST_0_CURRENCYCODE", order.currency)
        .field("PAYMENTREQUEST_0_PAYMENTACTION", "Sale")
        .field(
            "PAYMENTREQUEST_0_INVNUM",
            purchase::invnum(site.deployment_id, order.order_id),
        )
        .field("PAYMENTREQUEST_0_NOTIFYURL", notify_url(site))
        .field("PAYMENTREQUEST_0_ITEMAMT", amount.clone())
        .field("L_PAYMENTREQUEST_0_NAME0", order.item)
        .field("L_PAYMENTREQUEST_0_AMT0", amount)
        .field("L_PAYMENTREQUEST_0_QTY0", "1")
        .field("L_PAYMENTREQUEST_0_ITEMCATEGORY0", "Digital")
        .field("RETURNURL", format!("{base}/psp/paypal/return"))
        .field(
            "CANCELURL",
            format!("{base}/psp/paypal/cancel?order={}", order.order_id),
        )
        .field("LOCALECODE", order.lang.paypal_locale())
        .field("NOSHIPPING", "1");
    let (answer, trace) = traced(fx, &request, Patience::Default).await;
    let outcome = match answer {
        Err(no_answer) => StartOutcome::Unknown(no_answer),
        Ok(response) if response.is_success() => {
            match nvp::set_express_checkout_answer(&response) {
                Ok(a) => StartOutcome::Redirect {
                    url: checkout_url(site, &a.token),
                    reference: a.token,
                },
                // A Success without a token cannot be followed: refused,
                // as PayPal gave nothing to send the buyer to.
                Err(_) => StartOutcome::Refused {
                    code: String::new(),
                    message: String::new(),
                },
            }
        }
        Ok(response) => {
            let (code, message) = first_error(&response);
            if response.has_error_code(CREDENTIALS_REFUSED) {
                StartOutcome::AccountRefused { code, message }
            } else {
                StartOutcome::Refused { code, message }
            }
        }
    };
    Ok(Called {
        outcome,
        traces: vec![trace],
    })
}

/// DoExpressCheckoutPayment for an order that holds its title's claim,
/// with the order's MSGSUBID so that PayPal never executes it twice.
pub async fn capture<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    account: SealedAccount<'_>,
    order: &OrderState,
) -> Result<Called<Result<PaymentAnswer, NoAnswer>>, FlowError> {
    let credentials = open(site, account)?;
    let request = NvpRequest::new(Method::DoExpressCheckoutPayment, &credentials)
        .field("TOKEN", order.psp_token.clone().unwrap_or_default())
        .field("PAYERID", order.psp_payer_id.clone().unwrap_or_default())
        .field("PAYMENTREQUEST_0_AMT", order.amount().to_plain())
        .field("PAYMENTREQUEST_0_CURRENCYCODE", order.currency.clone())
        .field("PAYMENTREQUEST_0_PAYMENTACTION", "Sale")
        .field(
            "PAYMENTREQUEST_0_INVNUM",
            purchase::invnum(site.deployment_id, &order.id),
        )
        .field("PAYMENTREQUEST_0_NOTIFYURL", notify_url(site))
        .field("MSGSUBID", order.msgsubid());
    let (answer, trace) = traced(fx, &request, Patience::Payment).await;
    Ok(Called {
        outcome: answer.map(|response| answers::classify(&response)),
        traces: vec![trace],
    })
}

/// Asks PayPal about the order's payment with the order's own credential
/// version: GetTransactionDetails when PayPal already named the payment
/// (its checkout token expires after 3 hours, the transaction does not),
/// else GetExpressCheckoutDetails first.
pub async fn read<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    account: SealedAccount<'_>,
    order: &OrderState,
) -> Result<Called<Inquiry>, FlowError> {
    let credentials = open(site, account)?;
    let mut traces = Vec::new();
    let transaction_id = match order.psp_transaction_id.clone() {
        Some(txn) => txn,
        None => {
            let request = NvpRequest::new(Method::GetExpressCheckoutDetails, &credentials)
                .field("TOKEN", order.psp_token.clone().unwrap_or_default());
            let (answer, trace) = traced(fx, &request, Patience::Default).await;
            traces.push(trace);
            let found = match answers::read_checkout(answer.as_ref().ok()) {
                CheckoutFinding::Transaction(txn) => Ok(txn),
                CheckoutFinding::NotPaidYet => Err(Inquiry::NotPaidYet),
                CheckoutFinding::Expired => Err(Inquiry::Expired),
                CheckoutFinding::Unknown => Err(Inquiry::Unknown),
            };
            match found {
                Ok(txn) => txn,
                Err(outcome) => return Ok(Called { outcome, traces }),
            }
        }
    };
    let request = NvpRequest::new(Method::GetTransactionDetails, &credentials)
        .field("TRANSACTIONID", transaction_id.clone());
    let (answer, trace) = traced(fx, &request, Patience::Default).await;
    traces.push(trace);
    let inquiry = answers::read_transaction_for(
        order,
        site.deployment_id,
        &transaction_id,
        answer.as_ref().ok(),
    );
    if let Inquiry::Mismatch(m) = &inquiry {
        fx.log(&format!(
            "order {}: PayPal's transaction {transaction_id} is not its payment ({}): ignored",
            order.id,
            m.as_str()
        ));
    }
    Ok(Called {
        outcome: inquiry,
        traces,
    })
}

/// GetBalance with credentials a user just typed: whether PayPal accepts
/// them (the check before they are sealed and saved).
pub async fn check_account<E: Effects>(
    fx: &E,
    credentials: &crate::core::account::ApiCredentials,
) -> Called<AccountCheck> {
    let credentials = Credentials {
        username: credentials.username.clone(),
        password: credentials.password.clone(),
        signature: credentials.signature.clone(),
    };
    let request =
        NvpRequest::new(Method::GetBalance, &credentials).field("RETURNALLCURRENCIES", "0");
    let (answer, trace) = traced(fx, &request, Patience::Default).await;
    let outcome = match answer {
        Ok(response) if response.is_success() => AccountCheck::Accepted,
        Ok(response) => {
            let (code, message) = first_error(&response);
            AccountCheck::Refused { code, message }
        }
        Err(no_answer) => AccountCheck::Unknown(no_answer),
    };
    Called {
        outcome,
        traces: vec![trace],
    }
}

/// GetBalance with the seller's stored credentials, for his page: a
/// glance, so a short wait.
pub async fn balance<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    account: SealedAccount<'_>,
) -> Result<BalanceOutcome, FlowError> {
    let credentials = open(site, account)?;
    let request =
        NvpRequest::new(Method::GetBalance, &credentials).field("RETURNALLCURRENCIES", "0");
    Ok(match call(fx, &request, Patience::Glance).await {
        Ok(answer) if answer.is_success() => match nvp::balance(&answer) {
            Ok(b) => BalanceOutcome::Balance {
                amount: b.amount,
                currency: b.currency,
            },
            Err(e) => BalanceOutcome::Unreadable(e.to_string()),
        },
        Ok(answer) => {
            let (code, message) = first_error(&answer);
            BalanceOutcome::Refused { code, message }
        }
        Err(no_answer) => BalanceOutcome::Unknown(no_answer),
    })
}

/// PayPal's first error as (code, long message); empty when none.
fn first_error(response: &NvpResponse) -> (String, String) {
    response
        .first_error()
        .map(|e| (e.code, e.long_message))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use futures_util::FutureExt;

    use super::*;
    use crate::core::account::ApiCredentials;
    use crate::core::flow::{RandomUnavailable, StoreError, WireAnswer};
    use crate::core::psp::AccountCheck;
    use crate::core::sql::{Batch, StmtResult};
    use crate::core::time::UtcTime;

    /// PayPal answering every call with `answer`; what was sent is kept.
    struct Paypal {
        answer: Result<WireAnswer, NoAnswer>,
        sent: RefCell<Vec<WireRequest>>,
    }

    impl Effects for Paypal {
        async fn run(&self, _: &Batch) -> Result<Vec<StmtResult>, StoreError> {
            Err(StoreError::Failed("no database here".into()))
        }
        async fn send(&self, request: &WireRequest) -> Result<WireAnswer, NoAnswer> {
            self.sent.borrow_mut().push(request.clone());
            self.answer.clone()
        }
        fn now(&self) -> UtcTime {
            UtcTime::from_unix_seconds(1_764_633_600)
        }
        fn fill_random(&self, _: &mut [u8]) -> Result<(), RandomUnavailable> {
            Err(RandomUnavailable)
        }
        fn log(&self, _: &str) {}
    }

    fn answering(status: u16, body: &str) -> Paypal {
        Paypal {
            answer: Ok(WireAnswer {
                status,
                body: body.as_bytes().to_vec(),
            }),
            sent: RefCell::new(Vec::new()),
        }
    }

    fn credentials() -> ApiCredentials {
        ApiCredentials {
            username: "seller_api1.example.org".into(),
            password: "S3CRETPASSWORD".into(),
            signature: "AbCdSiGnAtUrE".into(),
        }
    }

    fn check(paypal: &Paypal) -> Called<AccountCheck> {
        check_account(paypal, &credentials())
            .now_or_never()
            .expect("no await pends")
    }

    #[test]
    fn a_trace_keeps_the_answer_bytes_as_received_and_no_secret() {
        // PayPal escapes `-` as `%2d`: re-encoding the fields would not
        // give these bytes back.
        let body =
            "TIMESTAMP=2026%2d12%2d02T00%3a00%3a00Z&CORRELATIONID=abc&ACK=Success&VERSION=204";
        let paypal = answering(200, body);
        let called = check(&paypal);
        assert_eq!(called.outcome, AccountCheck::Accepted);
        let trace = &called.traces[0];
        assert_eq!(trace.response_wire.as_deref(), Some(body.as_bytes()));
        let sent = String::from_utf8(paypal.sent.borrow()[0].body.clone()).expect("ascii");
        assert!(
            sent.contains("S3CRETPASSWORD"),
            "the call itself carries it"
        );
        for kept in [
            trace.request.clone(),
            String::from_utf8(trace.request_wire.clone().unwrap_or_default()).expect("ascii"),
        ] {
            assert!(!kept.contains("S3CRETPASSWORD") && !kept.contains("AbCdSiGnAtUrE"));
        }
    }

    #[test]
    fn a_refusal_is_an_outcome_and_no_answer_is_unknown() {
        let refused = answering(
            200,
            "ACK=Failure&L_ERRORCODE0=10002&L_SHORTMESSAGE0=Security%20error&L_LONGMESSAGE0=Security%20header%20is%20not%20valid&L_SEVERITYCODE0=Error",
        );
        assert_eq!(
            check(&refused).outcome,
            AccountCheck::Refused {
                code: "10002".into(),
                message: "Security header is not valid".into()
            }
        );
        let gateway = answering(502, "");
        assert_eq!(
            check(&gateway).outcome,
            AccountCheck::Unknown(NoAnswer::Status(502))
        );
        let garbled = answering(200, "<html>");
        assert!(matches!(
            check(&garbled).outcome,
            AccountCheck::Unknown(NoAnswer::Unreadable(_))
        ));
    }
}
