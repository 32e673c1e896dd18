//! Tests of capture, release and recredit requests and of their answers.

use super::*;
use crate::core::money::Currency;
use crate::core::psp::monetico::mac::{self, Layout};

const ACCEPTED: &str =
    include_str!("../../../../tests/fixtures/psp/monetico/capture_answer_accepted.txt");

fn key() -> UsableKey {
    UsableKey::derive("0123456789ABCDEF0123456789ABCDEF01234567").expect("key")
}

fn order() -> OrderAtBank<'static> {
    OrderAtBank {
        tpe: "1234567",
        societe: "monSite1",
        reference: "ORD42",
        amount: WireAmount::new(1234, Currency::EUR),
        // 23:30 UTC in winter is the next day in Paris.
        ordered_at: UtcTime::parse("2026-01-31T23:30:00Z").expect("utc"),
        lang: Lang::En,
    }
}

fn at() -> UtcTime {
    UtcTime::parse("2026-02-01T09:15:00Z").expect("utc")
}

fn value<'a>(fields: &'a [(&'static str, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.as_str())
}

fn mac_seals_the_rest(fields: &[(&'static str, String)]) {
    let (last, rest) = fields.split_last().expect("fields");
    assert_eq!(last.0, "MAC");
    let sealed = mac::sealed_string(Layout::Sorted, rest.iter().map(|(n, v)| (*n, v.as_str())));
    assert!(mac::verify(&key(), &sealed, &last.1), "{sealed}");
}

#[test]
fn a_whole_capture_posts_the_reference_fields_in_order_sealed() {
    let fields = capture_fields(&order(), CaptureSplit::whole(order().amount), at(), &key())
        .expect("fields");
    let names: Vec<&str> = fields.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names,
        [
            "version",
            "TPE",
            "date",
            "date_commande",
            "montant",
            "montant_a_capturer",
            "montant_deja_capture",
            "montant_restant",
            "reference",
            "lgue",
            "societe",
            "MAC"
        ]
    );
    assert_eq!(value(&fields, "version"), Some("3.0"));
    assert_eq!(value(&fields, "date"), Some("01/02/2026:10:15:00"));
    assert_eq!(value(&fields, "date_commande"), Some("01/02/2026"));
    assert_eq!(value(&fields, "montant"), Some("12.34EUR"));
    assert_eq!(value(&fields, "montant_a_capturer"), Some("12.34EUR"));
    assert_eq!(value(&fields, "montant_deja_capture"), Some("0EUR"));
    assert_eq!(value(&fields, "montant_restant"), Some("0EUR"));
    assert_eq!(value(&fields, "lgue"), Some("EN"));
    mac_seals_the_rest(&fields);
}

#[test]
fn a_release_captures_0eur_and_leaves_0eur() {
    let fields = capture_fields(&order(), CaptureSplit::RELEASE, at(), &key()).expect("fields");
    assert_eq!(value(&fields, "montant"), Some("12.34EUR"));
    assert_eq!(value(&fields, "montant_a_capturer"), Some("0EUR"));
    assert_eq!(value(&fields, "montant_restant"), Some("0EUR"));
    mac_seals_the_rest(&fields);
}

#[test]
fn a_repeated_capture_at_the_same_instant_is_the_same_request() {
    let split = CaptureSplit::whole(order().amount);
    assert_eq!(
        capture_fields(&order(), split, at(), &key()),
        capture_fields(&order(), split, at(), &key())
    );
}

#[test]
fn a_split_beyond_the_amount_or_negative_is_refused() {
    let over = CaptureSplit {
        to_capture: 1234,
        already_captured: 1,
        remaining: 0,
    };
    assert_eq!(
        capture_fields(&order(), over, at(), &key()),
        Err(FormError::Amount)
    );
    let negative = CaptureSplit {
        to_capture: -1,
        already_captured: 0,
        remaining: 0,
    };
    assert_eq!(
        capture_fields(&order(), negative, at(), &key()),
        Err(FormError::Amount)
    );
    let mut bad = order();
    bad.tpe = "12";
    assert_eq!(
        capture_fields(&bad, CaptureSplit::RELEASE, at(), &key()),
        Err(FormError::Tpe)
    );
}

#[test]
fn a_recredit_posts_the_reference_fields_in_order_sealed() {
    let recredit = Recredit {
        captured_at: UtcTime::parse("2026-02-01T09:15:00Z").expect("utc"),
        authorization: "123456",
        cents: 500,
        refundable: 1234,
    };
    let fields = recredit_fields(&order(), &recredit, at(), &key()).expect("fields");
    let names: Vec<&str> = fields.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names,
        [
            "version",
            "TPE",
            "date",
            "date_commande",
            "date_remise",
            "num_autorisation",
            "montant",
            "montant_recredit",
            "montant_possible",
            "reference",
            "lgue",
            "societe",
            "MAC"
        ]
    );
    assert_eq!(value(&fields, "date_remise"), Some("01/02/2026"));
    assert_eq!(value(&fields, "num_autorisation"), Some("123456"));
    assert_eq!(value(&fields, "montant_recredit"), Some("5.00EUR"));
    assert_eq!(value(&fields, "montant_possible"), Some("12.34EUR"));
    mac_seals_the_rest(&fields);
    let too_much = Recredit {
        cents: 1235,
        ..recredit
    };
    assert_eq!(
        recredit_fields(&order(), &too_much, at(), &key()),
        Err(FormError::Amount)
    );
    let nothing = Recredit {
        cents: 0,
        ..recredit
    };
    assert_eq!(
        recredit_fields(&order(), &nothing, at(), &key()),
        Err(FormError::Amount)
    );
}

#[test]
fn the_published_accepted_answer_is_an_acceptance() {
    assert_eq!(
        read_answer(ACCEPTED),
        Ok(CallOutcome::Accepted {
            lib: "paiement accepte".into(),
            aut: Some("123456".into())
        })
    );
    let crlf = ACCEPTED.replace('\n', "\r\n");
    assert_eq!(read_answer(&crlf), read_answer(ACCEPTED));
}

#[test]
fn declines_repeats_and_unknown_codes_are_outcomes() {
    assert_eq!(
        read_answer("version=1.0\ncdr=0\nlib=commande non authentifiee\n"),
        Ok(CallOutcome::Declined {
            lib: "commande non authentifiee".into()
        })
    );
    assert_eq!(
        read_answer("cdr=2\nlib=paiement deja capture"),
        Ok(CallOutcome::AlreadyDone {
            lib: "paiement deja capture".into()
        })
    );
    assert_eq!(
        read_answer("cdr=-1\n"),
        Ok(CallOutcome::Unrecognized {
            cdr: "-1".into(),
            lib: String::new()
        })
    );
    assert_eq!(
        read_answer("cdr=1\nlib=a=b\n"),
        Ok(CallOutcome::Accepted {
            lib: "a=b".into(),
            aut: None
        })
    );
}

#[test]
fn an_unreadable_answer_is_an_error_not_a_decline() {
    assert_eq!(read_answer(""), Err(AnswerError::MissingCdr));
    assert_eq!(read_answer("lib=ok\n"), Err(AnswerError::MissingCdr));
    assert_eq!(
        read_answer("<html>502</html>"),
        Err(AnswerError::NotKeyValue("<html>502</html>".into()))
    );
    assert_eq!(
        read_answer("cdr=1\ncdr=0\n"),
        Err(AnswerError::Duplicate("cdr".into()))
    );
}
