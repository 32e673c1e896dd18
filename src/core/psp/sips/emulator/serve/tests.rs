//! The Sips emulator's work run on SQLite with the real migrations (as D1
//! runs a batch: one transaction, a guard's abort rolls it back), a clock
//! that moves only when told, counted random bytes, and a listener that
//! answers what it is told to.

use std::cell::RefCell;

use super::test_fx::{block_on, SqliteFx};

use super::*;
use crate::core::i18n::Lang;
use crate::core::money::{Amount, Currency};
use crate::core::psp::sips::codes::{OfficeVerdict, ResponseCode};
use crate::core::psp::sips::data::{paypage_form, PaypageForm, PaypageRequest};
use crate::core::psp::sips::emulator::{FaultKind, FaultMethod, FaultSpec, InitForm};
use crate::core::psp::sips::office::{
    read_answer, sealed_body, CashManagementAnswer, CashManagementRequest, Operation,
    TransactionDataAnswer, TransactionDataRequest, TransactionStatus,
};
use crate::core::psp::sips::response::{read_response, ResponseMessage};
use crate::core::psp::sips::seal::SealAlgorithm;
use crate::core::sql::emulator::sips::Merchant;

/// A listener that records what it got and answers `status`.
struct Listener {
    status: u16,
    got: RefCell<Vec<String>>,
}

impl ResponseSink for Listener {
    async fn post(&self, _url: &str, body: &str) -> u16 {
        self.got.borrow_mut().push(body.to_owned());
        self.status
    }
}

fn listener(status: u16) -> Listener {
    Listener {
        status,
        got: RefCell::new(Vec::new()),
    }
}

pub(super) fn merchant(fx: &SqliteFx, email: &str) -> Merchant {
    block_on(create_merchant(fx, email)).expect("merchant").1
}

fn form(m: &Merchant, reference: &str, cents: i64) -> PaypageForm {
    let request = PaypageRequest {
        merchant_id: &m.merchant_id,
        key_version: 1,
        amount: Amount::from_cents(cents).unwrap(),
        currency: Currency::EUR,
        transaction_reference: reference,
        normal_return_url: "http://localhost/psp/sips/return",
        automatic_response_url: "http://localhost/psp/sips/notify",
        capture_day: 6,
        lang: Lang::Fr,
    };
    paypage_form(&request, &m.secret_key).unwrap()
}

fn init(fx: &SqliteFx, f: &PaypageForm) -> InitOutcome {
    let posted = InitForm {
        data: &f.data,
        seal: &f.seal,
        interface_version: f.interface_version,
        seal_algorithm: f.seal_algorithm,
        encode: "",
        key_version: "",
    };
    block_on(payment_init(fx, &posted)).expect("paymentInit")
}

fn card_token(outcome: &InitOutcome) -> String {
    match outcome {
        InitOutcome::CardPage(t) => t.card_token.clone(),
        other => panic!("card page expected: {other:?}"),
    }
}

/// Pays `reference` for `cents` with a test card; the decided outcome.
pub(super) fn pay(
    fx: &SqliteFx,
    m: &Merchant,
    reference: &str,
    cents: i64,
    action: &str,
) -> CardOutcome {
    let token = card_token(&init(fx, &form(m, reference, cents)));
    block_on(submit_card(fx, &token, action, "4111 1111 1111 1111")).expect("card")
}

pub(super) fn office(
    fx: &SqliteFx,
    m: &Merchant,
    op: Operation,
    reference: &str,
    cents: i64,
) -> (u16, String) {
    let body = match op {
        Operation::GetTransactionData => sealed_body(
            &TransactionDataRequest {
                interface_version: "CR_WS_2.27".into(),
                key_version: 1,
                merchant_id: m.merchant_id.clone(),
                transaction_reference: reference.into(),
            },
            &m.secret_key,
        ),
        Operation::Validate | Operation::Cancel | Operation::Refund => sealed_body(
            &CashManagementRequest {
                currency_code: "978".into(),
                interface_version: "CR_WS_2.27".into(),
                key_version: 1,
                merchant_id: m.merchant_id.clone(),
                operation_amount: cents,
                operation_origin: "test".into(),
                transaction_reference: reference.into(),
            },
            &m.secret_key,
        ),
    }
    .unwrap();
    block_on(office_answer(fx, op.path(), body.as_bytes()))
}

