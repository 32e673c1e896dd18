//! The refund rules, its statements, the finishing batches and the e-mails.

use serde_json::json;

use super::mail::{self, Party};
use super::*;
use crate::core::fixtures::{order_state, trade_state};
use crate::core::i18n::Lang;

fn paid() -> OrderState {
    order_state(json!({ "code": 2, "substate": "done", "psp_transaction_id": "TX1" }))
}

fn context(state: Option<RefundState>, trade_at: &str) -> Context {
    Context {
        buyer_email: "b@example.org".into(),
        buyer_language: "fr".into(),
        trade_at: Some(trade_at.into()),
        state,
    }
}

const NOW: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

fn check(
    order: &OrderState,
    reversal: Option<&str>,
    ctx: &Context,
    who: i64,
) -> Result<(), Refusal> {
    let trade = trade_state("processed", reversal);
    may_refund(
        order,
        Some(&trade),
        ctx,
        who,
        UtcTime::from_unix_seconds(NOW),
        60,
    )
}

#[test]
fn only_the_seller_of_a_processed_trade_within_the_window_may_refund() {
    let fresh = context(None, "2025-12-20T10:00:00Z");
    assert_eq!(check(&paid(), None, &fresh, 1), Ok(()));
    assert_eq!(check(&paid(), None, &fresh, 2), Err(Refusal::NotSeller));
    let pending = order_state(json!({ "code": 0, "substate": "confirming" }));
    assert_eq!(check(&pending, None, &fresh, 1), Err(Refusal::NotProcessed));
    let charged_back = order_state(json!({ "code": -3, "substate": "done" }));
    assert_eq!(
        check(&charged_back, None, &fresh, 1),
        Err(Refusal::NotProcessed)
    );
    assert_eq!(
        check(&paid(), Some("disputed"), &fresh, 1),
        Err(Refusal::NotProcessed),
        "a trade a reversal touched is the operator's"
    );
    let reviewed = order_state(json!({ "code": 2, "substate": "needs_review" }));
    assert_eq!(check(&reviewed, None, &fresh, 1), Err(Refusal::InReview));
}

#[test]
fn the_window_is_refund_days_after_the_trade_inclusive() {
    // 60 days before 2026-01-01T00:00:00Z is 2025-11-02T00:00:00Z.
    let edge = context(None, "2025-11-02T00:00:00Z");
    assert_eq!(check(&paid(), None, &edge, 1), Ok(()));
    let late = context(None, "2025-11-01T23:59:59Z");
    assert_eq!(check(&paid(), None, &late, 1), Err(Refusal::WindowClosed));
    assert_eq!(
        window_start(UtcTime::from_unix_seconds(NOW), 60),
        "2025-11-02T00:00:00Z"
    );
}

#[test]
fn a_second_request_is_refused_whatever_the_first_became() {
    for state in [
        RefundState::Requested,
        RefundState::Refunded,
        RefundState::Refused,
    ] {
        let asked = context(Some(state), "2025-12-20T10:00:00Z");
        assert_eq!(
            check(&paid(), None, &asked, 1),
            Err(Refusal::AlreadyRequested(state))
        );
        let charged_back = order_state(json!({ "code": -3, "substate": "done" }));
        assert_eq!(
            check(&charged_back, None, &asked, 1),
            Err(Refusal::AlreadyRequested(state))
        );
    }
}

#[test]
fn the_intent_is_one_guarded_insert_that_finds_no_refund_yet() {
    let batch = record_intent("o1", 1, "now", "start");
    assert_eq!(batch.len(), 2);
    assert!(batch[0]
        .sql
        .contains("NOT EXISTS (SELECT 1 FROM refunds WHERE order_id = ?1)"));
    assert!(batch[0].sql.contains("o.code = 2 AND o.substate = 'done'"));
    assert_eq!(batch[1], guard_one_row_changed());
    for end in [
        mark_refunded("o1", "R", TradeOutcome::Undone, "now"),
        mark_refused("o1", "10009", "no", "now"),
    ] {
        assert!(
            end[0].sql.contains("state = 'requested'"),
            "only a requested refund ends"
        );
        assert_eq!(end[1], guard_one_row_changed());
    }
}

#[test]
fn each_party_is_mailed_in_its_language_what_became_of_the_titles() {
    let transfer = trade_state("processed", None);
    let (subject, body) = mail::text(&transfer, TradeOutcome::Undone, Party::Buyer, Lang::Fr);
    assert_eq!(
        subject,
        "PayBook : le paiement de 1.50 EUR pour ZZ0000000001 a été remboursé"
    );
    assert!(
        body.contains("revient au vendeur à son ancienne valeur de 2.00 EUR"),
        "{body}"
    );
    let split = TradeState {
        new_title_id: 8,
        new_isin: "ZZ0000000002".into(),
        seller_value_cents: Some(50),
        ..trade_state("processed", None)
    };
    let (_, body) = mail::text(&split, TradeOutcome::Undone, Party::Seller, Lang::En);
    assert!(
        body.starts_with("You refunded the payment of 1.50 EUR"),
        "{body}"
    );
    assert!(
        body.contains("the new title ZZ0000000002 is voided"),
        "{body}"
    );
    let (_, body) = mail::text(&split, TradeOutcome::Disputed, Party::Seller, Lang::En);
    assert!(body.contains("marked as disputed"), "{body}");
    let rows = mail::both(
        &transfer,
        TradeOutcome::Undone,
        [
            mail::Recipient {
                party: Party::Seller,
                email: "a@example.org",
                language: "en",
            },
            mail::Recipient {
                party: Party::Buyer,
                email: "b@example.org",
                language: "fr",
            },
        ],
        "now",
        true,
    );
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].params[0], Param::from("order:o1:refund:seller"));
    assert_eq!(rows[1].params[0], Param::from("order:o1:refund:buyer"));
}

#[test]
fn a_refund_undoes_the_trade_as_a_chargeback_with_its_own_mails_and_ledger_entry() {
    use super::finish::Finishing;
    let order = paid();
    let ctx = context(None, "2025-12-20T10:00:00Z");
    let finishing = Finishing {
        order: &order,
        context: &ctx,
        reference: "R1",
        now: "2026-01-01T00:00:00Z",
        delivered_on_write: true,
    };
    let tries = finishing.on_processed(&trade_state("processed", None));
    let outcomes: Vec<TradeOutcome> = tries.iter().map(|(_, o)| *o).collect();
    assert_eq!(outcomes, [TradeOutcome::Undone, TradeOutcome::Disputed]);
    for (batch, _) in &tries {
        let mails: Vec<&Stmt> = batch
            .iter()
            .filter(|s| s.sql.starts_with("INSERT INTO outbox"))
            .collect();
        assert_eq!(mails.len(), 2, "the refund's two, not the chargeback's");
        assert!(batch
            .iter()
            .any(|s| s.sql.contains("order_id = ?1 AND state = 'requested'")));
        assert!(
            batch.iter().any(|s| s.sql.contains("INSERT INTO ledger")),
            "{batch:?}"
        );
    }
    // A trade a notification undid first: the refund only records it.
    let undone = trade_state("chargeback", Some("undone"));
    assert!(finishing.on_processed(&undone).is_empty());
    let (batch, outcome) = finishing.charged_back(&undone).expect("recorded");
    assert_eq!(outcome, TradeOutcome::Already);
    assert!(batch[0].sql.contains("code = -3"));
    assert!(!batch.iter().any(|s| s.sql.contains("INSERT INTO ledger")));
    assert!(finishing
        .charged_back(&trade_state("processed", None))
        .is_none());
}
