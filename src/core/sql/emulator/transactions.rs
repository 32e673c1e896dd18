//! Payments and their later events (completion, reversal, refund), each
//! recorded in one guarded batch with its IPN.

use super::{complete_checkout, credit, debit, insert_ipn, NewIpn};
use crate::core::sql::{guard_one_row_changed, Batch, Param, Stmt};

/// A payment with its payer and receiver.
#[derive(serde::Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Transaction {
    pub id: String,
    pub token: String,
    pub payer_account_id: i64,
    pub payer_email: String,
    pub payer_payer_id: String,
    pub receiver_account_id: i64,
    pub receiver_email: String,
    pub receiver_payer_id: String,
    pub amount_cents: i64,
    pub currency: String,
    pub invnum: Option<String>,
    pub custom: Option<String>,
    pub notify_url: Option<String>,
    pub locale_code: Option<String>,
    /// NVP spelling: `Completed`, `Pending`, `Reversed`, `Refunded`,
    /// `Canceled-Reversal`, ...
    pub status: String,
    pub pending_reason: String,
    pub reason_code: String,
    /// 1 while the amount is in the receiver's balance.
    pub settled: i64,
    pub order_time: String,
    pub payer_balance_cents: i64,
    pub receiver_balance_cents: i64,
    /// How much the receiver has refunded so far.
    #[serde(default)]
    pub refunded_cents: i64,
}

pub fn transaction_by_id(id: &str) -> Stmt {
    Stmt::new(
        "SELECT t.id, t.token, t.payer_account_id, p.email AS payer_email, \
         p.payer_id AS payer_payer_id, t.receiver_account_id, r.email AS receiver_email, \
         r.payer_id AS receiver_payer_id, t.amount_cents, t.currency, t.invnum, t.custom, \
         t.notify_url, t.locale_code, t.status, t.pending_reason, t.reason_code, t.settled, \
         t.order_time, p.balance_cents AS payer_balance_cents, \
         r.balance_cents AS receiver_balance_cents, t.refunded_cents FROM emulator_transactions t \
         JOIN emulator_accounts p ON p.id = t.payer_account_id \
         JOIN emulator_accounts r ON r.id = t.receiver_account_id WHERE t.id = ?1",
        vec![Param::from(id)],
    )
}

pub struct NewTransaction<'a> {
    pub id: &'a str,
    pub token: &'a str,
    pub payer_account_id: i64,
    pub receiver_account_id: i64,
    pub amount_cents: i64,
    pub currency: &'a str,
    pub invnum: Option<&'a str>,
    pub custom: Option<&'a str>,
    pub notify_url: Option<&'a str>,
    pub locale_code: Option<&'a str>,
    pub status: &'a str,
    pub pending_reason: &'a str,
    pub settled: bool,
    pub now: &'a str,
}

pub fn insert_transaction(t: &NewTransaction) -> Stmt {
    Stmt::new(
        "INSERT INTO emulator_transactions (id, token, payer_account_id, receiver_account_id, \
         amount_cents, currency, invnum, custom, notify_url, locale_code, status, \
         pending_reason, settled, order_time, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14)",
        vec![
            Param::from(t.id),
            Param::from(t.token),
            Param::Int(t.payer_account_id),
            Param::Int(t.receiver_account_id),
            Param::Int(t.amount_cents),
            Param::from(t.currency),
            Param::from(t.invnum),
            Param::from(t.custom),
            Param::from(t.notify_url),
            Param::from(t.locale_code),
            Param::from(t.status),
            Param::from(t.pending_reason),
            Param::Int(i64::from(t.settled)),
            Param::from(t.now),
        ],
    )
}

/// Moves a transaction from status `from` to `to`; no row when another
/// call moved it first (a guard follows).
/// `refunded` is the refunded total before and after (a partial
/// refund leaves the status as it was: the total guards the race).
pub fn transition(
    id: &str,
    from: &str,
    to: &str,
    reason_code: &str,
    settled: bool,
    refunded: (i64, i64),
    now: &str,
) -> Stmt {
    Stmt::new(
        "UPDATE emulator_transactions SET status = ?3, pending_reason = 'None', \
         reason_code = ?4, settled = ?5, updated_at = ?6, refunded_cents = ?7 \
         WHERE id = ?1 AND status = ?2 AND refunded_cents = ?8",
        vec![
            Param::from(id),
            Param::from(from),
            Param::from(to),
            Param::from(reason_code),
            Param::Int(i64::from(settled)),
            Param::from(now),
            Param::Int(refunded.1),
            Param::Int(refunded.0),
        ],
    )
}

