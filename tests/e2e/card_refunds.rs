//! Sellers' refunds of card payments end to end (issue 19, backoffice.md
//! §3), on each card provider's emulator: the seller refunds from the
//! order page, the bank gives the buyer's money back (the merchant's
//! settlement balance falls back, the bank's payment says refunded), the
//! trade is undone (the title back, a split's new title voided), a second
//! request is refused; a refund whose answer was lost is finished by the
//! cron with exactly one refund at the bank. Sips: Office `cancel` before
//! the day's remittance, `refund` after it; Monetico:
//! `recredit_paiement.cgi`.

use serde_json::Value;

use crate::flows::{csrf, register, PASSWORD};
use crate::harness::{Client, Resp, Server};
use crate::monetico_purchase::{monetico_seller, Merchant};
use crate::reconciler::{advance, own_server, run_cron};
use crate::sips_purchase::{come_back, pay_at_bank, register_with_sips, start, CardMember};
use crate::{Test, World};

pub fn tests() -> Vec<Test> {
    vec![
        (
            "card_refunds::a_sips_refund_gives_the_money_back_and_the_title_once_and_voids_a_split",
            a_sips_refund_gives_the_money_back_and_the_title_once_and_voids_a_split,
        ),
        (
            "card_refunds::a_lost_sips_refund_answer_is_finished_by_the_cron_with_one_refund",
            a_lost_sips_refund_answer_is_finished_by_the_cron_with_one_refund,
        ),
        (
            "card_refunds::a_monetico_recredit_gives_the_money_back_and_the_title_once_and_voids_a_split",
            a_monetico_recredit_gives_the_money_back_and_the_title_once_and_voids_a_split,
        ),
        (
            "card_refunds::a_lost_monetico_recredit_answer_is_finished_by_the_cron_with_one_recredit",
            a_lost_monetico_recredit_answer_is_finished_by_the_cron_with_one_recredit,
        ),
    ]
}

const JSON: (&str, &str) = ("Accept", "application/json");

/// `POST /orders/{id}/refund` by `client` with the seller's password
/// (the CSRF token is the session's: any form's JSON gives it).
fn ask_refund(client: &Client, id: &str) -> Resp {
    let token = csrf(client, "/buy");
    client.post_form(
        &format!("/orders/{id}/refund"),
        &[("csrf_token", &token), ("current_password", PASSWORD)],
    )
}

fn order(client: &Client, id: &str) -> Value {
    let r = client.get_json(&format!("/orders/{id}"));
    assert_eq!(r.status, 200, "{}", r.body);
    let j = r.json();
    j.get("order").cloned().unwrap_or(j)
}

/// The ISINs and values (cents) of the titles a client holds.
fn held(client: &Client) -> Vec<(String, i64)> {
    client.get_json("/claims").json()["titles"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|t| {
            let isin = t["isin"].as_str().unwrap_or("").to_owned();
            let value =
                paybook::core::money::Amount::parse_decimal(t["value"].as_str().unwrap_or("x"))
                    .map_or(-1, |a| a.cents());
            (isin, value)
        })
        .collect()
}

