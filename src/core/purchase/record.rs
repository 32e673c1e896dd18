//! The guarded batches that end a payment: recorded exactly once (trade,
//! title moved, seller's e-mail, buyer's receipt), failed with the claim released, or kept for review.

use super::mails::{review_mail, seller_mail};
use super::receipt::{receipt, Paid};
use super::state::OrderState;
use crate::core::i18n::Lang;
use crate::core::ledger;
use crate::core::money::Amount;
use crate::core::rules::{purchase_outcome, Outcome, ProfitRate};
use crate::core::sql::{guard_one_row_changed, outbox, Batch, Param, Stmt};

pub(super) fn release_claim(order: &OrderState) -> Stmt {
    Stmt::new(
        "UPDATE titles SET claim_order_id = NULL WHERE id = ?1 AND claim_order_id = ?2",
        vec![Param::Int(order.title_id), Param::from(order.id.as_str())],
    )
}

/// Whether a failure comes from PayPal refusing a payment call (which only
/// speaks for that call) or from PayPal's record of the payment itself.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum CallRefusal {
    Yes,
    No,
}

pub(super) fn fail_refused(
    order: &OrderState,
    code: &str,
    message: &str,
    trace: Stmt,
    now: &str,
    refusal: CallRefusal,
) -> Batch {
    // A refused call decides only while its return still holds the payment
    // lease it sent the call under: once another return took the lease,
    // another call may be paying, so the late refusal changes nothing and
    // the reconciler asks PayPal instead.
    let sql = match refusal {
        CallRefusal::Yes => {
            "UPDATE orders SET code = -2, substate = 'done', failure_reason = 'psp_refused', \
             psp_error_code = ?2, psp_error_message = ?3, updated_at = ?4 \
             WHERE id = ?1 AND code = 0 AND substate IN ('confirming', 'psp_pending') AND attempt = ?5 \
             AND payment_lease_until = ?6"
        }
        CallRefusal::No => {
            "UPDATE orders SET code = -2, substate = 'done', failure_reason = 'psp_refused', \
             psp_error_code = ?2, psp_error_message = ?3, updated_at = ?4 \
             WHERE id = ?1 AND code = 0 AND substate IN ('confirming', 'psp_pending') AND attempt = ?5"
        }
    };
    let mut params = vec![
        Param::from(order.id.as_str()),
        Param::from(code),
        Param::from(message),
        Param::from(now),
        Param::Int(order.attempt),
    ];
    if refusal == CallRefusal::Yes {
        params.push(Param::from(order.payment_lease_until.clone()));
    }
    vec![
        Stmt::new(sql, params),
        guard_one_row_changed(),
        release_claim(order),
        trace,
    ]
}

/// `orders.failure_reason` of an order put aside because its payment was
/// partly refunded or reversed at PayPal (see `core::partial`).
pub const REVIEW_PARTLY_RETURNED: &str = "partly_returned";

/// `orders.failure_reason` of an order put aside because the provider's
/// answer to its capture was not recognised.
pub const REVIEW_UNRECOGNISED: &str = "psp_answer_unrecognised";

pub(super) fn needs_review(
    order: &OrderState,
    transaction_id: &str,
    receiver_id: Option<&str>,
    reason: Option<&str>,
    trace: Stmt,
    mail: &MailSetting,
    now: &str,
) -> Batch {
    let mut batch = vec![
        Stmt::new(
            "UPDATE orders SET substate = 'needs_review', psp_transaction_id = ?2, psp_receiver_id = ?3, \
             failure_reason = ?5, updated_at = ?4 WHERE id = ?1 AND code = 0 AND substate IN ('confirming', 'psp_pending')",
            vec![
                Param::from(order.id.as_str()),
                Param::from(transaction_id),
                Param::from(receiver_id),
                Param::from(now),
                Param::from(reason),
            ],
        ),
        guard_one_row_changed(),
        trace,
    ];
    let lang = Lang::parse(&order.seller_language).unwrap_or_default();
    let (subject, body) = review_mail(order, transaction_id, lang);
    let key = format!("order:{}:review:seller", order.id);
    batch.push(outbox::insert(&outbox::Mail {
        event_key: &key,
        to: &order.seller_email,
        subject: &subject,
        body: &body,
        now,
        delivered_on_write: mail.delivered_on_write,
    }));
    if let Some(operator) = mail.operator_email.as_deref() {
        let key = format!("order:{}:review:operator", order.id);
        let (subject, body) = review_mail(order, transaction_id, Lang::En);
        batch.push(outbox::insert(&outbox::Mail {
            event_key: &key,
            to: operator,
            subject: &subject,
            body: &body,
            now,
            delivered_on_write: mail.delivered_on_write,
        }));
    }
    batch
}

