//! Buying a title end to end against the PayPal emulator: the acceptance
//! series of spec §11 (less than, equal to, higher than the value) with
//! Alice and Bob, checking both PSP balances, both ISIN balances, the title
//! values and the seller's e-mail each time; cancel; a refreshed return;
//! two buyers racing for one title; "continue to PayPal".

use serde_json::Value;

use crate::flows::{csrf, mails_to, register, Member};
use crate::harness::{Client, Resp, Server};
use crate::{Test, World};

pub fn tests() -> Vec<Test> {
    vec![
        (
            "purchase::acceptance_series_equal_less_and_higher",
            acceptance_series_equal_less_and_higher,
        ),
        (
            "purchase::buy_form_has_no_preselected_rate_and_previews_each_case",
            buy_form_has_no_preselected_rate_and_previews_each_case,
        ),
        (
            "purchase::bad_purchases_are_refused_with_a_message_per_field",
            bad_purchases_are_refused_with_a_message_per_field,
        ),
        (
            "purchase::canceling_at_paypal_cancels_the_order_and_moves_nothing",
            canceling_at_paypal_cancels_the_order_and_moves_nothing,
        ),
        (
            "purchase::a_refreshed_return_never_pays_or_records_twice",
            a_refreshed_return_never_pays_or_records_twice,
        ),
        (
            "purchase::two_buyers_returning_at_once_exactly_one_pays",
            two_buyers_returning_at_once_exactly_one_pays,
        ),
        (
            "purchase::continue_to_paypal_reuses_the_token_and_cancel_from_the_order_page",
            continue_to_paypal_reuses_the_token_and_cancel_from_the_order_page,
        ),
        (
            "purchase::orders_list_both_roles_with_the_trace_and_no_credentials",
            orders_list_both_roles_with_the_trace_and_no_credentials,
        ),
        (
            "purchase::someone_elses_order_is_404",
            someone_elses_order_is_404,
        ),
    ]
}

/// PSP balance in cents, as the emulator reports it.
pub fn psp_cents(server: &Server, member: &Member) -> i64 {
    let r = server.client().get_json(&format!(
        "/_emulator/paypal/accounts?email={}",
        member.paypal.email.replace('@', "%40")
    ));
    cents(&r.json()["balance"])
}

/// ISIN balance in cents, as /claims reports it.
pub fn isin_cents(member: &Member) -> i64 {
    cents(&member.client.get_json("/claims").json()["isin_balance"])
}

fn cents(v: &Value) -> i64 {
    paybook::core::money::Amount::parse_decimal(v.as_str().unwrap_or("x")).map_or(-1, |a| a.cents())
}

/// The member's titles: (isin, value cents).
pub fn titles(member: &Member) -> Vec<(String, i64)> {
    member.client.get_json("/claims").json()["titles"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|t| {
            (
                t["isin"].as_str().unwrap_or("").to_string(),
                cents(&t["value"]),
            )
        })
        .collect()
}

/// POST /buy; returns the answer (303 to the checkout when all is well).
pub fn post_buy(buyer: &Member, isin: &str, amount: &str, rate: &str) -> Resp {
    let token = csrf(&buyer.client, "/buy");
    buyer.client.post_form(
        "/buy",
        &[
            ("csrf_token", &token),
            ("isin", isin),
            ("amount", amount),
            ("profit_rate", rate),
        ],
    )
}

/// The path and query of an absolute URL on the test server.
pub fn local(url: &str) -> String {
    match url.find("://") {
        Some(at) => url[at + 3..]
            .find('/')
            .map_or("/".to_string(), |slash| url[at + 3 + slash..].to_string()),
        None => url.to_string(),
    }
}

/// Approves the payment on the emulator's checkout page as `payer`;
/// returns the return URL PayPal sends the buyer to.
pub fn approve(client: &Client, checkout: &str, payer: &Member) -> String {
    let r = client.post_form(
        &local(checkout),
        &[("email", &payer.paypal.email), ("action", "pay")],
    );
    assert_eq!(r.status, 302, "checkout: {}", r.body);
    r.header("location").unwrap_or_default().to_string()
}

