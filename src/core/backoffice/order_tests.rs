//! Unit tests of `backoffice::order`: which answers decide a review, and
//! the batches `resolve` and `keep_trade` write.

use super::*;
use crate::core::fixtures::order_state;

fn review(txn: Option<&str>) -> OrderState {
    order_state(json!({
        "substate": "needs_review", "psp_transaction_id": txn,
        "title_claim_order_id": "o1",
    }))
}

fn mail() -> MailSetting {
    MailSetting {
        delivered_on_write: true,
        operator_email: None,
        site_url: None,
    }
}

fn trace() -> Stmt {
    Stmt::new("SELECT 'trace'", vec![])
}

fn completed(cents: i64, currency: &str) -> Inquiry {
    Inquiry::Payment(PaymentAnswer::Completed {
        transaction_id: "T1".into(),
        amount: Amount::from_cents(cents),
        currency: Some(currency.into()),
        receiver_id: Some("RCV".into()),
    })
}

fn failed() -> Inquiry {
    Inquiry::Payment(PaymentAnswer::Failed {
        transaction_id: "T1".into(),
        status: "Denied".into(),
        state: PaymentState::Failed,
    })
}

#[test]
fn only_a_matching_payment_or_a_failed_one_decides_a_review() {
    let order = review(Some("T1"));
    assert_eq!(verdict(&order, &completed(150, "EUR")), Verdict::Paid);
    assert_eq!(verdict(&order, &failed()), Verdict::Unpaid);
    let stays = [
        (completed(149, "EUR"), Stay::AmountDiffers),
        (completed(150, "USD"), Stay::AmountDiffers),
        (
            Inquiry::Payment(PaymentAnswer::Pending {
                transaction_id: "T1".into(),
            }),
            Stay::StillPending,
        ),
        (Inquiry::Unknown, Stay::NoAnswer),
        (Inquiry::Expired, Stay::NoAnswer),
        (Inquiry::NotPaidYet, Stay::NotPaidYet),
        (
            Inquiry::Mismatch(reconcile::Mismatch::Amount),
            Stay::NotThisOrder,
        ),
    ];
    for (inquiry, why) in stays {
        assert_eq!(
            verdict(&order, &inquiry),
            Verdict::Stays(why),
            "{inquiry:?}"
        );
    }
    assert_eq!(
        verdict(&review(None), &Inquiry::Expired),
        Verdict::Unpaid,
        "an expired checkout with no payment known"
    );
}

#[test]
fn an_order_not_in_review_is_never_resolved() {
    for (code, substate) in [(0, "psp_pending"), (2, "needs_review"), (-2, "done")] {
        let order = order_state(json!({ "code": code, "substate": substate }));
        assert_eq!(
            verdict(&order, &completed(150, "EUR")),
            Verdict::Stays(Stay::NotInReview)
        );
    }
}

#[test]
fn a_paid_review_is_recorded_by_the_purchase_record_after_leaving_review() {
    let order = review(Some("T1"));
    let inquiry = completed(150, "EUR");
    let batch =
        resolve_batch(&order, Verdict::Paid, &inquiry, trace(), &mail(), "t").expect("a batch");
    assert!(
        batch[0].sql.contains("substate = 'needs_review'"),
        "guarded"
    );
    assert_eq!(batch[0].params[1], Param::from("psp_pending"));
    assert_eq!(
        batch
            .iter()
            .filter(|s| s.sql.contains("INSERT INTO trades"))
            .count(),
        1,
        "one trade"
    );
    assert!(batch.iter().any(|s| s.sql.contains("code = 2")));
}

#[test]
fn an_unpaid_review_fails_and_releases_the_title() {
    let batch = resolve_batch(
        &review(Some("T1")),
        Verdict::Unpaid,
        &failed(),
        trace(),
        &mail(),
        "t",
    )
    .expect("a batch");
    assert!(batch.iter().any(|s| s.sql.contains("code = -2")));
    assert!(batch
        .iter()
        .any(|s| s.sql.contains("SET claim_order_id = NULL")));
    assert!(!batch.iter().any(|s| s.sql.contains("INSERT INTO trades")));
    let expired = resolve_batch(
        &review(None),
        Verdict::Unpaid,
        &Inquiry::Expired,
        trace(),
        &mail(),
        "t",
    )
    .expect("a batch");
    assert_eq!(expired[0].params[1], Param::from("confirming"));
    assert!(expired.iter().any(|s| s.sql.contains("code = -2")));
}

#[test]
fn an_answer_that_decides_nothing_writes_nothing() {
    let order = review(Some("T1"));
    let stays = Verdict::Stays(Stay::StillPending);
    assert!(resolve_batch(&order, stays, &Inquiry::Unknown, trace(), &mail(), "t").is_none());
}

#[test]
fn a_stated_outcome_reads_as_the_orders_own_payment() {
    let order = review(None);
    assert_eq!(
        verdict(&order, &stated_inquiry(&order, Stated::Paid)),
        Verdict::Paid
    );
    assert_eq!(
        verdict(&order, &stated_inquiry(&order, Stated::Unpaid)),
        Verdict::Unpaid
    );
    assert_eq!(Stated::parse("maybe"), None);
}

#[test]
fn keeping_a_trade_marks_it_kept_only_while_in_review() {
    let batch = keep_trade("o1", "t");
    assert!(batch[0]
        .sql
        .contains("code = 2 AND substate = 'needs_review'"));
    assert_eq!(batch[0].params[1], Param::from(REVIEW_KEPT));
}
