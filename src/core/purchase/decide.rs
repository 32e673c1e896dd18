//! PayPal's answer to DoExpressCheckoutPayment: what it means for the order
//! ([`PaymentAnswer`]) and what to write once it is known ([`AfterPayment`]).

use super::record::{
    fail_refused, needs_review, record_completed, release_claim, CallRefusal, MailSetting,
    REVIEW_PARTLY_RETURNED, REVIEW_UNRECOGNISED,
};
use super::state::OrderState;
use crate::core::money::Amount;
use crate::core::psp::notice::PaymentState;
use crate::core::sql::{guard_one_row_changed, Batch, Param, Stmt};

/// What PayPal's answer to DoExpressCheckoutPayment means for the order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentAnswer {
    /// Paid (also an 11607 replay carrying the original payment).
    Completed {
        transaction_id: String,
        amount: Option<Amount>,
        currency: Option<String>,
        receiver_id: Option<String>,
    },
    /// Taken, but PayPal holds it (PAYMENTSTATUS=Pending and the like).
    Pending { transaction_id: String },
    /// PayPal refused; `retry_funding` for 10486/10422 (the buyer picks
    /// another funding source on PayPal with the same token).
    Refused {
        code: String,
        message: String,
        retry_funding: bool,
        already_paid: bool,
    },
    /// PayPal answered that the payment failed (Denied, Failed, ...).
    Failed {
        transaction_id: String,
        /// The provider's word for it, shown as the failure's code.
        status: String,
        /// Never moved (`Failed`), taken back (`Reversed`) or refunded
        /// whole (`Refunded`).
        state: PaymentState,
    },
    /// Paid, then partly refunded (Partially-Refunded): most of the money
    /// stayed with the seller, so it is neither a failure nor a reversal;
    /// a person looks.
    PartlyRefunded {
        transaction_id: String,
        receiver_id: Option<String>,
    },
    /// An answer the provider module does not recognise (Monetico: a `cdr`
    /// it has no meaning for): money may have moved, so nothing is
    /// guessed; a person looks, the title still claimed.
    Unrecognised { detail: String },
}

/// What to write once the payment's outcome is known.
#[derive(Debug, PartialEq)]
pub enum AfterPayment {
    /// Paid as ordered: processed, trade, title moved, trace, e-mail.
    Record(Batch),
    /// Paid, but the amount or currency differs: money moved, so never fail;
    /// a person looks (the title stays claimed).
    NeedsReview(Batch),
    /// Paid with status Pending: nothing moves until PayPal confirms.
    Pending(Batch),
    /// The buyer must choose another funding source on PayPal (same token):
    /// the claim is released and the next attempt gets a new MSGSUBID.
    RetryFunding(Batch),
    /// Refused or failed at PayPal: the order fails, the claim is released.
    Fail(Batch),
    /// PayPal says it was already paid: find the payment before recording.
    AlreadyPaid,
}

/// The decision after DoExpressCheckoutPayment answered. `trace` is the
/// call's trace statement, written in the same batch.
pub fn after_payment(
    order: &OrderState,
    answer: &PaymentAnswer,
    trace: Stmt,
    mail: &MailSetting,
    now: &str,
) -> AfterPayment {
    match answer {
        PaymentAnswer::Completed { transaction_id, amount, currency, receiver_id } => {
            let matches = *amount == Some(order.amount()) && currency.as_deref() == Some(order.currency.as_str());
            if matches {
                AfterPayment::Record(record_completed(order, transaction_id, receiver_id.as_deref(), trace, mail, now))
            } else {
                AfterPayment::NeedsReview(needs_review(order, transaction_id, receiver_id.as_deref(), None, trace, mail, now))
            }
        }
        PaymentAnswer::PartlyRefunded { transaction_id, receiver_id } => AfterPayment::NeedsReview(needs_review(
            order,
            transaction_id,
            receiver_id.as_deref(),
            Some(REVIEW_PARTLY_RETURNED),
            trace,
            mail,
            now,
        )),
        PaymentAnswer::Unrecognised { .. } => AfterPayment::NeedsReview(needs_review(
            order,
            &order.id,
            None,
            Some(REVIEW_UNRECOGNISED),
            trace,
            mail,
            now,
        )),
        PaymentAnswer::Pending { transaction_id } => AfterPayment::Pending(vec![
            Stmt::new(
                "UPDATE orders SET substate = 'psp_pending', psp_transaction_id = ?2, updated_at = ?3 \
                 WHERE id = ?1 AND code = 0 AND substate = 'confirming' AND attempt = ?4",
                vec![
                    Param::from(order.id.as_str()),
                    Param::from(transaction_id.as_str()),
                    Param::from(now),
                    Param::Int(order.attempt),
                ],
            ),
            guard_one_row_changed(),
            trace,
        ]),
        PaymentAnswer::Refused { already_paid: true, .. } => AfterPayment::AlreadyPaid,
        PaymentAnswer::Refused { retry_funding: true, .. } => AfterPayment::RetryFunding(vec![
            Stmt::new(
                "UPDATE orders SET substate = 'awaiting_buyer', attempt = attempt + 1, psp_payer_id = NULL, \
                 updated_at = ?2 WHERE id = ?1 AND code = 0 AND substate = 'confirming' AND attempt = ?3 \
                 AND payment_lease_until = ?4",
                vec![
                    Param::from(order.id.as_str()),
                    Param::from(now),
                    Param::Int(order.attempt),
                    Param::from(order.payment_lease_until.clone()),
                ],
            ),
            guard_one_row_changed(),
            release_claim(order),
            trace,
        ]),
        PaymentAnswer::Refused { code, message, .. } => {
            AfterPayment::Fail(refused(order, code, message, trace, mail, now))
        }
        PaymentAnswer::Failed { status, .. } => {
            AfterPayment::Fail(fail_refused(
                order,
                status,
                "PayPal reported the payment as failed",
                trace,
                now,
                CallRefusal::No,
            ))
        }
    }
}