fn decimal(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// A bank's JSON `balance` in cents.
fn balance_at(server: &Server, path: &str, email: &str) -> i64 {
    let r = server.client().get_json(&format!(
        "{path}?email={}",
        email.replace('@', "%40").replace('+', "%2B")
    ));
    assert_eq!(r.status, 200, "{}", r.body);
    let text = r.json()["balance"].as_str().unwrap_or("x").to_owned();
    paybook::core::money::Amount::parse_decimal(&text).map_or(-1, |a| a.cents())
}

fn sips_balance(server: &Server, m: &CardMember) -> i64 {
    balance_at(server, "/_emulator/sips/accounts", &m.merchant_email)
}

fn monetico_balance(server: &Server, bank: &Merchant) -> i64 {
    balance_at(server, "/_emulator/monetico/accounts", &bank.email)
}

/// How many calls of `operation` the platform made for the order.
fn calls(server: &Server, id: &str, operations: &[&str]) -> i64 {
    let db = server.db();
    let list = operations
        .iter()
        .map(|o| format!("'{o}'"))
        .collect::<Vec<_>>()
        .join(",");
    db.query_row(
        &format!("SELECT COUNT(*) FROM psp_traces WHERE order_id = ?1 AND operation IN ({list})"),
        [id],
        |row| row.get(0),
    )
    .unwrap_or(-1)
}

/// The emulated Sips transaction's status and refunded cents.
fn sips_transaction(server: &Server, id: &str) -> (String, i64, i64) {
    server
        .db()
        .query_row(
            "SELECT status, captured_cents, refunded_cents FROM emulator_sips_transactions \
             WHERE transaction_reference = ?1",
            [id],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .unwrap_or_default()
}

/// The emulated Monetico payment's status, captured and recredited cents.
fn monetico_payment(server: &Server, id: &str) -> (String, i64, i64) {
    server
        .db()
        .query_row(
            "SELECT status, captured_cents, recredited_cents FROM emulator_monetico_payments \
             WHERE reference = ?1",
            [id],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .unwrap_or_default()
}

/// The buyer pays `amount` at `rate` for `isin` by card at Sips.
fn sips_purchase(buyer: &CardMember, isin: &str, amount: &str, rate: &str) -> Value {
    let (id, _, action, fields) = start(buyer, isin, amount, rate);
    let back = pay_at_bank(&buyer.client, &action, &fields, "pay");
    come_back(&buyer.client, &back);
    let paid = order(&buyer.client, &id);
    assert_eq!(paid["code"], 2, "{paid}");
    paid
}

fn id_of(order: &Value) -> String {
    order["id"].as_str().unwrap_or("").to_owned()
}

/// The refund's common checks: undone, refused a second time.
fn refunded_once(seller: &Client, buyer: &Client, id: &str) {
    let seen = buyer.get_json(&format!("/orders/{id}")).json();
    let seen = seen.get("order").cloned().unwrap_or(seen);
    assert_eq!(seen["code"], -3, "undone as a chargeback: {seen}");
    assert_eq!(seen["refund"]["state"], "refunded", "{seen}");
    let again = ask_refund(seller, id);
    assert_eq!(again.status, 409, "a second request: {}", again.body);
}

fn voided(server: &Server, isin: &str) -> bool {
    server.client().get_json(&format!("/titles/{isin}")).json()["voided"] == true
}

fn a_sips_refund_gives_the_money_back_and_the_title_once_and_voids_a_split(world: &World) {
    let server = &world.server;
    let seller = register_with_sips(server, "refund-sips-seller");
    let buyer = register_with_sips(server, "refund-sips-buyer");
    let (isin, value_cents) = held(&seller.client)[0].clone();
    let before = sips_balance(server, &seller);
    let paid = sips_purchase(&buyer, &isin, &decimal(value_cents), "100");
    let id = id_of(&paid);
    assert_eq!(sips_balance(server, &seller), before + value_cents);
    assert!(!held(&seller.client).iter().any(|(i, _)| *i == isin));

    let r = ask_refund(&seller.client, &id);
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        sips_balance(server, &seller),
        before,
        "the buyer's money is back"
    );
    let (status, _, _) = sips_transaction(server, &id);
    // Same day: cancelled before remittance (or refunded if midnight passed).
    assert!(
        ["CANCELLED", "CREDITED"].contains(&status.as_str()),
        "{status}"
    );
    assert!(
        held(&seller.client).iter().any(|(i, _)| *i == isin),
        "the title is back"
    );
    refunded_once(&seller.client, &buyer.client, &id);
    assert_eq!(
        calls(server, &id, &["refund", "cancel"]),
        1,
        "one operation at Sips"
    );
    assert_eq!(sips_balance(server, &seller), before);

    // A split: the buyer takes the title (worth twice as much to him), then
    // the seller buys half of it back; the buyer refunds that.
    let (isin, value_cents) = held(&seller.client)[0].clone();
    sips_purchase(&buyer, &isin, &decimal(value_cents), "100");
    let grown = value_of(&buyer.client, &isin);
    let before = sips_balance(server, &buyer);
    let paid = sips_purchase(&seller, &isin, &decimal(grown / 2), "50");
    let new_isin = paid["new_isin"].as_str().unwrap_or("").to_owned();
    assert!(!new_isin.is_empty() && new_isin != isin, "a split: {paid}");
    let r = ask_refund(&buyer.client, &id_of(&paid));
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(voided(server, &new_isin), "the split's new title is voided");
    assert_eq!(
        value_of(&buyer.client, &isin),
        grown,
        "the parent has its value back"
    );
    assert_eq!(sips_balance(server, &buyer), before);
}

/// The value (cents) of `isin` as its holder `client` sees it.
fn value_of(client: &Client, isin: &str) -> i64 {
    held(client)
        .into_iter()
        .find(|(i, _)| i == isin)
        .map_or(-1, |(_, v)| v)
}

fn a_lost_sips_refund_answer_is_finished_by_the_cron_with_one_refund(_world: &World) {
    let server = own_server("sips-refund-lost");
    let seller = register_with_sips(&server, "refund-sips-lost-seller");
    let buyer = register_with_sips(&server, "refund-sips-lost-buyer");
    let (isin, value_cents) = held(&seller.client)[0].clone();
    let paid = sips_purchase(&buyer, &isin, &decimal(value_cents), "100");
    let id = id_of(&paid);
    // Past the day's remittance: the refund is an Office `refund`.
    advance(&server, 86_400);
    let r = server.client().post_form(
        "/_emulator/sips/faults",
        &[
            ("method", "refund"),
            ("drop", "1"),
            ("merchant_id", seller.merchant_id.as_str()),
        ],
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let r = ask_refund(&seller.client, &id);
    assert_eq!(r.status, 303, "{}", r.body);
    let seen = order(&seller.client, &id);
    assert_eq!(seen["refund"]["state"], "requested", "{seen}");
    assert_eq!(seen["code"], 2, "nothing undone on an unknown outcome");
    assert_eq!(sips_balance(&server, &seller), 0, "Sips did refund");

    advance(&server, 120);
    run_cron(&server);
    refunded_once(&seller.client, &buyer.client, &id);
    assert_eq!(
        sips_transaction(&server, &id),
        ("CREDITED".to_owned(), value_cents, value_cents)
    );
    assert_eq!(calls(&server, &id, &["refund"]), 1, "one refund at Sips");
    assert_eq!(calls(&server, &id, &["cancel"]), 0);
    assert!(held(&seller.client).iter().any(|(i, _)| *i == isin));
    run_cron(&server);
    assert_eq!(sips_balance(&server, &seller), 0);
}

/// The buyer pays `amount` at `rate` for `isin` by card at Monetico.
fn monetico_purchase(buyer: &Client, isin: &str, amount: &str, rate: &str) -> Value {
    let token = csrf(buyer, "/buy");
    let r = buyer.post_form_with(
        "/buy",
        &[
            ("csrf_token", &token),
            ("isin", isin),
            ("amount", amount),
            ("profit_rate", rate),
            ("psp", "monetico"),
        ],
        &[JSON],
    );
    assert_eq!(r.status, 200, "buy: {}", r.body);
    let j = r.json();
    let fields: Vec<(String, String)> = j["fields"]
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let id = j["order_id"].as_str().unwrap_or_default().to_owned();
    let action = crate::purchase::local(j["action"].as_str().unwrap_or_default());
    let body = serde_urlencoded::to_string(&fields).expect("urlencoded");
    let page = buyer.post_raw(
        &action,
        "application/x-www-form-urlencoded",
        body.as_bytes(),
    );
    assert_eq!(page.status, 200, "{}", page.body);
    let start = page
        .body
        .find("/_emulator/monetico/card/")
        .expect("card form");
    let card = page.body[start..].split('"').next().unwrap_or_default();
    let back = buyer.post_form(
        card,
        &[("card_number", "4000000000000002"), ("action", "pay")],
    );
    assert_eq!(back.status, 303, "{}", back.body);
    let paid = order(buyer, &id);
    assert_eq!(paid["code"], 2, "{paid}");
    paid
}

fn a_monetico_recredit_gives_the_money_back_and_the_title_once_and_voids_a_split(world: &World) {
    let server = &world.server;
    let (seller, bank) = monetico_seller(server, "refund-mon-seller");
    let buyer = register(server, "refund-mon-buyer", "10.00");
    let (isin, value_cents) = held(&seller.client)[0].clone();
    let paid = monetico_purchase(&buyer.client, &isin, &decimal(value_cents), "100");
    let id = id_of(&paid);
    assert_eq!(monetico_balance(server, &bank), value_cents);

    let r = ask_refund(&seller.client, &id);
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        monetico_balance(server, &bank),
        0,
        "the buyer's money is back"
    );
    assert_eq!(
        monetico_payment(server, &id),
        ("recredited".to_owned(), value_cents, value_cents)
    );
    assert!(
        held(&seller.client).iter().any(|(i, _)| *i == isin),
        "the title is back"
    );
    refunded_once(&seller.client, &buyer.client, &id);
    assert_eq!(calls(server, &id, &["recredit"]), 1, "one recredit");

    // A split between two Monetico sellers: the other takes the title
    // (worth twice as much to him), the seller buys half of it back, the
    // other refunds that.
    let (other, other_bank) = monetico_seller(server, "refund-mon-other");
    let (isin, value_cents) = held(&seller.client)[0].clone();
    monetico_purchase(&other.client, &isin, &decimal(value_cents), "100");
    let grown = value_of(&other.client, &isin);
    let before = monetico_balance(server, &other_bank);
    let paid = monetico_purchase(&seller.client, &isin, &decimal(grown / 2), "50");
    let new_isin = paid["new_isin"].as_str().unwrap_or("").to_owned();
    assert!(!new_isin.is_empty() && new_isin != isin, "a split: {paid}");
    assert_eq!(monetico_balance(server, &other_bank), before + grown / 2);
    let r = ask_refund(&other.client, &id_of(&paid));
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(voided(server, &new_isin), "the split's new title is voided");
    assert_eq!(
        value_of(&other.client, &isin),
        grown,
        "the parent has its value back"
    );
    assert_eq!(monetico_balance(server, &other_bank), before);
}

fn a_lost_monetico_recredit_answer_is_finished_by_the_cron_with_one_recredit(_world: &World) {
    let server = own_server("monetico-refund-lost");
    let (seller, bank) = monetico_seller(&server, "refund-mon-lost-seller");
    let buyer = register(&server, "refund-mon-lost-buyer", "10.00");
    let (isin, value_cents) = held(&seller.client)[0].clone();
    let paid = monetico_purchase(&buyer.client, &isin, &decimal(value_cents), "100");
    let id = id_of(&paid);
    let set = server.client().post_form(
        "/_emulator/monetico/faults",
        &[("method", "recredit"), ("drop", "1"), ("tpe", &bank.tpe)],
    );
    assert_eq!(set.status, 201, "{}", set.body);
    let r = ask_refund(&seller.client, &id);
    assert_eq!(r.status, 303, "{}", r.body);
    let seen = order(&seller.client, &id);
    assert_eq!(seen["refund"]["state"], "requested", "{seen}");
    assert_eq!(seen["code"], 2, "nothing undone on an unknown outcome");
    assert_eq!(monetico_balance(&server, &bank), 0, "the bank did recredit");

    advance(&server, 120);
    run_cron(&server);
    refunded_once(&seller.client, &buyer.client, &id);
    assert_eq!(
        monetico_payment(&server, &id),
        ("recredited".to_owned(), value_cents, value_cents),
        "recredited once"
    );
    assert_eq!(monetico_balance(&server, &bank), 0);
    assert!(held(&seller.client).iter().any(|(i, _)| *i == isin));
    run_cron(&server);
    assert_eq!(monetico_balance(&server, &bank), 0);
}
