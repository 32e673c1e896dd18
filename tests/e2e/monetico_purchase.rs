//! Buying a title by card through Monetico, end to end against the
//! built-in emulator: a Monetico seller (registered with `psp=monetico`
//! and the emulator's TPE, société and key), a buyer who pays by card on
//! the emulated bank's page, the notification delivered in process, the
//! capture raising the merchant's settlement balance. The buyer never
//! follows the bank's redirect: the notification alone completes the
//! purchase; once in headless Chromium, in French. Needs the registration
//! of card accounts (`providers.md` §2).

use crate::flows::{csrf, mails_to, register, Member, PASSWORD};
use crate::harness::{unique_email, Client, Resp, Server};
use crate::purchase::{local, titles};
use crate::reconciler::{advance, own_server, run_cron};

use crate::{Test, World};

pub fn tests() -> Vec<Test> {
    vec![
        (
            "monetico_purchase::a_card_payment_completes_the_purchase_without_the_buyer_returning",
            a_card_payment_completes_the_purchase_without_the_buyer_returning,
        ),
        (
            "monetico_purchase::card_purchases_less_and_higher_move_the_merchants_balance",
            card_purchases_less_and_higher_move_the_merchants_balance,
        ),
        (
            "monetico_purchase::a_refused_card_fails_the_order_and_moves_nothing",
            a_refused_card_fails_the_order_and_moves_nothing,
        ),
        (
            "monetico_purchase::a_forged_notification_is_answered_cdr_1_and_changes_nothing",
            a_forged_notification_is_answered_cdr_1_and_changes_nothing,
        ),
        (
            "monetico_purchase::a_forged_notification_naming_a_paid_order_leaves_the_sellers_account_as_it_was",
            a_forged_notification_naming_a_paid_order_leaves_the_sellers_account_as_it_was,
        ),
        (
            "monetico_purchase::a_duplicated_and_a_late_notification_change_nothing_twice",
            a_duplicated_and_a_late_notification_change_nothing_twice,
        ),
        (
            "monetico_purchase::a_title_sold_meanwhile_releases_the_authorization_and_moves_nothing",
            a_title_sold_meanwhile_releases_the_authorization_and_moves_nothing,
        ),
        (
            "monetico_purchase::a_lost_capture_answer_is_resolved_by_the_cron_repeating_the_capture",
            a_lost_capture_answer_is_resolved_by_the_cron_repeating_the_capture,
        ),
        (
            "monetico_purchase::an_order_whose_notification_never_came_fails_after_the_ttl_with_nothing_captured",
            an_order_whose_notification_never_came_fails_after_the_ttl_with_nothing_captured,
        ),
        (
            "monetico_purchase::a_card_purchase_in_french_in_chromium",
            a_card_purchase_in_french_in_chromium,
        ),
    ]
}

const JSON: (&str, &str) = ("Accept", "application/json");

/// The emulator's merchant of a Monetico seller.
pub struct Merchant {
    pub email: String,
    pub tpe: String,
    pub societe: String,
    pub key: String,
}

/// A merchant at the emulated bank.
pub fn merchant(server: &Server, email: &str) -> Merchant {
    let r = server.client().post_form_with(
        "/_emulator/monetico/accounts",
        &[("email", email)],
        &[JSON],
    );
    assert!(r.status == 201 || r.status == 200, "{}", r.body);
    let j = r.json();
    let text = |name: &str| j[name].as_str().unwrap_or_default().to_string();
    Merchant {
        email: email.to_string(),
        tpe: text("monetico_tpe"),
        societe: text("monetico_societe"),
        key: text("monetico_key"),
    }
}

/// A registered seller (signed in).
pub struct Seller {
    pub client: Client,
    pub email: String,
}

/// The ISINs of the titles a client holds.
pub fn held(client: &Client) -> Vec<String> {
    client.get_json("/claims").json()["titles"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|t| t["isin"].as_str().unwrap_or("").to_string())
        .collect()
}

