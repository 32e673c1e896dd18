//! The buyer's receipt (issue 21), end to end over HTTP: after a PayPal
//! purchase by a buyer registered in French and after a Sips card
//! purchase by one registered in English, the buyer's mailbox holds
//! exactly one receipt, in his language, with the amount, the provider's
//! reference, the title received, the order's page and the risk notice;
//! a refreshed return and a duplicated automatic response add none. A
//! Monetico purchase below the declared value (a split) names the new
//! title and the one it came from.

use serde_json::Value;

use crate::flows::{mails_to, paypal_account, post_register, Member, PASSWORD};
use crate::harness::{unique_email, Server};
use crate::monetico_purchase::{buy_by_card_for, card_page, decide, held, monetico_seller};
use crate::purchase::{approve, local, post_buy, titles};
use crate::sips_purchase::{come_back_raw, pay_at_bank, register_with_sips, start};
use crate::{Test, World};

pub fn tests() -> Vec<Test> {
    vec![
        (
            "receipts::a_paypal_purchase_mails_the_french_buyer_one_receipt_even_after_refreshes",
            a_paypal_purchase_mails_the_french_buyer_one_receipt_even_after_refreshes,
        ),
        (
            "receipts::a_sips_purchase_mails_one_english_receipt_despite_a_duplicated_response",
            a_sips_purchase_mails_one_english_receipt_despite_a_duplicated_response,
        ),
        (
            "receipts::a_monetico_split_purchase_receipt_names_the_new_title_and_its_origin",
            a_monetico_split_purchase_receipt_names_the_new_title_and_its_origin,
        ),
    ]
}

/// A client registered while browsing in French (his language is French).
fn register_in_french(server: &Server, prefix: &str) -> Member {
    let email = unique_email(prefix);
    let paypal = paypal_account(server, &format!("pp-{email}"), "10.00");
    let client = server.client();
    assert_eq!(client.get("/?lang=fr").status, 200);
    let r = post_register(&client, &email, PASSWORD, &paypal);
    assert_eq!(r.status, 303, "register: {}", r.body);
    Member {
        client,
        email,
        paypal,
    }
}

/// The buyer's receipts in the mailbox (by subject, in either language).
fn receipts(server: &Server, to: &str) -> Vec<Value> {
    mails_to(server, to)
        .into_iter()
        .filter(|m| {
            let subject = m["subject"].as_str().unwrap_or("");
            subject.starts_with("PayBook: your receipt")
                || subject.starts_with("PayBook : votre reçu")
        })
        .collect()
}

fn body(mail: &Value) -> String {
    mail["body"].as_str().unwrap_or_default().to_owned()
}

fn a_paypal_purchase_mails_the_french_buyer_one_receipt_even_after_refreshes(world: &World) {
    let server = &world.server;
    let seller = crate::flows::register(server, "rcpt-pp-s", "10.00");
    let buyer = register_in_french(server, "rcpt-pp-b");
    let isin = titles(&seller)[0].0.clone();
    let r = post_buy(&buyer, &isin, "2.00", "0");
    assert_eq!(r.status, 303, "buy: {}", r.body);
    let back = approve(
        &buyer.client,
        r.header("location").unwrap_or_default(),
        &buyer,
    );
    let first = buyer.client.get(&local(&back));
    assert_eq!(first.status, 303, "return: {}", first.body);
    let order_path = first.header("location").unwrap_or_default().to_owned();
    for _ in 0..2 {
        assert_eq!(buyer.client.get(&local(&back)).status, 303, "refresh");
    }
    let order = buyer.client.get_json(&order_path).json();
    assert_eq!(order["code"], 2, "{order}");
    let txn = order["psp_transaction_id"].as_str().unwrap_or_default();
    assert!(!txn.is_empty(), "{order}");
    let mails = receipts(server, &buyer.email);
    assert_eq!(mails.len(), 1, "one receipt: {mails:?}");
    let subject = mails[0]["subject"].as_str().unwrap_or_default();
    assert_eq!(
        subject,
        format!("PayBook : votre reçu pour 2.00 EUR ({isin})")
    );
    let text = body(&mails[0]);
    for part in [
        "Montant payé : 2.00 EUR".to_owned(),
        format!("Payé par : PayPal, référence {txn}"),
        format!("Titre reçu : {isin}"),
        "Sa valeur déclarée : 2.00 EUR".to_owned(),
        format!("{order_path}\n"),
        "Avertissement sur les risques : La valeur d'un titre est seulement déclarée".to_owned(),
    ] {
        assert!(text.contains(&part), "{part:?} in {text}");
    }
    assert!(!text.contains("Amount paid"), "French only: {text}");
    assert!(
        receipts(server, &seller.email).is_empty(),
        "the seller gets no receipt"
    );
}

