//! The PayPal emulator's conformance suite: driven only through the NVP
//! codec over `POST /_emulator/paypal/nvp` (requests built with
//! `NvpRequest`, answers parsed with `NvpResponse`) and the emulator's own
//! pages and tools, the way the platform will. Every check compares with
//! PayPal's documented answers: field names, ACK values, error codes and
//! messages (`shared/reference/paypal-nvp.md`). Faults are always scoped to
//! a token or an API username, and the clock is only moved on a server of
//! its own, so that tests sharing the server never see each other.

use paybook::core::psp::paypal::nvp::{self, Credentials, Method, NvpRequest, NvpResponse};
use paybook::core::sql::{emulator as sql_emulator, Param, Stmt};

use crate::flows::{paypal_account, PaypalAccount};
use crate::harness::{apply_migrations, fresh_state_dir, unique_email, Resp, Server};
use crate::{Test, World};

pub fn tests() -> Vec<Test> {
    vec![
        (
            "emulator::set_express_checkout_answers_a_token_like_paypal",
            set_express_checkout_answers_a_token_like_paypal,
        ),
        (
            "emulator::set_express_checkout_refuses_like_paypal",
            set_express_checkout_refuses_like_paypal,
        ),
        (
            "emulator::checkout_details_follow_approval_and_payment",
            checkout_details_follow_approval_and_payment,
        ),
        (
            "emulator::payment_moves_balances_exactly_and_answers_like_paypal",
            payment_moves_balances_exactly_and_answers_like_paypal,
        ),
        (
            "emulator::transaction_details_are_for_receiver_and_payer_only",
            transaction_details_are_for_receiver_and_payer_only,
        ),
        (
            "emulator::short_funds_answer_10486_and_the_token_stays_usable",
            short_funds_answer_10486_and_the_token_stays_usable,
        ),
        (
            "emulator::repeats_answer_11607_with_the_original_or_10415",
            repeats_answer_11607_with_the_original_or_10415,
        ),
        (
            "emulator::tokens_are_checked_for_owner_approval_and_payer",
            tokens_are_checked_for_owner_approval_and_payer,
        ),
        (
            "emulator::two_calls_racing_for_one_token_pay_once",
            two_calls_racing_for_one_token_pay_once,
        ),
        (
            "emulator::error_faults_are_one_shot_scoped_listed_and_cleared",
            error_faults_are_one_shot_scoped_listed_and_cleared,
        ),
        (
            "emulator::pending_fault_moves_no_money_until_completed",
            pending_fault_moves_no_money_until_completed,
        ),
        (
            "emulator::dropped_answer_still_pays_and_replays_with_11607",
            dropped_answer_still_pays_and_replays_with_11607,
        ),
        (
            "emulator::ipn_is_queued_like_paypal_and_verified_byte_for_byte",
            ipn_is_queued_like_paypal_and_verified_byte_for_byte,
        ),
        (
            "emulator::later_events_move_money_and_queue_ipns",
            later_events_move_money_and_queue_ipns,
        ),
        (
            "emulator::checkout_page_speaks_the_buyers_language_and_redirects",
            checkout_page_speaks_the_buyers_language_and_redirects,
        ),
        (
            "emulator::clock_advance_expires_tokens_after_three_hours",
            clock_advance_expires_tokens_after_three_hours,
        ),
        (
            "emulator::emulator_routes_are_404_in_sandbox",
            emulator_routes_are_404_in_sandbox,
        ),
        (
            "emulator::money_batches_are_guarded_all_or_nothing_on_sqlite",
            money_batches_are_guarded_all_or_nothing_on_sqlite,
        ),
    ]
}

const TRIA: &str =
    "Transaction refused because of an invalid argument. See additional error messages for details.";
// The checkout sends a browser back only to a local origin when the
// emulator itself is served locally (never an open redirect).
const RETURN_URL: &str = "http://localhost:8787/psp/paypal/return?order=7";
const CANCEL_URL: &str = "http://localhost:8787/psp/paypal/cancel?order=7";
const NOTIFY_URL: &str = "https://shop.example/psp/paypal/ipn";

fn credentials(account: &PaypalAccount) -> Credentials {
    Credentials {
        username: account.api_username.clone(),
        password: account.api_password.clone(),
        signature: account.api_signature.clone(),
        subject: None,
    }
}

/// Sends one NVP request over HTTP: (status, raw body).
fn send(server: &Server, request: &NvpRequest) -> (u16, String) {
    let r = server.client().post_raw(
        "/_emulator/paypal/nvp",
        "application/x-www-form-urlencoded",
        request.encode().as_bytes(),
    );
    (r.status, r.body)
}

/// Sends one NVP request and parses PayPal's answer (always HTTP 200).
pub fn call(server: &Server, request: &NvpRequest) -> NvpResponse {
    let (status, body) = send(server, request);
    assert_eq!(status, 200, "{:?}: {body}", request.method());
    NvpResponse::parse(&body).unwrap_or_else(|e| panic!("not NVP ({e}): {body}"))
}

pub fn assert_success(answer: &NvpResponse) {
    assert_eq!(answer.get("ACK"), Some("Success"), "{:?}", answer.fields());
    assert!(answer.errors().is_empty(), "{:?}", answer.errors());
}

/// `ACK=Failure` with exactly this error, worded as PayPal words it.
fn assert_refused(answer: &NvpResponse, code: &str, short: &str, long: &str) {
    assert_eq!(answer.get("ACK"), Some("Failure"), "{:?}", answer.fields());
    let errors = answer.errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].code, code, "{errors:?}");
    assert_eq!(errors[0].short_message, short, "{errors:?}");
    assert_eq!(errors[0].long_message, long, "{errors:?}");
    assert_eq!(errors[0].severity, "Error");
    for name in ["TIMESTAMP", "CORRELATIONID", "VERSION", "BUILD"] {
        assert!(answer.get(name).is_some(), "{name}");
    }
}

/// SetExpressCheckout as the platform sends it (spec §10).
fn set_ec_request(receiver: &PaypalAccount, amount: &str, locale: &str) -> NvpRequest {
    set_ec_request_to(receiver, amount, locale, RETURN_URL, CANCEL_URL)
}

/// SetExpressCheckout with the buyer's way back (RETURNURL, CANCELURL).
pub fn set_ec_request_to(
    receiver: &PaypalAccount,
    amount: &str,
    locale: &str,
    return_url: &str,
    cancel_url: &str,
) -> NvpRequest {
    NvpRequest::new(Method::SetExpressCheckout, &credentials(receiver))
        .field("PAYMENTREQUEST_0_AMT", amount)
        .field("PAYMENTREQUEST_0_CURRENCYCODE", "EUR")
        .field("PAYMENTREQUEST_0_PAYMENTACTION", "Sale")
        .field("PAYMENTREQUEST_0_INVNUM", "PB-test-7")
        .field("PAYMENTREQUEST_0_NOTIFYURL", NOTIFY_URL)
        .field("PAYMENTREQUEST_0_ITEMAMT", amount)
        .field("L_PAYMENTREQUEST_0_NAME0", "ZZ0000000017")
        .field("L_PAYMENTREQUEST_0_AMT0", amount)
        .field("L_PAYMENTREQUEST_0_QTY0", "1")
        .field("L_PAYMENTREQUEST_0_ITEMCATEGORY0", "Digital")
        .field("RETURNURL", return_url)
        .field("CANCELURL", cancel_url)
        .field("LOCALECODE", locale)
        .field("NOSHIPPING", "1")
}

fn set_ec(server: &Server, receiver: &PaypalAccount, amount: &str) -> String {
    set_ec_in(server, receiver, amount, "en_US")
}

fn set_ec_in(server: &Server, receiver: &PaypalAccount, amount: &str, locale: &str) -> String {
    let answer = call(server, &set_ec_request(receiver, amount, locale));
    assert_success(&answer);
    answer.token().unwrap_or_default().to_string()
}

pub fn checkout_path(token: &str) -> String {
    format!("/_emulator/paypal/checkout?cmd=_express-checkout&token={token}&useraction=commit")
}

