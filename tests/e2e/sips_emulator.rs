//! The Worldline Sips emulator on its own, over HTTP: merchants (JSON),
//! `paymentInit` with a request the platform's own wire module seals
//! (`core::psp::sips::data::paypage_form`), Sips' error page for a bad
//! seal (`34`), the card page's decision and the manual response posted
//! back, Office over HTTP (a sealed `validate` raising the settlement
//! balance, a sealed `getTransactionData`), and one-shot faults. Every
//! automatic response here is addressed outside PayBook, so none reaches
//! the platform.

use paybook::core::i18n::Lang;
use paybook::core::money::{Amount, Currency};
use paybook::core::psp::sips::codes::{OfficeVerdict, ResponseCode};
use paybook::core::psp::sips::data::{paypage_form, PaypageForm, PaypageRequest};
use paybook::core::psp::sips::office::{
    read_answer, sealed_body, CashManagementAnswer, CashManagementRequest, Operation,
    TransactionDataAnswer, TransactionDataRequest, TransactionStatus,
};
use paybook::core::psp::sips::response::{read_response, ResponseMessage};
use paybook::core::psp::sips::seal::SealAlgorithm;

use crate::harness::{unique_email, Client, Resp};
use crate::{Test, World};

pub fn tests() -> Vec<Test> {
    vec![
        (
            "sips_emulator::a_merchant_is_created_once_per_email_with_json_credentials",
            a_merchant_is_created_once_per_email_with_json_credentials,
        ),
        (
            "sips_emulator::a_tampered_seal_is_refused_with_34_and_nothing_is_recorded",
            a_tampered_seal_is_refused_with_34_and_nothing_is_recorded,
        ),
        (
            "sips_emulator::a_paid_card_posts_a_sealed_response_back_and_validate_raises_the_balance",
            a_paid_card_posts_a_sealed_response_back_and_validate_raises_the_balance,
        ),
        (
            "sips_emulator::an_invalid_card_number_shows_the_page_again_and_a_reused_reference_is_94",
            an_invalid_card_number_shows_the_page_again_and_a_reused_reference_is_94,
        ),
        (
            "sips_emulator::an_office_fault_is_one_shot_and_scoped_to_its_merchant",
            an_office_fault_is_one_shot_and_scoped_to_its_merchant,
        ),
    ]
}

const JSON: (&str, &str) = ("Accept", "application/json");

/// An emulated merchant, as its JSON gives it.
struct Merchant {
    email: String,
    merchant_id: String,
    secret_key: String,
}

fn merchant(client: &Client, email: &str) -> (u16, Merchant) {
    let r = client.post_form_with("/_emulator/sips/accounts", &[("email", email)], &[JSON]);
    assert!(
        r.status == 201 || r.status == 200,
        "{} {}",
        r.status,
        r.body
    );
    let j = r.json();
    assert_eq!(j["sips_key_version"], 1);
    let s = |k: &str| j[k].as_str().unwrap_or_default().to_owned();
    (
        r.status,
        Merchant {
            email: s("email"),
            merchant_id: s("sips_merchant_id"),
            secret_key: s("sips_secret_key"),
        },
    )
}

fn balance(client: &Client, m: &Merchant) -> String {
    let r = client.get_json(&format!("/_emulator/sips/accounts?email={}", m.email));
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["balance"].as_str().unwrap_or_default().to_owned()
}

fn form(world: &World, m: &Merchant, reference: &str, cents: i64) -> PaypageForm {
    let normal = format!("{}/psp/sips/return", world.server.base_url);
    let request = PaypageRequest {
        merchant_id: &m.merchant_id,
        key_version: 1,
        amount: Amount::from_cents(cents).unwrap(),
        currency: Currency::parse("EUR").unwrap(),
        transaction_reference: reference,
        normal_return_url: &normal,
        automatic_response_url: "https://shop.example/sips/automatic",
        capture_day: 6,
        lang: Lang::En,
    };
    paypage_form(&request, &m.secret_key).unwrap()
}

fn payment_init(client: &Client, f: &PaypageForm, seal: &str) -> Resp {
    client.post_form(
        "/_emulator/sips/paymentInit",
        &[
            ("Data", f.data.as_str()),
            ("InterfaceVersion", f.interface_version),
            ("Seal", seal),
            ("SealAlgorithm", f.seal_algorithm),
        ],
    )
}

fn unescape(html: &str) -> String {
    html.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#61;", "=")
        .replace("&amp;", "&")
}

