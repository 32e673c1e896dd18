//! Resolving outcomes that are not known yet, by asking PayPal, never by
//! guessing (the original PayBook failed pending orders after a day,
//! blindly). Used by the cron's reconciler and by the return path when
//! PayPal says a checkout was already paid (10415).
//!
//! An inquiry is GetExpressCheckoutDetails on the order's token, then, when
//! it names a transaction, GetTransactionDetails. Its finding decides:
//! - a completed payment is recorded exactly as on the return path;
//! - a pending one waits; a denied or failed one fails the order and
//!   releases the claim;
//! - a claim is released without a payment only when PayPal says the token
//!   expired (10411) with no transaction;
//! - an order still waiting for its buyer is failed after
//!   `PENDING_TTL_HOURS` only if PayPal has no payment for it;
//! - a payment still Pending at PayPal `PENDING_MAX_DAYS` after its order
//!   (an eCheck that never clears) puts the order in `needs_review`
//!   ([`resolve_due`]). Its title stays claimed there: PayPal may still
//!   complete the payment, and a title released and sold meanwhile would
//!   leave that money without its title. Nothing is guessed: an operator
//!   looks at it with PayPal's trace.

use super::order::{OrderStatus, Substate};
use super::purchase::{self, after_payment, AfterPayment, MailSetting, OrderState, PaymentAnswer};
use super::sql::{guard_one_row_changed, Batch, Param, Stmt};
use super::time::UtcTime;

/// Why a transaction is not the order's payment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mismatch {
    /// PayPal described another transaction than the one asked about.
    Transaction,
    /// Its invoice number is not this deployment's for this order.
    Invoice,
    /// Its receiver is not the account that received the order's payment.
    Receiver,
    Amount,
    Currency,
}

impl Mismatch {
    pub fn as_str(self) -> &'static str {
        match self {
            Mismatch::Transaction => "transaction",
            Mismatch::Invoice => "invoice",
            Mismatch::Receiver => "receiver",
            Mismatch::Amount => "amount",
            Mismatch::Currency => "currency",
        }
    }
}

/// The whole finding of an inquiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inquiry {
    Payment(PaymentAnswer),
    NotPaidYet,
    Expired,
    Unknown,
    /// PayPal described a transaction that is not this order's payment
    /// (the provider module checks it): nothing may change because of it.
    Mismatch(Mismatch),
}

/// What to do with an unresolved order.
#[derive(Debug, PartialEq)]
pub enum Resolution {
    /// Run this batch (guarded: a concurrent resolution makes it a no-op).
    Write(Batch),
    /// Nothing is known yet that allows a change: look again later.
    Wait,
}

/// Decides from an inquiry. `ttl_passed` says whether an order still waiting
/// for its buyer is older than `PENDING_TTL_HOURS`.
pub fn resolve(
    order: &OrderState,
    inquiry: &Inquiry,
    ttl_passed: bool,
    trace: Stmt,
    mail: &MailSetting,
    now: &str,
) -> Resolution {
    if order.code != OrderStatus::Pending {
        return Resolution::Wait;
    }
    // A card order the bank called pending before any claim is still,
    // for the reconciler, an order waiting for its buyer.
    let substate = if order.unclaimed_card_pending_or_new() {
        Substate::AwaitingBuyer
    } else {
        order.substate
    };
    match (substate, inquiry) {
        (Substate::Confirming | Substate::PspPending, Inquiry::Payment(payment)) => {
            let pending_again = matches!(payment, PaymentAnswer::Pending { .. })
                && order.substate == Substate::PspPending;
            if pending_again {
                return Resolution::Wait;
            }
            match after_payment(order, payment, trace, mail, now) {
                AfterPayment::Record(b)
                | AfterPayment::NeedsReview(b)
                | AfterPayment::Pending(b)
                | AfterPayment::Fail(b)
                | AfterPayment::RetryFunding(b) => Resolution::Write(b),
                AfterPayment::AlreadyPaid => Resolution::Wait,
            }
        }
        // A Pending payment is known by its transaction (asked with
        // GetTransactionDetails); an expired token says nothing about it.
        (Substate::PspPending, Inquiry::Expired) => Resolution::Wait,
        (Substate::Confirming, Inquiry::Expired) => {
            Resolution::Write(fail_and_release(order, "token_expired_unpaid", trace, now))
        }
        (
            Substate::Confirming | Substate::PspPending,
            Inquiry::NotPaidYet | Inquiry::Unknown | Inquiry::Mismatch(_),
        ) => Resolution::Wait,
        (
            Substate::AwaitingBuyer,
            Inquiry::Payment(
                PaymentAnswer::Completed { .. }
                | PaymentAnswer::Pending { .. }
                | PaymentAnswer::PartlyRefunded { .. },
            ),
        ) if ttl_passed => {
            // Paid without a return ever reaching us: claim and record in
            // one batch; if the title changed meanwhile the claim's guard
            // aborts it and the order is set aside for review instead.
            Resolution::Write(claim_and_record(order, inquiry, trace, mail, now))
        }
        (
            Substate::AwaitingBuyer,
            Inquiry::Payment(PaymentAnswer::Failed { .. }) | Inquiry::Expired | Inquiry::NotPaidYet,
        ) if ttl_passed => Resolution::Write(fail_unpaid(order, trace, now)),
        // A card provider moves money only when PayBook captures, and
        // PayBook captures only an order holding its claim: an unclaimed
        // card order past the TTL has moved nothing whatever the bank says
        // or fails to say (a Sips `60` it never settles), so it fails; a
        // late authorization of it is then released (`flow::purchase`).
        (Substate::AwaitingBuyer, Inquiry::Unknown | Inquiry::Mismatch(_))
            if ttl_passed && capture_moves_money(order) =>
        {
            Resolution::Write(fail_unpaid(order, trace, now))
        }
        (Substate::AwaitingBuyer, _) => Resolution::Wait,
        (Substate::NeedsReview | Substate::Done, _) => Resolution::Wait,
    }
}