/// Buys and pays as `buyer`: returns the order's JSON after the return.
pub fn buy(world: &World, buyer: &Member, isin: &str, amount: &str, rate: &str) -> Value {
    buy_on(&world.server, buyer, isin, amount, rate)
}

/// The same, on any server.
pub fn buy_on(_server: &Server, buyer: &Member, isin: &str, amount: &str, rate: &str) -> Value {
    let r = post_buy(buyer, isin, amount, rate);
    assert_eq!(r.status, 303, "buy: {}", r.body);
    let checkout = r.header("location").unwrap_or_default().to_string();
    assert!(
        checkout.contains("cmd=_express-checkout")
            && checkout.contains("token=EC-")
            && checkout.contains("useraction=commit"),
        "{checkout}"
    );
    let back = approve(&buyer.client, &checkout, buyer);
    assert!(
        back.contains("/psp/paypal/return?") && back.contains("PayerID="),
        "{back}"
    );
    let r = buyer.client.get(&local(&back));
    assert_eq!(r.status, 303, "return: {}", r.body);
    let order_path = r.header("location").unwrap_or_default().to_string();
    assert!(order_path.starts_with("/orders/"), "{order_path}");
    buyer.client.get_json(&order_path).json()
}

fn title_value(world: &World, isin: &str) -> Option<(i64, String)> {
    let r = world.server.client().get_json(&format!("/titles/{isin}"));
    (r.status == 200).then(|| {
        let j = r.json();
        (
            cents(&j["value"]),
            j["holder"].as_str().unwrap_or("").to_string(),
        )
    })
}

struct Snapshot {
    alice_psp: i64,
    bob_psp: i64,
    alice_isin: i64,
    bob_isin: i64,
}

fn snapshot(world: &World, alice: &Member, bob: &Member) -> Snapshot {
    Snapshot {
        alice_psp: psp_cents(&world.server, alice),
        bob_psp: psp_cents(&world.server, bob),
        alice_isin: isin_cents(alice),
        bob_isin: isin_cents(bob),
    }
}

