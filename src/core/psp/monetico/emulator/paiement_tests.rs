//! Tests of the `paiement.cgi` check and of the notification it leads to.

use super::*;
use crate::core::i18n::Lang;
use crate::core::money::Currency;
use crate::core::psp::monetico::codes::{ReturnCode, Verdict};
use crate::core::psp::monetico::emulator::card::{decide_card, CardAction};
use crate::core::psp::monetico::form::{payment_fields, PaymentRequest};

const CLE: &str = "0123456789ABCDEF0123456789ABCDEF01234567";

fn merchant() -> Merchant {
    Merchant {
        id: 1,
        email: "shop@example.org".into(),
        tpe: "1234567".into(),
        societe: "monSite1".into(),
        cle: CLE.into(),
        balance_cents: 0,
        currency: "EUR".into(),
    }
}

fn at() -> UtcTime {
    UtcTime::parse("2026-07-17T08:40:10Z").expect("utc")
}

fn request() -> PaymentRequest<'static> {
    PaymentRequest {
        tpe: "1234567",
        societe: "monSite1",
        reference: "ORD42",
        amount: WireAmount::new(1230, Currency::EUR),
        at: at(),
        lang: Lang::Fr,
        mail: Some("buyer@example.org"),
        url_ok: "http://localhost/psp/monetico/return?ok=1",
        url_err: "http://localhost/psp/monetico/return?ok=0",
        contexte_commande: Some(r#"{"billing":{"country":"FR"}}"#),
    }
}

fn encode(fields: &[(&str, String)]) -> Vec<u8> {
    serde_urlencoded::to_string(fields)
        .expect("urlencoded")
        .into_bytes()
}

fn sealed(request: &PaymentRequest<'_>, cle: &str) -> Received {
    let key = UsableKey::derive(cle).expect("key");
    let fields = payment_fields(request, &key).expect("fields");
    Received::parse(&encode(&fields)).expect("form")
}

#[test]
fn a_form_the_adapter_seals_is_accepted_with_its_fields() {
    let form = check_paiement(&sealed(&request(), CLE), Some(&merchant())).expect("accepted");
    assert_eq!(form.tpe, "1234567");
    assert_eq!(form.reference, "ORD42");
    assert_eq!(form.amount, WireAmount::new(1230, Currency::EUR));
    assert_eq!(form.texte_libre, "ORD42");
    assert_eq!(form.lgue, "FR");
    assert_eq!(form.mail, "buyer@example.org");
    assert_eq!(form.url_ok, "http://localhost/psp/monetico/return?ok=1");
    assert_eq!(form.url_err, "http://localhost/psp/monetico/return?ok=0");
}

#[test]
fn a_form_sealed_with_another_key_or_altered_is_refused_as_bad_mac() {
    let other = "1123456789ABCDEF0123456789ABCDEF01234567";
    assert_eq!(
        check_paiement(&sealed(&request(), other), Some(&merchant())),
        Err(PaiementError::BadMac)
    );
    let key = UsableKey::derive(CLE).expect("key");
    let mut fields = payment_fields(&request(), &key).expect("fields");
    for (name, value) in fields.iter_mut() {
        if *name == "montant" {
            *value = "0.01EUR".into();
        }
    }
    let altered = Received::parse(&encode(&fields)).expect("form");
    assert_eq!(
        check_paiement(&altered, Some(&merchant())),
        Err(PaiementError::BadMac)
    );
}

#[test]
fn an_unknown_tpe_is_refused_before_anything_else() {
    assert_eq!(
        check_paiement(&sealed(&request(), CLE), None),
        Err(PaiementError::UnknownTpe)
    );
}

#[test]
fn a_sealed_form_of_another_societe_is_refused_naming_the_field() {
    let mut other = request();
    other.societe = "autreSite";
    assert_eq!(
        check_paiement(&sealed(&other, CLE), Some(&merchant())),
        Err(PaiementError::Field("societe"))
    );
}

#[test]
fn a_sealed_form_without_return_urls_is_refused_naming_the_field() {
    let mut bare = request();
    bare.url_ok = "";
    assert_eq!(
        check_paiement(&sealed(&bare, CLE), Some(&merchant())),
        Err(PaiementError::Field("url_retour_ok"))
    );
}

fn facts<'a>(decision: &'a CardDecision, card: &'a str) -> NotificationFacts<'a> {
    NotificationFacts {
        tpe: "1234567",
        reference: "ORD42",
        amount: WireAmount::new(1230, Currency::EUR),
        texte_libre: "ORD42",
        decision,
        card,
        ipclient: "10.0.0.1",
        at: at(),
    }
}

#[test]
fn a_payment_notification_is_sealed_and_reads_back_as_the_adapter_reads_it() {
    let decision = decide_card(CardAction::Pay, None, "654321");
    let key = UsableKey::derive(CLE).expect("key");
    let body = notification_body(&facts(&decision, "4000000000000002"), &key);
    let received = Received::parse(body.as_bytes()).expect("form");
    assert!(received.mac_valid(&key, Layout::Sorted));
    assert!(received.unknown_fields().is_empty(), "{body}");
    let read = received.read().expect("notification");
    assert_eq!(read.tpe, "1234567");
    assert_eq!(read.reference, "ORD42");
    assert_eq!(read.amount, WireAmount::new(1230, Currency::EUR));
    assert_eq!(read.code, ReturnCode::Payetest);
    assert_eq!(read.numauto.as_deref(), Some("654321"));
    assert_eq!(read.date, "17/07/2026_a_10:40:10");
    assert_eq!(received.field("brand"), Some("VI"));
    assert_eq!(received.field("bincb"), Some("400000"));
    assert_eq!(received.field("vld"), Some("0728"));
    assert!(!body.contains("4000000000000002"), "{body}");
}

#[test]
fn a_refusal_notification_says_annulation_with_its_reason_and_no_authorization() {
    let decision = decide_card(CardAction::Refuse, None, "654321");
    let key = UsableKey::derive(CLE).expect("key");
    let body = notification_body(&facts(&decision, ""), &key);
    let read = Received::parse(body.as_bytes())
        .expect("form")
        .read()
        .expect("notification");
    assert_eq!(read.numauto, None);
    assert_eq!(
        read.verdict(),
        Verdict::Refused {
            code: "Annulation".into(),
            reason: "Refus".into()
        }
    );
}

#[test]
fn only_version_2_cdr_0_with_a_200_acknowledges() {
    assert!(acknowledged(200, "version=2\ncdr=0\n"));
    assert!(acknowledged(200, "version=2\ncdr=0"));
    assert!(acknowledged(200, "version=2\r\ncdr=0\r\n"));
    assert!(!acknowledged(200, "version=2\ncdr=1\n"));
    assert!(!acknowledged(503, "version=2\ncdr=0\n"));
    assert!(!acknowledged(200, ""));
    assert!(!acknowledged(200, "cdr=0\nversion=2\n"));
}

#[test]
fn the_error_page_says_why_in_the_buyers_language() {
    assert_eq!(
        PaiementError::ReusedReference.describe(Lang::Fr),
        "cette référence a déjà été utilisée pour ce TPE"
    );
    assert_eq!(
        PaiementError::Field("montant").describe(Lang::En),
        "field montant missing or malformed"
    );
    assert_eq!(PaiementError::UnknownTpe.to_string(), "unknown TPE");
}
