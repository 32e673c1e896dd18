//! The refund against the built-in emulator (Office answered in-process on
//! SQLite): cancel before remittance, refund after it, a retry after a lost
//! answer that sends nothing again; and the mappings, status by status.

use futures_util::FutureExt;

use super::*;
use crate::core::money::Amount;
use crate::core::psp::sips::adapter::tests::{run, world, World};
use crate::core::psp::sips::adapter::{capture, read};
use crate::core::psp::sips::emulator::serve;
use crate::core::psp::sips::emulator::{FaultKind, FaultMethod, FaultSpec};
use crate::core::psp::sips::office::TransactionDataRequest;
use crate::core::psp::sips::OFFICE_INTERFACE_VERSION;
use crate::core::reconcile::Inquiry;

/// `o1` paid and validated (1.50 EUR at the emulated merchant).
fn captured(w: &World) -> OrderState {
    w.pay("o1", "pay");
    let order = w.order("o1", true);
    run(capture(&w.bank, &w.site(), w.account(), &order))
        .outcome
        .expect("validated");
    assert_eq!(w.balance(), 150);
    order
}

fn remit(w: &World) {
    w.bank.sips.now.set(w.bank.sips.now.get() + 86_400);
}

fn refund_now(w: &World, order: &OrderState) -> Called<RefundOutcome> {
    run(refund(&w.bank, &w.site(), w.account(), order))
}

fn methods(called: &Called<RefundOutcome>) -> Vec<&'static str> {
    called.traces.iter().map(|t| t.method).collect()
}

fn status_at_sips(w: &World, id: &str) -> Option<TransactionStatus> {
    let request = TransactionDataRequest {
        interface_version: OFFICE_INTERFACE_VERSION.to_owned(),
        key_version: 1,
        merchant_id: w.merchant.merchant_id.clone(),
        transaction_reference: id.to_owned(),
    };
    let body = crate::core::psp::sips::office::sealed_body(&request, &w.merchant.secret_key);
    let path = Operation::GetTransactionData.path();
    let (_, answer) = serve::office_answer(&w.bank.sips, path, body.unwrap().as_bytes())
        .now_or_never()
        .unwrap();
    crate::core::psp::sips::office::read_answer::<TransactionDataAnswer>(
        &answer,
        &w.merchant.secret_key,
    )
    .unwrap()
    .answer
    .transaction_status
}

fn fault(w: &World, operation: Operation, kind: FaultKind) {
    let spec = FaultSpec {
        method: FaultMethod::Office(operation),
        merchant_id: Some(w.merchant.merchant_id.clone()),
        transaction_reference: Some("o1".into()),
        kind,
    };
    serve::set_fault(&w.bank.sips, &spec)
        .now_or_never()
        .unwrap()
        .unwrap();
}

fn refunded_o1() -> RefundOutcome {
    RefundOutcome::Refunded {
        reference: "o1".into(),
    }
}

#[test]
fn before_remittance_the_refund_is_a_cancel_of_the_whole_amount_and_a_retry_sends_nothing() {
    let w = world();
    let order = captured(&w);
    let first = refund_now(&w, &order);
    assert_eq!(first.outcome, refunded_o1());
    assert_eq!(methods(&first), ["getTransactionData", "cancel"]);
    assert_eq!(w.balance(), 0, "the validated money never left the buyer");
    assert_eq!(status_at_sips(&w, "o1"), Some(TransactionStatus::Cancelled));
    let again = refund_now(&w, &order);
    assert_eq!(again.outcome, refunded_o1());
    assert_eq!(methods(&again), ["getTransactionData"], "read only");
    assert_eq!(w.balance(), 0);
}

#[test]
fn after_remittance_the_refund_is_an_office_refund_and_sips_reads_it_credited() {
    let w = world();
    let order = captured(&w);
    remit(&w);
    let first = refund_now(&w, &order);
    assert_eq!(first.outcome, refunded_o1());
    assert_eq!(methods(&first), ["getTransactionData", "refund"]);
    assert_eq!(w.balance(), 0, "the buyer's money went back");
    assert_eq!(status_at_sips(&w, "o1"), Some(TransactionStatus::Credited));
    let read_back = run(read(&w.bank, &w.site(), w.account(), &order));
    assert!(matches!(read_back.outcome, Inquiry::Payment(_)));
    let again = refund_now(&w, &order);
    assert_eq!(methods(&again), ["getTransactionData"]);
    assert_eq!(again.outcome, refunded_o1());
}

#[test]
fn a_refund_whose_answer_was_lost_is_unknown_then_found_done_without_a_second_refund() {
    let w = world();
    let order = captured(&w);
    remit(&w);
    fault(&w, Operation::Refund, FaultKind::Drop);
    let lost = refund_now(&w, &order);
    assert!(
        matches!(lost.outcome, RefundOutcome::Unknown(_)),
        "{:?}",
        lost.outcome
    );
    assert_eq!(w.balance(), 0, "done at Sips, answer lost");
    let retry = refund_now(&w, &order);
    assert_eq!(retry.outcome, refunded_o1());
    assert_eq!(methods(&retry), ["getTransactionData"]);
    assert_eq!(w.balance(), 0, "refunded once");
}

