//! The emulator's work on SQLite with the real migrations (the PayPal
//! emulator's effects): a form posted, decided on the card page, its
//! notification delivered until acknowledged, then captured, released or
//! recredited, with the merchant's balance checked at every step.

use std::cell::RefCell;

use super::sqlite::{block_on, SqliteFx};
use super::*;
use crate::core::i18n::Lang;
use crate::core::money::Currency;
use crate::core::psp::monetico::amount::WireAmount;
use crate::core::psp::monetico::capture::{
    capture_fields, read_answer, recredit_fields, CallOutcome, CaptureSplit, OrderAtBank, Recredit,
};
use crate::core::psp::monetico::emulator::card::CardAction;
use crate::core::psp::monetico::emulator::fault::{FaultKind, FaultMethod, FaultSpec};
use crate::core::psp::monetico::emulator::paiement::PaiementError;
use crate::core::psp::monetico::form::{payment_fields, PaymentRequest};
use crate::core::psp::monetico::key::UsableKey;
use crate::core::psp::monetico::mac::Layout;
use crate::core::psp::monetico::notification::Received;
use crate::core::time::UtcTime;

fn merchant(fx: &SqliteFx) -> sql::Merchant {
    block_on(create_merchant(fx, "shop@example.org", "EUR"))
        .expect("merchant")
        .1
}

fn key(m: &sql::Merchant) -> UsableKey {
    UsableKey::derive(&m.cle).expect("the bank's key derives")
}

fn encode(fields: &[(&str, String)]) -> Vec<u8> {
    serde_urlencoded::to_string(fields)
        .expect("urlencoded")
        .into_bytes()
}

fn form(m: &sql::Merchant, reference: &str) -> Vec<u8> {
    let request = PaymentRequest {
        tpe: &m.tpe,
        societe: &m.societe,
        reference,
        amount: WireAmount::new(1230, Currency::EUR),
        at: UtcTime::from_unix_seconds(1_767_225_600),
        lang: Lang::En,
        mail: None,
        url_ok: "http://localhost/psp/monetico/return?ok=1",
        url_err: "http://localhost/psp/monetico/return?ok=0",
        contexte_commande: None,
    };
    encode(&payment_fields(&request, &key(m)).expect("fields"))
}

fn anywhere(_: &str) -> bool {
    true
}

fn post(fx: &SqliteFx, body: &[u8]) -> Posted {
    block_on(post_paiement(fx, body, &anywhere)).expect("posted")
}

/// Posts the form and decides it; returns what the decision did.
fn buy(fx: &SqliteFx, m: &sql::Merchant, reference: &str, action: CardAction) -> Decided {
    let Posted::Accepted { payment, .. } = post(fx, &form(m, reference)) else {
        panic!("accepted");
    };
    let buyer = Buyer {
        card: "4000000000000002",
        ip: "10.0.0.1",
    };
    block_on(decide(fx, &payment.token, action, buyer)).expect("decided")
}

fn order<'a>(m: &'a sql::Merchant, reference: &'a str) -> OrderAtBank<'a> {
    OrderAtBank {
        tpe: &m.tpe,
        societe: &m.societe,
        reference,
        amount: WireAmount::new(1230, Currency::EUR),
        ordered_at: UtcTime::from_unix_seconds(1_767_225_600),
        lang: Lang::En,
    }
}

fn capture(
    fx: &SqliteFx,
    m: &sql::Merchant,
    reference: &'static str,
    split: CaptureSplit,
) -> (u16, String) {
    let at = UtcTime::from_unix_seconds(1_767_229_200);
    let fields = capture_fields(&order(m, reference), split, at, &key(m)).expect("fields");
    block_on(answer_api(fx, "capture_paiement.cgi", &encode(&fields)))
}

fn whole() -> CaptureSplit {
    CaptureSplit::whole(WireAmount::new(1230, Currency::EUR))
}

fn balance(fx: &SqliteFx) -> i64 {
    block_on(merchant_by_email(fx, "shop@example.org"))
        .expect("read")
        .expect("merchant")
        .balance_cents
}

fn outcome(answer: &(u16, String)) -> CallOutcome {
    assert_eq!(answer.0, 200, "{answer:?}");
    read_answer(&answer.1).expect("readable")
}

/// A platform that answers what it is told, counting what it received.
struct Platform {
    answers: RefCell<Vec<(u16, String)>>,
    received: RefCell<Vec<String>>,
}

