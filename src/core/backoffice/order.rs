//! The operator's decisions on one order (backoffice.md §2), as pure
//! functions: which action a form asks for, what the provider's answer
//! allows `resolve` to do with a `needs_review` order, and the batches of
//! `resolve` and `keep_trade`. `resolve` never writes a second path: the
//! order is put back where the reconciler looks at it (`psp_pending` with
//! a transaction, `confirming` without) in the same batch as the
//! reconciler's own decision (`reconcile::resolve_due`, whose record is the
//! purchase's), so that a paid order is recorded exactly as the cron
//! records one, and an unpaid one fails with its title released.

use serde_json::{json, Value};

use crate::core::money::Amount;
use crate::core::order::{OrderStatus, Substate};
use crate::core::partial::REVIEW_KEPT;
use crate::core::psp::notice::PaymentState;
use crate::core::purchase::{MailSetting, OrderState, PaymentAnswer};
use crate::core::reconcile::{self, Inquiry, Resolution};
use crate::core::sql::{guard_one_row_changed, Batch, Param, Stmt};

/// What `POST /admin/orders/{id}` asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Recheck,
    Resolve,
    KeepTrade,
    UndoTrade,
}

impl Action {
    pub const ALL: [Action; 4] = [
        Action::Recheck,
        Action::Resolve,
        Action::KeepTrade,
        Action::UndoTrade,
    ];

    pub fn parse(text: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == text)
    }

    /// The audit log's `action`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Recheck => "recheck",
            Action::Resolve => "resolve",
            Action::KeepTrade => "keep_trade",
            Action::UndoTrade => "undo_trade",
        }
    }
}

/// The outcome an operator states for a provider without a read call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stated {
    Paid,
    Unpaid,
}

impl Stated {
    pub fn parse(text: &str) -> Option<Stated> {
        [Stated::Paid, Stated::Unpaid]
            .into_iter()
            .find(|s| s.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Stated::Paid => "paid",
            Stated::Unpaid => "unpaid",
        }
    }
}

/// Why a `needs_review` order stays where it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stay {
    /// The order is not a pending order in review.
    NotInReview,
    /// The provider still holds the payment (Pending).
    StillPending,
    /// Paid, but not the order's amount or currency.
    AmountDiffers,
    /// Paid, then partly refunded.
    PartlyRefunded,
    /// The buyer has not paid yet, and still may.
    NotPaidYet,
    /// The provider did not answer usably.
    NoAnswer,
    /// The provider described another payment than this order's.
    NotThisOrder,
    /// The provider's answer has no meaning we know.
    Unrecognised,
    /// Paid, but the order no longer holds its title's claim: recording it
    /// would move a title someone else may hold now.
    TitleNotHeld,
}

impl Stay {
    pub fn as_str(self) -> &'static str {
        match self {
            Stay::NotInReview => "not_in_review",
            Stay::StillPending => "still_pending",
            Stay::AmountDiffers => "amount_differs",
            Stay::PartlyRefunded => "partly_refunded",
            Stay::NotPaidYet => "not_paid_yet",
            Stay::NoAnswer => "no_answer",
            Stay::NotThisOrder => "not_this_order",
            Stay::Unrecognised => "unrecognised",
            Stay::TitleNotHeld => "title_not_held",
        }
    }
}

/// What the provider's answer allows `resolve` to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Paid as ordered: processed, one trade.
    Paid,
    /// Not paid: failed, its title released.
    Unpaid,
    Stays(Stay),
}

/// Whether the order is one `resolve` takes: pending, in review.
pub fn in_review(order: &OrderState) -> bool {
    order.code == OrderStatus::Pending && order.substate == Substate::NeedsReview
}

/// Reads the provider's answer for a `needs_review` order. Only a paid
/// payment of the order's amount and currency, or a payment the provider
/// says failed (or a checkout it says expired unpaid), decides.
pub fn verdict(order: &OrderState, inquiry: &Inquiry) -> Verdict {
    if !in_review(order) {
        return Verdict::Stays(Stay::NotInReview);
    }
    match inquiry {
        Inquiry::Payment(PaymentAnswer::Completed {
            amount, currency, ..
        }) => {
            let matches = *amount == Some(order.amount())
                && currency.as_deref() == Some(order.currency.as_str());
            if matches {
                Verdict::Paid
            } else {
                Verdict::Stays(Stay::AmountDiffers)
            }
        }
        Inquiry::Payment(PaymentAnswer::Failed { .. }) => Verdict::Unpaid,
        // An expired checkout proves no payment only when none is known.
        Inquiry::Expired if order.psp_transaction_id.is_none() => Verdict::Unpaid,
        Inquiry::Expired | Inquiry::Unknown => Verdict::Stays(Stay::NoAnswer),
        Inquiry::Payment(PaymentAnswer::Pending { .. }) => Verdict::Stays(Stay::StillPending),
        Inquiry::Payment(PaymentAnswer::PartlyRefunded { .. }) => {
            Verdict::Stays(Stay::PartlyRefunded)
        }
        Inquiry::Payment(PaymentAnswer::Refused { .. }) => Verdict::Stays(Stay::NoAnswer),
        Inquiry::Payment(PaymentAnswer::Unrecognised { .. }) => Verdict::Stays(Stay::Unrecognised),
        Inquiry::NotPaidYet => Verdict::Stays(Stay::NotPaidYet),
        Inquiry::Mismatch(_) => Verdict::Stays(Stay::NotThisOrder),
    }
}