/// The buyer pays on the checkout page: 302 to RETURNURL; the PayerID.
fn approve(server: &Server, token: &str, payer_email: &str) -> String {
    let r = server.client().post_form(
        &checkout_path(token),
        &[("email", payer_email), ("action", "pay")],
    );
    assert_eq!(r.status, 302, "{}", r.body);
    let location = r.header("location").unwrap_or_default().to_string();
    let query = query_of(&location);
    assert_eq!(query_value(&query, "token"), Some(token), "{location}");
    query_value(&query, "PayerID")
        .unwrap_or_else(|| panic!("no PayerID: {location}"))
        .to_string()
}

fn query_of(url: &str) -> Vec<(String, String)> {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    nvp::decode(query).unwrap_or_default()
}

fn query_value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn get_ec(server: &Server, receiver: &PaypalAccount, token: &str) -> NvpResponse {
    call(
        server,
        &NvpRequest::new(Method::GetExpressCheckoutDetails, &credentials(receiver))
            .field("TOKEN", token),
    )
}

fn do_ec_request(
    receiver: &PaypalAccount,
    token: &str,
    payer_id: &str,
    amount: &str,
    msgsubid: &str,
) -> NvpRequest {
    NvpRequest::new(Method::DoExpressCheckoutPayment, &credentials(receiver))
        .field("TOKEN", token)
        .field("PAYERID", payer_id)
        .field("PAYMENTREQUEST_0_AMT", amount)
        .field("PAYMENTREQUEST_0_CURRENCYCODE", "EUR")
        .field("PAYMENTREQUEST_0_PAYMENTACTION", "Sale")
        .field("PAYMENTREQUEST_0_INVNUM", "PB-test-7")
        .field("PAYMENTREQUEST_0_NOTIFYURL", NOTIFY_URL)
        .field("MSGSUBID", msgsubid)
}

fn do_ec(
    server: &Server,
    receiver: &PaypalAccount,
    token: &str,
    payer_id: &str,
    amount: &str,
    msgsubid: &str,
) -> NvpResponse {
    call(
        server,
        &do_ec_request(receiver, token, payer_id, amount, msgsubid),
    )
}

fn transaction_details(server: &Server, caller: &PaypalAccount, id: &str) -> NvpResponse {
    call(
        server,
        &NvpRequest::new(Method::GetTransactionDetails, &credentials(caller))
            .field("TRANSACTIONID", id),
    )
}

/// An account's balance as `GET /_emulator/paypal/accounts?email=` says.
fn balance(server: &Server, email: &str) -> String {
    let r = server.client().get_json(&format!(
        "/_emulator/paypal/accounts?email={}",
        email.replace('@', "%40")
    ));
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["balance"].as_str().unwrap_or_default().to_string()
}

fn account(world: &World, prefix: &str, balance: &str) -> PaypalAccount {
    paypal_account(&world.server, &unique_email(prefix), balance)
}

/// A receiver, a payer and a checkout approved by the payer.
struct Approved {
    receiver: PaypalAccount,
    payer: PaypalAccount,
    token: String,
    payer_id: String,
}

fn approved(world: &World, prefix: &str, payer_balance: &str, amount: &str) -> Approved {
    let receiver = account(world, &format!("{prefix}-rcv"), "0");
    let payer = account(world, &format!("{prefix}-pay"), payer_balance);
    let token = set_ec(&world.server, &receiver, amount);
    let payer_id = approve(&world.server, &token, &payer.email);
    assert_eq!(payer_id, payer.payer_id);
    Approved {
        receiver,
        payer,
        token,
        payer_id,
    }
}

/// A DELETE (the harness's client has no such method).
pub(crate) fn delete(server: &Server, path: &str) -> Resp {
    let url = format!("{}{path}", server.base_url);
    let response = match ureq::delete(&url).set("Accept", "application/json").call() {
        Ok(response) => response,
        Err(ureq::Error::Status(_, response)) => response,
        Err(e) => panic!("DELETE {path}: {e}"),
    };
    let status = response.status();
    let body = response.into_string().unwrap_or_default();
    Resp {
        status,
        headers: Vec::new(),
        body,
    }
}

fn post_fault(server: &Server, fields: &[(&str, &str)]) -> Resp {
    server.client().post_form_with(
        "/_emulator/paypal/faults",
        fields,
        &[("Accept", "application/json")],
    )
}

/// The IPN messages about one transaction, newest first.
fn ipns(server: &Server, txn_id: &str) -> Vec<serde_json::Value> {
    let r = server
        .client()
        .get_json(&format!("/_emulator/paypal/ipn?txn_id={txn_id}"));
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["messages"].as_array().cloned().unwrap_or_default()
}

fn ipn_fields(message: &serde_json::Value) -> Vec<(String, String)> {
    nvp::decode(message["body"].as_str().unwrap_or_default()).unwrap_or_default()
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query_value(fields, name)
}

// ---------------------------------------------------------------------------

fn set_express_checkout_answers_a_token_like_paypal(world: &World) {
    let receiver = account(world, "setec", "0");
    let (status, body) = send(&world.server, &set_ec_request(&receiver, "20.00", "en_US"));
    assert_eq!(status, 200);
    // PayPal's own encoding: lower-case escapes, TOKEN first.
    assert!(body.starts_with("TOKEN=EC%2d"), "{body}");
    assert!(body.contains("&ACK=Success&VERSION=204&BUILD="), "{body}");
    assert!(body.contains("TIMESTAMP=20"), "{body}");
    assert!(body.contains("%3a"), "{body}");
    let answer = NvpResponse::parse(&body).expect("NVP");
    assert_success(&answer);
    let token = nvp::set_express_checkout_answer(&answer)
        .expect("TOKEN")
        .token;
    assert_eq!(token.len(), 20, "{token}");
    assert!(token.starts_with("EC-"), "{token}");
    assert!(
        token[3..]
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()),
        "{token}"
    );
    let names: Vec<&str> = answer.fields().iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "TOKEN",
            "TIMESTAMP",
            "CORRELATIONID",
            "ACK",
            "VERSION",
            "BUILD"
        ]
    );
    let again = set_ec(&world.server, &receiver, "20.00");
    assert_ne!(again, token, "every call gets a new token");
    // PayPal's headers.
    let r = world.server.client().post_raw(
        "/_emulator/paypal/nvp",
        "application/x-www-form-urlencoded",
        set_ec_request(&receiver, "20.00", "en_US")
            .encode()
            .as_bytes(),
    );
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    assert_eq!(
        r.header("x-paypal-operation-name"),
        Some("SetExpressCheckout")
    );
    assert!(r.header("paypal-debug-id").is_some_and(|v| !v.is_empty()));
}

fn set_express_checkout_refuses_like_paypal(world: &World) {
    let server = &world.server;
    let receiver = account(world, "setec-bad", "0");
    let base = || set_ec_request(&receiver, "20.00", "en_US");
    let without = |name: &str| {
        let mut request = NvpRequest::new(Method::SetExpressCheckout, &credentials(&receiver));
        for (n, v) in base().fields().iter().skip(5) {
            if n != name {
                request = request.field(n.as_str(), v.as_str());
            }
        }
        request
    };
    assert_refused(
        &call(server, &without("PAYMENTREQUEST_0_AMT")),
        "81100",
        "Missing Parameter",
        "OrderTotal (Amt) : Required parameter missing",
    );
    assert_refused(
        &call(server, &without("RETURNURL")),
        "10404",
        TRIA,
        "ReturnURL is missing.",
    );
    assert_refused(
        &call(server, &without("CANCELURL")),
        "10405",
        TRIA,
        "CancelURL is missing.",
    );
    let mismatch = base().field("L_PAYMENTREQUEST_0_AMT0", "19.99");
    let answer = call(server, &mismatch);
    assert_refused(
        &answer,
        "10413",
        TRIA,
        "The totals of the cart item amounts do not match order amounts.",
    );
    assert_eq!(answer.token(), None);
    let order_total = base().field("PAYMENTREQUEST_0_AMT", "25.00");
    assert_eq!(
        call(server, &order_total).first_error().map(|e| e.code),
        Some("10413".into())
    );
    let two_lines = base()
        .field("PAYMENTREQUEST_0_AMT", "21.00")
        .field("PAYMENTREQUEST_0_ITEMAMT", "20.00")
        .field("PAYMENTREQUEST_0_TAXAMT", "1.00")
        .field("L_PAYMENTREQUEST_0_AMT0", "5.00")
        .field("L_PAYMENTREQUEST_0_QTY0", "2")
        .field("L_PAYMENTREQUEST_0_AMT1", "10.00");
    assert_success(&call(server, &two_lines));
    assert_refused(
        &call(server, &base().field("PAYMENTREQUEST_0_AMT", "20")),
        "10401",
        TRIA,
        "Order total is invalid.",
    );
    let bad_credentials = NvpRequest::new(
        Method::SetExpressCheckout,
        &Credentials {
            password: "wrong".into(),
            ..credentials(&receiver)
        },
    );
    assert_refused(
        &call(server, &bad_credentials),
        "10002",
        "Security error",
        "Security header is not valid",
    );
}