/// The value of the input named `name` in a page.
fn input(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("{name} in {page}"))
        + marker.len();
    let end = page[start..].find('"').unwrap() + start;
    unescape(&page[start..end])
}

fn reference() -> String {
    unique_email("r")
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(30)
        .collect()
}

fn office(client: &Client, op: Operation, body: &str) -> Resp {
    client.post_raw(
        &format!("/_emulator/sips/office/{}", op.path()),
        "application/json",
        body.as_bytes(),
    )
}

fn cash(
    client: &Client,
    m: &Merchant,
    op: Operation,
    reference: &str,
    cents: i64,
) -> CashManagementAnswer {
    let request = CashManagementRequest {
        currency_code: "978".into(),
        interface_version: "CR_WS_2.27".into(),
        key_version: 1,
        merchant_id: m.merchant_id.clone(),
        operation_amount: cents,
        operation_origin: "e2e".into(),
        transaction_reference: reference.into(),
    };
    let r = office(client, op, &sealed_body(&request, &m.secret_key).unwrap());
    assert_eq!(r.status, 200, "{}", r.body);
    read_answer::<CashManagementAnswer>(&r.body, &m.secret_key)
        .expect("sealed with the merchant's key")
        .answer
}

fn a_merchant_is_created_once_per_email_with_json_credentials(world: &World) {
    let client = world.server.client();
    let email = unique_email("sips-merchant");
    let (created, m) = merchant(&client, &email);
    assert_eq!(created, 201);
    assert_eq!(m.merchant_id.len(), 15);
    assert!(m.merchant_id.bytes().all(|b| b.is_ascii_digit()));
    assert!(m.secret_key.len() >= 32);
    let (again, same) = merchant(&client, &email);
    assert_eq!((again, same.merchant_id), (200, m.merchant_id.clone()));
    assert_eq!(balance(&client, &m), "0.00");
    let page = client.get(&format!("/_emulator/sips/accounts?email={email}"));
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&m.merchant_id));
    let bad = client.post_form_with("/_emulator/sips/accounts", &[("email", "nope")], &[JSON]);
    assert_eq!(bad.status, 422);
}

fn a_tampered_seal_is_refused_with_34_and_nothing_is_recorded(world: &World) {
    let client = world.server.client();
    let (_, m) = merchant(&client, &unique_email("sips-seal"));
    let reference = reference();
    let f = form(world, &m, &reference, 1234);
    let mut tampered = f.seal.clone();
    tampered.replace_range(0..1, if f.seal.starts_with('0') { "1" } else { "0" });
    let refused = payment_init(&client, &f, &tampered);
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(refused.body.contains("34"), "{}", refused.body);
    let json = client.post_form_with(
        "/_emulator/sips/paymentInit",
        &[
            ("Data", f.data.as_str()),
            ("InterfaceVersion", f.interface_version),
            ("Seal", tampered.as_str()),
        ],
        &[JSON],
    );
    assert_eq!(json.json()["response_code"], "34");
    let request = TransactionDataRequest {
        interface_version: "CR_WS_2.27".into(),
        key_version: 1,
        merchant_id: m.merchant_id.clone(),
        transaction_reference: reference,
    };
    let r = office(
        &client,
        Operation::GetTransactionData,
        &sealed_body(&request, &m.secret_key).unwrap(),
    );
    let read = read_answer::<TransactionDataAnswer>(&r.body, &m.secret_key).expect("sealed");
    assert_eq!(
        read.verdict,
        OfficeVerdict::NotFound,
        "nothing recorded as a payment"
    );
}