/// Whether only PayBook's own capture moves the order's money (the card
/// providers' authorizations), so that an unclaimed order has moved none.
fn capture_moves_money(order: &OrderState) -> bool {
    order.provider().capabilities().notification == crate::core::psp::NotificationTrust::Sealed
}

/// The cron's decision for a due order: [`resolve`], and, when that says
/// to wait on a payment PayPal still calls Pending although
/// `pending_max_passed` (the order is older than `PENDING_MAX_DAYS`), the
/// order goes to review, its title still claimed.
pub fn resolve_due(
    order: &OrderState,
    inquiry: &Inquiry,
    ttl_passed: bool,
    pending_max_passed: bool,
    trace: Stmt,
    mail: &MailSetting,
    now: &str,
) -> Resolution {
    match resolve(order, inquiry, ttl_passed, trace.clone(), mail, now) {
        Resolution::Wait if pending_max_passed => review_pending(order, inquiry, trace, now),
        decided => decided,
    }
}

/// Whether an order made at `created_at` is older than `max_days` at `now`
/// (times in the stored form; an unreadable one is never old).
pub fn pending_max_passed(created_at: &str, now: &str, max_days: i64) -> bool {
    // An unreadable time proves nothing: the order is not sent to review.
    let (Some(created), Some(now)) = (UtcTime::parse(created_at), UtcTime::parse(now)) else {
        return false;
    };
    created.plus_seconds(max_days * 86_400) < now
}

/// A `psp_pending` order whose payment PayPal, asked just now, still calls
/// Pending: to review, the claim kept. Any other finding (PayPal did not
/// answer, the payment moved on) waits: never guessed.
fn review_pending(order: &OrderState, inquiry: &Inquiry, trace: Stmt, now: &str) -> Resolution {
    let still_pending = matches!(inquiry, Inquiry::Payment(PaymentAnswer::Pending { .. }));
    if order.code != OrderStatus::Pending
        || order.substate != Substate::PspPending
        || !still_pending
    {
        return Resolution::Wait;
    }
    Resolution::Write(vec![
        Stmt::new(
            "UPDATE orders SET substate = 'needs_review', updated_at = ?2 \
             WHERE id = ?1 AND code = 0 AND substate = 'psp_pending'",
            vec![Param::from(order.id.as_str()), Param::from(now)],
        ),
        guard_one_row_changed(),
        trace,
    ])
}

/// The batch for a paid order that never came back: claim then record.
pub fn claim_and_record(
    order: &OrderState,
    inquiry: &Inquiry,
    trace: Stmt,
    mail: &MailSetting,
    now: &str,
) -> Batch {
    let payer = order.psp_payer_id.clone().unwrap_or_default();
    let mut batch = match purchase::on_return(order, &payer, now) {
        purchase::ReturnStep::Claim(claim) => claim,
        purchase::ReturnStep::FailUnavailable(_)
        | purchase::ReturnStep::Show
        | purchase::ReturnStep::Execute => return set_aside(order, trace, now),
    };
    let claimed = purchase::lease_held(
        &OrderState {
            substate: Substate::Confirming,
            title_claim_order_id: Some(order.id.clone()),
            ..order.clone()
        },
        now,
    );
    let payment = match inquiry {
        Inquiry::Payment(p) => p.clone(),
        Inquiry::NotPaidYet | Inquiry::Expired | Inquiry::Unknown | Inquiry::Mismatch(_) => {
            return set_aside(order, trace, now)
        }
    };
    match after_payment(&claimed, &payment, trace.clone(), mail, now) {
        AfterPayment::Record(b)
        | AfterPayment::NeedsReview(b)
        | AfterPayment::Pending(b)
        | AfterPayment::Fail(b)
        | AfterPayment::RetryFunding(b) => batch.extend(b),
        AfterPayment::AlreadyPaid => return set_aside(order, trace, now),
    }
    batch
}