fn acceptance_series_equal_less_and_higher(world: &World) {
    let alice = register(&world.server, "alice", "100.00");
    let bob = register(&world.server, "bob", "100.00");
    let alice_title = titles(&alice)[0].0.clone();
    let bob_title = titles(&bob)[0].0.clone();

    // 1. Equal: Bob pays Alice 1.00 for her title worth 1.00, rate 100.
    let before = snapshot(world, &alice, &bob);
    let order = buy(world, &bob, &alice_title, "1.00", "100");
    assert_eq!(order["code"], 2, "{order}");
    assert_eq!(order["status"], "processed");
    assert!(order["psp_transaction_id"]
        .as_str()
        .is_some_and(|t| t.len() == 17));
    let after = snapshot(world, &alice, &bob);
    assert_eq!(
        after.bob_psp,
        before.bob_psp - 100,
        "buyer's PSP balance fell by X"
    );
    assert_eq!(
        after.alice_psp,
        before.alice_psp + 100,
        "seller's PSP balance grew by X"
    );
    assert_eq!(
        after.bob_isin,
        before.bob_isin + 200,
        "buyer's ISIN balance grew by new_value"
    );
    assert_eq!(
        after.alice_isin,
        before.alice_isin - 100,
        "the title left the seller"
    );
    assert!(titles(&alice).is_empty());
    assert_eq!(title_value(world, &alice_title).map(|v| v.0), Some(200));
    let mail = &mails_to(&world.server, &alice.email)[0];
    assert!(
        mail["subject"]
            .as_str()
            .unwrap_or("")
            .contains(&alice_title),
        "ISIN in the subject: {mail}"
    );
    let body = mail["body"].as_str().unwrap_or("");
    assert!(body.contains(&bob.email), "who paid: {body}");
    assert!(body.contains("1.00 EUR"), "{body}");
    assert!(body.contains("2.00 EUR"), "new value: {body}");
    assert!(body.contains(&alice_title));

    // 2. Less: Alice pays Bob 1.50 for the title now worth 2.00, rate 50:
    //    Bob keeps it at 0.50, Alice gets a new title of 2.25.
    let before = snapshot(world, &alice, &bob);
    let order = buy(world, &alice, &alice_title, "1,50", "50");
    assert_eq!(order["code"], 2, "{order}");
    let after = snapshot(world, &alice, &bob);
    assert_eq!(after.alice_psp, before.alice_psp - 150);
    assert_eq!(after.bob_psp, before.bob_psp + 150);
    assert_eq!(after.alice_isin, before.alice_isin + 225);
    assert_eq!(
        after.bob_isin,
        before.bob_isin - 150,
        "seller's title dropped to V - X"
    );
    assert_eq!(title_value(world, &alice_title).map(|v| v.0), Some(50));
    let new_isin = order["new_isin"].as_str().unwrap_or("").to_string();
    assert!(
        paybook::core::isin::Isin::parse(&new_isin).is_ok_and(|i| i.is_paybook()),
        "{order}"
    );
    assert_ne!(new_isin, alice_title);
    assert_eq!(title_value(world, &new_isin).map(|v| v.0), Some(225));
    let mail = &mails_to(&world.server, &bob.email)[0];
    let body = mail["body"].as_str().unwrap_or("");
    assert!(mail["subject"]
        .as_str()
        .unwrap_or("")
        .contains(&alice_title));
    assert!(
        body.contains(&alice.email)
            && body.contains("1.50 EUR")
            && body.contains("2.25 EUR")
            && body.contains(&new_isin),
        "{body}"
    );

    // 3. Higher: Alice pays Bob 2.00 for his initiation title worth 1.00,
    //    rate 10: it passes to her at 2.20.
    let before = snapshot(world, &alice, &bob);
    let order = buy(world, &alice, &bob_title, "2", "10");
    assert_eq!(order["code"], 2, "{order}");
    let after = snapshot(world, &alice, &bob);
    assert_eq!(after.alice_psp, before.alice_psp - 200);
    assert_eq!(after.bob_psp, before.bob_psp + 200);
    assert_eq!(after.alice_isin, before.alice_isin + 220);
    assert_eq!(after.bob_isin, before.bob_isin - 100);
    assert_eq!(title_value(world, &bob_title).map(|v| v.0), Some(220));
    let mail = &mails_to(&world.server, &bob.email)[0];
    let body = mail["body"].as_str().unwrap_or("");
    assert!(mail["subject"].as_str().unwrap_or("").contains(&bob_title));
    assert!(
        body.contains(&alice.email) && body.contains("2.00 EUR") && body.contains("2.20 EUR"),
        "{body}"
    );

    // The history and the claims show the trades at once.
    let history = world.server.client().get_json("/history").json();
    let isins: Vec<&str> = history["trades"]
        .as_array()
        .map(|a| a.iter().filter_map(|t| t["isin"].as_str()).collect())
        .unwrap_or_default();
    assert!(isins.contains(&alice_title.as_str()) && isins.contains(&bob_title.as_str()));
    let last = history["trades"]
        .as_array()
        .and_then(|a| a.iter().find(|t| t["isin"] == bob_title.as_str()))
        .cloned()
        .unwrap_or_default();
    assert_eq!(last["amount"], "2.00");
    assert_eq!(last["new_value"], "2.20");
    assert!(last["seller_value"].is_null());
    assert_eq!(last["status"], "processed");
}

fn buy_form_has_no_preselected_rate_and_previews_each_case(world: &World) {
    let alice = register(&world.server, "prev-a", "10.00");
    let bob = register(&world.server, "prev-b", "10.00");
    let isin = titles(&alice)[0].0.clone();
    let form = bob.client.get(&format!("/buy?isin={isin}"));
    assert_eq!(form.status, 200);
    assert!(
        form.body
            .contains("name=\"profit_rate\" type=\"number\" value=\"\""),
        "no pre-selected rate"
    );
    let split = bob
        .client
        .get(&format!("/buy?isin={isin}&amount=0,50&profit_rate=20"));
    assert_eq!(split.status, 422, "below MIN_AMOUNT");
    let transfer = bob.client.get(&format!(
        "/buy?isin={isin}&amount=1.00&profit_rate=20&lang=en"
    ));
    assert_eq!(transfer.status, 200);
    assert!(transfer.body.contains("the title passes to you"));
    assert!(transfer.body.contains("1.20 EUR"), "new value");
    assert!(transfer.body.contains("You can lose what you pay."));
    let fr = bob.client.get(&format!(
        "/buy?isin={isin}&amount=1,00&profit_rate=0&lang=fr"
    ));
    assert!(fr.body.contains("le titre vous est transmis"));
    assert!(fr.body.contains("1,00 EUR"));
    // Not signed in: the page sends to the login.
    let anonymous = world.server.client().get(&format!("/buy?isin={isin}"));
    assert_eq!(anonymous.status, 303);
}