pub(super) fn cash(
    fx: &SqliteFx,
    m: &Merchant,
    op: Operation,
    reference: &str,
    cents: i64,
) -> CashManagementAnswer {
    let (status, body) = office(fx, m, op, reference, cents);
    assert_eq!(status, 200, "{body}");
    read_answer::<CashManagementAnswer>(&body, &m.secret_key)
        .expect("sealed")
        .answer
}

pub(super) fn read(fx: &SqliteFx, m: &Merchant, reference: &str) -> TransactionDataAnswer {
    let (status, body) = office(fx, m, Operation::GetTransactionData, reference, 0);
    assert_eq!(status, 200, "{body}");
    read_answer::<TransactionDataAnswer>(&body, &m.secret_key)
        .expect("sealed")
        .answer
}

pub(super) fn balance(fx: &SqliteFx, m: &Merchant) -> i64 {
    block_on(merchant_by_email(fx, &m.email))
        .unwrap()
        .unwrap()
        .balance_cents
}

pub(super) fn code(text: &str) -> ResponseCode {
    ResponseCode::parse(text)
}

#[test]
fn the_same_email_finds_the_same_merchant_with_fifteen_digits_and_key_version_one() {
    let fx = SqliteFx::new();
    let (created, m) = block_on(create_merchant(&fx, "shop@example.org")).unwrap();
    assert!(created);
    assert_eq!(m.merchant_id.len(), 15);
    assert!(m.merchant_id.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!((m.key_version, m.balance_cents), (1, 0));
    let (again, same) = block_on(create_merchant(&fx, "shop@example.org")).unwrap();
    assert!(!again);
    assert_eq!(same, m);
}

#[test]
fn a_paid_card_sends_a_sealed_response_once_and_validate_raises_the_balance() {
    let fx = SqliteFx::new();
    let m = merchant(&fx, "shop@example.org");
    let CardOutcome::Decided {
        data,
        seal,
        deliver: queued,
        ..
    } = pay(&fx, &m, "PB1", 1250, "pay")
    else {
        panic!("decided");
    };
    let message = ResponseMessage {
        data: &data,
        seal: &seal,
        encode: "",
    };
    let response = read_response(&message, SealAlgorithm::HmacSha256, &m.secret_key).unwrap();
    assert_eq!(response.response_code, ResponseCode::Accepted);
    assert_eq!(response.amount, Amount::from_cents(1250));
    assert_eq!(response.transaction_reference.as_deref(), Some("PB1"));
    assert_eq!(response.masked_pan.as_deref(), Some("4111##########11"));
    assert_eq!(response.capture_limit_date.as_deref(), Some("20260107"));
    assert_eq!(queued.len(), 1);
    let platform = listener(200);
    assert_eq!(block_on(deliver(&fx, &platform, &queued)).unwrap(), 1);
    assert_eq!(
        block_on(deliver_undelivered(&fx, &platform)).unwrap(),
        0,
        "acknowledged: not again"
    );
    assert_eq!(
        read(&fx, &m, "PB1").transaction_status,
        Some(TransactionStatus::ToValidate)
    );
    assert_eq!(balance(&fx, &m), 0, "an authorization moves no money");
    let validated = cash(&fx, &m, Operation::Validate, "PB1", 1250);
    assert_eq!(validated.response_code, ResponseCode::Accepted);
    assert_eq!(validated.new_status, Some(TransactionStatus::ToCapture));
    assert_eq!(balance(&fx, &m), 1250);
    let again = cash(&fx, &m, Operation::Validate, "PB1", 1250);
    assert_eq!(again.response_code, code("24"), "validate twice");
    assert_eq!(balance(&fx, &m), 1250);
    remit(&fx);
    assert_eq!(
        read(&fx, &m, "PB1").transaction_status,
        Some(TransactionStatus::Captured)
    );
    let cancel = cash(&fx, &m, Operation::Cancel, "PB1", 1250);
    assert_eq!(cancel.response_code, code("24"), "cancel after remittance");
}

/// Moves the emulator's clock past the day's remittance.
pub(super) fn remit(fx: &SqliteFx) {
    fx.now.set(fx.now.get() + 86_400);
}

#[test]
fn an_unacknowledged_response_is_sent_again_by_the_next_run() {
    let fx = SqliteFx::new();
    let m = merchant(&fx, "shop@example.org");
    let CardOutcome::Decided {
        deliver: queued, ..
    } = pay(&fx, &m, "PB1", 500, "refuse")
    else {
        panic!("decided");
    };
    assert_eq!(block_on(deliver(&fx, &listener(503), &queued)).unwrap(), 0);
    let platform = listener(200);
    assert_eq!(block_on(deliver_undelivered(&fx, &platform)).unwrap(), 1);
    assert!(platform.got.borrow()[0].contains("responseCode%3D05"));
    assert_eq!(
        read(&fx, &m, "PB1").transaction_status,
        Some(TransactionStatus::Refused)
    );
}

#[test]
fn a_reused_reference_is_94_and_the_same_request_again_shows_its_page() {
    let fx = SqliteFx::new();
    let m = merchant(&fx, "shop@example.org");
    let first = form(&m, "PB1", 1000);
    let token = card_token(&init(&fx, &first));
    assert_eq!(card_token(&init(&fx, &first)), token, "a reload");
    let other = init(&fx, &form(&m, "PB1", 2000));
    assert!(matches!(other, InitOutcome::Refused(r) if r.code == code("94")));
    block_on(submit_card(&fx, &token, "pay", "4111111111111111")).unwrap();
    let after = init(&fx, &first);
    assert!(matches!(after, InitOutcome::Refused(r) if r.code == code("94")));
}

#[test]
fn a_bad_seal_an_unknown_merchant_or_key_version_is_34_and_records_nothing() {
    let fx = SqliteFx::new();
    let m = merchant(&fx, "shop@example.org");
    let good = form(&m, "PB1", 1000);
    let tampered = good.data.replace("amount=1000", "amount=1");
    fn posted<'a>(good: &'a PaypageForm, data: &'a str, key_version: &'a str) -> InitForm<'a> {
        InitForm {
            data,
            seal: &good.seal,
            interface_version: good.interface_version,
            seal_algorithm: good.seal_algorithm,
            encode: "",
            key_version,
        }
    }
    for (data, kv) in [(tampered.as_str(), ""), (good.data.as_str(), "2")] {
        let outcome = block_on(payment_init(&fx, &posted(&good, data, kv))).unwrap();
        assert!(
            matches!(outcome, InitOutcome::Refused(r) if r.code == code("34")),
            "{data}"
        );
    }
    let stranger = Merchant {
        merchant_id: "999999999999999".into(),
        ..m.clone()
    };
    let unknown = init(&fx, &form(&stranger, "PB1", 1000));
    assert!(matches!(unknown, InitOutcome::Refused(r) if r.code == code("34")));
    assert_eq!(
        read(&fx, &m, "PB1").response_code,
        code("25"),
        "nothing recorded"
    );
    let garbage = block_on(payment_init(&fx, &posted(&good, "amount", ""))).unwrap();
    assert!(matches!(garbage, InitOutcome::Refused(r) if r.code == code("30")));
}