/// A refused payment call: the order fails (no money moved); broken
/// credentials or a revoked permission also stop the seller's account
/// from receiving until he fixes it.
fn refused(
    order: &OrderState,
    code: &str,
    message: &str,
    trace: Stmt,
    mail: &MailSetting,
    now: &str,
) -> Batch {
    let mut batch = fail_refused(order, code, message, trace, now, CallRefusal::Yes);
    if super::refuses_account(order, code) {
        batch.extend(super::account_refused_at_payment(
            order,
            now,
            mail.delivered_on_write,
        ));
    }
    batch
}

/// The decision after a DoExpressCheckoutPayment that was sent again for an
/// order already confirming (a refresh, a second return, the reconciler): an
/// earlier call of the same attempt may have paid with its answer lost, and
/// PayPal refuses a repeat for reasons of its own (10445 "try later", 10411
/// once the token is old) before it looks at the MSGSUBID. So a refusal here
/// proves nothing: the caller must ask PayPal what happened
/// ([`AfterPayment::AlreadyPaid`]) before believing it.
pub fn after_retried_payment(
    order: &OrderState,
    answer: &PaymentAnswer,
    trace: Stmt,
    mail: &MailSetting,
    now: &str,
) -> AfterPayment {
    match answer {
        PaymentAnswer::Refused { .. } => AfterPayment::AlreadyPaid,
        PaymentAnswer::Completed { .. }
        | PaymentAnswer::Pending { .. }
        | PaymentAnswer::Failed { .. }
        | PaymentAnswer::PartlyRefunded { .. }
        | PaymentAnswer::Unrecognised { .. } => after_payment(order, answer, trace, mail, now),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::purchase::fixture::{mail, order, trace};

    #[test]
    fn a_completed_payment_of_another_amount_or_currency_needs_review_and_never_fails() {
        for (amount, currency) in [(199, "EUR"), (200, "USD")] {
            let answer = PaymentAnswer::Completed {
                transaction_id: "T1".into(),
                amount: Amount::from_cents(amount),
                currency: Some(currency.into()),
                receiver_id: None,
            };
            let decision =
                after_payment(&order(), &answer, trace(), &mail(), "2026-11-22T10:05:00Z");
            let AfterPayment::NeedsReview(batch) = decision else {
                panic!("needs review: {decision:?}")
            };
            assert!(batch[0].sql.contains("needs_review"));
            assert!(
                !batch
                    .iter()
                    .any(|s| s.sql.contains("claim_order_id = NULL")),
                "the title stays claimed"
            );
            let mails: Vec<&Stmt> = batch
                .iter()
                .filter(|s| s.sql.contains("INSERT INTO outbox"))
                .collect();
            assert_eq!(mails.len(), 2, "seller and operator are told");
        }
    }

    #[test]
    fn the_exact_payment_is_recorded_with_the_split_and_the_seller_mail_in_their_language() {
        let answer = PaymentAnswer::Completed {
            transaction_id: "T1".into(),
            amount: Amount::from_cents(200),
            currency: Some("EUR".into()),
            receiver_id: Some("R".into()),
        };
        let AfterPayment::Record(batch) =
            after_payment(&order(), &answer, trace(), &mail(), "2026-11-22T10:05:00Z")
        else {
            panic!("recorded")
        };
        assert!(batch[0].sql.contains("code = 2"));
        let split = batch
            .iter()
            .find(|s| s.sql.starts_with("UPDATE titles SET value_cents"))
            .expect("seller keeps V - X");
        assert!(split.params.contains(&Param::Int(300)));
        let issued = batch
            .iter()
            .find(|s| s.sql.starts_with("INSERT INTO titles"))
            .expect("new title");
        assert!(
            issued.params.contains(&Param::from("ZZ0000000002"))
                && issued.params.contains(&Param::Int(400))
        );
        let mail = batch
            .iter()
            .find(|s| s.sql.contains("INSERT INTO outbox"))
            .expect("mail");
        assert!(mail.params.iter().any(|p| matches!(p, Param::Text(t) if t.starts_with("PayBook : ZZ0000000001 vendu en partie pour 2.00 EUR"))));
    }

    #[test]
    fn funding_refusals_release_the_claim_and_raise_the_attempt() {
        let answer = PaymentAnswer::Refused {
            code: "10486".into(),
            message: String::new(),
            retry_funding: true,
            already_paid: false,
        };
        let AfterPayment::RetryFunding(batch) =
            after_payment(&order(), &answer, trace(), &mail(), "t")
        else {
            panic!()
        };
        assert!(batch[0].sql.contains("attempt = attempt + 1"));
        assert!(batch
            .iter()
            .any(|s| s.sql.contains("claim_order_id = NULL")));
        let answer = PaymentAnswer::Refused {
            code: "10417".into(),
            message: "x".into(),
            retry_funding: false,
            already_paid: false,
        };
        let AfterPayment::Fail(batch) = after_payment(&order(), &answer, trace(), &mail(), "t")
        else {
            panic!()
        };
        assert!(batch[0].sql.contains("code = -2"));
        let answer = PaymentAnswer::Refused {
            code: "10415".into(),
            message: "x".into(),
            retry_funding: false,
            already_paid: true,
        };
        assert_eq!(
            after_payment(&order(), &answer, trace(), &mail(), "t"),
            AfterPayment::AlreadyPaid
        );
    }
}
