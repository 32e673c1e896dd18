//! Everything about one order, for the operator (backoffice.md §2): the
//! order with unmasked e-mails, every provider trace in full, the
//! notifications and the raw receipts that name it, the trade, the titles
//! it touched and the audit entries about it. One batch, read as JSON rows
//! (the page shows every column; operators see everything).

use crate::core::sql::{Param, Stmt};

/// The sections of [`order_page`]'s batch, in its order.
pub const SECTIONS: [&str; 7] = [
    "order",
    "traces",
    "notifications",
    "receipts",
    "trade",
    "titles",
    "audit",
];

/// How many raw receipts are shown at most.
const RECEIPTS_SHOWN: i64 = 50;

/// The page's batch: one statement per [`SECTIONS`] entry.
pub fn order_page(order_id: &str) -> Vec<Stmt> {
    let id = || vec![Param::from(order_id)];
    vec![
        Stmt::new(
            "SELECT o.id, o.code, o.substate, o.failure_reason, o.psp, o.psp_environment, o.isin, \
             o.amount_cents, o.currency, o.profit_rate, o.title_value_cents, o.new_value_cents, o.new_isin, \
             b.email AS buyer_email, s.email AS seller_email, o.psp_token, o.psp_payer_id, o.attempt, \
             o.psp_transaction_id, o.psp_receiver_id, o.psp_error_code, o.psp_error_message, \
             o.created_at, o.updated_at, o.checked_at, o.description \
             FROM orders o JOIN clients b ON b.id = o.buyer_id JOIN clients s ON s.id = o.seller_id \
             WHERE o.id = ?1",
            id(),
        ),
        Stmt::new(
            "SELECT id, at, provider, operation, outcome, error_codes, provider_ref, request, response, \
             CAST(request_wire AS TEXT) AS request_wire, CAST(response_wire AS TEXT) AS response_wire \
             FROM psp_traces WHERE order_id = ?1 ORDER BY id",
            id(),
        ),
        Stmt::new(
            "SELECT id, received_at, provider, transaction_id, status, outcome, body \
             FROM psp_notifications WHERE order_id = ?1 ORDER BY id",
            id(),
        ),
        // Receipts are not linked to orders: those whose bytes name the
        // order or its payment.
        Stmt::new(
            "SELECT r.id, r.received_at, r.provider, r.state, r.detail, CAST(r.body AS TEXT) AS body \
             FROM psp_ipn_receipts r, orders o WHERE o.id = ?1 \
             AND (instr(CAST(r.body AS TEXT), o.id) > 0 OR (o.psp_transaction_id IS NOT NULL \
             AND instr(CAST(r.body AS TEXT), o.psp_transaction_id) > 0)) ORDER BY r.id LIMIT ?2",
            vec![Param::from(order_id), Param::Int(RECEIPTS_SHOWN)],
        ),
        Stmt::new(
            "SELECT id, at, isin, amount_cents, currency, profit_rate, new_isin, new_value_cents, \
             seller_value_cents, previous_value_cents, status, reversal, recheck_step, recheck_at \
             FROM trades WHERE order_id = ?1",
            id(),
        ),
        Stmt::new(
            "SELECT t.id, t.isin, t.value_cents, t.currency, h.email AS holder_email, t.status, t.disputed, \
             t.version, t.claim_order_id, t.issued_by, t.updated_at \
             FROM titles t JOIN clients h ON h.id = t.holder_id \
             WHERE t.id IN (SELECT title_id FROM orders WHERE id = ?1 \
             UNION SELECT new_title_id FROM trades WHERE order_id = ?1) \
             OR t.isin = (SELECT new_isin FROM orders WHERE id = ?1) ORDER BY t.id",
            id(),
        ),
        Stmt::new(
            "SELECT id, at, operator_email, action, reason, before_json, after_json \
             FROM audit_log WHERE target = 'order:' || ?1 ORDER BY id",
            id(),
        ),
    ]
}

/// The audit log's target for an order.
pub fn order_target(order_id: &str) -> String {
    format!("order:{order_id}")
}