#[test]
fn an_authorization_lapses_after_capture_day_days_and_validate_is_refused() {
    let fx = SqliteFx::new();
    let m = merchant(&fx, "shop@example.org");
    pay(&fx, &m, "PB1", 1000, "pay");
    fx.now.set(fx.now.get() + 6 * 86_400);
    assert_eq!(
        read(&fx, &m, "PB1").transaction_status,
        Some(TransactionStatus::ToValidate)
    );
    fx.now.set(fx.now.get() + 1);
    assert_eq!(
        read(&fx, &m, "PB1").transaction_status,
        Some(TransactionStatus::Expired)
    );
    let late = cash(&fx, &m, Operation::Validate, "PB1", 1000);
    assert_eq!(late.response_code, code("24"));
    assert_eq!(late.new_status, Some(TransactionStatus::Expired));
    assert_eq!(balance(&fx, &m), 0);
}

#[test]
fn refunds_stay_within_what_was_captured_and_lower_the_balance() {
    let fx = SqliteFx::new();
    let m = merchant(&fx, "shop@example.org");
    pay(&fx, &m, "PB1", 1000, "pay");
    assert_eq!(
        cash(&fx, &m, Operation::Refund, "PB1", 100).response_code,
        code("24"),
        "not captured"
    );
    cash(&fx, &m, Operation::Validate, "PB1", 1000);
    assert_eq!(
        cash(&fx, &m, Operation::Refund, "PB1", 1000).response_code,
        code("24"),
        "not remitted yet: cancel, not refund"
    );
    remit(&fx);
    assert_eq!(
        cash(&fx, &m, Operation::Refund, "PB1", 1001).response_code,
        code("24")
    );
    let part = cash(&fx, &m, Operation::Refund, "PB1", 400);
    assert_eq!(
        (part.response_code, part.new_amount),
        (code("00"), Amount::from_cents(600))
    );
    assert_eq!(balance(&fx, &m), 600);
    assert_eq!(
        cash(&fx, &m, Operation::Refund, "PB1", 601).response_code,
        code("24")
    );
    let rest = cash(&fx, &m, Operation::Refund, "PB1", 600);
    assert_eq!(rest.new_status, Some(TransactionStatus::Credited));
    assert_eq!(balance(&fx, &m), 0);
    let data = read(&fx, &m, "PB1");
    assert_eq!(
        (data.transaction_status, data.current_amount),
        (Some(TransactionStatus::Credited), Amount::from_cents(0))
    );
    let second = cash(&fx, &m, Operation::Refund, "PB1", 1000);
    assert_eq!(
        (second.response_code, second.new_status),
        (code("24"), Some(TransactionStatus::Credited)),
        "a second full refund is refused"
    );
    assert_eq!(balance(&fx, &m), 0);
}