/// A seller registered with a Monetico account only.
pub fn monetico_seller(server: &Server, prefix: &str) -> (Seller, Merchant) {
    let email = unique_email(prefix);
    let bank = merchant(server, &format!("tpe-{email}"));
    let client = server.client();
    let token = csrf(&client, "/register");
    let r = client.post_form(
        "/register",
        &[
            ("csrf_token", &token),
            ("email", &email),
            ("password", PASSWORD),
            ("psp", "monetico"),
            ("monetico_tpe", &bank.tpe),
            ("monetico_societe", &bank.societe),
            ("monetico_key", &bank.key),
            ("accept_terms", "on"),
        ],
    );
    assert_eq!(r.status, 303, "register with Monetico: {}", r.body);
    (Seller { client, email }, bank)
}

/// The merchant's settlement balance, in cents.
fn balance_cents(server: &Server, bank: &Merchant) -> i64 {
    let r = server.client().get_json(&format!(
        "/_emulator/monetico/accounts?email={}",
        bank.email.replace('@', "%40").replace('+', "%2B")
    ));
    assert_eq!(r.status, 200, "{}", r.body);
    let text = r.json()["balance"].as_str().unwrap_or("x").to_string();
    paybook::core::money::Amount::parse_decimal(&text).map_or(-1, |a| a.cents())
}

/// `POST /buy` by card through Monetico: the order and its sealed form.
fn buy_by_card(buyer: &Member, isin: &str) -> (String, String, Vec<(String, String)>) {
    buy_by_card_for(&buyer.client, isin, "1.00", "100")
}