fn checkout_details_follow_approval_and_payment(world: &World) {
    let server = &world.server;
    let receiver = account(world, "getec-rcv", "0");
    let payer = account(world, "getec-pay", "100.00");
    let token = set_ec(server, &receiver, "12.50");

    let before = get_ec(server, &receiver, &token);
    assert_success(&before);
    let details = nvp::checkout_details(&before).expect("details");
    assert_eq!(details.token, token);
    assert_eq!(
        details.checkout_status,
        nvp::CheckoutStatus::PaymentActionNotInitiated
    );
    assert_eq!(details.payer_id, None, "no PAYERID before approval");
    assert_eq!(before.get("EMAIL"), None);
    assert_eq!(
        before.get("CHECKOUTSTATUS"),
        Some("PaymentActionNotInitiated")
    );
    assert_eq!(before.get("PAYMENTREQUEST_0_AMT"), Some("12.50"));
    assert_eq!(before.get("PAYMENTREQUEST_0_CURRENCYCODE"), Some("EUR"));
    assert_eq!(before.get("PAYMENTREQUEST_0_INVNUM"), Some("PB-test-7"));
    assert_eq!(before.get("PAYMENTREQUEST_0_NOTIFYURL"), Some(NOTIFY_URL));
    assert_eq!(
        before.get("PAYMENTREQUEST_0_SELLERPAYPALACCOUNTID"),
        Some(receiver.email.as_str())
    );
    assert_eq!(before.get("PAYMENTREQUESTINFO_0_ERRORCODE"), Some("0"));
    assert_eq!(before.get("BILLINGAGREEMENTACCEPTEDSTATUS"), Some("0"));

    let payer_id = approve(server, &token, &payer.email);
    let after = get_ec(server, &receiver, &token);
    assert_success(&after);
    assert_eq!(
        after.get("CHECKOUTSTATUS"),
        Some("PaymentActionNotInitiated")
    );
    assert_eq!(after.get("PAYERID"), Some(payer_id.as_str()));
    assert_eq!(after.get("EMAIL"), Some(payer.email.as_str()));
    assert_eq!(after.get("PAYERSTATUS"), Some("verified"));
    assert_eq!(after.get("PAYMENTREQUEST_0_TRANSACTIONID"), None);
    assert_eq!(
        balance(server, &payer.email),
        "100.00",
        "approval moves nothing"
    );

    let paid = do_ec(server, &receiver, &token, &payer_id, "12.50", "getec-1");
    assert_success(&paid);
    let transaction_id = paid
        .get("PAYMENTINFO_0_TRANSACTIONID")
        .unwrap_or_default()
        .to_string();
    let completed = get_ec(server, &receiver, &token);
    assert_success(&completed);
    assert_eq!(
        completed.get("CHECKOUTSTATUS"),
        Some("PaymentActionCompleted")
    );
    assert_eq!(
        completed.get("PAYMENTREQUEST_0_TRANSACTIONID"),
        Some(transaction_id.as_str())
    );
    assert_eq!(
        completed.get("PAYMENTREQUESTINFO_0_TRANSACTIONID"),
        Some(transaction_id.as_str())
    );
    assert_eq!(completed.get("PAYERID"), Some(payer_id.as_str()));
}

fn payment_moves_balances_exactly_and_answers_like_paypal(world: &World) {
    let server = &world.server;
    let a = approved(world, "pay", "100.00", "30.00");
    let (status, body) = send(
        server,
        &do_ec_request(&a.receiver, &a.token, &a.payer_id, "30.00", "77-1"),
    );
    assert_eq!(status, 200);
    assert!(
        body.starts_with("TOKEN=EC%2d")
            && body.contains("&SUCCESSPAGEREDIRECTREQUESTED=false&TIMESTAMP="),
        "{body}"
    );
    let answer = NvpResponse::parse(&body).expect("NVP");
    assert_success(&answer);
    let names: Vec<&str> = answer.fields().iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "TOKEN",
            "SUCCESSPAGEREDIRECTREQUESTED",
            "TIMESTAMP",
            "CORRELATIONID",
            "ACK",
            "VERSION",
            "BUILD",
            "INSURANCEOPTIONSELECTED",
            "SHIPPINGOPTIONISDEFAULT",
            "PAYMENTINFO_0_TRANSACTIONID",
            "PAYMENTINFO_0_TRANSACTIONTYPE",
            "PAYMENTINFO_0_PAYMENTTYPE",
            "PAYMENTINFO_0_ORDERTIME",
            "PAYMENTINFO_0_AMT",
            "PAYMENTINFO_0_FEEAMT",
            "PAYMENTINFO_0_TAXAMT",
            "PAYMENTINFO_0_CURRENCYCODE",
            "PAYMENTINFO_0_PAYMENTSTATUS",
            "PAYMENTINFO_0_PENDINGREASON",
            "PAYMENTINFO_0_REASONCODE",
            "PAYMENTINFO_0_PROTECTIONELIGIBILITY",
            "PAYMENTINFO_0_PROTECTIONELIGIBILITYTYPE",
            "PAYMENTINFO_0_SECUREMERCHANTACCOUNTID",
            "PAYMENTINFO_0_SELLERPAYPALACCOUNTID",
            "PAYMENTINFO_0_ERRORCODE",
            "PAYMENTINFO_0_ACK",
            "MSGSUBID",
        ]
    );
    let info = nvp::payment_info(&answer).expect("PAYMENTINFO_0_*");
    assert_eq!(info.transaction_id.len(), 17, "{}", info.transaction_id);
    assert!(info
        .transaction_id
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
    assert_eq!(info.payment_status, nvp::PaymentStatus::Completed);
    assert_eq!(info.pending_reason, Some(nvp::PendingReason::None));
    assert_eq!(info.amount.map(|a| a.cents()), Some(3_000));
    assert_eq!(
        info.fee.map(|a| a.cents()),
        Some(0),
        "the emulator charges no fee"
    );
    assert_eq!(info.currency.as_deref(), Some("EUR"));
    assert_eq!(
        info.secure_merchant_account_id.as_deref(),
        Some(a.receiver.payer_id.as_str())
    );
    assert_eq!(
        info.seller_paypal_account_id.as_deref(),
        Some(a.receiver.email.as_str())
    );
    assert_eq!(info.msgsubid.as_deref(), Some("77-1"));
    assert_eq!(answer.token(), Some(a.token.as_str()));
    assert_eq!(
        answer.get("PAYMENTINFO_0_TRANSACTIONTYPE"),
        Some("expresscheckout")
    );
    assert_eq!(answer.get("PAYMENTINFO_0_PAYMENTTYPE"), Some("instant"));
    assert_eq!(answer.get("PAYMENTINFO_0_ERRORCODE"), Some("0"));
    assert_eq!(answer.get("PAYMENTINFO_0_ACK"), Some("Success"));
    assert_eq!(
        answer.get("PAYMENTINFO_0_PROTECTIONELIGIBILITY"),
        Some("Ineligible")
    );
    assert!(answer
        .get("PAYMENTINFO_0_ORDERTIME")
        .is_some_and(|t| paybook::core::time::UtcTime::parse(t).is_some()));
    assert_eq!(balance(server, &a.payer.email), "70.00");
    assert_eq!(balance(server, &a.receiver.email), "30.00");
}