fn bad_purchases_are_refused_with_a_message_per_field(world: &World) {
    let alice = register(&world.server, "bad-a", "10.00");
    let bob = register(&world.server, "bad-b", "10.00");
    let isin = titles(&alice)[0].0.clone();
    let own = titles(&bob)[0].0.clone();
    for (isin, amount, rate, status, message) in [
        (
            isin.as_str(),
            "-1",
            "10",
            422,
            "Enter an amount such as 12.30",
        ),
        (
            isin.as_str(),
            "1.234",
            "10",
            422,
            "Enter an amount such as 12.30",
        ),
        (
            isin.as_str(),
            "1 000",
            "10",
            422,
            "Enter an amount such as 12.30",
        ),
        (
            isin.as_str(),
            "10000.01",
            "10",
            422,
            "at most 10,000.00 EUR",
        ),
        (isin.as_str(), "1.00", "", 422, "Enter a whole profit rate"),
        (
            isin.as_str(),
            "1.00",
            "12.5",
            422,
            "Enter a whole profit rate",
        ),
        (
            isin.as_str(),
            "1.00",
            "101",
            422,
            "Enter a whole profit rate",
        ),
        (
            own.as_str(),
            "1.00",
            "10",
            422,
            "you cannot buy it from yourself",
        ),
        ("ZZ123", "1.00", "10", 422, "This is not a valid ISIN."),
    ] {
        let r = post_buy(&bob, isin, amount, rate);
        assert_eq!(r.status, status, "{isin} {amount} {rate}: {}", r.body);
        assert!(
            r.body.contains(message),
            "{isin} {amount} {rate}: expected {message}"
        );
        assert!(
            r.body
                .contains(&format!("value=\"{}\"", amount.replace('\'', "&#39;"))),
            "typed amount kept"
        );
    }
    let unknown = paybook::core::isin::Isin::issue([3; 9]);
    assert_eq!(post_buy(&bob, unknown.as_str(), "1.00", "10").status, 404);
    // A POST without profit_rate means 100.
    let token = csrf(&bob.client, "/buy");
    let r = bob.client.post_form(
        "/buy",
        &[("csrf_token", &token), ("isin", &isin), ("amount", "1.00")],
    );
    assert_eq!(r.status, 303);
    let order_id = latest_order_id(&bob);
    let j = bob.client.get_json(&format!("/orders/{order_id}")).json();
    assert_eq!(j["profit_rate"], 100);
    assert_eq!(j["code"], 0);
}

