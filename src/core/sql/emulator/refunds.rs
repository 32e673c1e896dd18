//! The PayPal emulator's refunds: RefundTransaction's answer kept by the
//! caller's MSGSUBID, so that a repeated call answers it again instead of
//! refunding twice.

use crate::core::sql::{Param, Stmt};

/// A refund's stored answer.
#[derive(serde::Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct StoredRefund {
    pub refund_transaction_id: String,
    pub answer: String,
}

/// The refund `receiver` made with this MSGSUBID, if any.
pub fn refund_by_msgsubid(receiver_account_id: i64, msgsubid: &str) -> Stmt {
    Stmt::new(
        "SELECT refund_transaction_id, answer FROM emulator_refunds \
         WHERE receiver_account_id = ?1 AND msgsubid = ?2",
        vec![Param::Int(receiver_account_id), Param::from(msgsubid)],
    )
}

/// Keeps a refund's answer for its MSGSUBID. A second call that raced
/// this one with the same MSGSUBID hits the primary key: its whole batch
/// (the money included) is refused, and it answers the first one's.
pub struct NewRefund<'a> {
    pub receiver_account_id: i64,
    pub msgsubid: &'a str,
    pub refund_transaction_id: &'a str,
    pub transaction_id: &'a str,
    pub answer: &'a str,
    pub now: &'a str,
}

pub fn insert_refund(r: &NewRefund) -> Stmt {
    Stmt::new(
        "INSERT INTO emulator_refunds (receiver_account_id, msgsubid, refund_transaction_id, \
         transaction_id, answer, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        vec![
            Param::Int(r.receiver_account_id),
            Param::from(r.msgsubid),
            Param::from(r.refund_transaction_id),
            Param::from(r.transaction_id),
            Param::from(r.answer),
            Param::from(r.now),
        ],
    )
}
