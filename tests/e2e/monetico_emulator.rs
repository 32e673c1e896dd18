//! The Monetico emulator on its own, over HTTP: merchants (JSON), a form
//! sealed as the adapter seals it (`core::psp::monetico::form`) posted to
//! `paiement.cgi`, the card page's decision and its redirect, capture and
//! recredit calls sealed with `core::psp::monetico::capture` and read with
//! its answer reader, the merchant's balance, and the one-shot faults.
//! Each test has its own merchant (a unique e-mail), so tests share the
//! server.

use paybook::core::i18n::Lang;
use paybook::core::money::Currency;
use paybook::core::psp::monetico::amount::WireAmount;
use paybook::core::psp::monetico::capture::{
    capture_fields, read_answer, recredit_fields, CallOutcome, CaptureSplit, OrderAtBank, Recredit,
};
use paybook::core::psp::monetico::form::{payment_fields, PaymentRequest};
use paybook::core::psp::monetico::key::UsableKey;
use paybook::core::time::UtcTime;

use crate::emulator::delete;
use crate::harness::{unique_email, Client, Resp};
use crate::{Test, World};

pub fn tests() -> Vec<Test> {
    vec![
        (
            "monetico_emulator::accounts_answer_json_and_the_same_merchant_for_a_known_email",
            accounts_answer_json_and_the_same_merchant_for_a_known_email,
        ),
        (
            "monetico_emulator::a_sealed_form_shows_the_card_page_and_a_reused_reference_is_refused",
            a_sealed_form_shows_the_card_page_and_a_reused_reference_is_refused,
        ),
        (
            "monetico_emulator::a_form_with_a_bad_mac_gets_the_error_page_and_records_nothing",
            a_form_with_a_bad_mac_gets_the_error_page_and_records_nothing,
        ),
        (
            "monetico_emulator::a_paid_card_is_captured_once_then_recredited_moving_the_balance",
            a_paid_card_is_captured_once_then_recredited_moving_the_balance,
        ),
        (
            "monetico_emulator::a_refused_card_returns_to_url_err_and_cannot_be_captured",
            a_refused_card_returns_to_url_err_and_cannot_be_captured,
        ),
        (
            "monetico_emulator::faults_are_one_shot_listed_and_cleared",
            faults_are_one_shot_listed_and_cleared,
        ),
    ]
}

const JSON: (&str, &str) = ("Accept", "application/json");

/// A merchant as the emulator's accounts answer it.
struct Merchant {
    tpe: String,
    societe: String,
    cle: String,
}

fn merchant(client: &Client, email: &str) -> Merchant {
    let r = client.post_form_with("/_emulator/monetico/accounts", &[("email", email)], &[JSON]);
    assert_eq!(r.status, 201, "{}", r.body);
    let j = r.json();
    let text = |name: &str| j[name].as_str().unwrap_or_default().to_string();
    Merchant {
        tpe: text("monetico_tpe"),
        societe: text("monetico_societe"),
        cle: text("monetico_key"),
    }
}

fn key(m: &Merchant) -> UsableKey {
    UsableKey::derive(&m.cle).expect("the emulator's key derives")
}

fn encode(fields: &[(&str, String)]) -> String {
    serde_urlencoded::to_string(fields).expect("urlencoded")
}

fn ordered_at() -> UtcTime {
    UtcTime::parse("2026-01-05T10:00:00Z").expect("utc")
}

