//! ISINs and titles.

use super::{Param, Stmt};

/// Takes an ISIN for good (the primary key refuses a second taker).
pub fn reserve_isin(isin: &str, now: &str) -> Stmt {
    Stmt::new(
        "INSERT INTO isins (isin, reserved_at) VALUES (?1, ?2)",
        vec![Param::from(isin), Param::from(now)],
    )
}

/// The initiation title of the client with this e-mail.
pub fn issue_initiation(
    isin: &str,
    value_cents: i64,
    currency: &str,
    email: &str,
    now: &str,
) -> Stmt {
    Stmt::new(
        "INSERT INTO titles (isin, value_cents, currency, holder_id, issued_at, issued_by, updated_at) \
         SELECT ?1, ?2, ?3, id, ?5, 'initiation', ?5 FROM clients WHERE email = ?4",
        vec![
            Param::from(isin),
            Param::Int(value_cents),
            Param::from(currency),
            Param::from(email),
            Param::from(now),
        ],
    )
}