#[test]
fn a_transaction_that_moved_under_the_operation_is_read_again_once() {
    let w = world();
    let order = captured(&w);
    remit(&w);
    fault(
        &w,
        Operation::Refund,
        FaultKind::Code(ResponseCode::NotAuthorised),
    );
    let called = refund_now(&w, &order);
    assert_eq!(called.outcome, refunded_o1());
    assert_eq!(
        methods(&called),
        [
            "getTransactionData",
            "refund",
            "getTransactionData",
            "refund"
        ]
    );
    assert_eq!(w.balance(), 0);
}

#[test]
fn a_payment_sips_never_captured_or_does_not_know_is_refused_and_a_busy_sips_unknown() {
    let w = world();
    w.pay("o1", "refuse");
    let never = refund_now(&w, &w.order("o1", true));
    assert!(matches!(never.outcome, RefundOutcome::Refused { ref code, .. } if code == "REFUSED"));
    let unknown = refund_now(&w, &w.order("o9", true));
    assert!(matches!(unknown.outcome, RefundOutcome::Refused { ref code, .. } if code == "25"));
    fault(
        &w,
        Operation::GetTransactionData,
        FaultKind::Code(ResponseCode::ServiceUnavailable),
    );
    let busy = refund_now(&w, &w.order("o1", true));
    assert!(matches!(busy.outcome, RefundOutcome::Unknown(_)));
    w.bank.lose_answers.set(true);
    let lost = refund_now(&w, &w.order("o1", true));
    assert_eq!(lost.outcome, RefundOutcome::Unknown(NoAnswer::Timeout));
}

fn data(status: &str, left_cents: Option<i64>) -> TransactionDataAnswer {
    TransactionDataAnswer {
        response_code: ResponseCode::Accepted,
        transaction_reference: Some("o1".into()),
        merchant_id: Some("m1".into()),
        transaction_status: Some(TransactionStatus::parse(status)),
        origin_amount: Amount::from_cents(150),
        current_amount: left_cents.and_then(Amount::from_cents),
        currency_code: Some("978".into()),
        capture_limit_date: None,
        authorisation_id: None,
        acquirer_response_code: None,
        transaction_date_time: None,
    }
}

#[test]
fn every_transaction_status_says_what_a_full_refund_does() {
    let w = world();
    let order = w.order("o1", true);
    let of = |status: &str, left: Option<i64>| {
        step("m1", &order, &OfficeVerdict::Done, &data(status, left))
    };
    let answer = |outcome| Step::Answer(outcome);
    assert_eq!(of("TO_VALIDATE", Some(150)), Step::Send(Operation::Cancel));
    assert_eq!(of("TO_CAPTURE", Some(150)), Step::Send(Operation::Cancel));
    assert_eq!(of("CAPTURED", Some(150)), Step::Send(Operation::Refund));
    assert_eq!(of("CANCELLED", Some(0)), answer(refunded_o1()));
    assert_eq!(of("CREDITED", Some(0)), answer(refunded_o1()));
    assert_eq!(of("TO_CREDIT", None), answer(refunded_o1()));
    for partly in ["CREDITED", "TO_CREDIT"] {
        assert!(matches!(of(partly, Some(50)),
            Step::Answer(RefundOutcome::Refused { code, .. }) if code == partly));
    }
    for never in ["REFUSED", "EXPIRED"] {
        assert!(matches!(of(never, Some(0)),
            Step::Answer(RefundOutcome::Refused { code, .. }) if code == never));
    }
    assert!(matches!(
        of("SOMETHING_NEW", Some(150)),
        Step::Answer(RefundOutcome::Unknown(_))
    ));
    let stranger = step("m2", &order, &OfficeVerdict::Done, &data("CAPTURED", None));
    assert!(matches!(stranger, Step::Answer(RefundOutcome::Unknown(_))));
    assert_eq!(
        TransactionStatus::KNOWN.len(),
        8,
        "a new status needs a line here"
    );
}

#[test]
fn every_office_verdict_of_the_operation_maps_to_refunded_refused_or_unknown() {
    let w = world();
    let order = w.order("o1", true);
    let of = |verdict| operated(&order, verdict);
    assert_eq!(of(Ok(OfficeVerdict::Done)), refunded_o1());
    assert!(matches!(of(Ok(OfficeVerdict::NotFound)),
        RefundOutcome::Refused { code, .. } if code == "25"));
    assert!(matches!(of(Ok(OfficeVerdict::KeyRefused)),
        RefundOutcome::Refused { code, .. } if code == "34"));
    let refusal = OfficeVerdict::Refused {
        code: "24".into(),
        message: "no".into(),
    };
    assert!(matches!(of(Ok(refusal)),
        RefundOutcome::Refused { code, .. } if code == "24"));
    assert!(matches!(
        of(Ok(OfficeVerdict::Unavailable { code: "90".into() })),
        RefundOutcome::Unknown(_)
    ));
    assert_eq!(
        of(Err(NoAnswer::Timeout)),
        RefundOutcome::Unknown(NoAnswer::Timeout)
    );
    let read_refusals = [("25", "NotFound"), ("34", "KeyRefused")];
    for (code, _) in read_refusals {
        let answer = TransactionDataAnswer {
            response_code: ResponseCode::parse(code),
            ..data("CAPTURED", None)
        };
        let verdict = answer.response_code.office_verdict();
        assert!(matches!(step("m1", &order, &verdict, &answer),
            Step::Answer(RefundOutcome::Refused { code: c, .. }) if c == code));
    }
}
