//! Buying by card through the emulated Worldline Sips, end to end over
//! HTTP: sellers registered with a Sips account only (providers.md §2,
//! `psp=sips`), buyers posting `/buy` with `psp=sips`, the sealed form
//! posted to the emulator's `paymentInit`, the card page, the automatic
//! response delivered in-process and the manual one posted back by the
//! browser. Needs the registration of card accounts (the accounts
//! helper's branch) to pass.

use serde_json::Value;

use crate::flows::{csrf, mails_to, PASSWORD};
use crate::harness::{unique_email, Client, Resp, Server};
use crate::{Test, World};

pub fn tests() -> Vec<Test> {
    vec![
        (
            "sips_purchase::card_purchases_equal_less_and_higher_move_the_merchants_balance",
            card_purchases_equal_less_and_higher_move_the_merchants_balance,
        ),
        (
            "sips_purchase::a_refused_card_fails_and_a_canceled_payment_cancels_moving_nothing",
            a_refused_card_fails_and_a_canceled_payment_cancels_moving_nothing,
        ),
        (
            "sips_purchase::a_delayed_automatic_response_lets_the_manual_one_pay_once",
            a_delayed_automatic_response_lets_the_manual_one_pay_once,
        ),
        (
            "sips_purchase::a_duplicated_automatic_response_pays_once",
            a_duplicated_automatic_response_pays_once,
        ),
        (
            "sips_purchase::a_title_sold_while_the_buyer_is_on_the_card_page_releases_the_authorization",
            a_title_sold_while_the_buyer_is_on_the_card_page_releases_the_authorization,
        ),
        (
            "sips_purchase::a_forged_response_is_recorded_and_changes_nothing",
            a_forged_response_is_recorded_and_changes_nothing,
        ),
        (
            "sips_purchase::a_lost_validate_answer_is_resolved_by_the_cron",
            a_lost_validate_answer_is_resolved_by_the_cron,
        ),
    ]
}

/// A client registered with an emulated Sips merchant only.
pub struct CardMember {
    pub client: Client,
    pub email: String,
    pub merchant_email: String,
    pub merchant_id: String,
}

/// Registers on `server` with a new merchant of the Sips emulator
/// (`psp=sips` on the register form, the account checked with Office).
pub fn register_with_sips(server: &Server, prefix: &str) -> CardMember {
    register_with_sips_at(server, server, prefix)
}

