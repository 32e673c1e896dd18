//! Tests of `receipt`: its text in both languages, and its place in the
//! record batch (once, keyed by order, behind the guard) for every provider.

use super::*;
use crate::core::i18n::{EN, FR};
use crate::core::money::Amount;
use crate::core::psp::ProviderId;
use crate::core::purchase::decide::{after_payment, AfterPayment, PaymentAnswer};
use crate::core::purchase::fixture::{mail, order, trace};
use crate::core::purchase::record::record_completed;
use crate::core::sql::Param;

fn cents(c: i64) -> Amount {
    Amount::from_cents(c).expect("an amount")
}

/// The fixture's order (2.00 EUR for ZZ0000000001, worth 5.00, at 100 %):
/// a split issuing ZZ0000000002 worth 4.00.
fn split() -> Outcome {
    Outcome::Split {
        new_value: cents(400),
        seller_value: cents(300),
    }
}

const NOW: &str = "2026-11-22T10:05:00Z";

#[test]
fn an_english_receipt_states_amount_provider_reference_title_order_and_risk() {
    let outcome = split();
    let paid = Paid {
        outcome: &outcome,
        new_isin: "ZZ0000000002",
        reference: "5TX123",
    };
    let (subject, body) = receipt_mail(&order(), &paid, Some("https://paybook.example"), Lang::En);
    assert_eq!(subject, "PayBook: your receipt for 2.00 EUR (ZZ0000000002)");
    for line in [
        "Amount paid: 2.00 EUR\n",
        "Paid through: PayPal, reference 5TX123\n",
        "Title received: ZZ0000000002, a new title split from ZZ0000000001\n",
        "Its declared value: 4.00 EUR\n",
        "Order: ord1, https://paybook.example/orders/ord1\n",
    ] {
        assert!(body.contains(line), "{line:?} in {body}");
    }
    assert!(
        body.ends_with(&format!("Risk notice: {}\n", EN.risk_notice)),
        "{body}"
    );
    assert!(!body.contains('{'), "every placeholder filled: {body}");
}

#[test]
fn a_french_receipt_for_a_card_payment_names_the_bank_reference_in_french() {
    let outcome = Outcome::Transfer {
        new_value: cents(400),
    };
    let card = OrderState {
        psp: ProviderId::Sips,
        ..order()
    };
    let paid = Paid {
        outcome: &outcome,
        new_isin: "ZZ0000000001",
        reference: "ord1",
    };
    let (subject, body) = receipt_mail(&card, &paid, None, Lang::Fr);
    assert_eq!(subject, "PayBook : votre reçu pour 2.00 EUR (ZZ0000000001)");
    for line in [
        "Merci pour votre achat.",
        "Montant payé : 2.00 EUR\n",
        "Payé par : Sips, référence ord1\n",
        "Titre reçu : ZZ0000000001\n",
        "Sa valeur déclarée : 4.00 EUR\n",
        // No known address (the cron without BASE_URL): the page's path.
        "Ordre : ord1, /orders/ord1\n",
    ] {
        assert!(body.contains(line), "{line:?} in {body}");
    }
    assert!(
        body.ends_with(&format!(
            "Avertissement sur les risques : {}\n",
            FR.risk_notice
        )),
        "{body}"
    );
    assert!(!body.contains("Amount") && !body.contains('{'), "{body}");
}

#[test]
fn a_reference_is_written_as_given_never_read_as_a_placeholder() {
    let outcome = split();
    let paid = Paid {
        outcome: &outcome,
        new_isin: "ZZ0000000002",
        reference: "{risk}{link",
    };
    let (_, body) = receipt_mail(&order(), &paid, None, Lang::En);
    assert!(body.contains("reference {risk}{link\n"), "{body}");
    assert_eq!(fill("a {b} {c", &[("b", "{c}")]), "a {c} {c");
}

/// The outbox rows of `batch` keyed `key`.
fn keyed<'a>(batch: &'a [Stmt], key: &str) -> Vec<&'a Stmt> {
    batch
        .iter()
        .filter(|s| {
            s.sql.starts_with("INSERT INTO outbox") && s.params.first() == Some(&Param::from(key))
        })
        .collect()
}

#[test]
fn the_receipt_is_queued_once_in_the_record_batch_to_the_buyer_in_his_language() {
    let fr_buyer = OrderState {
        buyer_language: "fr".into(),
        seller_language: "en".into(),
        ..order()
    };
    let batch = record_completed(&fr_buyer, "5TX123", Some("R"), trace(), &mail(), NOW);
    let receipts = keyed(&batch, "order:ord1:receipt");
    assert_eq!(receipts.len(), 1, "one receipt in the record batch");
    let receipt = receipts[0];
    assert!(
        receipt.sql.contains("ON CONFLICT (event_key) DO NOTHING"),
        "a repeat writes nothing"
    );
    assert_eq!(receipt.params.get(1), Some(&Param::from("bob@example.org")));
    let is_text =
        |p: Option<&Param>, start: &str| matches!(p, Some(Param::Text(t)) if t.starts_with(start));
    assert!(is_text(
        receipt.params.get(2),
        "PayBook : votre reçu pour 2.00 EUR"
    ));
    assert!(is_text(receipt.params.get(3), "Merci pour votre achat."));
    // Behind the order's guard: a record that finds the order already
    // processed aborts before any e-mail.
    let guard = batch
        .iter()
        .position(|s| s.sql.contains("changes()"))
        .expect("a guard");
    let at = batch
        .iter()
        .position(|s| std::ptr::eq(s, receipt))
        .expect("the receipt");
    assert!(guard < at);
    let seller = keyed(&batch, "order:ord1:sold");
    assert!(is_text(
        seller.first().and_then(|s| s.params.get(2)),
        "PayBook: ZZ0000000001 partly sold"
    ));
}

#[test]
fn every_provider_recorded_through_after_payment_gets_one_receipt() {
    for psp in ProviderId::ALL {
        let answer = PaymentAnswer::Completed {
            transaction_id: "REF-1".into(),
            amount: Amount::from_cents(200),
            currency: Some("EUR".into()),
            receiver_id: Some("R".into()),
        };
        let paid = OrderState { psp, ..order() };
        let AfterPayment::Record(batch) = after_payment(&paid, &answer, trace(), &mail(), NOW)
        else {
            panic!("{psp:?} recorded")
        };
        let receipts = keyed(&batch, &receipt_key("ord1"));
        assert_eq!(receipts.len(), 1, "{psp:?}");
        let body = match receipts[0].params.get(3) {
            Some(Param::Text(t)) => t.clone(),
            other => panic!("{other:?}"),
        };
        assert!(
            body.contains("reference REF-1") && body.contains(display_name(psp)),
            "{body}"
        );
    }
}

#[test]
fn a_payment_put_aside_for_review_sends_no_receipt() {
    let answer = PaymentAnswer::Completed {
        transaction_id: "T1".into(),
        amount: Amount::from_cents(199),
        currency: Some("EUR".into()),
        receiver_id: None,
    };
    let AfterPayment::NeedsReview(batch) = after_payment(&order(), &answer, trace(), &mail(), NOW)
    else {
        panic!("review")
    };
    assert!(keyed(&batch, "order:ord1:receipt").is_empty());
}