/// Money moved for an order whose title can no longer be claimed: keep it
/// for a person to look at.
pub fn set_aside(order: &OrderState, trace: Stmt, now: &str) -> Batch {
    vec![
        Stmt::new(
            "UPDATE orders SET substate = 'needs_review', updated_at = ?2 \
             WHERE id = ?1 AND code = 0 AND substate = 'awaiting_buyer'",
            vec![Param::from(order.id.as_str()), Param::from(now)],
        ),
        guard_one_row_changed(),
        trace,
    ]
}

fn fail_and_release(order: &OrderState, reason: &str, trace: Stmt, now: &str) -> Batch {
    vec![
        Stmt::new(
            "UPDATE orders SET code = -2, substate = 'done', failure_reason = ?2, updated_at = ?3 \
             WHERE id = ?1 AND code = 0 AND substate IN ('confirming', 'psp_pending')",
            vec![
                Param::from(order.id.as_str()),
                Param::from(reason),
                Param::from(now),
            ],
        ),
        guard_one_row_changed(),
        Stmt::new(
            "UPDATE titles SET claim_order_id = NULL WHERE id = ?1 AND claim_order_id = ?2",
            vec![Param::Int(order.title_id), Param::from(order.id.as_str())],
        ),
        trace,
    ]
}

fn fail_unpaid(order: &OrderState, trace: Stmt, now: &str) -> Batch {
    vec![
        Stmt::new(
            "UPDATE orders SET code = -2, substate = 'done', failure_reason = 'unpaid_after_ttl', updated_at = ?2 \
             WHERE id = ?1 AND code = 0 AND substate IN ('awaiting_buyer', 'psp_pending') \
             AND psp_transaction_id IS NULL",
            vec![Param::from(order.id.as_str()), Param::from(now)],
        ),
        guard_one_row_changed(),
        trace,
    ]
}

/// The orders the reconciler looks at, oldest first, bounded per run:
/// claimed orders whose outcome is unknown (left alone for a minute, so as
/// not to race a return in flight), and orders still waiting for their
/// buyer after the TTL.
pub fn due_orders(settle_before: &str, ttl_before: &str, limit: i64) -> Stmt {
    Stmt::new(
        super::purchase::order_state!(
            "WHERE o.code = 0 AND o.psp_token IS NOT NULL AND (",
            "(o.substate IN ('confirming', 'psp_pending') AND o.updated_at < ?1) ",
            "OR (o.substate = 'awaiting_buyer' AND o.created_at < ?2)) ",
            "ORDER BY COALESCE(o.checked_at, o.updated_at) LIMIT ?3"
        ),
        vec![
            Param::from(settle_before),
            Param::from(ttl_before),
            Param::Int(limit),
        ],
    )
}

/// Notes that the reconciler asked PayPal about an order and must wait, so
/// that the next runs look at the others first.
pub fn checked(order_id: &str, now: &str) -> Stmt {
    Stmt::new(
        "UPDATE orders SET checked_at = ?2 WHERE id = ?1",
        vec![Param::from(order_id), Param::from(now)],
    )
}

/// A payment PayPal completed for an order that was failed meanwhile (a
/// lost answer the reconciler could not see before the token expired):
/// money has moved, so the order is put back, pending, for a person to
/// review. Its title may have moved on; nothing is guessed.
pub fn reopen_for_review(order_id: &str, transaction_id: &str, now: &str) -> Batch {
    vec![
        Stmt::new(
            "UPDATE orders SET code = 0, substate = 'needs_review', psp_transaction_id = ?2, updated_at = ?3 \
             WHERE id = ?1 AND code IN (-1, -2) AND (psp_transaction_id IS NULL OR psp_transaction_id = ?2)",
            vec![Param::from(order_id), Param::from(transaction_id), Param::from(now)],
        ),
        guard_one_row_changed(),
    ]
}

/// Takes the cron's lease until `until` when no other run holds one; the
/// statement changes one row only for the run that gets it.
pub fn take_lease(now: &str, until: &str) -> Stmt {
    Stmt::new(
        "INSERT INTO settings (key, value) VALUES ('cron_lease_until', ?2) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE settings.value <= ?1",
        vec![Param::from(now), Param::from(until)],
    )
}