fn latest_order_id(member: &Member) -> String {
    member.client.get_json("/orders").json()["orders"][0]["id"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

fn canceling_at_paypal_cancels_the_order_and_moves_nothing(world: &World) {
    let alice = register(&world.server, "cancel-a", "10.00");
    let bob = register(&world.server, "cancel-b", "10.00");
    let isin = titles(&alice)[0].0.clone();
    let before = snapshot(world, &alice, &bob);
    let r = post_buy(&bob, &isin, "1.00", "10");
    let checkout = r.header("location").unwrap_or_default().to_string();
    let r = bob.client.post_form(
        &local(&checkout),
        &[("email", &bob.paypal.email), ("action", "cancel")],
    );
    assert_eq!(r.status, 302);
    let back = r.header("location").unwrap_or_default().to_string();
    assert!(back.contains("/psp/paypal/cancel?order="), "{back}");
    let r = bob.client.get(&local(&back));
    assert_eq!(r.status, 303);
    let order = bob
        .client
        .get_json(r.header("location").unwrap_or("/"))
        .json();
    assert_eq!(order["code"], -1);
    assert_eq!(order["status"], "canceled");
    let after = snapshot(world, &alice, &bob);
    assert_eq!(
        (
            after.alice_psp,
            after.bob_psp,
            after.alice_isin,
            after.bob_isin
        ),
        (
            before.alice_psp,
            before.bob_psp,
            before.alice_isin,
            before.bob_isin
        )
    );
}

fn a_refreshed_return_never_pays_or_records_twice(world: &World) {
    let alice = register(&world.server, "refresh-a", "10.00");
    let bob = register(&world.server, "refresh-b", "10.00");
    let isin = titles(&alice)[0].0.clone();
    let r = post_buy(&bob, &isin, "2.00", "0");
    let checkout = r.header("location").unwrap_or_default().to_string();
    let back = approve(&bob.client, &checkout, &bob);
    let first = bob.client.get(&local(&back));
    let order_path = first.header("location").unwrap_or_default().to_string();
    let bob_after_first = psp_cents(&world.server, &bob);
    for _ in 0..3 {
        let again = bob.client.get(&local(&back));
        assert_eq!(again.status, 303);
        assert_eq!(again.header("location"), Some(order_path.as_str()));
    }
    assert_eq!(psp_cents(&world.server, &bob), bob_after_first, "paid once");
    assert_eq!(psp_cents(&world.server, &alice), 1_000 + 200);
    let order_id = order_path.trim_start_matches("/orders/");
    let trades: i64 = world
        .server
        .db()
        .query_row(
            "SELECT COUNT(*) FROM trades WHERE order_id = ?1",
            [order_id],
            |r| r.get(0),
        )
        .unwrap_or(-1);
    assert_eq!(trades, 1, "recorded once");
    assert_eq!(mails_to(&world.server, &alice.email).len(), 1, "one e-mail");
}

fn two_buyers_returning_at_once_exactly_one_pays(world: &World) {
    let alice = register(&world.server, "race-a", "10.00");
    let bob = register(&world.server, "race-b", "10.00");
    let carol = register(&world.server, "race-c", "10.00");
    let isin = titles(&alice)[0].0.clone();
    let mut returns = Vec::new();
    for buyer in [&bob, &carol] {
        let r = post_buy(buyer, &isin, "1.00", "100");
        assert_eq!(r.status, 303, "{}", r.body);
        let checkout = r.header("location").unwrap_or_default().to_string();
        returns.push(approve(&buyer.client, &checkout, buyer));
    }
    let handles: Vec<_> = [(&bob, returns[0].clone()), (&carol, returns[1].clone())]
        .into_iter()
        .map(|(buyer, back)| {
            let client = Client::new(&world.server.base_url);
            let path = local(&back);
            let _ = buyer;
            std::thread::spawn(move || {
                let r = client.get(&path);
                r.header("location")
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("{} {}", r.status, r.body))
            })
        })
        .collect();
    let shown: Vec<String> = handles
        .into_iter()
        .map(|h| h.join().unwrap_or_default())
        .collect();
    let codes: Vec<i64> = [&bob, &carol]
        .iter()
        .zip(&shown)
        .map(|(buyer, path)| {
            assert!(
                path.starts_with("/orders/"),
                "the return shows the order: {shown:?}"
            );
            buyer.client.get_json(path).json()["code"]
                .as_i64()
                .unwrap_or(99)
        })
        .collect();
    let mut sorted = codes.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        vec![-2, 2],
        "exactly one processed, the other failed: {codes:?}"
    );
    let (winner, loser) = if codes[0] == 2 {
        (&bob, &carol)
    } else {
        (&carol, &bob)
    };
    assert_eq!(psp_cents(&world.server, winner), 900);
    assert_eq!(
        psp_cents(&world.server, loser),
        1_000,
        "the loser's balance is untouched"
    );
    assert_eq!(psp_cents(&world.server, &alice), 1_100);
    assert_eq!(title_value(world, &isin).map(|v| v.0), Some(200));
}