fn transaction_details_are_for_receiver_and_payer_only(world: &World) {
    let server = &world.server;
    let a = approved(world, "gtd", "50.00", "20.00");
    let paid = do_ec(server, &a.receiver, &a.token, &a.payer_id, "20.00", "gtd-1");
    let id = paid
        .get("PAYMENTINFO_0_TRANSACTIONID")
        .unwrap_or_default()
        .to_string();
    for caller in [&a.receiver, &a.payer] {
        let answer = transaction_details(server, caller, &id);
        assert_success(&answer);
        let details = nvp::transaction_details(&answer).expect("details");
        assert_eq!(details.transaction_id, id);
        assert_eq!(details.payment_status, nvp::PaymentStatus::Completed);
        assert_eq!(details.amount.map(|a| a.cents()), Some(2_000));
        assert_eq!(details.currency.as_deref(), Some("EUR"));
        assert_eq!(details.invnum.as_deref(), Some("PB-test-7"));
        assert_eq!(
            details.receiver_id.as_deref(),
            Some(a.receiver.payer_id.as_str())
        );
        assert_eq!(
            details.receiver_email.as_deref(),
            Some(a.receiver.email.as_str())
        );
        assert_eq!(answer.get("PAYERID"), Some(a.payer.payer_id.as_str()));
        assert_eq!(answer.get("EMAIL"), Some(a.payer.email.as_str()));
        assert_eq!(answer.get("FEEAMT"), Some("0.00"));
        assert_eq!(answer.get("PENDINGREASON"), Some("None"));
        assert_eq!(answer.get("TRANSACTIONTYPE"), Some("expresscheckout"));
        assert_eq!(answer.get("PAYMENTTYPE"), Some("instant"));
        assert!(answer.get("ORDERTIME").is_some());
    }
    let stranger = account(world, "gtd-other", "1.00");
    for id in [id.as_str(), "0000000000000000X"] {
        assert_refused(
            &transaction_details(server, &stranger, id),
            "10004",
            TRIA,
            "The transaction id is not valid",
        );
    }
}

fn short_funds_answer_10486_and_the_token_stays_usable(world: &World) {
    let server = &world.server;
    let a = approved(world, "poor", "5.00", "10.00");
    let refused = do_ec(
        server,
        &a.receiver,
        &a.token,
        &a.payer_id,
        "10.00",
        "poor-1",
    );
    assert_refused(
        &refused,
        "10486",
        "This transaction couldn't be completed.",
        "This transaction couldn't be completed. Please redirect your customer to PayPal.",
    );
    assert_eq!(balance(server, &a.payer.email), "5.00");
    assert_eq!(balance(server, &a.receiver.email), "0.00");
    let details = get_ec(server, &a.receiver, &a.token);
    assert_eq!(
        details.get("CHECKOUTSTATUS"),
        Some("PaymentActionNotInitiated")
    );
    // Back at PayPal, the buyer picks another funding source (here: another
    // account) on the same token, then the call is made again.
    let rich = account(world, "poor-rich", "40.00");
    let payer_id = approve(server, &a.token, &rich.email);
    let paid = do_ec(server, &a.receiver, &a.token, &payer_id, "10.00", "poor-2");
    assert_success(&paid);
    assert_eq!(balance(server, &rich.email), "30.00");
    assert_eq!(balance(server, &a.payer.email), "5.00");
    assert_eq!(balance(server, &a.receiver.email), "10.00");
}

fn repeats_answer_11607_with_the_original_or_10415(world: &World) {
    let server = &world.server;
    let a = approved(world, "repeat", "100.00", "15.00");
    let first = do_ec(server, &a.receiver, &a.token, &a.payer_id, "15.00", "9-1");
    assert_success(&first);
    let original_id = first.get("PAYMENTINFO_0_TRANSACTIONID").unwrap_or_default();

    let replay = do_ec(server, &a.receiver, &a.token, &a.payer_id, "15.00", "9-1");
    assert_eq!(replay.get("ACK"), Some("SuccessWithWarning"));
    assert!(replay.is_success());
    let warning = replay.first_error().expect("11607 warning");
    assert_eq!(warning.code, "11607");
    assert_eq!(warning.short_message, "Duplicate Request");
    assert_eq!(
        warning.long_message,
        "A successful transaction has already been completed for this token."
    );
    assert_eq!(warning.severity, "Warning");
    for (name, value) in first.fields() {
        if name.starts_with("PAYMENTINFO_0_") || name == "TOKEN" || name == "MSGSUBID" {
            assert_eq!(replay.get(name), Some(value.as_str()), "{name}");
        }
    }
    assert_eq!(replay.get("PAYMENTINFO_0_TRANSACTIONID"), Some(original_id));

    let other = do_ec(server, &a.receiver, &a.token, &a.payer_id, "15.00", "9-2");
    assert_refused(
        &other,
        "10415",
        TRIA,
        "A successful transaction has already been completed for this token.",
    );
    assert_eq!(balance(server, &a.payer.email), "85.00", "paid once");
    assert_eq!(balance(server, &a.receiver.email), "15.00");
}

fn tokens_are_checked_for_owner_approval_and_payer(world: &World) {
    let server = &world.server;
    let receiver = account(world, "tok-rcv", "0");
    let payer = account(world, "tok-pay", "50.00");
    let stranger = account(world, "tok-other", "50.00");
    let token = set_ec(server, &receiver, "10.00");

    // Not approved yet: 10485.
    assert_refused(
        &do_ec(server, &receiver, &token, &payer.payer_id, "10.00", "t-1"),
        "10485",
        "Payment not authorized",
        "Payment has not been authorized by the user.",
    );
    let payer_id = approve(server, &token, &payer.email);
    // Another account's token: 10410, for every method.
    assert_refused(
        &get_ec(server, &stranger, &token),
        "10410",
        "Invalid token",
        "Invalid token.",
    );
    assert_refused(
        &do_ec(server, &stranger, &token, &payer_id, "10.00", "t-2"),
        "10410",
        "Invalid token",
        "Invalid token.",
    );
    assert_refused(
        &get_ec(server, &receiver, "EC-00000000000000000"),
        "10410",
        "Invalid token",
        "Invalid token.",
    );
    // PAYERID missing or not the approver.
    assert_refused(
        &do_ec(server, &receiver, &token, "", "10.00", "t-3"),
        "10419",
        TRIA,
        "Express Checkout PayerID is missing.",
    );
    assert_refused(
        &do_ec(
            server,
            &receiver,
            &token,
            &stranger.payer_id,
            "10.00",
            "t-4",
        ),
        "10421",
        "This Express Checkout session belongs to a different customer.",
        "This Express Checkout session belongs to a different customer.  Token value mismatch.",
    );
    // Amount and currency must be those of SetExpressCheckout.
    assert_refused(
        &do_ec(server, &receiver, &token, &payer_id, "9.99", "t-5"),
        "10413",
        TRIA,
        "The totals of the cart item amounts do not match order amounts.",
    );
    assert_refused(
        &call(
            server,
            &do_ec_request(&receiver, &token, &payer_id, "10.00", "t-6")
                .field("PAYMENTREQUEST_0_CURRENCYCODE", "USD"),
        ),
        "10444",
        TRIA,
        "The transaction currency specified must be the same as previously specified.",
    );
    // Paying oneself is refused.
    let own = set_ec(server, &receiver, "1.00");
    let own_payer = approve(server, &own, &receiver.email);
    assert_refused(
        &do_ec(server, &receiver, &own, &own_payer, "1.00", "t-7"),
        "10417",
        "Transaction cannot complete.",
        "Instruct the customer to retry the transaction using an alternative payment method \
         from the customer's PayPal wallet. The transaction did not complete with the \
         customer's selected payment method.",
    );
    assert_eq!(balance(server, &payer.email), "50.00");
    assert_success(&do_ec(server, &receiver, &token, &payer_id, "10.00", "t-8"));
}

/// Calls sent at once on one approved token, each with its own MSGSUBID.
const RACERS: usize = 6;

