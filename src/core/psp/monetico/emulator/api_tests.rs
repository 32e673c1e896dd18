//! Tests of the capture and recredit rules and of their answers.

use super::*;
use crate::core::i18n::Lang;
use crate::core::money::Currency;
use crate::core::psp::monetico::capture::{
    capture_fields, read_answer, recredit_fields, CallOutcome, CaptureSplit, OrderAtBank, Recredit,
};
use crate::core::time::UtcTime;

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

fn order() -> OrderAtBank<'static> {
    OrderAtBank {
        tpe: "1234567",
        societe: "monSite1",
        reference: "ORD42",
        amount: WireAmount::new(1230, Currency::EUR),
        ordered_at: UtcTime::parse("2026-02-01T09:00:00Z").expect("utc"),
        lang: Lang::Fr,
    }
}

fn received(fields: Vec<(&'static str, String)>) -> Received {
    let body = serde_urlencoded::to_string(&fields).expect("urlencoded");
    Received::parse(body.as_bytes()).expect("form")
}

fn capture(split: CaptureSplit, cle: &str) -> Received {
    let key = UsableKey::derive(cle).expect("key");
    let at = UtcTime::parse("2026-02-01T10:00:00Z").expect("utc");
    received(capture_fields(&order(), split, at, &key).expect("fields"))
}

fn facts(state: State) -> PaymentFacts<'static> {
    PaymentFacts {
        state,
        amount: WireAmount::new(1230, Currency::EUR),
        captured_cents: 0,
        recredited_cents: 0,
        numauto: Some("654321"),
    }
}

fn whole() -> CaptureSplit {
    CaptureSplit::whole(WireAmount::new(1230, Currency::EUR))
}

#[test]
fn every_answer_reads_back_through_the_adapters_reader() {
    let done = captured_answer(&CaptureStep::Capture { cents: 1230 }, Some("654321"));
    assert_eq!(
        done.body("ORD42"),
        "version=1.0\nreference=ORD42\ncdr=1\nlib=paiement accepte\naut=654321\n"
    );
    assert!(matches!(
        read_answer(&done.body("ORD42")),
        Ok(CallOutcome::Accepted { aut: Some(a), .. }) if a == "654321"
    ));
    let again = ApiAnswer::new(CDR_ALREADY_DONE, "paiement deja capture");
    assert!(matches!(
        read_answer(&again.body("ORD42")),
        Ok(CallOutcome::AlreadyDone { .. })
    ));
    let refused = ApiAnswer::new(CDR_REFUSED, "paiement non trouve");
    assert!(matches!(
        read_answer(&refused.body("ORD42")),
        Ok(CallOutcome::Declined { .. })
    ));
    let invalid = ApiAnswer::new(CDR_INVALID, "commande non authentifiee");
    assert!(matches!(
        read_answer(&invalid.body("")),
        Ok(CallOutcome::Unrecognized { cdr, .. }) if cdr == "-1"
    ));
}

#[test]
fn a_call_is_authenticated_by_tpe_mac_and_societe() {
    assert_eq!(
        authenticate(&capture(whole(), CLE), Some(&merchant())),
        Ok(())
    );
    let other = "1123456789ABCDEF0123456789ABCDEF01234567";
    let bad = authenticate(&capture(whole(), other), Some(&merchant()));
    assert_eq!(bad.map_err(|a| a.cdr), Err(CDR_INVALID.to_string()));
    let unknown = authenticate(&capture(whole(), CLE), None);
    assert_eq!(unknown.map_err(|a| a.lib), Err("TPE inconnu".to_string()));
    let mut elsewhere = merchant();
    elsewhere.societe = "autreSite".into();
    let wrong = authenticate(&capture(whole(), CLE), Some(&elsewhere));
    assert_eq!(
        wrong.map_err(|a| a.lib),
        Err("societe incorrecte".to_string())
    );
}

#[test]
fn an_authorization_is_captured_whole_or_released() {
    let ask = capture(whole(), CLE);
    assert_eq!(
        decide_capture(&ask, &facts(State::Authorized)),
        CaptureStep::Capture { cents: 1230 }
    );
    let release = capture(CaptureSplit::RELEASE, CLE);
    assert_eq!(
        decide_capture(&release, &facts(State::Authorized)),
        CaptureStep::Release
    );
}