/// Posts the merchant's sealed form (12.30 EUR) as the browser would.
fn post_form(world: &World, client: &Client, m: &Merchant, reference: &str, cle: &str) -> Resp {
    let base = &world.server.base_url;
    let (url_ok, url_err) = (format!("{base}/done?ok=1"), format!("{base}/done?ok=0"));
    let request = PaymentRequest {
        tpe: &m.tpe,
        societe: &m.societe,
        reference,
        amount: WireAmount::new(1230, Currency::EUR),
        at: ordered_at(),
        lang: Lang::En,
        mail: Some("buyer@example.org"),
        url_ok: &url_ok,
        url_err: &url_err,
        contexte_commande: Some(r#"{"billing":{"country":"FR"}}"#),
    };
    let key = UsableKey::derive(cle).expect("key");
    let body = encode(&payment_fields(&request, &key).expect("fields"));
    client.post_raw(
        "/_emulator/monetico/paiement.cgi",
        "application/x-www-form-urlencoded",
        body.as_bytes(),
    )
}

/// The card page's form target.
fn card_action(page: &Resp) -> String {
    let start = page
        .body
        .find("/_emulator/monetico/card/")
        .unwrap_or_else(|| panic!("no card form: {}", page.body));
    page.body[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_string()
}

fn reference(prefix: &str) -> String {
    let email = unique_email(prefix);
    let id: String = email
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(40)
        .collect();
    id
}

fn order<'a>(m: &'a Merchant, reference: &'a str) -> OrderAtBank<'a> {
    OrderAtBank {
        tpe: &m.tpe,
        societe: &m.societe,
        reference,
        amount: WireAmount::new(1230, Currency::EUR),
        ordered_at: ordered_at(),
        lang: Lang::En,
    }
}

fn capture(client: &Client, m: &Merchant, reference: &str, split: CaptureSplit) -> Resp {
    let at = UtcTime::parse("2026-01-05T10:05:00Z").expect("utc");
    let fields = capture_fields(&order(m, reference), split, at, &key(m)).expect("fields");
    client.post_raw(
        "/_emulator/monetico/capture_paiement.cgi",
        "application/x-www-form-urlencoded",
        encode(&fields).as_bytes(),
    )
}

fn recredit(client: &Client, m: &Merchant, reference: &str, cents: i64) -> Resp {
    let at = UtcTime::parse("2026-01-06T10:00:00Z").expect("utc");
    let refund = Recredit {
        captured_at: at,
        authorization: "000000",
        cents,
        refundable: 1230,
    };
    let fields = recredit_fields(&order(m, reference), &refund, at, &key(m)).expect("fields");
    client.post_raw(
        "/_emulator/monetico/recredit_paiement.cgi",
        "application/x-www-form-urlencoded",
        encode(&fields).as_bytes(),
    )
}

fn outcome(r: &Resp) -> CallOutcome {
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.header("content-type")
            .unwrap_or("")
            .starts_with("text/plain"),
        "{:?}",
        r.headers
    );
    read_answer(&r.body).unwrap_or_else(|e| panic!("{e}: {}", r.body))
}

fn balance(client: &Client, email: &str) -> String {
    let r = client.get_json(&format!("/_emulator/monetico/accounts?email={email}"));
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["balance"].as_str().unwrap_or_default().to_string()
}

fn whole() -> CaptureSplit {
    CaptureSplit::whole(WireAmount::new(1230, Currency::EUR))
}

fn accounts_answer_json_and_the_same_merchant_for_a_known_email(world: &World) {
    let client = world.server.client();
    let email = unique_email("mon-acct");
    let first = merchant(&client, &email);
    assert_eq!(first.tpe.len(), 7);
    assert_eq!(first.cle.len(), 40);
    assert!(!first.societe.is_empty());
    let again = client.post_form_with(
        "/_emulator/monetico/accounts",
        &[("email", &email)],
        &[JSON],
    );
    assert_eq!(again.status, 200);
    let j = again.json();
    assert_eq!(j["email"], email.as_str());
    assert_eq!(j["monetico_tpe"], first.tpe.as_str());
    assert_eq!(j["monetico_key"], first.cle.as_str());
    assert_eq!(j["balance"], "0.00");
    assert_eq!(balance(&client, &email), "0.00");
    let unknown = client.get_json("/_emulator/monetico/accounts?email=nobody%40example.org");
    assert_eq!(unknown.status, 404);
    let bad = client.post_form_with("/_emulator/monetico/accounts", &[("email", "x")], &[JSON]);
    assert_eq!(bad.status, 422);
    let page = client.get("/_emulator/monetico/accounts");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("banner emulator"), "{}", page.body);
}

fn a_sealed_form_shows_the_card_page_and_a_reused_reference_is_refused(world: &World) {
    let client = world.server.client();
    let m = merchant(&client, &unique_email("mon-form"));
    let reference = reference("form");
    let page = post_form(world, &client, &m, &reference, &m.cle);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("banner emulator"), "{}", page.body);
    assert!(page.body.contains("12.30"), "{}", page.body);
    assert!(page.body.contains(&m.societe), "{}", page.body);
    assert!(page.body.contains("name=\"card_number\""), "{}", page.body);
    let again = client.get(&card_action(&page));
    assert_eq!(again.status, 200);
    let reused = post_form(world, &client, &m, &reference, &m.cle);
    assert_eq!(reused.status, 400, "{}", reused.body);
    assert!(reused.body.contains("already used"), "{}", reused.body);
}

fn a_form_with_a_bad_mac_gets_the_error_page_and_records_nothing(world: &World) {
    let client = world.server.client();
    let m = merchant(&client, &unique_email("mon-mac"));
    let reference = reference("mac");
    let forged = "0123456789ABCDEF0123456789ABCDEF01234567";
    let refused = post_form(world, &client, &m, &reference, forged);
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(refused.body.contains("MAC"), "{}", refused.body);
    assert!(!refused.body.contains("card_number"), "{}", refused.body);
    // Nothing was recorded: the reference is still free.
    assert_eq!(
        post_form(world, &client, &m, &reference, &m.cle).status,
        200
    );
    let unsealed = client.post_raw(
        "/_emulator/monetico/paiement.cgi",
        "application/x-www-form-urlencoded",
        b"TPE=1234567&montant=1EUR",
    );
    assert_eq!(unsealed.status, 400);
}

