//! The SQL of the payments list and of the day export: the orders with
//! both parties' e-mails (unmasked: operators only), filtered, and the
//! totals of the filtered set, read in the same batch as the page's rows.

use super::{Day, PaymentFilters, StatusFilter};
use crate::core::browse::Page;
use crate::core::sql::{Param, Stmt};

/// The columns of a [`PaymentRow`](super::export::PaymentRow), over `orders o`, `clients b` (buyer)
/// and `clients s` (seller).
macro_rules! select {
    () => {
        "SELECT o.id, o.created_at, o.updated_at, o.isin, b.email AS buyer_email, \
     s.email AS seller_email, o.psp, o.amount_cents, o.currency, o.code, o.substate, \
     COALESCE(o.psp_transaction_id, o.psp_token) AS provider_ref, o.description \
     FROM orders o JOIN clients b ON b.id = o.buyer_id JOIN clients s ON s.id = o.seller_id "
    };
}

/// The filters: ?1 and ?2 bound the order's creation, ?3 its code, ?4 (1)
/// keeps only orders in review, ?5 the provider, ?6 the search text (an
/// order id, ISIN or provider reference exactly, or part of an e-mail).
macro_rules! filter {
    () => {
        "WHERE (?1 IS NULL OR o.created_at >= ?1) AND (?2 IS NULL OR o.created_at < ?2) \
     AND (?3 IS NULL OR o.code = ?3) AND (?4 = 0 OR o.substate = 'needs_review') \
     AND (?5 IS NULL OR o.psp = ?5) \
     AND (?6 IS NULL OR o.id = ?6 OR o.isin = upper(?6) OR o.new_isin = upper(?6) \
          OR o.psp_transaction_id = ?6 OR o.psp_token = ?6 \
          OR instr(b.email, lower(?6)) > 0 OR instr(s.email, lower(?6)) > 0) "
    };
}

fn filter_params(f: &PaymentFilters) -> Vec<Param> {
    let (code, review) = match f.status {
        None => (None, 0),
        Some(StatusFilter::Code(s)) => (Some(s.code()), 0),
        Some(StatusFilter::NeedsReview) => (None, 1),
    };
    vec![
        Param::from(f.from.map(Day::start).as_deref()),
        Param::from(f.to.map(Day::end).as_deref()),
        code.map_or(Param::Null, Param::Int),
        Param::Int(review),
        Param::from(f.psp.map(|p| p.as_str())),
        Param::from(f.q.as_deref()),
    ]
}

/// One page of the filtered payments, newest first (a row more than a page,
/// see [`Page::split`]).
pub fn list(f: &PaymentFilters, page: Page) -> Stmt {
    let mut params = filter_params(f);
    params.push(Param::Int(Page::LIMIT));
    params.push(Param::Int(page.offset()));
    Stmt::new(
        concat!(
            select!(),
            filter!(),
            "ORDER BY o.created_at DESC, o.id DESC LIMIT ?7 OFFSET ?8"
        ),
        params,
    )
}

/// Count and amount per currency of every payment the filters select.
pub fn totals(f: &PaymentFilters) -> Stmt {
    Stmt::new(
        concat!(
            "SELECT o.currency, COUNT(*) AS count, SUM(o.amount_cents) AS amount_cents \
             FROM orders o JOIN clients b ON b.id = o.buyer_id JOIN clients s ON s.id = o.seller_id ",
            filter!(),
            "GROUP BY o.currency ORDER BY o.currency"
        ),
        filter_params(f),
    )
}

/// The day's payments (UTC): every order that reached a final code or
/// changed code that day, in time order. An order is the day's when its
/// trade was recorded that day (it reached code 2), when the ledger has an
/// entry for it that day (a trade undone or re-applied), or when it was
/// last changed that day with a code other than 0 and 2 (failed, canceled,
/// charged back, test): those codes are only ever set, never left by a
/// later change of sub-state. (`+code`: the day is found through
/// `orders_by_updated`, not by scanning every failed order.)
pub fn day(d: Day) -> Stmt {
    Stmt::new(
        concat!(
            "WITH day_orders (id) AS ( \
               SELECT order_id FROM trades WHERE at >= ?1 AND at < ?2 \
               UNION SELECT order_id FROM ledger WHERE at >= ?1 AND at < ?2 AND order_id IS NOT NULL \
               UNION SELECT id FROM orders WHERE updated_at >= ?1 AND updated_at < ?2 \
                 AND +code IN (-3, -2, -1, 1)) ",
            select!(),
            "JOIN day_orders d ON d.id = o.id ORDER BY o.updated_at, o.id"
        ),
        vec![Param::from(d.start().as_str()), Param::from(d.end().as_str())],
    )
}

#[cfg(test)]
#[path = "payments_tests.rs"]
pub(crate) mod tests;