fn two_calls_racing_for_one_token_pay_once(world: &World) {
    let server = &world.server;
    let a = approved(world, "race", "100.00", "40.00");
    let answers: Vec<NvpResponse> = std::thread::scope(|scope| {
        let handles: Vec<_> = (1..=RACERS)
            .map(|n| {
                let request = do_ec_request(
                    &a.receiver,
                    &a.token,
                    &a.payer_id,
                    "40.00",
                    &format!("race-{n}"),
                );
                scope.spawn(move || call(server, &request))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect()
    });
    let successes = answers
        .iter()
        .filter(|a| a.get("ACK") == Some("Success"))
        .count();
    let refusals: Vec<String> = answers
        .iter()
        .filter_map(|a| a.first_error().map(|e| e.code))
        .collect();
    assert_eq!(successes, 1, "{:?}", answers);
    assert_eq!(refusals.len(), RACERS - 1, "{:?}", answers);
    assert!(refusals.iter().all(|code| code == "10415"), "{refusals:?}");
    assert_eq!(
        balance(server, &a.payer.email),
        "60.00",
        "the money moved once"
    );
    assert_eq!(balance(server, &a.receiver.email), "40.00");
}

fn error_faults_are_one_shot_scoped_listed_and_cleared(world: &World) {
    let server = &world.server;
    let receiver = account(world, "fault", "12.00");
    let r = post_fault(
        server,
        &[
            ("method", "GetBalance"),
            ("api_username", &receiver.api_username),
            ("error_code", "10445"),
        ],
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let fault = r.json();
    assert_eq!(fault["method"], "GetBalance");
    assert_eq!(fault["error_code"], "10445");
    assert_eq!(fault["api_username"], receiver.api_username.as_str());
    assert_eq!(fault["drop"], false);
    let get_balance = NvpRequest::new(Method::GetBalance, &credentials(&receiver));
    assert_refused(
        &call(server, &get_balance),
        "10445",
        "This transaction cannot be processed at this time. Please try again later.",
        "This transaction cannot be processed at this time. Please try again later.",
    );
    let again = call(server, &get_balance);
    assert_success(&again);
    assert_eq!(again.get("L_AMT0"), Some("12.00"), "one-shot");

    // An injected 10486 on DoExpressCheckoutPayment: the token stays usable.
    let a = approved(world, "fault-do", "20.00", "5.00");
    let r = post_fault(
        server,
        &[
            ("method", "DoExpressCheckoutPayment"),
            ("token", &a.token),
            ("error_code", "10486"),
        ],
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_refused(
        &do_ec(server, &a.receiver, &a.token, &a.payer_id, "5.00", "f-1"),
        "10486",
        "This transaction couldn't be completed.",
        "This transaction couldn't be completed. Please redirect your customer to PayPal.",
    );
    assert_eq!(balance(server, &a.payer.email), "20.00");
    assert_success(&do_ec(
        server,
        &a.receiver,
        &a.token,
        &a.payer_id,
        "5.00",
        "f-2",
    ));
    // An unknown code gets a generic text.
    let other = account(world, "fault-generic", "1.00");
    post_fault(
        server,
        &[
            ("method", "GetBalance"),
            ("api_username", &other.api_username),
            ("error_code", "12345"),
        ],
    );
    let generic = call(
        server,
        &NvpRequest::new(Method::GetBalance, &credentials(&other)),
    );
    assert_eq!(generic.get("ACK"), Some("Failure"));
    assert_eq!(generic.first_error().map(|e| e.code), Some("12345".into()));

    // Listing and clearing, scoped by token.
    let token = "EC-FAULTLIST0000001";
    for code in ["10001", "10422"] {
        let r = post_fault(
            server,
            &[
                ("method", "GetExpressCheckoutDetails"),
                ("token", token),
                ("error_code", code),
            ],
        );
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let listed = server
        .client()
        .get_json(&format!("/_emulator/paypal/faults?token={token}"))
        .json();
    let codes: Vec<&str> = listed["faults"]
        .as_array()
        .map(|l| l.iter().filter_map(|f| f["error_code"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(codes, ["10001", "10422"]);
    let cleared = delete(server, &format!("/_emulator/paypal/faults?token={token}"));
    assert_eq!(cleared.status, 200, "{}", cleared.body);
    assert_eq!(cleared.json()["cleared"], 2);
    let listed = server
        .client()
        .get_json(&format!("/_emulator/paypal/faults?token={token}"))
        .json();
    assert_eq!(listed["faults"].as_array().map(Vec::len), Some(0));

    // Bad faults are 422, naming the field.
    for (fields, bad) in [
        (vec![("error_code", "10001")], "method"),
        (vec![("method", "Refund"), ("drop", "1")], "method"),
        (vec![("method", "GetBalance")], "error_code"),
        (
            vec![("method", "GetBalance"), ("payment_status", "Pending")],
            "payment_status",
        ),
        (
            vec![("method", "GetBalance"), ("error_code", "ten")],
            "error_code",
        ),
    ] {
        let r = post_fault(server, &fields);
        assert_eq!(r.status, 422, "{fields:?}: {}", r.body);
        assert_eq!(r.json()["field"], bad, "{fields:?}");
    }
}

fn pending_fault_moves_no_money_until_completed(world: &World) {
    let server = &world.server;
    let a = approved(world, "pending", "60.00", "25.00");
    let r = post_fault(
        server,
        &[
            ("method", "DoExpressCheckoutPayment"),
            ("token", &a.token),
            ("payment_status", "Pending"),
        ],
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["pending_reason"], "paymentreview");
    let answer = do_ec(server, &a.receiver, &a.token, &a.payer_id, "25.00", "p-1");
    assert_success(&answer);
    let info = nvp::payment_info(&answer).expect("info");
    assert_eq!(info.payment_status, nvp::PaymentStatus::Pending);
    assert_eq!(info.pending_reason, Some(nvp::PendingReason::PaymentReview));
    assert_eq!(
        balance(server, &a.payer.email),
        "60.00",
        "no money moves while Pending"
    );
    assert_eq!(balance(server, &a.receiver.email), "0.00");
    assert_eq!(
        get_ec(server, &a.receiver, &a.token).get("CHECKOUTSTATUS"),
        Some("PaymentActionCompleted")
    );
    let id = info.transaction_id;
    let details = transaction_details(server, &a.receiver, &id);
    assert_eq!(details.get("PAYMENTSTATUS"), Some("Pending"));
    assert_eq!(details.get("PENDINGREASON"), Some("paymentreview"));
    let pending_ipn = ipns(server, &id);
    assert_eq!(pending_ipn.len(), 1);
    let fields = ipn_fields(&pending_ipn[0]);
    assert_eq!(field(&fields, "payment_status"), Some("Pending"));
    assert_eq!(field(&fields, "pending_reason"), Some("paymentreview"));

    let done = server.client().post_form(
        &format!("/_emulator/paypal/transactions/{id}/complete"),
        &[],
    );
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(done.json()["transaction"]["status"], "Completed");
    assert_eq!(balance(server, &a.payer.email), "35.00");
    assert_eq!(balance(server, &a.receiver.email), "25.00");
    let details = transaction_details(server, &a.payer, &id);
    assert_eq!(details.get("PAYMENTSTATUS"), Some("Completed"));
    let messages = ipns(server, &id);
    assert_eq!(messages.len(), 2);
    let completed = ipn_fields(&messages[0]);
    assert_eq!(field(&completed, "txn_id"), Some(id.as_str()));
    assert_eq!(field(&completed, "payment_status"), Some("Completed"));
    assert_eq!(field(&completed, "pending_reason"), None);
    let again = server.client().post_form(
        &format!("/_emulator/paypal/transactions/{id}/complete"),
        &[],
    );
    assert_eq!(again.status, 409, "{}", again.body);
    assert_eq!(again.json()["reason"], "not_pending");
}

fn dropped_answer_still_pays_and_replays_with_11607(world: &World) {
    let server = &world.server;
    let a = approved(world, "drop", "50.00", "20.00");
    let r = post_fault(
        server,
        &[
            ("method", "DoExpressCheckoutPayment"),
            ("token", &a.token),
            ("drop", "1"),
        ],
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["drop"], true);
    let (status, body) = send(
        server,
        &do_ec_request(&a.receiver, &a.token, &a.payer_id, "20.00", "d-1"),
    );
    assert_eq!(status, 502, "the answer is lost");
    assert!(body.is_empty(), "{body}");
    assert_eq!(
        balance(server, &a.payer.email),
        "30.00",
        "the work was done"
    );
    assert_eq!(balance(server, &a.receiver.email), "20.00");
    let paid_id = get_ec(server, &a.receiver, &a.token)
        .get("PAYMENTREQUEST_0_TRANSACTIONID")
        .unwrap_or_default()
        .to_string();
    assert_eq!(paid_id.len(), 17);
    // The retry after a lost answer reuses the MSGSUBID (spec §10).
    let replay = do_ec(server, &a.receiver, &a.token, &a.payer_id, "20.00", "d-1");
    assert_eq!(replay.get("ACK"), Some("SuccessWithWarning"));
    assert_eq!(replay.first_error().map(|e| e.code), Some("11607".into()));
    assert_eq!(
        replay.get("PAYMENTINFO_0_TRANSACTIONID"),
        Some(paid_id.as_str())
    );
    assert_eq!(replay.get("PAYMENTINFO_0_PAYMENTSTATUS"), Some("Completed"));
    assert_eq!(replay.get("MSGSUBID"), Some("d-1"));
    assert_eq!(balance(server, &a.payer.email), "30.00", "still paid once");
}

fn ipn_is_queued_like_paypal_and_verified_byte_for_byte(world: &World) {
    let server = &world.server;
    let a = approved(world, "ipn", "80.00", "30.00");
    let paid = do_ec(server, &a.receiver, &a.token, &a.payer_id, "30.00", "i-1");
    let id = paid
        .get("PAYMENTINFO_0_TRANSACTIONID")
        .unwrap_or_default()
        .to_string();
    let messages = ipns(server, &id);
    assert_eq!(messages.len(), 1, "{messages:?}");
    let message = &messages[0];
    assert_eq!(message["txn_id"], id.as_str());
    assert_eq!(message["payment_status"], "Completed");
    assert_eq!(message["notify_url"], NOTIFY_URL);
    assert_eq!(message["delivered"], false);
    let body = message["body"].as_str().unwrap_or_default().to_string();
    // PayPal's IPN encoding: `+` for spaces, upper-case escapes.
    assert!(body.starts_with("mc_gross=30.00&"), "{body}");
    assert!(body.contains("+PST&"), "{body}");
    assert!(body.contains("%3A"), "{body}");
    assert!(body.contains("%40"), "{body}");
    assert!(!body.contains("%3a"), "{body}");
    let fields = ipn_fields(message);
    let expect = [
        ("txn_type", "express_checkout"),
        ("txn_id", id.as_str()),
        ("payment_status", "Completed"),
        ("mc_gross", "30.00"),
        ("mc_fee", "0.00"),
        ("mc_currency", "EUR"),
        ("invoice", "PB-test-7"),
        ("receiver_id", a.receiver.payer_id.as_str()),
        ("receiver_email", a.receiver.email.as_str()),
        ("payer_id", a.payer.payer_id.as_str()),
        ("payer_email", a.payer.email.as_str()),
        ("payment_type", "instant"),
        ("payer_status", "verified"),
        ("charset", "UTF-8"),
        ("notify_version", "3.9"),
        ("residence_country", "US"),
    ];
    for (name, value) in expect {
        assert_eq!(field(&fields, name), Some(value), "{name}: {body}");
    }
    assert!(field(&fields, "verify_sign").is_some_and(|v| v.len() >= 40));
    assert!(field(&fields, "ipn_track_id").is_some_and(|v| !v.is_empty()));
    assert!(
        field(&fields, "payment_date").is_some_and(|d| d.ends_with(" PST") && d.len() == 25),
        "{body}"
    );
    assert_eq!(field(&fields, "pending_reason"), None);

    let verify = |bytes: &str| {
        let r = server.client().post_raw(
            "/_emulator/paypal/ipn-verify",
            "application/x-www-form-urlencoded",
            bytes.as_bytes(),
        );
        assert_eq!(r.status, 200);
        r.body
    };
    assert_eq!(verify(&format!("cmd=_notify-validate&{body}")), "VERIFIED");
    let altered = body.replace("mc_gross=30.00", "mc_gross=31.00");
    assert_eq!(
        verify(&format!("cmd=_notify-validate&{altered}")),
        "INVALID"
    );
    let reencoded = body.replace("%40", "@");
    assert_eq!(
        verify(&format!("cmd=_notify-validate&{reencoded}")),
        "INVALID"
    );
    assert_eq!(verify(&body), "INVALID", "without cmd=_notify-validate");
}

fn later_events_move_money_and_queue_ipns(world: &World) {
    let server = &world.server;
    let a = approved(world, "later", "100.00", "25.00");
    let paid = do_ec(server, &a.receiver, &a.token, &a.payer_id, "25.00", "l-1");
    let id = paid
        .get("PAYMENTINFO_0_TRANSACTIONID")
        .unwrap_or_default()
        .to_string();
    let reverse = |status: &str| {
        server.client().post_form(
            &format!("/_emulator/paypal/transactions/{id}/reverse"),
            &[("status", status)],
        )
    };
    let event_ipn = |r: &Resp, status: &str, reason: &str, gross: &str| {
        let ipn = &r.json()["ipn"];
        assert_eq!(ipn["payment_status"], status);
        let fields = nvp::decode(ipn["body"].as_str().unwrap_or_default()).unwrap_or_default();
        assert_eq!(field(&fields, "payment_status"), Some(status));
        assert_eq!(field(&fields, "parent_txn_id"), Some(id.as_str()));
        assert_eq!(field(&fields, "reason_code"), Some(reason));
        assert_eq!(field(&fields, "mc_gross"), Some(gross));
        assert_eq!(field(&fields, "txn_type"), None);
        let txn_id = field(&fields, "txn_id").unwrap_or_default();
        assert_eq!(txn_id.len(), 17);
        assert_ne!(txn_id, id, "a later event has its own txn_id");
    };

    let r = reverse("Reversed");
    assert_eq!(r.status, 200, "{}", r.body);
    event_ipn(&r, "Reversed", "chargeback", "-25.00");
    assert_eq!(balance(server, &a.payer.email), "100.00");
    assert_eq!(balance(server, &a.receiver.email), "0.00");
    let details = transaction_details(server, &a.receiver, &id);
    assert_eq!(details.get("PAYMENTSTATUS"), Some("Reversed"));
    assert_eq!(details.get("REASONCODE"), Some("chargeback"));
    assert_eq!(reverse("Reversed").status, 409, "already reversed");

    let r = reverse("Canceled_Reversal");
    assert_eq!(r.status, 200, "{}", r.body);
    event_ipn(&r, "Canceled_Reversal", "chargeback", "25.00");
    assert_eq!(balance(server, &a.payer.email), "75.00");
    assert_eq!(balance(server, &a.receiver.email), "25.00");
    assert_eq!(
        transaction_details(server, &a.payer, &id).get("PAYMENTSTATUS"),
        Some("Canceled-Reversal")
    );

    let r = reverse("Refunded");
    assert_eq!(r.status, 200, "{}", r.body);
    event_ipn(&r, "Refunded", "refund", "-25.00");
    assert_eq!(balance(server, &a.payer.email), "100.00");
    assert_eq!(balance(server, &a.receiver.email), "0.00");
    let r = reverse("Canceled_Reversal");
    assert_eq!(r.status, 409, "a refund cannot be cancelled: {}", r.body);
    assert_eq!(r.json()["reason"], "status");
    // Every event of the payment is in the IPN list (3 events + payment).
    assert_eq!(ipns(server, &id).len(), 4);

    let r = reverse("Completed");
    assert_eq!(r.status, 422, "{}", r.body);
    let r = server.client().post_form(
        "/_emulator/paypal/transactions/00000000000000000/reverse",
        &[("status", "Refunded")],
    );
    assert_eq!(r.status, 404);

    // A receiver who spent the money cannot be charged back below zero.
    let b = approved(world, "later-spent", "30.00", "20.00");
    let paid = do_ec(server, &b.receiver, &b.token, &b.payer_id, "20.00", "l-2");
    let paid_id = paid
        .get("PAYMENTINFO_0_TRANSACTIONID")
        .unwrap_or_default()
        .to_string();
    let shop = account(world, "later-shop", "0");
    let spend = set_ec(server, &shop, "15.00");
    let spender = approve(server, &spend, &b.receiver.email);
    assert_success(&do_ec(server, &shop, &spend, &spender, "15.00", "l-3"));
    assert_eq!(balance(server, &b.receiver.email), "5.00");
    let r = server.client().post_form(
        &format!("/_emulator/paypal/transactions/{paid_id}/reverse"),
        &[("status", "Reversed")],
    );
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(r.json()["reason"], "insufficient_funds");
    assert_eq!(balance(server, &b.receiver.email), "5.00");
    assert_eq!(balance(server, &b.payer.email), "10.00");
}

fn checkout_page_speaks_the_buyers_language_and_redirects(world: &World) {
    let server = &world.server;
    let receiver = account(world, "page-rcv", "0");
    let payer = account(world, "page-pay", "50.00");
    let client = server.client();

    let french = set_ec_in(server, &receiver, "12.50", "fr_FR");
    let page = client.get(&checkout_path(&french));
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("PayPal émulé, pas d&#39;argent réel"),
        "banner, in the page's language"
    );
    assert!(page.body.contains("lang=\"fr\""), "{}", page.body);
    assert!(page.body.contains("Payer maintenant"), "{}", page.body);
    assert!(page.body.contains("Bénéficiaire"));
    assert!(page.body.contains("12,50 EUR"), "{}", page.body);
    assert!(page.body.contains(&receiver.email));

    let english = set_ec_in(server, &receiver, "12.50", "en_US");
    let page = client.get(&checkout_path(&english));
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Pay now"));
    assert!(page.body.contains("12.50 EUR"), "{}", page.body);

    // An unknown e-mail: 422, the message in the buyer's language, kept.
    let typed = unique_email("page-nobody");
    let r = client.post_form(
        &checkout_path(&french),
        &[("email", &typed), ("action", "pay")],
    );
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Aucun compte PayPal émulé n"), "{}", r.body);
    assert!(r.body.contains(&format!("value=\"{typed}\"")), "{}", r.body);
    assert!(r.body.contains("PayPal émulé, pas d&#39;argent réel"));

    // Cancel: CANCELURL + token (joined with & after its own query).
    let r = client.post_form(
        &checkout_path(&french),
        &[("email", ""), ("action", "cancel")],
    );
    assert_eq!(r.status, 302);
    assert_eq!(
        r.header("location"),
        Some(format!("{CANCEL_URL}&token={french}").as_str())
    );
    // Pay: RETURNURL + token + PayerID; the approval only.
    let r = client.post_form(
        &checkout_path(&french),
        &[("email", &payer.email.to_uppercase()), ("action", "pay")],
    );
    assert_eq!(r.status, 302, "{}", r.body);
    assert_eq!(
        r.header("location"),
        Some(format!("{RETURN_URL}&token={french}&PayerID={}", payer.payer_id).as_str())
    );
    assert_eq!(balance(server, &payer.email), "50.00");

    // Unknown and paid tokens: 404, still with the banner.
    let r = client.get(&checkout_path("EC-00000000000000000"));
    assert_eq!(r.status, 404);
    assert!(r.body.contains("Emulated PayPal, no real money"));
    assert_success(&do_ec(
        server,
        &receiver,
        &french,
        &payer.payer_id,
        "12.50",
        "pg-1",
    ));
    assert_eq!(client.get(&checkout_path(&french)).status, 404);
}

fn clock_advance_expires_tokens_after_three_hours(world: &World) {
    // The shared server's clock is not moved: sessions, resets and tokens
    // of the other tests would expire.
    let bad = world.server.client().post_form_with(
        "/_emulator/clock",
        &[("advance_seconds", "1.5")],
        &[("Accept", "application/json")],
    );
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert_eq!(bad.json()["field"], "advance_seconds");
    let shown = world.server.client().get_json("/_emulator/clock");
    assert_eq!(shown.status, 200);
    assert!(shown.json()["offset_seconds"].is_i64());

    let state = fresh_state_dir("emulator-clock").expect("state");
    apply_migrations(&state).expect("migrations");
    let server = Server::start(state, &[]).expect("server");
    let receiver = paypal_account(&server, &unique_email("clock-rcv"), "0");
    let payer = paypal_account(&server, &unique_email("clock-pay"), "50.00");
    let token = set_ec(&server, &receiver, "10.00");
    let payer_id = approve(&server, &token, &payer.email);
    assert_success(&get_ec(&server, &receiver, &token));

    for text in ["abc", "1e3", ""] {
        let r = server
            .client()
            .post_form("/_emulator/clock", &[("advance_seconds", text)]);
        assert_eq!(r.status, 422, "{text:?}");
    }
    let r = server
        .client()
        .post_form("/_emulator/clock", &[("advance_seconds", "10801")]);
    assert_eq!(r.status, 200, "{}", r.body);
    let clock = r.json();
    assert_eq!(clock["offset_seconds"], 10_801);
    let now = clock["now"].as_str().unwrap_or_default().to_string();
    assert!(paybook::core::time::UtcTime::parse(&now).is_some(), "{now}");
    assert_eq!(
        server.client().get_json("/_emulator/clock").json()["offset_seconds"],
        10_801
    );

    let expired = get_ec(&server, &receiver, &token);
    assert_refused(
        &expired,
        "10411",
        "This Express Checkout session has expired.",
        "This Express Checkout session has expired.  Token value is no longer valid.",
    );
    let stamp = expired.timestamp().expect("TIMESTAMP");
    let real = paybook::core::time::UtcTime::parse(&now).expect("now");
    assert!(
        stamp.unix_seconds() >= real.unix_seconds(),
        "answers carry the emulator's time"
    );
    assert_refused(
        &do_ec(&server, &receiver, &token, &payer_id, "10.00", "c-1"),
        "10411",
        "This Express Checkout session has expired.",
        "This Express Checkout session has expired.  Token value is no longer valid.",
    );
    assert_eq!(server.client().get(&checkout_path(&token)).status, 404);
    assert_eq!(balance(&server, &payer.email), "50.00");
    // A new token is valid again; an advance beyond 32 bits is fine.
    let fresh = set_ec(&server, &receiver, "10.00");
    assert_success(&get_ec(&server, &receiver, &fresh));
    let r = server
        .client()
        .post_form("/_emulator/clock", &[("advance_seconds", "3000000000")]);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["offset_seconds"], 3_000_010_801_i64);
}

fn emulator_routes_are_404_in_sandbox(_world: &World) {
    let state = fresh_state_dir("emulator-sandbox").expect("state");
    apply_migrations(&state).expect("migrations");
    let server = Server::start(
        state,
        &[
            ("PSP_MODE", "sandbox"),
            ("SESSION_SECRET", "test-session-secret-0123456789abcdef"),
            ("CREDENTIALS_KEY", "test-credentials-key-0123456789abcdef"),
            ("PASSWORD_PEPPER", "test-password-pepper-0123456789abcdef"),
        ],
    )
    .expect("server");
    let client = server.client();
    for path in [
        "/_emulator/paypal/checkout?cmd=_express-checkout&token=EC-00000000000000000",
        "/_emulator/paypal/faults",
        "/_emulator/paypal/ipn",
        "/_emulator/paypal/transactions/00000000000000000",
        "/_emulator/clock",
    ] {
        assert_eq!(client.get(path).status, 404, "GET {path}");
    }
    for path in [
        "/_emulator/paypal/checkout?token=EC-00000000000000000",
        "/_emulator/paypal/faults",
        "/_emulator/paypal/ipn-verify",
        "/_emulator/paypal/transactions/00000000000000000/complete",
        "/_emulator/paypal/transactions/00000000000000000/reverse",
        "/_emulator/clock",
    ] {
        let r = client.post_form(path, &[("advance_seconds", "10")]);
        assert_eq!(r.status, 404, "POST {path}");
    }
    assert_eq!(delete(&server, "/_emulator/paypal/faults").status, 404);
}

// ---------------------------------------------------------------------------
// The guarded batches themselves, on SQLite (no server): the HTTP race above
// may or may not overlap; here the second payment always finds the first.
// ---------------------------------------------------------------------------

/// Runs a batch as D1 does: one transaction, all or nothing.
fn run_batch(conn: &mut rusqlite::Connection, batch: &[Stmt]) -> Result<(), String> {
    let tx = conn.transaction().map_err(|e| e.to_string())?;
    for stmt in batch {
        let params: Vec<rusqlite::types::Value> = stmt
            .params
            .iter()
            .map(|p| match p {
                Param::Null => rusqlite::types::Value::Null,
                Param::Int(i) => rusqlite::types::Value::Integer(*i),
                Param::Text(t) => rusqlite::types::Value::Text(t.clone()),
            })
            .collect();
        let mut prepared = tx.prepare(stmt.sql).map_err(|e| e.to_string())?;
        let mut rows = prepared
            .query(rusqlite::params_from_iter(params))
            .map_err(|e| format!("{}: {e}", stmt.sql))?;
        while rows
            .next()
            .map_err(|e| format!("{}: {e}", stmt.sql))?
            .is_some()
        {}
    }
    tx.commit().map_err(|e| e.to_string())
}

fn scalar(conn: &rusqlite::Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).expect(sql)
}

fn text(conn: &rusqlite::Connection, sql: &str) -> String {
    conn.query_row(sql, [], |r| r.get(0)).expect(sql)
}

fn balance_of(conn: &rusqlite::Connection, email: &str) -> i64 {
    conn.query_row(
        "SELECT balance_cents FROM emulator_accounts WHERE email = ?1",
        [email],
        |r| r.get(0),
    )
    .expect("account")
}

const NOW: &str = "2026-01-01T12:00:00Z";

fn ipn_row<'a>(txn_id: &'a str, body: &'a str) -> sql_emulator::NewIpn<'a> {
    sql_emulator::NewIpn {
        txn_id,
        parent_txn_id: None,
        payment_status: "Completed",
        notify_url: None,
        body,
        body_sha256: "0",
        now: NOW,
    }
}

fn payment<'a>(
    id: &'a str,
    token: &'a str,
    payer: i64,
    cents: i64,
    settled: bool,
) -> sql_emulator::PaymentRecord<'a> {
    sql_emulator::PaymentRecord {
        transaction: sql_emulator::NewTransaction {
            id,
            token,
            payer_account_id: payer,
            receiver_account_id: 1,
            amount_cents: cents,
            currency: "EUR",
            invnum: None,
            custom: None,
            notify_url: None,
            locale_code: None,
            status: if settled { "Completed" } else { "Pending" },
            pending_reason: if settled { "None" } else { "paymentreview" },
            settled,
            now: NOW,
        },
        msgsubid: Some(id),
        answer: "[]",
        ipn: ipn_row(id, id),
    }
}

fn money_batches_are_guarded_all_or_nothing_on_sqlite(_world: &World) {
    let mut conn = rusqlite::Connection::open_in_memory().expect("db");
    let schema =
        std::fs::read_to_string(crate::harness::root().join("schema.sql")).expect("schema");
    conn.execute_batch(&schema).expect("schema applies");
    for (email, cents) in [("seller@x.org", 0), ("payer@x.org", 5_000)] {
        let account = sql_emulator::NewAccount {
            email,
            payer_id: &email[..5].to_uppercase(),
            api_username: email,
            api_password: "p",
            api_signature: "s",
            balance_cents: cents,
            currency: "EUR",
            now: NOW,
        };
        run_batch(&mut conn, &[sql_emulator::create(&account)]).expect("account");
    }
    let checkout = |token: &'static str| sql_emulator::NewCheckout {
        token,
        receiver_account_id: 1,
        amount_cents: 3_000,
        currency: "EUR",
        invnum: None,
        custom: None,
        notify_url: None,
        return_url: "https://r",
        cancel_url: "https://c",
        locale_code: None,
        now: NOW,
    };
    let (first, second) = ("EC-AAAAAAAAAAAAAAAAA", "EC-BBBBBBBBBBBBBBBBB");
    for token in [first, second] {
        run_batch(
            &mut conn,
            &[
                sql_emulator::insert_checkout(&checkout(token)),
                sql_emulator::approve_checkout(token, "payer@x.org", NOW, "2026-01-01T09:00:00Z"),
            ],
        )
        .expect("approved checkout");
    }

    let (batch, _) =
        sql_emulator::record_payment(&payment("TXN00000000000001", first, 2, 3_000, true));
    run_batch(&mut conn, &batch).expect("the first payment");
    assert_eq!(balance_of(&conn, "payer@x.org"), 2_000);
    assert_eq!(balance_of(&conn, "seller@x.org"), 3_000);

    // The loser of a race: the checkout is completed, the guard aborts all.
    let (batch, _) =
        sql_emulator::record_payment(&payment("TXN00000000000002", first, 2, 3_000, true));
    let error = run_batch(&mut conn, &batch).expect_err("a second payment of one token");
    assert!(error.contains("guard"), "{error}");
    assert_eq!(balance_of(&conn, "payer@x.org"), 2_000);
    assert_eq!(balance_of(&conn, "seller@x.org"), 3_000);
    assert_eq!(
        scalar(&conn, "SELECT COUNT(*) FROM emulator_transactions"),
        1
    );
    assert_eq!(
        scalar(&conn, "SELECT COUNT(*) FROM emulator_ipn_messages"),
        1
    );

    // Funds gone meanwhile: the debit guard aborts, the checkout stays approved.
    let (batch, _) =
        sql_emulator::record_payment(&payment("TXN00000000000003", second, 2, 3_000, true));
    assert!(run_batch(&mut conn, &batch).is_err());
    assert_eq!(
        text(
            &conn,
            &format!("SELECT status FROM emulator_checkouts WHERE token = '{second}'")
        ),
        "approved"
    );
    assert_eq!(balance_of(&conn, "payer@x.org"), 2_000);

    // Pending moves nothing; completing it later needs the payer's funds.
    let (batch, _) =
        sql_emulator::record_payment(&payment("TXN00000000000004", second, 2, 3_000, false));
    run_batch(&mut conn, &batch).expect("a pending payment");
    assert_eq!(balance_of(&conn, "payer@x.org"), 2_000);
    let event = |id: &'static str, from: &'static str, to: &'static str, giver: i64, taker: i64| {
        sql_emulator::record_event(&sql_emulator::EventRecord {
            transaction_id: id,
            from_status: from,
            to_status: to,
            reason_code: "None",
            settled: taker == 1,
            giver_account_id: giver,
            taker_account_id: taker,
            amount_cents: 3_000,
            refunded_cents: (0, 0),
            now: NOW,
            ipn: ipn_row(id, to),
        })
        .0
    };
    assert!(run_batch(
        &mut conn,
        &event("TXN00000000000004", "Pending", "Completed", 2, 1)
    )
    .is_err());
    assert_eq!(
        text(
            &conn,
            "SELECT status FROM emulator_transactions WHERE id = 'TXN00000000000004'"
        ),
        "Pending"
    );
    // A reversal applies once: the second finds the status changed.
    run_batch(
        &mut conn,
        &event("TXN00000000000001", "Completed", "Reversed", 1, 2),
    )
    .expect("reversal");
    assert_eq!(balance_of(&conn, "payer@x.org"), 5_000);
    assert_eq!(balance_of(&conn, "seller@x.org"), 0);
    assert!(run_batch(
        &mut conn,
        &event("TXN00000000000001", "Completed", "Reversed", 1, 2)
    )
    .is_err());
    assert_eq!(balance_of(&conn, "payer@x.org"), 5_000);
    assert!(scalar(&conn, "SELECT MIN(balance_cents) FROM emulator_accounts") >= 0);
}