fn continue_to_paypal_reuses_the_token_and_cancel_from_the_order_page(world: &World) {
    let alice = register(&world.server, "cont-a", "10.00");
    let bob = register(&world.server, "cont-b", "10.00");
    let isin = titles(&alice)[0].0.clone();
    let r = post_buy(&bob, &isin, "1.00", "5");
    let checkout = r.header("location").unwrap_or_default().to_string();
    let order_id = latest_order_id(&bob);
    let page = bob.client.get(&format!("/orders/{order_id}"));
    assert!(page.body.contains("Continue to PayPal"));
    let token = checkout
        .split("token=")
        .nth(1)
        .and_then(|t| t.split('&').next())
        .unwrap_or("")
        .to_string();
    assert!(page.body.contains(&token), "same token");
    let csrf_token = csrf(&bob.client, "/buy");
    let r = bob.client.post_form(
        &format!("/orders/{order_id}/cancel"),
        &[("csrf_token", &csrf_token)],
    );
    assert_eq!(r.status, 303);
    let j = bob.client.get_json(&format!("/orders/{order_id}")).json();
    assert_eq!(j["code"], -1);
    let page = bob.client.get(&format!("/orders/{order_id}"));
    assert!(!page.body.contains("Continue to PayPal"));
}

fn orders_list_both_roles_with_the_trace_and_no_credentials(world: &World) {
    let alice = register(&world.server, "roles-a", "10.00");
    let bob = register(&world.server, "roles-b", "10.00");
    let isin = titles(&alice)[0].0.clone();
    let order = buy(world, &bob, &isin, "1.00", "100");
    let id = order["id"].as_str().unwrap_or("").to_string();
    let bobs = bob.client.get_json("/orders").json();
    assert_eq!(bobs["orders"][0]["id"], id.as_str());
    assert_eq!(bobs["orders"][0]["role"], "buyer");
    for key in [
        "id",
        "role",
        "isin",
        "amount",
        "profit_rate",
        "status",
        "code",
        "created_at",
        "psp_transaction_id",
    ] {
        assert!(bobs["orders"][0].get(key).is_some(), "{key}");
    }
    assert!(bobs.get("next_page").is_some());
    let alices = alice.client.get_json("/orders").json();
    assert_eq!(alices["orders"][0]["role"], "seller");
    let detail = alice.client.get_json(&format!("/orders/{id}")).json();
    let methods: Vec<&str> = detail["trace"]
        .as_array()
        .map(|a| a.iter().filter_map(|t| t["method"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        methods,
        vec!["SetExpressCheckout", "DoExpressCheckoutPayment"]
    );
    let text = detail.to_string();
    assert!(
        !text.contains(&alice.paypal.api_password) && !text.contains(&alice.paypal.api_signature),
        "no credentials in traces"
    );
    assert!(!text.contains("\"PWD\"") && !text.contains("\"SIGNATURE\""));
    let trace = &detail["trace"][1];
    for key in [
        "method",
        "ack",
        "error_codes",
        "correlation_id",
        "at",
        "fields",
    ] {
        assert!(trace.get(key).is_some(), "{key}");
    }
    assert_eq!(trace["fields"]["PAYMENTINFO_0_PAYMENTSTATUS"], "Completed");
    let html = alice.client.get(&format!("/orders/{id}?lang=fr"));
    assert!(html.body.contains("traité (2)"));
}

fn someone_elses_order_is_404(world: &World) {
    let alice = register(&world.server, "other-a", "10.00");
    let bob = register(&world.server, "other-b", "10.00");
    let eve = register(&world.server, "other-e", "10.00");
    let isin = titles(&alice)[0].0.clone();
    let order = buy(world, &bob, &isin, "1.00", "1");
    let id = order["id"].as_str().unwrap_or("");
    assert_eq!(eve.client.get(&format!("/orders/{id}")).status, 404);
    assert_eq!(eve.client.get_json(&format!("/orders/{id}")).status, 404);
    assert_eq!(eve.client.get("/orders/nonexistent").status, 404);
    assert_eq!(world.server.client().get_json("/orders").status, 401);
}