#[test]
fn a_repeated_capture_answers_already_done_with_its_authorization() {
    let ask = capture(whole(), CLE);
    for state in [State::Captured, State::Recredited] {
        let CaptureStep::Answer(answer) = decide_capture(&ask, &facts(state)) else {
            panic!("answered");
        };
        assert_eq!(answer.cdr, CDR_ALREADY_DONE);
        assert_eq!(answer.aut.as_deref(), Some("654321"));
    }
    let release = capture(CaptureSplit::RELEASE, CLE);
    let CaptureStep::Answer(again) = decide_capture(&release, &facts(State::Released)) else {
        panic!("answered");
    };
    assert_eq!(again.cdr, CDR_ALREADY_DONE);
}

#[test]
fn a_capture_of_what_cannot_be_captured_is_refused() {
    let ask = capture(whole(), CLE);
    let release = capture(CaptureSplit::RELEASE, CLE);
    let partial = capture(
        CaptureSplit {
            to_capture: 1000,
            already_captured: 0,
            remaining: 230,
        },
        CLE,
    );
    let cases = [
        (&ask, State::Pending),
        (&ask, State::Refused),
        (&ask, State::Released),
        (&release, State::Captured),
        (&release, State::Refused),
        (&partial, State::Authorized),
    ];
    for (received, state) in cases {
        let step = decide_capture(received, &facts(state));
        assert!(
            matches!(&step, CaptureStep::Answer(a) if a.cdr == CDR_REFUSED),
            "{state:?}: {step:?}"
        );
    }
    let mut bigger = facts(State::Authorized);
    bigger.amount = WireAmount::new(1231, Currency::EUR);
    assert!(matches!(
        decide_capture(&ask, &bigger),
        CaptureStep::Answer(a) if a.lib == "montant incorrect"
    ));
}

fn recredit(cents: i64) -> Received {
    let key = UsableKey::derive(CLE).expect("key");
    let at = UtcTime::parse("2026-02-03T10:00:00Z").expect("utc");
    let refund = Recredit {
        captured_at: at,
        authorization: "654321",
        cents,
        refundable: 1230,
    };
    received(recredit_fields(&order(), &refund, at, &key).expect("fields"))
}

#[test]
fn a_recredit_is_bounded_by_what_was_captured_and_not_refunded() {
    let mut captured = facts(State::Captured);
    captured.captured_cents = 1230;
    assert_eq!(
        decide_recredit(&recredit(1230), &captured),
        RecreditStep::Recredit { cents: 1230 }
    );
    let mut partly = facts(State::Recredited);
    partly.captured_cents = 1230;
    partly.recredited_cents = 1000;
    assert_eq!(
        decide_recredit(&recredit(230), &partly),
        RecreditStep::Recredit { cents: 230 }
    );
    assert!(matches!(
        decide_recredit(&recredit(231), &partly),
        RecreditStep::Answer(a) if a.lib == "montant trop eleve"
    ));
    assert!(matches!(
        decide_recredit(&recredit(100), &facts(State::Authorized)),
        RecreditStep::Answer(a) if a.cdr == CDR_REFUSED
    ));
    let mut all = facts(State::Recredited);
    all.captured_cents = 1230;
    all.recredited_cents = 1230;
    assert_eq!(
        decide_recredit(&recredit(1230), &all),
        RecreditStep::Answer(ApiAnswer::new(CDR_ALREADY_DONE, "recredit deja effectue")),
        "nothing left: already done, nothing moves"
    );
}

#[test]
fn a_recredit_beyond_its_own_montant_possible_is_refused() {
    let key = UsableKey::derive(CLE).expect("key");
    let at = UtcTime::parse("2026-02-03T10:00:00Z").expect("utc");
    let refund = Recredit {
        captured_at: at,
        authorization: "654321",
        cents: 1000,
        refundable: 1230,
    };
    let mut fields = recredit_fields(&order(), &refund, at, &key).expect("fields");
    for (name, value) in fields.iter_mut() {
        if *name == "montant_possible" {
            *value = "9.99EUR".into();
        }
    }
    let fields = crate::core::psp::monetico::form::seal(
        fields.into_iter().filter(|(n, _)| *n != "MAC").collect(),
        &key,
    );
    let mut captured = facts(State::Captured);
    captured.captured_cents = 1230;
    assert!(matches!(
        decide_recredit(&received(fields), &captured),
        RecreditStep::Answer(a) if a.lib == "montant trop eleve" && a.cdr == CDR_REFUSED
    ));
}

#[test]
fn scripts_are_known_by_their_file_names() {
    assert_eq!(Script::parse("capture_paiement.cgi"), Some(Script::Capture));
    assert_eq!(
        Script::parse("/test/recredit_paiement.cgi"),
        Some(Script::Recredit)
    );
    assert_eq!(Script::parse("paiement.cgi"), None);
}
