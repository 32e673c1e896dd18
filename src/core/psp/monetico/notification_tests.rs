//! Tests of the CGI2 notification: the reference's positional vector read
//! from its raw body, sorted notifications sealed here, refusals.

use super::*;
use crate::core::money::Currency;
use crate::core::psp::notice::PaymentState;

const CGI2_PAYETEST: &str =
    include_str!("../../../../tests/fixtures/psp/monetico/notification_cgi2_payetest.txt");

fn key() -> UsableKey {
    UsableKey::derive("0123456789ABCDEF0123456789ABCDEF01234567").expect("key")
}

/// A modern notification body sealed with the sorted MAC.
fn sorted_body(fields: &[(&str, &str)]) -> String {
    sealed_body(fields, &key())
}

#[test]
fn a_sealed_body_is_urlencoded_in_order_with_the_sorted_mac_last() {
    let body = sealed_body(&[("TPE", "1234567"), ("texte-libre", "a b&c")], &key());
    let code = mac::compute(
        &key(),
        Layout::Sorted,
        [("TPE", "1234567"), ("texte-libre", "a b&c")],
    );
    assert_eq!(
        body,
        format!("TPE=1234567&texte-libre=a+b%26c&MAC={}", code.to_hex())
    );
    let accented = sealed_body(&[("TPE", "1234567"), ("motifrefus", "Refusé=*")], &key());
    assert!(
        accented.contains("motifrefus=Refus%C3%A9%3D*&"),
        "{accented}"
    );
    let received = Received::parse(accented.as_bytes()).expect("parse");
    assert_eq!(received.field("motifrefus"), Some("Refusé=*"));
    assert!(received.mac_valid(&key(), Layout::Sorted));
}

#[test]
fn a_notification_is_checked_against_its_order() {
    let read = Received::parse(sorted_body(&PAID).as_bytes())
        .expect("parse")
        .read()
        .expect("read");
    let eur = |cents| WireAmount::new(cents, Currency::EUR);
    assert_eq!(read.check_order("1234567", "ORD42", eur(1234)), Ok(()));
    assert_eq!(
        read.check_order("7654321", "ORD42", eur(1234)),
        Err(Mismatch::Tpe)
    );
    assert_eq!(
        read.check_order("1234567", "ORD43", eur(1234)),
        Err(Mismatch::Reference)
    );
    assert_eq!(
        read.check_order("1234567", "ORD42", eur(1235)),
        Err(Mismatch::Amount)
    );
    let usd = WireAmount::new(1234, Currency::parse("USD").expect("usd"));
    assert_eq!(
        read.check_order("1234567", "ORD42", usd),
        Err(Mismatch::Amount)
    );
}

const PAID: [(&str, &str); 9] = [
    ("TPE", "1234567"),
    ("date", "17/07/2026_a_10:40:10"),
    ("montant", "12.34EUR"),
    ("reference", "ORD42"),
    ("texte-libre", "ORD42"),
    ("code-retour", "paiement"),
    ("numauto", "123456"),
    ("motifrefus", ""),
    ("authentification", "bnVsbAo="),
];

#[test]
fn the_acknowledgements_are_the_banks_bodies() {
    assert_eq!(acknowledgement(true), "version=2\ncdr=0\n");
    assert_eq!(acknowledgement(false), "version=2\ncdr=1\n");
    assert_eq!(ACK_CONTENT_TYPE, "text/plain");
}

#[test]
fn the_reference_cgi2_vector_verifies_from_its_raw_body_in_the_positional_layout() {
    let received = Received::parse(CGI2_PAYETEST.as_bytes()).expect("parse");
    assert!(received.mac_valid(&key(), Layout::PositionalNotification));
    assert!(!received.mac_valid(&key(), Layout::Sorted));
    let read = received.read().expect("read");
    assert_eq!(read.amount, WireAmount::new(6275, Currency::EUR));
    assert_eq!(read.date, "05/12/2006_a_11:55:23");
    assert_eq!(read.code, ReturnCode::Payetest);
    assert_eq!(read.verdict(), Verdict::Authorized { test_server: true });
    assert_eq!(read.numauto.as_deref(), Some("010101"));
}

#[test]
fn a_sorted_notification_verifies_and_reads_as_an_authorization() {
    let received = Received::parse(sorted_body(&PAID).as_bytes()).expect("parse");
    assert!(received.mac_valid(&key(), Layout::Sorted));
    let read = received.read().expect("read");
    assert_eq!(read.tpe, "1234567");
    assert_eq!(read.reference, "ORD42");
    assert_eq!(read.amount.cents, 1234);
    assert_eq!(read.verdict().payment_state(), PaymentState::Pending);
    assert_eq!(received.field("authentification"), Some("bnVsbAo="));
}