/// The answer an operator states, as the provider's read would give it:
/// the order's own payment, completed, or failed.
pub fn stated_inquiry(order: &OrderState, stated: Stated) -> Inquiry {
    let transaction_id = order
        .psp_transaction_id
        .clone()
        .unwrap_or_else(|| order.id.clone());
    Inquiry::Payment(match stated {
        Stated::Paid => PaymentAnswer::Completed {
            transaction_id,
            amount: Some(order.amount()),
            currency: Some(order.currency.clone()),
            receiver_id: order.psp_receiver_id.clone(),
        },
        Stated::Unpaid => PaymentAnswer::Failed {
            transaction_id,
            status: "stated_unpaid".into(),
            state: PaymentState::Failed,
        },
    })
}

/// The batch that settles a `needs_review` order on a deciding verdict:
/// the order back where the reconciler decides, then its decision.
/// `None` when the verdict does not decide (the order stays).
pub fn resolve_batch(
    order: &OrderState,
    verdict: Verdict,
    inquiry: &Inquiry,
    trace: Stmt,
    mail: &MailSetting,
    now: &str,
) -> Option<Batch> {
    match verdict {
        Verdict::Paid | Verdict::Unpaid => {}
        Verdict::Stays(_) => return None,
    }
    let back_to = if order.psp_transaction_id.is_some() {
        Substate::PspPending
    } else {
        Substate::Confirming
    };
    let reopened = OrderState {
        substate: back_to,
        ..order.clone()
    };
    let decided = reconcile::resolve_due(&reopened, inquiry, false, false, trace, mail, now);
    let Resolution::Write(decision) = decided else {
        return None;
    };
    let mut batch = vec![
        Stmt::new(
            "UPDATE orders SET substate = ?2, updated_at = ?3 \
             WHERE id = ?1 AND code = 0 AND substate = 'needs_review'",
            vec![
                Param::from(order.id.as_str()),
                Param::from(back_to.as_str()),
                Param::from(now),
            ],
        ),
        guard_one_row_changed(),
    ];
    batch.extend(decision);
    Some(batch)
}

/// The order's code and sub-state a verdict leads to.
pub fn after(order: &OrderState, verdict: Verdict) -> Value {
    let (code, substate) = match verdict {
        Verdict::Paid => (OrderStatus::Processed, Substate::Done),
        Verdict::Unpaid => (OrderStatus::Failed, Substate::Done),
        Verdict::Stays(_) => (order.code, order.substate),
    };
    json!({ "code": code.code(), "substate": substate.as_str() })
}

/// The order as the audit log's `before` shows it.
pub fn before(order: &OrderState) -> Value {
    json!({
        "code": order.code.code(),
        "substate": order.substate.as_str(),
        "psp_transaction_id": order.psp_transaction_id,
        "title_claim_order_id": order.title_claim_order_id,
    })
}

/// What the provider said, for the page and the audit log.
pub fn said(inquiry: &Inquiry) -> String {
    match inquiry {
        Inquiry::Payment(PaymentAnswer::Completed {
            transaction_id,
            amount,
            currency,
            ..
        }) => format!(
            "completed {transaction_id} {} {}",
            amount
                .map(Amount::cents)
                .map_or(String::new(), crate::core::money::plain_cents),
            currency.clone().unwrap_or_default()
        ),
        Inquiry::Payment(PaymentAnswer::Failed {
            transaction_id,
            status,
            ..
        }) => format!("failed {transaction_id} {status}"),
        Inquiry::Payment(PaymentAnswer::Pending { transaction_id }) => {
            format!("pending {transaction_id}")
        }
        Inquiry::Payment(PaymentAnswer::PartlyRefunded { transaction_id, .. }) => {
            format!("partly refunded {transaction_id}")
        }
        Inquiry::Payment(PaymentAnswer::Refused { code, message, .. }) => {
            format!("refused {code} {message}")
        }
        Inquiry::Payment(PaymentAnswer::Unrecognised { detail }) => {
            format!("unrecognised {detail}")
        }
        Inquiry::NotPaidYet => "not paid yet".into(),
        Inquiry::Expired => "checkout expired".into(),
        Inquiry::Unknown => "no usable answer".into(),
        Inquiry::Mismatch(m) => format!("another payment ({})", m.as_str()),
    }
}

/// `keep_trade`: a processed trade partly refunded or reversed stands; the
/// mark `REVIEW_KEPT` keeps later messages about the same refund from
/// marking it again (`core::partial`).
pub fn keep_trade(order_id: &str, now: &str) -> Batch {
    vec![
        Stmt::new(
            "UPDATE orders SET substate = 'done', failure_reason = ?2, updated_at = ?3 \
             WHERE id = ?1 AND code = 2 AND substate = 'needs_review'",
            vec![
                Param::from(order_id),
                Param::from(REVIEW_KEPT),
                Param::from(now),
            ],
        ),
        guard_one_row_changed(),
    ]
}

#[cfg(test)]
#[path = "order_tests.rs"]
mod tests;