/// How e-mails are written for this deployment.
#[derive(Clone, Debug)]
pub struct MailSetting {
    /// Emulator mode without a mail API: the outbox is the mailbox.
    pub delivered_on_write: bool,
    /// Where orders needing review are reported.
    pub operator_email: Option<String>,
    /// `https://host` (no trailing slash) for links in e-mails; `None`
    /// when the deployment's address is not known (the cron without
    /// `BASE_URL`): links are then given as paths.
    pub site_url: Option<String>,
}

/// Records a completed payment exactly once: the order processed with
/// PayPal's transaction id, the trade, the title moved (transfer or split),
/// its ledger entry (run it with `flow::ledger::run`, which has it sealed),
/// the trace, the seller's e-mail and the buyer's receipt, in one guarded
/// batch. The same batch
/// serves the return path, the reconciler and IPN.
pub fn record_completed(
    order: &OrderState,
    transaction_id: &str,
    receiver_id: Option<&str>,
    trace: Stmt,
    mail: &MailSetting,
    now: &str,
) -> Batch {
    let id = order.id.as_str();
    let paid = order.amount();
    // Copied from `titles.value_cents` (CHECK >= 0): never below zero.
    let value = Amount::from_cents(order.title_value_cents).unwrap_or(Amount::ZERO);
    let rate = ProfitRate::new(u8::try_from(order.profit_rate).unwrap_or(100))
        .unwrap_or(ProfitRate::DEFAULT);
    let outcome = purchase_outcome(value, paid, rate);
    let mut batch = vec![
        Stmt::new(
            "UPDATE orders SET code = 2, substate = 'done', psp_transaction_id = ?2, psp_receiver_id = ?3, \
             updated_at = ?4 WHERE id = ?1 AND code = 0 AND substate IN ('confirming', 'psp_pending')",
            vec![Param::from(id), Param::from(transaction_id), Param::from(receiver_id), Param::from(now)],
        ),
        guard_one_row_changed(),
    ];
    let (new_isin, seller_value_cents) = move_titles(order, outcome, now, &mut batch);
    batch.push(insert_trade(
        order,
        &outcome,
        &new_isin,
        seller_value_cents,
        now,
    ));
    batch.push(guard_one_row_changed());
    batch.push(ledger::append(&trade_entry(
        order,
        &outcome,
        &new_isin,
        seller_value_cents,
        now,
    )));
    batch.push(trace);
    let lang = Lang::parse(&order.seller_language).unwrap_or_default();
    let (subject, body) = seller_mail(order, &outcome, &new_isin, lang);
    let key = format!("order:{id}:sold");
    batch.push(outbox::insert(&outbox::Mail {
        event_key: &key,
        to: &order.seller_email,
        subject: &subject,
        body: &body,
        now,
        delivered_on_write: mail.delivered_on_write,
    }));
    let paid = Paid {
        outcome: &outcome,
        new_isin: &new_isin,
        reference: transaction_id,
    };
    batch.push(receipt(order, &paid, mail, now));
    batch
}