#[test]
fn cancel_releases_an_authorization_and_moves_nothing() {
    let fx = SqliteFx::new();
    let m = merchant(&fx, "shop@example.org");
    pay(&fx, &m, "PB1", 1000, "pay");
    let released = cash(&fx, &m, Operation::Cancel, "PB1", 1000);
    assert_eq!(released.new_status, Some(TransactionStatus::Cancelled));
    assert_eq!(
        cash(&fx, &m, Operation::Validate, "PB1", 1000).response_code,
        code("24")
    );
    assert_eq!(balance(&fx, &m), 0);
    assert_eq!(
        cash(&fx, &m, Operation::Validate, "NOPE", 1).response_code,
        code("25")
    );
}

#[test]
fn office_answers_an_unknown_key_34_unsealed_and_an_unknown_reference_25_sealed() {
    let fx = SqliteFx::new();
    let m = merchant(&fx, "shop@example.org");
    let answer = read(&fx, &m, "NEVER");
    assert_eq!(answer.response_code, code("25"));
    let wrong = Merchant {
        secret_key: "not-the-key".into(),
        ..m.clone()
    };
    let (_, body) = office(&fx, &wrong, Operation::GetTransactionData, "NEVER", 0);
    let read = read_answer::<TransactionDataAnswer>(&body, &m.secret_key).unwrap();
    assert_eq!(read.verdict, OfficeVerdict::KeyRefused);
    assert!(!body.contains("seal"));
    assert_eq!(
        block_on(office_answer(&fx, "rs-services/v2/nope", b"{}")).0,
        404
    );
    let (status, garbage) = block_on(office_answer(&fx, Operation::Validate.path(), b"not json"));
    assert_eq!((status, garbage.contains("\"30\"")), (200, true));
}