/// A payment DoExpressCheckoutPayment records, all at once.
pub struct PaymentRecord<'a> {
    /// The payment (its `settled` says whether the money moves now).
    pub transaction: NewTransaction<'a>,
    pub msgsubid: Option<&'a str>,
    /// The answer without envelope (JSON), for 11607 replays.
    pub answer: &'a str,
    pub ipn: NewIpn<'a>,
}

/// The one batch that records a payment, with its guards: the checkout
/// completes only if still approved by this payer (two calls racing for
/// one token: the second changes no row and aborts); a settled payment
/// takes the amount from the payer only if they have it and gives it to
/// the receiver; then the transaction and its IPN. All or nothing.
/// Returns the batch and the index of the IPN's INSERT (its id).
pub fn record_payment(p: &PaymentRecord) -> (Batch, usize) {
    let t = &p.transaction;
    let mut batch = vec![
        complete_checkout(t.token, t.payer_account_id, t.id, p.msgsubid, p.answer),
        guard_one_row_changed(),
    ];
    if t.settled {
        batch.push(debit(t.payer_account_id, t.amount_cents));
        batch.push(guard_one_row_changed());
        batch.push(credit(t.receiver_account_id, t.amount_cents));
        batch.push(guard_one_row_changed());
    }
    batch.push(insert_transaction(t));
    batch.push(insert_ipn(&p.ipn));
    let ipn_at = batch.len() - 1;
    (batch, ipn_at)
}

/// A later event on a payment: its completion or denial, a reversal, a refund or
/// a cancelled reversal.
pub struct EventRecord<'a> {
    pub transaction_id: &'a str,
    /// The status the event was decided on; another call that changed
    /// it first makes this batch abort.
    pub from_status: &'a str,
    pub to_status: &'a str,
    pub reason_code: &'a str,
    /// Whether the amount is in the receiver's balance afterwards.
    pub settled: bool,
    pub giver_account_id: i64,
    pub taker_account_id: i64,
    /// What changes hands (part of the payment for a partial refund).
    pub amount_cents: i64,
    /// The payment's refunded total before and after.
    pub refunded_cents: (i64, i64),
    pub now: &'a str,
    pub ipn: NewIpn<'a>,
}

/// The one batch of a later event, with its guards (the status is
/// still `from_status`; the giver has the amount), then its IPN and the
/// transaction as it now is. Returns the batch and the index of the
/// IPN's INSERT; the transaction is read by the statement after it.
pub fn record_event(e: &EventRecord) -> (Batch, usize) {
    let mut batch = vec![
        transition(
            e.transaction_id,
            e.from_status,
            e.to_status,
            e.reason_code,
            e.settled,
            e.refunded_cents,
            e.now,
        ),
        guard_one_row_changed(),
    ];
    // A denial moves nothing: no balance to touch (or to guard).
    if e.amount_cents != 0 {
        batch.push(debit(e.giver_account_id, e.amount_cents));
        batch.push(guard_one_row_changed());
        batch.push(credit(e.taker_account_id, e.amount_cents));
        batch.push(guard_one_row_changed());
    }
    batch.push(insert_ipn(&e.ipn));
    let ipn_at = batch.len() - 1;
    batch.push(transaction_by_id(e.transaction_id));
    (batch, ipn_at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(amount_cents: i64) -> (Batch, usize) {
        record_event(&EventRecord {
            transaction_id: "17G53960CL6245248",
            from_status: "Pending",
            to_status: "Denied",
            reason_code: "None",
            settled: false,
            giver_account_id: 2,
            taker_account_id: 2,
            amount_cents,
            refunded_cents: (0, 0),
            now: "2026-01-01T00:00:00Z",
            ipn: NewIpn {
                txn_id: "17G53960CL6245248",
                parent_txn_id: None,
                payment_status: "Denied",
                notify_url: None,
                body: "b",
                body_sha256: "h",
                now: "2026-01-01T00:00:00Z",
            },
        })
    }

    fn touches_balances(batch: &Batch) -> bool {
        batch.iter().any(|s| s.sql.contains("balance_cents ="))
    }

    #[test]
    fn an_event_that_moves_no_money_touches_no_balance_but_keeps_its_status_guard() {
        let (batch, ipn_at) = event(0);
        assert!(!touches_balances(&batch), "{batch:?}");
        assert_eq!(batch[1], guard_one_row_changed());
        assert!(batch[ipn_at]
            .sql
            .starts_with("INSERT INTO emulator_ipn_messages"));
        let (moving, _) = event(2_000);
        assert!(touches_balances(&moving));
    }
}