fn a_paid_card_posts_a_sealed_response_back_and_validate_raises_the_balance(world: &World) {
    let client = world.server.client();
    let (_, m) = merchant(&client, &unique_email("sips-pay"));
    let reference = reference();
    let f = form(world, &m, &reference, 1234);
    let page = payment_init(&client, &f, &f.seal);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("12.34 EUR") && page.body.contains("Emulated Worldline Sips"));
    let token = input(&page.body, "token");
    let back = client.post_form(
        "/_emulator/sips/card",
        &[
            ("token", token.as_str()),
            ("card_number", "4111 1111 1111 1111"),
            ("action", "pay"),
        ],
    );
    assert_eq!(back.status, 200, "{}", back.body);
    assert!(
        back.body.contains(&format!(
            "action=\"{}/psp/sips/return\"",
            world.server.base_url
        )) || unescape(&back.body).contains(&format!(
            "action=\"{}/psp/sips/return\"",
            world.server.base_url
        ))
    );
    assert!(back.body.contains("/static/autosubmit.js") && back.body.contains("data-autosubmit"));
    let (data, seal) = (input(&back.body, "Data"), input(&back.body, "Seal"));
    let message = ResponseMessage {
        data: &data,
        seal: &seal,
        encode: "",
    };
    let response =
        read_response(&message, SealAlgorithm::HmacSha256, &m.secret_key).expect("sealed");
    assert_eq!(response.response_code, ResponseCode::Accepted);
    assert_eq!(
        response.transaction_reference.as_deref(),
        Some(reference.as_str())
    );
    assert_eq!(balance(&client, &m), "0.00", "authorized only");
    let validated = cash(&client, &m, Operation::Validate, &reference, 1234);
    assert_eq!(validated.response_code, ResponseCode::Accepted);
    assert_eq!(balance(&client, &m), "12.34");
    let request = TransactionDataRequest {
        interface_version: "CR_WS_2.27".into(),
        key_version: 1,
        merchant_id: m.merchant_id.clone(),
        transaction_reference: reference.clone(),
    };
    let r = office(
        &client,
        Operation::GetTransactionData,
        &sealed_body(&request, &m.secret_key).unwrap(),
    );
    assert!(r.json()["seal"].is_string(), "{}", r.body);
    let read = read_answer::<TransactionDataAnswer>(&r.body, &m.secret_key)
        .expect("sealed")
        .answer;
    // Validated, remitted at the end of the emulator's day.
    assert_eq!(read.transaction_status, Some(TransactionStatus::ToCapture));
    assert_eq!(read.origin_amount, Amount::from_cents(1234));
    let again = cash(&client, &m, Operation::Validate, &reference, 1234);
    assert_eq!(again.response_code, ResponseCode::NotAuthorised);
    let listed = client.get_json(&format!(
        "/_emulator/sips/responses?transaction_reference={reference}"
    ));
    assert_eq!(
        listed.json()["responses"][0]["status"],
        "queued",
        "{}",
        listed.body
    );
}

fn an_invalid_card_number_shows_the_page_again_and_a_reused_reference_is_94(world: &World) {
    let client = world.server.client();
    let (_, m) = merchant(&client, &unique_email("sips-card"));
    let reference = reference();
    let f = form(world, &m, &reference, 500);
    let token = input(&payment_init(&client, &f, &f.seal).body, "token");
    let bad = client.post_form(
        "/_emulator/sips/card",
        &[
            ("token", token.as_str()),
            ("card_number", "4111 1111 1111 1112"),
            ("action", "pay"),
        ],
    );
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains("Luhn"));
    let canceled = client.post_form(
        "/_emulator/sips/card",
        &[
            ("token", token.as_str()),
            ("card_number", ""),
            ("action", "cancel"),
        ],
    );
    assert_eq!(canceled.status, 200, "{}", canceled.body);
    assert!(input(&canceled.body, "Data").contains("responseCode=17"));
    let reused = payment_init(&client, &f, &f.seal);
    assert_eq!(reused.status, 400);
    assert!(reused.body.contains("94"), "{}", reused.body);
}

fn an_office_fault_is_one_shot_and_scoped_to_its_merchant(world: &World) {
    let client = world.server.client();
    let (_, m) = merchant(&client, &unique_email("sips-fault"));
    let reference = reference();
    let f = form(world, &m, &reference, 700);
    let token = input(&payment_init(&client, &f, &f.seal).body, "token");
    let card = [
        ("token", token.as_str()),
        ("card_number", "4111111111111111"),
        ("action", "pay"),
    ];
    assert_eq!(client.post_form("/_emulator/sips/card", &card).status, 200);
    let fault = client.post_form(
        "/_emulator/sips/faults",
        &[
            ("method", "validate"),
            ("response_code", "90"),
            ("merchant_id", m.merchant_id.as_str()),
        ],
    );
    assert_eq!(fault.status, 201, "{}", fault.body);
    let listed = client.get_json(&format!(
        "/_emulator/sips/faults?merchant_id={}",
        m.merchant_id
    ));
    assert_eq!(listed.json()["faults"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        cash(&client, &m, Operation::Validate, &reference, 700).response_code,
        ResponseCode::ServiceUnavailable
    );
    assert_eq!(balance(&client, &m), "0.00");
    assert_eq!(
        cash(&client, &m, Operation::Validate, &reference, 700).response_code,
        ResponseCode::Accepted
    );
    assert_eq!(balance(&client, &m), "7.00");
    let invalid = client.post_form(
        "/_emulator/sips/faults",
        &[("method", "validate"), ("delay", "1")],
    );
    assert_eq!(invalid.status, 422);
}