/// Registers on `server` with a new merchant of the Sips emulator of
/// `bank` (another deployment's, for a sandbox deployment).
pub fn register_with_sips_at(server: &Server, bank: &Server, prefix: &str) -> CardMember {
    let email = unique_email(prefix);
    let merchant_email = format!("sips-{email}");
    let r = bank.client().post_form_with(
        "/_emulator/sips/accounts",
        &[("email", merchant_email.as_str())],
        &[("Accept", "application/json")],
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let m = r.json();
    let s = |k: &str| m[k].as_str().unwrap_or_default().to_owned();
    let (merchant_id, secret_key) = (s("sips_merchant_id"), s("sips_secret_key"));
    let client = server.client();
    let token = csrf(&client, "/register");
    let r = client.post_form(
        "/register",
        &[
            ("csrf_token", token.as_str()),
            ("email", email.as_str()),
            ("password", PASSWORD),
            ("psp", "sips"),
            ("sips_merchant_id", merchant_id.as_str()),
            ("sips_secret_key", secret_key.as_str()),
            ("sips_key_version", "1"),
            ("accept_terms", "on"),
        ],
    );
    assert_eq!(r.status, 303, "register with Sips: {}", r.body);
    CardMember {
        client,
        email,
        merchant_email,
        merchant_id,
    }
}

/// The merchant's settlement balance at the emulated Sips, in cents.
fn balance_cents(server: &Server, member: &CardMember) -> i64 {
    let r = server.client().get_json(&format!(
        "/_emulator/sips/accounts?email={}",
        member.merchant_email.replace('@', "%40")
    ));
    let text = r.json()["balance"].as_str().unwrap_or("x").to_owned();
    paybook::core::money::Amount::parse_decimal(&text).map_or(-1, |a| a.cents())
}

fn cents(v: &Value) -> i64 {
    paybook::core::money::Amount::parse_decimal(v.as_str().unwrap_or("x")).map_or(-1, |a| a.cents())
}

/// The member's ISIN balance in cents, as /claims reports it.
fn isin_cents(m: &CardMember) -> i64 {
    cents(&m.client.get_json("/claims").json()["isin_balance"])
}

/// The ISINs of the member's titles.
fn titles(m: &CardMember) -> Vec<String> {
    m.client.get_json("/claims").json()["titles"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|t| t["isin"].as_str().unwrap_or("").to_owned())
        .collect()
}

/// `POST /buy` with `psp=sips` (JSON): the order id and the sealed form.
pub fn start(
    buyer: &CardMember,
    isin: &str,
    amount: &str,
    rate: &str,
) -> (String, Resp, String, Vec<(String, String)>) {
    let token = csrf(&buyer.client, "/buy");
    let r = buyer.client.post_form_with(
        "/buy",
        &[
            ("csrf_token", token.as_str()),
            ("isin", isin),
            ("amount", amount),
            ("profit_rate", rate),
            ("psp", "sips"),
        ],
        &[("Accept", "application/json")],
    );
    assert_eq!(r.status, 200, "buy: {}", r.body);
    let j = r.json();
    let fields = j["fields"]
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let id = j["order_id"].as_str().unwrap_or("").to_owned();
    let action = crate::purchase::local(j["action"].as_str().unwrap_or(""));
    (id, r, action, fields)
}

fn unescape(html: &str) -> String {
    html.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn input(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("{name} in {page}"))
        + marker.len();
    let end = page[start..].find('"').unwrap() + start;
    unescape(&page[start..end])
}

/// Posts the form to the emulator and decides on the card page; the page
/// that posts the manual response back.
pub fn pay_at_bank(
    client: &Client,
    action: &str,
    fields: &[(String, String)],
    choice: &str,
) -> Resp {
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let page = client.post_form(action, &borrowed);
    assert_eq!(page.status, 200, "paymentInit: {}", page.body);
    let token = input(&page.body, "token");
    let back = client.post_form(
        "/_emulator/sips/card",
        &[
            ("token", token.as_str()),
            ("card_number", "4111111111111111"),
            ("action", choice),
        ],
    );
    assert_eq!(back.status, 200, "card: {}", back.body);
    back
}

/// The browser posts the manual response back; the answer.
pub fn come_back_raw(client: &Client, back: &Resp) -> Resp {
    let fields: Vec<(String, String)> = ["Data", "Encode", "InterfaceVersion", "Seal"]
        .iter()
        .map(|n| ((*n).to_owned(), input(&back.body, n)))
        .collect();
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    client.post_form("/psp/sips/return", &borrowed)
}

/// The browser posts the manual response back; the order's JSON.
pub fn come_back(client: &Client, back: &Resp) -> Value {
    let r = come_back_raw(client, back);
    assert_eq!(r.status, 303, "return: {}", r.body);
    let order_path = r.header("location").unwrap_or_default().to_owned();
    assert!(order_path.starts_with("/orders/"), "{order_path}");
    client.get_json(&order_path).json()
}

fn buy(
    world: &World,
    buyer: &CardMember,
    isin: &str,
    amount: &str,
    rate: &str,
    choice: &str,
) -> Value {
    let (_, _, action, fields) = start(buyer, isin, amount, rate);
    let back = pay_at_bank(&buyer.client, &action, &fields, choice);
    let order = come_back(&buyer.client, &back);
    assert_eq!(order["psp"], "sips", "{order}");
    let _ = world;
    order
}

fn card_purchases_equal_less_and_higher_move_the_merchants_balance(world: &World) {
    let server = &world.server;
    let alice = register_with_sips(server, "card-alice");
    let bob = register_with_sips(server, "card-bob");
    let alice_title = titles(&alice)[0].clone();
    let bob_title = titles(&bob)[0].clone();

    // Equal: Bob pays Alice 1.00 for her title worth 1.00, rate 100.
    let (before, isin_before) = (balance_cents(server, &alice), isin_cents(&bob));
    let order = buy(world, &bob, &alice_title, "1.00", "100", "pay");
    assert_eq!(
        (order["code"].clone(), order["status"].clone()),
        (2.into(), "processed".into()),
        "{order}"
    );
    assert_eq!(
        balance_cents(server, &alice),
        before + 100,
        "the merchant's balance grew by X"
    );
    assert_eq!(isin_cents(&bob), isin_before + 200);
    assert!(mails_to(server, &alice.email)[0]["subject"]
        .as_str()
        .unwrap_or("")
        .contains(&alice_title));

    // Less: Alice pays Bob 1.50 for the title now worth 2.00, rate 50.
    let before = balance_cents(server, &bob);
    let order = buy(world, &alice, &alice_title, "1,50", "50", "pay");
    assert_eq!(order["code"], 2, "{order}");
    assert_eq!(balance_cents(server, &bob), before + 150);

    // Higher: Alice pays Bob 2.00 for his title worth 1.00, rate 10.
    let before = balance_cents(server, &bob);
    let order = buy(world, &alice, &bob_title, "2", "10", "pay");
    assert_eq!(order["code"], 2, "{order}");
    assert_eq!(balance_cents(server, &bob), before + 200);
    assert!(!alice.merchant_id.is_empty());
}

fn a_refused_card_fails_and_a_canceled_payment_cancels_moving_nothing(world: &World) {
    let server = &world.server;
    let seller = register_with_sips(server, "card-seller");
    let buyer = register_with_sips(server, "card-buyer");
    let isin = titles(&seller)[0].clone();
    let before = balance_cents(server, &seller);
    let refused = buy(world, &buyer, &isin, "1.00", "100", "refuse");
    assert_eq!(refused["status"], "failed", "{refused}");
    assert!(refused.to_string().contains("05"), "{refused}");
    let canceled = buy(world, &buyer, &isin, "1.00", "100", "cancel");
    assert_eq!(canceled["code"], -1, "{canceled}");
    assert_eq!(balance_cents(server, &seller), before);
    assert_eq!(titles(&seller)[0], isin, "the title stayed");
}

fn fault(server: &Server, kind: &str, merchant_id: &str) {
    let r = server.client().post_form(
        "/_emulator/sips/faults",
        &[
            ("method", "response"),
            (kind, "1"),
            ("merchant_id", merchant_id),
        ],
    );
    assert_eq!(r.status, 201, "{}", r.body);
}

fn a_delayed_automatic_response_lets_the_manual_one_pay_once(world: &World) {
    let server = &world.server;
    let seller = register_with_sips(server, "card-delay-seller");
    let buyer = register_with_sips(server, "card-delay-buyer");
    let isin = titles(&seller)[0].clone();
    fault(server, "delay", &seller.merchant_id);
    let before = balance_cents(server, &seller);
    let order = buy(world, &buyer, &isin, "1.00", "100", "pay");
    assert_eq!(order["code"], 2, "the manual response paid: {order}");
    assert_eq!(balance_cents(server, &seller), before + 100);
    let run = server
        .client()
        .post_form("/_emulator/sips/responses/deliver", &[]);
    assert_eq!(run.status, 200, "{}", run.body);
    assert_eq!(balance_cents(server, &seller), before + 100, "once");
}

fn a_duplicated_automatic_response_pays_once(world: &World) {
    let server = &world.server;
    let seller = register_with_sips(server, "card-dup-seller");
    let buyer = register_with_sips(server, "card-dup-buyer");
    let isin = titles(&seller)[0].clone();
    fault(server, "duplicate", &seller.merchant_id);
    let before = balance_cents(server, &seller);
    let order = buy(world, &buyer, &isin, "1.00", "100", "pay");
    assert_eq!(order["code"], 2, "{order}");
    assert_eq!(balance_cents(server, &seller), before + 100, "paid once");
}

/// Posts the sealed form to the emulator: the card page's token.
fn card_page(client: &Client, action: &str, fields: &[(String, String)]) -> String {
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let page = client.post_form(action, &borrowed);
    assert_eq!(page.status, 200, "paymentInit: {}", page.body);
    input(&page.body, "token")
}

fn decide(client: &Client, token: &str, choice: &str) -> Resp {
    let back = client.post_form(
        "/_emulator/sips/card",
        &[
            ("token", token),
            ("card_number", "4111111111111111"),
            ("action", choice),
        ],
    );
    assert_eq!(back.status, 200, "card: {}", back.body);
    back
}

fn a_title_sold_while_the_buyer_is_on_the_card_page_releases_the_authorization(world: &World) {
    let server = &world.server;
    let seller = register_with_sips(server, "card-race-seller");
    let late = register_with_sips(server, "card-race-late");
    let early = register_with_sips(server, "card-race-early");
    let isin = titles(&seller)[0].clone();
    let before = balance_cents(server, &seller);
    let (late_order, _, action, fields) = start(&late, &isin, "1.00", "100");
    let late_token = card_page(&late.client, &action, &fields);
    let sold = buy(world, &early, &isin, "1.00", "100", "pay");
    assert_eq!(sold["code"], 2, "{sold}");
    let back = decide(&late.client, &late_token, "pay");
    let order = come_back(&late.client, &back);
    assert_eq!(order["id"].as_str().unwrap_or(&late_order), late_order);
    assert_ne!(order["code"], 2, "the title had changed: {order}");
    assert_eq!(
        balance_cents(server, &seller),
        before + 100,
        "only the first buyer's money"
    );
    let r = server.client().get_json(&format!(
        "/_emulator/sips/responses?transaction_reference={late_order}"
    ));
    assert_eq!(
        r.json()["responses"][0]["status"],
        "delivered",
        "{}",
        r.body
    );
}

fn a_forged_response_is_recorded_and_changes_nothing(world: &World) {
    let server = &world.server;
    let seller = register_with_sips(server, "card-forged-seller");
    let buyer = register_with_sips(server, "card-forged-buyer");
    let isin = titles(&seller)[0].clone();
    fault(server, "drop", &seller.merchant_id);
    let (order_id, _, action, fields) = start(&buyer, &isin, "1.00", "100");
    let token = card_page(&buyer.client, &action, &fields);
    let back = decide(&buyer.client, &token, "pay");
    let (data, seal) = (input(&back.body, "Data"), input(&back.body, "Seal"));
    let forged = data.replace("responseCode=00", "responseCode=05");
    let body = serde_urlencoded::to_string([
        ("Data", forged.as_str()),
        ("Seal", seal.as_str()),
        ("InterfaceVersion", "HP_2.24"),
        ("Encode", ""),
    ])
    .unwrap();
    let r = server.client().post_raw(
        "/psp/sips/notify",
        "application/x-www-form-urlencoded",
        body.as_bytes(),
    );
    assert!(r.status < 500, "{} {}", r.status, r.body);
    let order = buyer.client.get_json(&format!("/orders/{order_id}")).json();
    assert_ne!(
        order["status"], "failed",
        "a forged refusal changes nothing: {order}"
    );
    let paid = come_back(&buyer.client, &back);
    assert_eq!(paid["code"], 2, "the genuine response still pays: {paid}");
}

fn a_lost_validate_answer_is_resolved_by_the_cron(_world: &World) {
    let server = crate::reconciler::own_server("sips-cron");
    let seller = register_with_sips(&server, "card-cron-seller");
    let buyer = register_with_sips(&server, "card-cron-buyer");
    let isin = titles(&seller)[0].clone();
    let r = server.client().post_form(
        "/_emulator/sips/faults",
        &[
            ("method", "validate"),
            ("drop", "1"),
            ("merchant_id", seller.merchant_id.as_str()),
        ],
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let (order_id, _, action, fields) = start(&buyer, &isin, "1.00", "100");
    let back = pay_at_bank(&buyer.client, &action, &fields, "pay");
    come_back(&buyer.client, &back);
    let order = buyer.client.get_json(&format!("/orders/{order_id}")).json();
    assert_eq!(order["substate"], "confirming", "{order}");
    assert_eq!(
        balance_cents(&server, &seller),
        100,
        "Sips captured; the answer was lost"
    );
    crate::reconciler::advance(&server, 120);
    let r = server.client().get("/__scheduled?cron=*/5+*+*+*+*");
    assert_eq!(r.status, 200);
    let order = buyer.client.get_json(&format!("/orders/{order_id}")).json();
    assert_eq!(order["code"], 2, "resolved by getTransactionData: {order}");
    assert_eq!(balance_cents(&server, &seller), 100, "captured once");
}