/// [`buy_by_card`] by any signed-in client, for `amount` at `rate`.
pub fn buy_by_card_for(
    client: &Client,
    isin: &str,
    amount: &str,
    rate: &str,
) -> (String, String, Vec<(String, String)>) {
    let token = csrf(client, "/buy");
    let r = client.post_form_with(
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
    let fields = j["fields"]
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default();
    (
        j["order_id"].as_str().unwrap_or_default().to_string(),
        j["action"].as_str().unwrap_or_default().to_string(),
        fields,
    )
}

/// The buyer's browser posts the form to the bank: the card page.
pub fn card_page(client: &Client, action: &str, fields: &[(String, String)]) -> String {
    let body = serde_urlencoded::to_string(fields).expect("urlencoded");
    let page = client.post_raw(
        &local(action),
        "application/x-www-form-urlencoded",
        body.as_bytes(),
    );
    assert_eq!(page.status, 200, "{}", page.body);
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

/// Decides on the card page; returns the bank's answer (303 back).
pub fn decide(client: &Client, card: &str, action: &str) -> Resp {
    client.post_form(
        card,
        &[("card_number", "4000000000000002"), ("action", action)],
    )
}

fn order(member: &Member, id: &str) -> serde_json::Value {
    let r = member.client.get_json(&format!("/orders/{id}"));
    assert_eq!(r.status, 200, "{}", r.body);
    let j = r.json();
    j.get("order").cloned().unwrap_or(j)
}

fn a_card_payment_completes_the_purchase_without_the_buyer_returning(world: &World) {
    let server = &world.server;
    let (seller, bank) = monetico_seller(server, "mon-seller");
    let buyer = register(server, "mon-buyer", "10.00");
    let isin = held(&seller.client)[0].clone();
    let (id, action, fields) = buy_by_card(&buyer, &isin);
    let card = card_page(&buyer.client, &action, &fields);
    let back = decide(&buyer.client, &card, "pay");
    assert_eq!(back.status, 303, "{}", back.body);
    assert!(
        back.header("location")
            .is_some_and(|l| l.ends_with(&format!("/psp/monetico/return?order={id}"))),
        "{:?}",
        back.headers
    );
    let paid = order(&buyer, &id);
    assert_eq!(paid["code"], 2, "{paid}");
    assert_eq!(paid["psp"], "monetico");
    assert_eq!(balance_cents(server, &bank), 100, "captured once, whole");
    assert!(titles(&buyer).iter().any(|(i, _)| *i == isin));
    assert!(!held(&seller.client).contains(&isin));
    assert!(
        !mails_to(server, &seller.email).is_empty(),
        "the seller is told of the sale"
    );
    // The buyer's return shows the order, changing nothing.
    let shown = buyer
        .client
        .get(&local(back.header("location").unwrap_or("/")));
    assert_eq!(shown.status, 303);
    assert_eq!(balance_cents(server, &bank), 100);
}

/// The guide's other two cases, between two Monetico sellers: Bob pays
/// less than the declared value (the title is split), then more (it
/// passes to him); each time the seller's bank balance grows by X.
fn card_purchases_less_and_higher_move_the_merchants_balance(world: &World) {
    let server = &world.server;
    let (alice, alice_bank) = monetico_seller(server, "mon-cases-a");
    let (bob, bob_bank) = monetico_seller(server, "mon-cases-b");
    let pay = |buyer: &Seller, isin: &str, amount: &str, rate: &str| {
        let (id, action, fields) = buy_by_card_for(&buyer.client, isin, amount, rate);
        let card = card_page(&buyer.client, &action, &fields);
        assert_eq!(decide(&buyer.client, &card, "pay").status, 303);
        let r = buyer.client.get_json(&format!("/orders/{id}"));
        let j = r.json();
        j.get("order").cloned().unwrap_or(j)
    };
    // Equal first, so that Bob holds a title worth 2.00 (1.00 + 1.00 × 100 %).
    let alice_title = held(&alice.client)[0].clone();
    let equal = pay(&bob, &alice_title, "1.00", "100");
    assert_eq!(equal["code"], 2, "{equal}");
    assert_eq!(balance_cents(server, &alice_bank), 100);
    // Less: Alice pays 1,50 for that title worth 2.00 at rate 50: Bob keeps
    // it at 0.50 and Alice gets a new title.
    let less = pay(&alice, &alice_title, "1,50", "50");
    assert_eq!(less["code"], 2, "{less}");
    assert_eq!(balance_cents(server, &bob_bank), 150, "grew by X");
    assert!(
        held(&bob.client).contains(&alice_title),
        "Bob keeps the split title"
    );
    assert!(
        held(&alice.client).iter().any(|i| *i != alice_title),
        "Alice gets a new title"
    );
    // Higher: Alice pays 2.00 for Bob's own title worth 1.00: it passes.
    let bob_title = held(&bob.client)
        .into_iter()
        .find(|i| *i != alice_title)
        .expect("Bob's own title");
    let higher = pay(&alice, &bob_title, "2", "10");
    assert_eq!(higher["code"], 2, "{higher}");
    assert_eq!(balance_cents(server, &bob_bank), 350, "grew by X again");
    assert!(held(&alice.client).contains(&bob_title));
}

fn a_refused_card_fails_the_order_and_moves_nothing(world: &World) {
    let server = &world.server;
    let (seller, bank) = monetico_seller(server, "mon-seller-r");
    let buyer = register(server, "mon-buyer-r", "10.00");
    let isin = held(&seller.client)[0].clone();
    let (id, action, fields) = buy_by_card(&buyer, &isin);
    let card = card_page(&buyer.client, &action, &fields);
    assert_eq!(decide(&buyer.client, &card, "refuse").status, 303);
    let failed = order(&buyer, &id);
    assert_eq!(failed["code"], -2, "{failed}");
    assert_eq!(balance_cents(server, &bank), 0);
    assert!(held(&seller.client).contains(&isin));
}

/// Posts a notification about order `id` at TPE `tpe` whose MAC is forty
/// zeros; `outcome` holds its result fields.
fn post_forged(server: &Server, tpe: &str, id: &str, montant: &str, outcome: &str) -> Resp {
    let forged = format!(
        "TPE={tpe}&date=05%2F01%2F2026_a_11%3A00%3A00&montant={montant}&reference={id}\
         &texte-libre={id}&{outcome}&MAC={}",
        "0".repeat(40)
    );
    server.client().post_raw(
        "/psp/monetico/notify",
        "application/x-www-form-urlencoded",
        forged.as_bytes(),
    )
}

fn a_forged_notification_is_answered_cdr_1_and_changes_nothing(world: &World) {
    let server = &world.server;
    let (seller, bank) = monetico_seller(server, "mon-seller-f");
    let buyer = register(server, "mon-buyer-f", "10.00");
    let isin = held(&seller.client)[0].clone();
    let (id, _, fields) = buy_by_card(&buyer, &isin);
    let montant = fields
        .iter()
        .find(|(n, _)| n == "montant")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let paid = "code-retour=payetest&numauto=123456";
    let r = post_forged(server, &bank.tpe, &id, &montant, paid);
    assert_eq!((r.status, r.body.as_str()), (200, "version=2\ncdr=1\n"));
    let unchanged = order(&buyer, &id);
    assert_eq!(unchanged["code"], 0, "{unchanged}");
    assert_eq!(balance_cents(server, &bank), 0);
    // A MAC that fails with the seller's key: his account is marked
    // refused (his titles cannot be bought until he replaces it) and he is
    // told, once.
    let account = seller.client.get_json("/account").json();
    assert_eq!(account["psp_accounts"][0]["psp"], "monetico", "{account}");
    assert_eq!(account["psp_accounts"][0]["status"], "refused", "{account}");
    let told = mails_to(server, &seller.email);
    assert_eq!(told.len(), 1, "{told:?}");
    let r = post_forged(server, &bank.tpe, &id, &montant, paid);
    assert_eq!(r.body, "version=2\ncdr=1\n");
    assert_eq!(mails_to(server, &seller.email).len(), 1, "told once");
}

/// A paid order's id is public (`/history` shows it): a bad MAC naming it
/// is recorded as forged and refuses nobody's key. (It marked the seller's
/// account refused before: anyone could disable any Monetico seller.)
fn a_forged_notification_naming_a_paid_order_leaves_the_sellers_account_as_it_was(world: &World) {
    let server = &world.server;
    let (seller, bank) = monetico_seller(server, "mon-seller-p");
    let buyer = register(server, "mon-buyer-p", "10.00");
    let isin = held(&seller.client)[0].clone();
    let (id, action, fields) = buy_by_card(&buyer, &isin);
    let card = card_page(&buyer.client, &action, &fields);
    assert_eq!(decide(&buyer.client, &card, "pay").status, 303);
    assert_eq!(order(&buyer, &id)["code"], 2);
    let mails_before = mails_to(server, &seller.email).len();
    let canceled = "code-retour=Annulation&motifrefus=forged";
    let r = post_forged(server, &bank.tpe, &id, "1.00EUR", canceled);
    assert_eq!((r.status, r.body.as_str()), (200, "version=2\ncdr=1\n"));
    let account = seller.client.get_json("/account").json();
    assert_eq!(account["psp_accounts"][0]["status"], "ok", "{account}");
    assert_eq!(mails_to(server, &seller.email).len(), mails_before);
    assert_eq!(order(&buyer, &id)["code"], 2, "the trade stands");
    assert_eq!(balance_cents(server, &bank), 100);
}

fn a_duplicated_and_a_late_notification_change_nothing_twice(world: &World) {
    let server = &world.server;
    let (seller, bank) = monetico_seller(server, "mon-seller-d");
    let buyer = register(server, "mon-buyer-d", "10.00");
    let isin = held(&seller.client)[0].clone();
    let (id, action, fields) = buy_by_card(&buyer, &isin);
    let set = server.client().post_form(
        "/_emulator/monetico/faults",
        &[
            ("method", "notification"),
            ("duplicate", "1"),
            ("tpe", &bank.tpe),
        ],
    );
    assert_eq!(set.status, 201, "{}", set.body);
    let card = card_page(&buyer.client, &action, &fields);
    assert_eq!(decide(&buyer.client, &card, "pay").status, 303);
    assert_eq!(order(&buyer, &id)["code"], 2);
    assert_eq!(balance_cents(server, &bank), 100);
    // Late: the same notification again, as the bank would resend it.
    let listed = server.client().get_json(&format!(
        "/_emulator/monetico/notifications?tpe={}&reference={id}",
        bank.tpe
    ));
    let body = listed.json()["notifications"][0]["body"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let late = server.client().post_raw(
        "/psp/monetico/notify",
        "application/x-www-form-urlencoded",
        body.as_bytes(),
    );
    assert_eq!(
        (late.status, late.body.as_str()),
        (200, "version=2\ncdr=0\n")
    );
    assert_eq!(order(&buyer, &id)["code"], 2);
    assert_eq!(balance_cents(server, &bank), 100, "captured once");
}

fn a_title_sold_meanwhile_releases_the_authorization_and_moves_nothing(world: &World) {
    let server = &world.server;
    let (seller, bank) = monetico_seller(server, "mon-seller-s");
    let first = register(server, "mon-buyer-s1", "10.00");
    let second = register(server, "mon-buyer-s2", "10.00");
    let isin = held(&seller.client)[0].clone();
    let (late_id, late_action, late_fields) = buy_by_card(&first, &isin);
    let (id, action, fields) = buy_by_card(&second, &isin);
    let late_card = card_page(&first.client, &late_action, &late_fields);
    let card = card_page(&second.client, &action, &fields);
    assert_eq!(decide(&second.client, &card, "pay").status, 303);
    assert_eq!(order(&second, &id)["code"], 2);
    // The first buyer's card is authorized after the title was sold: the
    // claim fails, the authorization is released, nothing is captured.
    assert_eq!(decide(&first.client, &late_card, "pay").status, 303);
    let failed = order(&first, &late_id);
    assert_eq!(failed["code"], -2, "{failed}");
    assert_eq!(
        balance_cents(server, &bank),
        100,
        "only the sale was captured"
    );
    let methods: Vec<&str> = failed["trace"]
        .as_array()
        .map(|t| t.iter().filter_map(|c| c["method"].as_str()).collect())
        .unwrap_or_default();
    assert!(methods.contains(&"release"), "{methods:?}");
}

fn a_lost_capture_answer_is_resolved_by_the_cron_repeating_the_capture(_world: &World) {
    let server = own_server("monetico-cron");
    let (seller, bank) = monetico_seller(&server, "mon-seller-c");
    let buyer = register(&server, "mon-buyer-c", "10.00");
    let isin = held(&seller.client)[0].clone();
    let (id, action, fields) = buy_by_card(&buyer, &isin);
    let set = server.client().post_form(
        "/_emulator/monetico/faults",
        &[("method", "capture"), ("drop", "1"), ("tpe", &bank.tpe)],
    );
    assert_eq!(set.status, 201, "{}", set.body);
    let card = card_page(&buyer.client, &action, &fields);
    assert_eq!(decide(&buyer.client, &card, "pay").status, 303);
    let unknown = order(&buyer, &id);
    assert_eq!(unknown["substate"], "confirming", "{unknown}");
    assert_eq!(balance_cents(&server, &bank), 100, "the bank captured");
    advance(&server, 120);
    run_cron(&server);
    let paid = order(&buyer, &id);
    assert_eq!(paid["code"], 2, "{paid}");
    assert_eq!(balance_cents(&server, &bank), 100, "captured once");
}

fn a_card_purchase_in_french_in_chromium(world: &World) {
    let server = &world.server;
    let (seller, bank) = monetico_seller(server, "mon-seller-b");
    let buyer = register(server, "mon-buyer-b", "10.00");
    let isin = held(&seller.client)[0].clone();
    crate::card_browser::buy_in_chromium(server, &buyer.email, &isin, "monetico");
    assert_eq!(balance_cents(server, &bank), 100, "captured once, whole");
    assert!(titles(&buyer).iter().any(|(i, _)| *i == isin));
}

fn an_order_whose_notification_never_came_fails_after_the_ttl_with_nothing_captured(
    _world: &World,
) {
    let server = own_server("monetico-ttl");
    let (seller, bank) = monetico_seller(&server, "mon-seller-t");
    let buyer = register(&server, "mon-buyer-t", "10.00");
    let isin = held(&seller.client)[0].clone();
    let (id, action, fields) = buy_by_card(&buyer, &isin);
    let set = server.client().post_form(
        "/_emulator/monetico/faults",
        &[
            ("method", "notification"),
            ("drop", "1"),
            ("tpe", &bank.tpe),
        ],
    );
    assert_eq!(set.status, 201, "{}", set.body);
    let card = card_page(&buyer.client, &action, &fields);
    assert_eq!(decide(&buyer.client, &card, "pay").status, 303);
    assert_eq!(order(&buyer, &id)["code"], 0, "nothing learned yet");
    // PENDING_TTL_HOURS (24) later, the cron gives up: nothing was captured.
    advance(&server, 25 * 3_600);
    run_cron(&server);
    let expired = order(&buyer, &id);
    assert_eq!(expired["code"], -2, "{expired}");
    assert_eq!(balance_cents(&server, &bank), 0, "no money moved");
    assert!(held(&seller.client).contains(&isin));
}