/// Moves the paid-for title in `batch` (guarded on the order's claim): a
/// transfer passes it to the buyer at its new value; a split keeps the
/// seller's rest on it and issues the buyer a new title. Returns the
/// buyer's ISIN and the seller's remaining value, if any.
fn move_titles(
    order: &OrderState,
    outcome: Outcome,
    now: &str,
    batch: &mut Batch,
) -> (String, Option<i64>) {
    let id = order.id.as_str();
    match (outcome, order.new_isin.as_deref()) {
        (
            Outcome::Split {
                new_value,
                seller_value,
            },
            Some(new_isin),
        ) => {
            batch.push(Stmt::new(
                "UPDATE titles SET value_cents = ?3, version = version + 1, claim_order_id = NULL, updated_at = ?4 \
                 WHERE id = ?1 AND claim_order_id = ?2",
                vec![Param::Int(order.title_id), Param::from(id), Param::Int(seller_value.cents()), Param::from(now)],
            ));
            batch.push(guard_one_row_changed());
            batch.push(Stmt::new(
                "INSERT INTO titles (isin, value_cents, currency, holder_id, issued_at, issued_by, \
                 parent_title_id, issuing_order_id, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, 'split', ?6, ?7, ?5)",
                vec![
                    Param::from(new_isin),
                    Param::Int(new_value.cents()),
                    Param::from(order.currency.as_str()),
                    Param::Int(order.buyer_id),
                    Param::from(now),
                    Param::Int(order.title_id),
                    Param::from(id),
                ],
            ));
            (new_isin.to_string(), Some(seller_value.cents()))
        }
        (Outcome::Transfer { new_value }, _) | (Outcome::Split { new_value, .. }, None) => {
            // A split always has its ISIN reserved at order time; should one
            // be missing, the title passes rather than leaving money
            // unrecorded.
            batch.push(Stmt::new(
                "UPDATE titles SET holder_id = ?3, value_cents = ?4, version = version + 1, \
                 claim_order_id = NULL, updated_at = ?5 WHERE id = ?1 AND claim_order_id = ?2",
                vec![
                    Param::Int(order.title_id),
                    Param::from(id),
                    Param::Int(order.buyer_id),
                    Param::Int(new_value.cents()),
                    Param::from(now),
                ],
            ));
            batch.push(guard_one_row_changed());
            (order.isin.clone(), None)
        }
    }
}

/// The ledger's `trade` entry for the trade [`insert_trade`] writes.
fn trade_entry(
    order: &OrderState,
    outcome: &Outcome,
    new_isin: &str,
    seller_value_cents: Option<i64>,
    now: &str,
) -> ledger::Entry {
    ledger::Entry {
        at: now.to_string(),
        kind: ledger::Kind::Trade,
        order_id: Some(order.id.clone()),
        isin: order.isin.clone(),
        amount_cents: Some(order.amount().cents()),
        currency: Some(order.currency.clone()),
        buyer_id: Some(order.buyer_id),
        seller_id: Some(order.seller_id),
        new_isin: Some(new_isin.to_string()),
        new_value_cents: Some(outcome.new_value().cents()),
        seller_value_cents,
    }
}

/// The trade row of a recorded payment, its new title found by ISIN.
fn insert_trade(
    order: &OrderState,
    outcome: &Outcome,
    new_isin: &str,
    seller_value_cents: Option<i64>,
    now: &str,
) -> Stmt {
    let id = order.id.as_str();
    Stmt::new(
        "INSERT INTO trades (order_id, at, title_id, isin, amount_cents, currency, profit_rate, buyer_id, \
         seller_id, new_title_id, new_isin, new_value_cents, seller_value_cents, previous_value_cents, \
         recheck_at) \
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, id, ?10, ?11, ?12, ?13, ?14 FROM titles WHERE isin = ?10",
        vec![
            Param::from(id),
            Param::from(now),
            Param::Int(order.title_id),
            Param::from(order.isin.as_str()),
            Param::Int(order.amount().cents()),
            Param::from(order.currency.as_str()),
            Param::Int(order.profit_rate),
            Param::Int(order.buyer_id),
            Param::Int(order.seller_id),
            Param::from(new_isin),
            Param::Int(outcome.new_value().cents()),
            Param::from(seller_value_cents),
            Param::Int(order.title_value_cents),
            // The payment's first scheduled re-read (core::recheck); none
            // where the provider has no read call (Monetico).
            Param::from((order.provider().capabilities().read_call).then(|| crate::core::recheck::first_at(now))),
        ],
    )
}