fn a_sips_purchase_mails_one_english_receipt_despite_a_duplicated_response(world: &World) {
    let server = &world.server;
    let seller = register_with_sips(server, "rcpt-sips-s");
    let buyer = register_with_sips(server, "rcpt-sips-b");
    let isin = first_isin(&seller);
    // Sips sends its automatic response twice.
    let r = server.client().post_form(
        "/_emulator/sips/faults",
        &[
            ("method", "response"),
            ("duplicate", "1"),
            ("merchant_id", seller.merchant_id.as_str()),
        ],
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let (order_id, _, action, fields) = start(&buyer, &isin, "1.00", "100");
    let back = pay_at_bank(&buyer.client, &action, &fields, "pay");
    // The browser posts the manual response back, then again (a refresh).
    for _ in 0..2 {
        assert_eq!(come_back_raw(&buyer.client, &back).status, 303);
    }
    let order = buyer.client.get_json(&format!("/orders/{order_id}")).json();
    assert_eq!(order["code"], 2, "{order}");
    let reference = order["psp_transaction_id"].as_str().unwrap_or_default();
    let mails = receipts(server, &buyer.email);
    assert_eq!(mails.len(), 1, "one receipt: {mails:?}");
    let text = body(&mails[0]);
    for part in [
        "Amount paid: 1.00 EUR".to_owned(),
        format!("Paid through: Sips, reference {reference}"),
        format!("Title received: {isin}"),
        "Its declared value: 2.00 EUR".to_owned(),
        format!("Order: {order_id}, http"),
        format!("/orders/{order_id}\n"),
        "Risk notice: A title's value is only declared: it is not money.".to_owned(),
    ] {
        assert!(text.contains(&part), "{part:?} in {text}");
    }
}

fn a_monetico_split_purchase_receipt_names_the_new_title_and_its_origin(world: &World) {
    let server = &world.server;
    let (alice, _) = monetico_seller(server, "rcpt-mon-a");
    let (bob, _) = monetico_seller(server, "rcpt-mon-b");
    let pay = |client: &crate::harness::Client, isin: &str, amount: &str, rate: &str| {
        let (id, action, fields) = buy_by_card_for(client, isin, amount, rate);
        let card = card_page(client, &action, &fields);
        assert_eq!(decide(client, &card, "pay").status, 303);
        let j = client.get_json(&format!("/orders/{id}")).json();
        let order = j.get("order").cloned().unwrap_or(j);
        assert_eq!(order["code"], 2, "{order}");
        (
            id,
            order["psp_transaction_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        )
    };
    // Bob buys Alice's title at its value (it passes to him, worth 2.00).
    let alice_title = held(&alice.client)[0].clone();
    pay(&bob.client, &alice_title, "1.00", "100");
    let bobs = receipts(server, &bob.email);
    assert_eq!(bobs.len(), 1, "{bobs:?}");
    assert!(
        body(&bobs[0]).contains(&format!("Title received: {alice_title}\n")),
        "{}",
        body(&bobs[0])
    );
    // Alice pays 1.50 for it: less than its 2.00, so it is split.
    let (order_id, reference) = pay(&alice.client, &alice_title, "1.50", "50");
    let new_isin = held(&alice.client)
        .into_iter()
        .find(|i| *i != alice_title)
        .expect("Alice holds the split title");
    let mails = receipts(server, &alice.email);
    assert_eq!(mails.len(), 1, "one receipt: {mails:?}");
    assert_eq!(
        mails[0]["subject"].as_str().unwrap_or_default(),
        format!("PayBook: your receipt for 1.50 EUR ({new_isin})")
    );
    let text = body(&mails[0]);
    for part in [
        "Amount paid: 1.50 EUR".to_owned(),
        format!("Paid through: Monetico, reference {reference}"),
        format!("Title received: {new_isin}, a new title split from {alice_title}"),
        format!("/orders/{order_id}\n"),
    ] {
        assert!(text.contains(&part), "{part:?} in {text}");
    }
}

/// The seller's first title, as `/claims` lists it.
fn first_isin(seller: &crate::sips_purchase::CardMember) -> String {
    seller.client.get_json("/claims").json()["titles"][0]["isin"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}