#[test]
fn a_fault_is_consumed_by_the_one_call_it_matches() {
    let fx = SqliteFx::new();
    let m = merchant(&fx, "shop@example.org");
    pay(&fx, &m, "PB1", 1000, "pay");
    let spec = FaultSpec {
        method: FaultMethod::Office(Operation::Validate),
        merchant_id: Some(m.merchant_id.clone()),
        transaction_reference: None,
        kind: FaultKind::Code(code("90")),
    };
    block_on(set_fault(&fx, &spec)).unwrap();
    assert_eq!(
        read(&fx, &m, "PB1").response_code,
        code("00"),
        "another method"
    );
    assert_eq!(
        cash(&fx, &m, Operation::Validate, "PB1", 1000).response_code,
        code("90")
    );
    assert_eq!(balance(&fx, &m), 0, "a fault's code changes nothing");
    assert!(block_on(list_faults(&fx, None, None)).unwrap().is_empty());
    assert_eq!(
        cash(&fx, &m, Operation::Validate, "PB1", 1000).response_code,
        code("00")
    );
    remit(&fx);
    let dropped = FaultSpec {
        kind: FaultKind::Drop,
        method: FaultMethod::Office(Operation::Refund),
        ..spec
    };
    block_on(set_fault(&fx, &dropped)).unwrap();
    assert_eq!(
        office(&fx, &m, Operation::Refund, "PB1", 1000),
        (502, String::new())
    );
    assert_eq!(balance(&fx, &m), 0, "the work was done, the answer lost");
}

#[test]
fn response_faults_delay_duplicate_drop_or_recode_the_automatic_response() {
    let fx = SqliteFx::new();
    let m = merchant(&fx, "shop@example.org");
    let response_fault = |kind| FaultSpec {
        method: FaultMethod::Response,
        merchant_id: None,
        transaction_reference: None,
        kind,
    };
    let queued = |outcome: CardOutcome| match outcome {
        CardOutcome::Decided { deliver, .. } => deliver.len(),
        other => panic!("{other:?}"),
    };
    block_on(set_fault(&fx, &response_fault(FaultKind::Delay))).unwrap();
    assert_eq!(
        queued(pay(&fx, &m, "PB1", 100, "pay")),
        0,
        "held for the next run"
    );
    block_on(set_fault(&fx, &response_fault(FaultKind::Duplicate))).unwrap();
    assert_eq!(queued(pay(&fx, &m, "PB2", 100, "pay")), 2);
    block_on(set_fault(&fx, &response_fault(FaultKind::Drop))).unwrap();
    assert_eq!(queued(pay(&fx, &m, "PB3", 100, "pay")), 0);
    let platform = listener(200);
    assert_eq!(
        block_on(deliver_undelivered(&fx, &platform)).unwrap(),
        3,
        "delayed + duplicate"
    );
    block_on(set_fault(&fx, &response_fault(FaultKind::Code(code("60"))))).unwrap();
    let CardOutcome::Decided { data, .. } = pay(&fx, &m, "PB4", 100, "pay") else {
        panic!("decided");
    };
    assert!(data.contains("responseCode=60"));
}

#[test]
fn a_second_submit_gets_the_response_already_sent_and_an_invalid_card_decides_nothing() {
    let fx = SqliteFx::new();
    let m = merchant(&fx, "shop@example.org");
    let token = card_token(&init(&fx, &form(&m, "PB1", 1000)));
    let bad = block_on(submit_card(&fx, &token, "pay", "4111111111111112")).unwrap();
    assert!(matches!(
        bad,
        CardOutcome::Invalid {
            problem: CardProblem::CardNumber,
            ..
        }
    ));
    let odd = block_on(submit_card(&fx, &token, "steal", "4111111111111111")).unwrap();
    assert!(matches!(
        odd,
        CardOutcome::Invalid {
            problem: CardProblem::Action,
            ..
        }
    ));
    let first = block_on(submit_card(&fx, &token, "cancel", "")).unwrap();
    let second = block_on(submit_card(&fx, &token, "pay", "4111111111111111")).unwrap();
    let (
        CardOutcome::Decided { data: a, .. },
        CardOutcome::Decided {
            data: b, deliver, ..
        },
    ) = (first, second)
    else {
        panic!("decided");
    };
    assert_eq!(a, b);
    assert!(a.contains("responseCode=17"));
    assert!(deliver.is_empty());
    assert!(block_on(card_page(&fx, &token)).unwrap().is_none());
}