#[test]
fn a_lower_case_mac_is_as_good_as_an_upper_case_one() {
    let body = sorted_body(&PAID);
    let (head, mac) = body.rsplit_once("MAC=").expect("mac");
    let lower = format!("{head}MAC={}", mac.to_ascii_lowercase());
    let received = Received::parse(lower.as_bytes()).expect("parse");
    assert!(received.mac_valid(&key(), Layout::Sorted));
}

#[test]
fn an_altered_field_an_added_field_or_another_key_fails_the_mac() {
    let body = sorted_body(&PAID);
    let altered = body.replace("12.34EUR", "1.00EUR");
    let received = Received::parse(altered.as_bytes()).expect("parse");
    assert!(!received.mac_valid(&key(), Layout::Sorted));
    let added = format!("extra=1&{body}");
    let received = Received::parse(added.as_bytes()).expect("parse");
    assert!(!received.mac_valid(&key(), Layout::Sorted));
    let other = UsableKey::derive("1123456789ABCDEF0123456789ABCDEF01234567").expect("key");
    let received = Received::parse(body.as_bytes()).expect("parse");
    assert!(!received.mac_valid(&other, Layout::Sorted));
}

#[test]
fn an_annulation_is_a_refusal_showing_motifrefus() {
    let mut fields = PAID;
    fields[5] = ("code-retour", "Annulation");
    fields[6] = ("numauto", "");
    fields[7] = ("motifrefus", "Interdit");
    let received = Received::parse(sorted_body(&fields).as_bytes()).expect("parse");
    assert!(received.mac_valid(&key(), Layout::Sorted));
    let read = received.read().expect("read");
    assert_eq!(read.numauto, None);
    assert_eq!(
        read.verdict(),
        Verdict::Refused {
            code: "Annulation".into(),
            reason: "Interdit".into()
        }
    );
}

#[test]
fn unknown_fields_are_kept_aside_and_still_sealed() {
    let mut fields = PAID.to_vec();
    fields.push(("nouveau_champ", "x"));
    let received = Received::parse(sorted_body(&fields).as_bytes()).expect("parse");
    assert!(received.mac_valid(&key(), Layout::Sorted));
    assert_eq!(received.unknown_fields(), vec![("nouveau_champ", "x")]);
    assert!(received.read().is_ok());
}

#[test]
fn a_key_posted_twice_is_refused() {
    let body = format!("{}&montant=1.00EUR", sorted_body(&PAID));
    assert_eq!(
        Received::parse(body.as_bytes()),
        Err(NotificationError::Duplicate("montant".into()))
    );
}

#[test]
fn a_body_without_mac_or_without_a_needed_field_is_refused() {
    assert_eq!(
        Received::parse(b"TPE=1234567&montant=1EUR"),
        Err(NotificationError::Missing("MAC"))
    );
    for needed in ["TPE", "date", "montant", "reference", "code-retour"] {
        let fields: Vec<(&str, &str)> =
            PAID.iter().copied().filter(|(n, _)| *n != needed).collect();
        let received = Received::parse(sorted_body(&fields).as_bytes()).expect("parse");
        assert_eq!(
            received.read(),
            Err(NotificationError::Missing(needed)),
            "{needed}"
        );
    }
}

#[test]
fn an_unreadable_amount_is_refused_not_rounded() {
    let mut fields = PAID;
    fields[2] = ("montant", "12.345EUR");
    let received = Received::parse(sorted_body(&fields).as_bytes()).expect("parse");
    assert_eq!(
        received.read(),
        Err(NotificationError::Amount(AmountError("12.345EUR".into())))
    );
}

#[test]
fn an_empty_body_has_no_mac() {
    assert_eq!(Received::parse(b""), Err(NotificationError::Missing("MAC")));
}

#[test]
fn a_body_that_is_not_utf_8_is_refused_rather_than_read_lossily() {
    // A Latin-1 `é` would otherwise become U+FFFD and fail the MAC, which
    // looks like a forgery; it is an encoding problem, said as such.
    assert_eq!(
        parse_form(b"motifrefus=Refus%E9&MAC=00"),
        Err(NotificationError::NotUtf8)
    );
    assert_eq!(
        parse_form(b"motifrefus=Refus\xe9&MAC=00"),
        Err(NotificationError::NotUtf8)
    );
}

#[test]
fn a_broken_percent_escape_is_refused() {
    for body in [&b"a=%G1"[..], b"a=%4", b"a=%"] {
        assert_eq!(
            parse_form(body),
            Err(NotificationError::NotForm),
            "{body:?}"
        );
    }
}

#[test]
fn forms_read_as_browsers_write_them() {
    let fields = parse_form(b"a=1&&b=x+y%2Bz&c&d=e=f").expect("form");
    let got: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    assert_eq!(got, [("a", "1"), ("b", "x y+z"), ("c", ""), ("d", "e=f")]);
}