/// Ends the run: the lease is given back, only if this run still holds it
/// (a run that outlived its lease must not end the next run's), and the run
/// recorded.
pub fn finish_run(now: &str, lease_until: &str) -> Batch {
    vec![
        Stmt::new(
            "UPDATE settings SET value = ?1 WHERE key = 'cron_lease_until' AND value = ?2",
            vec![Param::from(now), Param::from(lease_until)],
        ),
        Stmt::new(
            "INSERT INTO settings (key, value) VALUES ('last_cron_at', ?1) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            vec![Param::from(now)],
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixtures::order_state;

    fn pending_order() -> OrderState {
        order_state(serde_json::json!({
            "code": 0, "substate": "psp_pending", "psp_transaction_id": "T1",
            "title_claim_order_id": "o1",
        }))
    }

    #[test]
    fn an_unclaimed_card_order_past_the_ttl_fails_even_when_the_bank_says_nothing_usable() {
        let mail = MailSetting {
            delivered_on_write: true,
            operator_email: None,
            site_url: None,
        };
        let trace = || Stmt::new("SELECT 'trace'", vec![]);
        for substate in ["awaiting_buyer", "psp_pending"] {
            let card = order_state(serde_json::json!({
                "psp": "sips", "substate": substate, "psp_payer_id": null,
                "title_claim_order_id": null,
            }));
            let Resolution::Write(batch) =
                resolve(&card, &Inquiry::Unknown, true, trace(), &mail, "t")
            else {
                panic!("{substate}: failed after the TTL")
            };
            assert!(batch[0].sql.contains("unpaid_after_ttl"), "{substate}");
            assert_eq!(
                resolve(&card, &Inquiry::Unknown, false, trace(), &mail, "t"),
                Resolution::Wait,
                "{substate}: not before the TTL"
            );
        }
        // PayPal's approval is not PayBook's to capture alone: it waits.
        let paypal = order_state(serde_json::json!({
            "substate": "awaiting_buyer", "title_claim_order_id": null,
        }));
        assert_eq!(
            resolve(&paypal, &Inquiry::Unknown, true, trace(), &mail, "t"),
            Resolution::Wait
        );
    }

    fn still_pending() -> Inquiry {
        Inquiry::Payment(PaymentAnswer::Pending {
            transaction_id: "T1".into(),
        })
    }

    fn due(order: &OrderState, inquiry: &Inquiry, max_passed: bool) -> Resolution {
        let mail = MailSetting {
            delivered_on_write: true,
            operator_email: None,
            site_url: None,
        };
        let trace = Stmt::new("SELECT 'trace'", vec![]);
        resolve_due(
            order,
            inquiry,
            true,
            max_passed,
            trace,
            &mail,
            "2026-01-16T10:00:00Z",
        )
    }

    #[test]
    fn a_payment_still_pending_after_pending_max_days_goes_to_review_with_its_claim() {
        let Resolution::Write(batch) = due(&pending_order(), &still_pending(), true) else {
            panic!("to review")
        };
        assert!(batch[0].sql.contains("substate = 'needs_review'"));
        assert!(batch[0].sql.contains("substate = 'psp_pending'"), "guarded");
        assert!(
            !batch.iter().any(|s| s.sql.contains("claim_order_id")),
            "the title stays claimed: the money may still arrive"
        );
        assert!(batch.iter().any(|s| s.sql == "SELECT 'trace'"));
    }

    #[test]
    fn a_pending_payment_waits_before_pending_max_days_or_when_paypal_does_not_answer() {
        let order = pending_order();
        assert_eq!(due(&order, &still_pending(), false), Resolution::Wait);
        assert_eq!(due(&order, &Inquiry::Unknown, true), Resolution::Wait);
        assert_eq!(due(&order, &Inquiry::Expired, true), Resolution::Wait);
        let review = OrderState {
            substate: Substate::NeedsReview,
            ..order
        };
        assert_eq!(due(&review, &still_pending(), true), Resolution::Wait);
    }

    #[test]
    fn a_payment_completed_after_pending_max_days_is_recorded_not_reviewed() {
        let paid = Inquiry::Payment(PaymentAnswer::Completed {
            transaction_id: "T1".into(),
            amount: crate::core::money::Amount::from_cents(150),
            currency: Some("EUR".into()),
            receiver_id: Some("RCV".into()),
        });
        let Resolution::Write(batch) = due(&pending_order(), &paid, true) else {
            panic!("recorded")
        };
        assert!(batch.iter().any(|s| s.sql.contains("INSERT INTO trades")));
    }

    #[test]
    fn pending_max_days_counts_from_the_order() {
        let made = "2026-01-05T10:00:00Z";
        assert!(!pending_max_passed(made, "2026-01-15T10:00:00Z", 10));
        assert!(pending_max_passed(made, "2026-01-15T10:00:01Z", 10));
        assert!(!pending_max_passed("garbage", "2026-02-15T10:00:00Z", 10));
    }
}