fn a_paid_card_is_captured_once_then_recredited_moving_the_balance(world: &World) {
    let client = world.server.client();
    let email = unique_email("mon-pay");
    let m = merchant(&client, &email);
    let reference = reference("pay");
    let page = post_form(world, &client, &m, &reference, &m.cle);
    let action = card_action(&page);
    let bad = client.post_form(
        &action,
        &[("card_number", "4000000000000001"), ("action", "pay")],
    );
    assert_eq!(bad.status, 422, "{}", bad.body);
    let paid = client.post_form(
        &action,
        &[("card_number", "4000 0000 0000 0002"), ("action", "pay")],
    );
    assert_eq!(paid.status, 303, "{}", paid.body);
    let base = &world.server.base_url;
    assert_eq!(
        paid.header("location"),
        Some(format!("{base}/done?ok=1").as_str())
    );
    let listed = client.get_json(&format!(
        "/_emulator/monetico/notifications?tpe={}&reference={reference}",
        m.tpe
    ));
    let body = listed.json()["notifications"][0]["body"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(body.contains("code-retour=payetest"), "{}", listed.body);
    assert_eq!(
        balance(&client, &email),
        "0.00",
        "an authorization moves no money"
    );
    assert!(matches!(
        outcome(&capture(&client, &m, &reference, whole())),
        CallOutcome::Accepted { aut: Some(_), .. }
    ));
    assert_eq!(balance(&client, &email), "12.30");
    assert!(matches!(
        outcome(&capture(&client, &m, &reference, whole())),
        CallOutcome::AlreadyDone { .. }
    ));
    assert_eq!(balance(&client, &email), "12.30");
    assert!(matches!(
        outcome(&recredit(&client, &m, &reference, 1000)),
        CallOutcome::Accepted { .. }
    ));
    assert_eq!(balance(&client, &email), "2.30");
    assert!(matches!(
        outcome(&recredit(&client, &m, &reference, 231)),
        CallOutcome::Declined { .. }
    ));
    assert_eq!(client.post_form(&action, &[("action", "pay")]).status, 404);
}

fn a_refused_card_returns_to_url_err_and_cannot_be_captured(world: &World) {
    let client = world.server.client();
    let email = unique_email("mon-refuse");
    let m = merchant(&client, &email);
    let reference = reference("refuse");
    let page = post_form(world, &client, &m, &reference, &m.cle);
    let refused = client.post_form(&card_action(&page), &[("action", "refuse")]);
    assert_eq!(refused.status, 303, "{}", refused.body);
    let base = &world.server.base_url;
    assert_eq!(
        refused.header("location"),
        Some(format!("{base}/done?ok=0").as_str())
    );
    assert!(matches!(
        outcome(&capture(&client, &m, &reference, whole())),
        CallOutcome::Declined { .. }
    ));
    assert!(matches!(
        outcome(&capture(&client, &m, &reference, CaptureSplit::RELEASE)),
        CallOutcome::Declined { .. }
    ));
    assert_eq!(balance(&client, &email), "0.00");
}

fn faults_are_one_shot_listed_and_cleared(world: &World) {
    let client = world.server.client();
    let email = unique_email("mon-fault");
    let m = merchant(&client, &email);
    let reference = reference("fault");
    let page = post_form(world, &client, &m, &reference, &m.cle);
    let paid = client.post_form(
        &card_action(&page),
        &[("card_number", "4000000000000002"), ("action", "pay")],
    );
    assert_eq!(paid.status, 303);
    let bad = client.post_form("/_emulator/monetico/faults", &[("method", "capture")]);
    assert_eq!(bad.status, 422);
    assert_eq!(bad.json()["field"], "drop");
    let set = client.post_form(
        "/_emulator/monetico/faults",
        &[("method", "capture"), ("drop", "1"), ("tpe", &m.tpe)],
    );
    assert_eq!(set.status, 201, "{}", set.body);
    let listed = client.get_json(&format!("/_emulator/monetico/faults?tpe={}", m.tpe));
    assert_eq!(listed.json()["faults"].as_array().map(Vec::len), Some(1));
    let lost = capture(&client, &m, &reference, whole());
    assert_eq!((lost.status, lost.body.as_str()), (502, ""));
    assert_eq!(balance(&client, &email), "12.30", "the work was done");
    assert!(matches!(
        outcome(&capture(&client, &m, &reference, whole())),
        CallOutcome::AlreadyDone { .. }
    ));
    client.post_form(
        "/_emulator/monetico/faults",
        &[("method", "recredit"), ("cdr", "0"), ("tpe", &m.tpe)],
    );
    let cleared = delete(
        &world.server,
        &format!("/_emulator/monetico/faults?tpe={}", m.tpe),
    );
    assert_eq!(cleared.json()["cleared"], 1);
    assert!(matches!(
        outcome(&recredit(&client, &m, &reference, 1230)),
        CallOutcome::Accepted { .. }
    ));
}