impl Platform {
    fn answering(answers: &[(u16, &str)]) -> Platform {
        Platform {
            answers: RefCell::new(
                answers
                    .iter()
                    .rev()
                    .map(|(s, b)| (*s, b.to_string()))
                    .collect(),
            ),
            received: RefCell::new(Vec::new()),
        }
    }
}

impl NotificationReceiver for Platform {
    async fn receive(&self, body: &[u8]) -> (u16, String) {
        self.received
            .borrow_mut()
            .push(String::from_utf8_lossy(body).into_owned());
        self.answers
            .borrow_mut()
            .pop()
            .unwrap_or((200, "version=2\ncdr=0\n".to_string()))
    }
}

#[test]
fn a_merchant_is_created_once_per_email_with_a_key_that_derives() {
    let fx = SqliteFx::new();
    let (created, first) = block_on(create_merchant(&fx, "shop@example.org", "EUR")).expect("one");
    let (again, second) = block_on(create_merchant(&fx, "shop@example.org", "EUR")).expect("two");
    assert!(created && !again);
    assert_eq!(first, second);
    assert_eq!(first.tpe.len(), 7);
    assert!(first.tpe.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(first.cle.len(), 40);
    assert!(UsableKey::derive(&first.cle).is_ok());
    assert_eq!(first.balance_cents, 0);
}

#[test]
fn a_reused_reference_a_bad_mac_or_an_unknown_tpe_records_nothing() {
    let fx = SqliteFx::new();
    let m = merchant(&fx);
    assert!(matches!(
        post(&fx, &form(&m, "ORD1")),
        Posted::Accepted { .. }
    ));
    assert_eq!(
        post(&fx, &form(&m, "ORD1")),
        Posted::Refused(PaiementError::ReusedReference)
    );
    let mut stranger = m.clone();
    stranger.cle = "1123456789ABCDEF0123456789ABCDEF01234567".into();
    assert_eq!(
        post(&fx, &form(&stranger, "ORD2")),
        Posted::Refused(PaiementError::BadMac)
    );
    stranger.tpe = "7654321".into();
    assert_eq!(
        post(&fx, &form(&stranger, "ORD2")),
        Posted::Refused(PaiementError::UnknownTpe)
    );
    assert_eq!(post(&fx, b"TPE=1"), Posted::Refused(PaiementError::NotForm));
    // ORD2 was never recorded: it is still free.
    assert!(matches!(
        post(&fx, &form(&m, "ORD2")),
        Posted::Accepted { .. }
    ));
    let refused_return = block_on(post_paiement(&fx, &form(&m, "ORD3"), &|_| false));
    assert_eq!(
        refused_return,
        Ok(Posted::Refused(PaiementError::Field("url_retour_ok")))
    );
}

#[test]
fn paying_queues_a_sealed_payetest_notification_and_returns_to_url_ok() {
    let fx = SqliteFx::new();
    let m = merchant(&fx);
    let Decided::Done {
        location,
        notification: Some(sent),
        deliver_now: true,
        browser_lost: false,
        ..
    } = buy(&fx, &m, "ORD1", CardAction::Pay)
    else {
        panic!("done");
    };
    assert_eq!(location, "http://localhost/psp/monetico/return?ok=1");
    let received = Received::parse(sent.body.as_bytes()).expect("form");
    assert!(received.mac_valid(&key(&m), Layout::Sorted));
    assert_eq!(received.field("code-retour"), Some("payetest"));
    assert_eq!(received.field("montant"), Some("12.30EUR"));
    assert_eq!(balance(&fx), 0, "an authorization moves no money");
}

#[test]
fn refusing_sends_annulation_and_returns_to_url_err_and_a_second_decision_is_gone() {
    let fx = SqliteFx::new();
    let m = merchant(&fx);
    let Posted::Accepted { payment, .. } = post(&fx, &form(&m, "ORD1")) else {
        panic!("accepted");
    };
    let buyer = Buyer { card: "", ip: "" };
    let decided = block_on(decide(&fx, &payment.token, CardAction::Refuse, buyer)).expect("ok");
    let Decided::Done {
        location,
        notification: Some(sent),
        ..
    } = decided
    else {
        panic!("done");
    };
    assert_eq!(location, "http://localhost/psp/monetico/return?ok=0");
    assert!(
        sent.body.contains("code-retour=Annulation"),
        "{}",
        sent.body
    );
    let again = block_on(decide(&fx, &payment.token, CardAction::Pay, buyer)).expect("ok");
    assert_eq!(again, Decided::Gone);
    assert!(matches!(
        outcome(&capture(&fx, &m, "ORD1", whole())),
        CallOutcome::Declined { .. }
    ));
}

#[test]
fn a_notification_is_delivered_again_until_acknowledged_with_cdr_0() {
    let fx = SqliteFx::new();
    let m = merchant(&fx);
    buy(&fx, &m, "ORD1", CardAction::Pay);
    let platform = Platform::answering(&[(503, ""), (200, "version=2\ncdr=1\n")]);
    assert_eq!(block_on(deliver_queued(&fx, 10, &platform)), Ok(0));
    assert_eq!(block_on(deliver_queued(&fx, 10, &platform)), Ok(0));
    assert_eq!(block_on(deliver_queued(&fx, 10, &platform)), Ok(1));
    assert_eq!(block_on(deliver_queued(&fx, 10, &platform)), Ok(0));
    assert_eq!(platform.received.borrow().len(), 3);
    let listed = block_on(notifications(&fx, Some((&m.tpe, "ORD1")), 10)).expect("listed");
    assert_eq!(listed.len(), 1);
    let only = listed.first().expect("one");
    assert_eq!((only.status.as_str(), only.attempts), ("delivered", 3));
}

#[test]
fn notification_faults_drop_delay_or_duplicate_one_notification() {
    let fx = SqliteFx::new();
    let m = merchant(&fx);
    let fault = |kind: FaultKind| FaultSpec {
        method: FaultMethod::Notification,
        tpe: Some(m.tpe.clone()),
        reference: None,
        kind,
    };
    block_on(set_fault(&fx, &fault(FaultKind::Drop))).expect("fault");
    let dropped = buy(&fx, &m, "ORD1", CardAction::Pay);
    assert!(matches!(
        dropped,
        Decided::Done {
            notification: None,
            ..
        }
    ));
    block_on(set_fault(&fx, &fault(FaultKind::Delay))).expect("fault");
    let delayed = buy(&fx, &m, "ORD2", CardAction::Pay);
    assert!(matches!(
        delayed,
        Decided::Done {
            deliver_now: false,
            notification: Some(_),
            ..
        }
    ));
    block_on(set_fault(&fx, &fault(FaultKind::Duplicate))).expect("fault");
    let Decided::Done {
        notification: Some(doubled),
        ..
    } = buy(&fx, &m, "ORD3", CardAction::Pay)
    else {
        panic!("done");
    };
    let platform = Platform::answering(&[]);
    assert_eq!(block_on(deliver(&fx, &doubled, &platform)), Ok(true));
    assert_eq!(platform.received.borrow().len(), 2);
    assert_eq!(block_on(list_faults(&fx, None)).expect("listed"), vec![]);
}

#[test]
fn a_capture_settles_the_whole_amount_once_and_a_repeat_answers_already_done() {
    let fx = SqliteFx::new();
    let m = merchant(&fx);
    buy(&fx, &m, "ORD1", CardAction::Pay);
    assert!(matches!(
        outcome(&capture(&fx, &m, "ORD1", whole())),
        CallOutcome::Accepted { aut: Some(_), .. }
    ));
    assert_eq!(balance(&fx), 1230);
    assert!(matches!(
        outcome(&capture(&fx, &m, "ORD1", whole())),
        CallOutcome::AlreadyDone { .. }
    ));
    assert_eq!(balance(&fx), 1230);
}

#[test]
fn a_release_moves_nothing_and_a_later_capture_is_refused() {
    let fx = SqliteFx::new();
    let m = merchant(&fx);
    buy(&fx, &m, "ORD1", CardAction::Pay);
    assert!(matches!(
        outcome(&capture(&fx, &m, "ORD1", CaptureSplit::RELEASE)),
        CallOutcome::Accepted { .. }
    ));
    assert!(matches!(
        outcome(&capture(&fx, &m, "ORD1", whole())),
        CallOutcome::Declined { .. }
    ));
    assert_eq!(balance(&fx), 0);
}

#[test]
fn a_dropped_capture_answer_is_done_and_the_repeat_answers_already_done() {
    let fx = SqliteFx::new();
    let m = merchant(&fx);
    buy(&fx, &m, "ORD1", CardAction::Pay);
    let spec = FaultSpec {
        method: FaultMethod::Capture,
        tpe: Some(m.tpe.clone()),
        reference: Some("ORD1".into()),
        kind: FaultKind::Drop,
    };
    block_on(set_fault(&fx, &spec)).expect("fault");
    assert_eq!(capture(&fx, &m, "ORD1", whole()), (502, String::new()));
    assert_eq!(balance(&fx), 1230);
    assert!(matches!(
        outcome(&capture(&fx, &m, "ORD1", whole())),
        CallOutcome::AlreadyDone { .. }
    ));
}

#[test]
fn a_cdr_fault_answers_its_cdr_once_and_does_nothing() {
    let fx = SqliteFx::new();
    let m = merchant(&fx);
    buy(&fx, &m, "ORD1", CardAction::Pay);
    let spec = FaultSpec {
        method: FaultMethod::Capture,
        tpe: None,
        reference: None,
        kind: FaultKind::Code("7".into()),
    };
    block_on(set_fault(&fx, &spec)).expect("fault");
    assert!(matches!(
        outcome(&capture(&fx, &m, "ORD1", whole())),
        CallOutcome::Unrecognized { cdr, .. } if cdr == "7"
    ));
    assert_eq!(balance(&fx), 0);
    assert!(matches!(
        outcome(&capture(&fx, &m, "ORD1", whole())),
        CallOutcome::Accepted { .. }
    ));
}

fn recredit(fx: &SqliteFx, m: &sql::Merchant, cents: i64) -> CallOutcome {
    let at = UtcTime::from_unix_seconds(1_767_400_000);
    let refund = Recredit {
        captured_at: at,
        authorization: "000000",
        cents,
        refundable: 1230,
    };
    let fields = recredit_fields(&order(m, "ORD1"), &refund, at, &key(m)).expect("fields");
    outcome(&block_on(answer_api(
        fx,
        "recredit_paiement.cgi",
        &encode(&fields),
    )))
}

#[test]
fn a_recredit_lowers_the_balance_bounded_by_what_was_captured() {
    let fx = SqliteFx::new();
    let m = merchant(&fx);
    buy(&fx, &m, "ORD1", CardAction::Pay);
    assert!(matches!(
        recredit(&fx, &m, 500),
        CallOutcome::Declined { .. }
    ));
    outcome(&capture(&fx, &m, "ORD1", whole()));
    assert!(matches!(
        recredit(&fx, &m, 1000),
        CallOutcome::Accepted { .. }
    ));
    assert_eq!(balance(&fx), 230);
    assert!(matches!(
        recredit(&fx, &m, 231),
        CallOutcome::Declined { .. }
    ));
    assert!(matches!(
        recredit(&fx, &m, 230),
        CallOutcome::Accepted { .. }
    ));
    assert_eq!(balance(&fx), 0);
    assert_eq!(
        recredit(&fx, &m, 1230),
        CallOutcome::AlreadyDone {
            lib: "recredit deja effectue".into()
        },
        "nothing left: a repeat moves nothing"
    );
    assert_eq!(balance(&fx), 0);
}

#[test]
fn another_script_is_not_found_and_an_unsealed_call_is_refused_as_invalid() {
    let fx = SqliteFx::new();
    assert_eq!(block_on(answer_api(&fx, "paiement.cgi", b"")).0, 404);
    let (status, body) = block_on(answer_api(&fx, "capture_paiement.cgi", b"TPE=1234567"));
    assert_eq!(status, 200);
    assert!(body.contains("cdr=-1"), "{body}");
}

#[test]
fn a_notification_the_platform_keeps_refusing_is_given_up_and_holds_back_no_other() {
    let fx = SqliteFx::new();
    let m = merchant(&fx);
    buy(&fx, &m, "ORD1", CardAction::Pay);
    let refusing = Platform::answering(&[(200, "version=2\ncdr=1\n"); 100]);
    for _ in 0..3 {
        assert_eq!(block_on(deliver_queued(&fx, 1, &refusing)), Ok(0));
    }
    // A newer one is tried before the one refused three times.
    buy(&fx, &m, "ORD2", CardAction::Pay);
    let next = block_on(queued_notifications(&fx, 1)).expect("queued");
    assert_eq!(next.first().map(|n| n.reference.as_str()), Some("ORD2"));
    for _ in 0..30 {
        block_on(deliver_queued(&fx, 10, &refusing)).expect("delivered");
    }
    assert_eq!(block_on(queued_notifications(&fx, 10)), Ok(vec![]));
    let listed = block_on(notifications(&fx, Some((&m.tpe, "ORD1")), 1)).expect("listed");
    assert_eq!(
        listed.first().map(|n| n.attempts),
        Some(notify::MAX_ATTEMPTS)
    );
}
