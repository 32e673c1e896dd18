//! The API's SQL: keys (create under the per-client cap, revoke, list,
//! authenticate), the idempotency store (`api_spends`: reserve, read,
//! finish, release), test orders, and the reads of a live key's client's
//! orders, titles and credentials by the key's hash (the pages read them
//! by session), so that they join the key's own batch.

use serde::Deserialize;

use super::keys::MAX_KEYS_PER_CLIENT;
use crate::core::browse::Page;
use crate::core::sql::{Param, Stmt};

/// A new key for the session's client, unless he holds the maximum
/// already (then no row: `changes` is 0).
pub fn create_key(session_hash: &str, key_hash: &str, prefix: &str, name: &str, now: &str) -> Stmt {
    Stmt::new(
        "INSERT INTO api_keys (client_id, key_hash, prefix, name, created_at) \
         SELECT s.client_id, ?2, ?3, ?4, ?5 FROM sessions s WHERE s.token_hash = ?1 \
         AND (SELECT count(*) FROM api_keys k WHERE k.client_id = s.client_id \
              AND k.revoked_at IS NULL) < ?6 \
         RETURNING id, name, prefix, created_at",
        vec![
            Param::from(session_hash),
            Param::from(key_hash),
            Param::from(prefix),
            Param::from(name),
            Param::from(now),
            Param::Int(MAX_KEYS_PER_CLIENT),
        ],
    )
}

/// Revokes one of the session's client's keys.
pub fn revoke_key(session_hash: &str, id: i64, now: &str) -> Stmt {
    Stmt::new(
        concat!(
            "UPDATE api_keys SET revoked_at = ?3 WHERE id = ?2 AND revoked_at IS NULL ",
            "AND client_id = (SELECT client_id FROM sessions WHERE token_hash = ?1)"
        ),
        vec![Param::from(session_hash), Param::Int(id), Param::from(now)],
    )
}

/// A key as listed (never its secret nor its hash).
#[derive(Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct KeyRow {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
}

/// The session's client's live keys, oldest first.
pub fn keys_of_session(session_hash: &str) -> Stmt {
    Stmt::new(
        concat!(
            "SELECT id, name, prefix, created_at, last_used_at FROM api_keys ",
            "WHERE client_id = (SELECT client_id FROM sessions WHERE token_hash = ?1) ",
            "AND revoked_at IS NULL ORDER BY id"
        ),
        vec![Param::from(session_hash)],
    )
}

/// The client a live key acts as.
#[derive(Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct KeyClient {
    pub key_id: i64,
    pub client_id: i64,
    pub email: String,
    pub language: String,
    pub psp_environment: String,
    /// His PayPal API username, when he has a PayPal account.
    pub api_username: Option<String>,
}

/// Marks the key used (at most once a minute: `used_before`).
pub fn touch_key(key_hash: &str, now: &str, used_before: &str) -> Stmt {
    Stmt::new(
        "UPDATE api_keys SET last_used_at = ?2 WHERE key_hash = ?1 AND revoked_at IS NULL \
         AND (last_used_at IS NULL OR last_used_at < ?3)",
        vec![
            Param::from(key_hash),
            Param::from(now),
            Param::from(used_before),
        ],
    )
}

/// The live key's client.
pub fn key_client(key_hash: &str) -> Stmt {
    Stmt::new(
        "SELECT k.id AS key_id, c.id AS client_id, c.email, c.language, c.psp_environment, \
         (SELECT a.public_ref FROM psp_accounts a WHERE a.client_id = c.id \
          AND a.provider = 'paypal' AND a.replaced_at IS NULL) AS api_username \
         FROM api_keys k JOIN clients c ON c.id = k.client_id \
         WHERE k.key_hash = ?1 AND k.revoked_at IS NULL",
        vec![Param::from(key_hash)],
    )
}

/// Takes `spend_id` for the live key `key_hash` whose client is `payer`
/// and which is within its rate limit (`hits` of `bucket` in `window` at
/// most `limit`, counted earlier in the same batch); no change otherwise.
/// With [`stored_spend_of_key`] and the key's own reads, one round trip
/// authenticates the spend and decides its idempotency.
///
/// An id still `started` since before `stale_before` (its request died
/// between taking it and writing its order, or its caller was cut off and
/// the Worker cancelled it) is taken over by the same spend: its time
/// becomes `now`, which the statements that keep or free it then name.
pub struct KeyedSpend<'a> {
    pub key_hash: &'a str,
    pub payer: &'a str,
    pub bucket: &'a str,
    pub window: &'a str,
    pub limit: i64,
    pub spend_id: &'a str,
    pub fields: &'a str,
    pub now: &'a str,
    pub stale_before: &'a str,
}

pub fn reserve_spend_of_key(s: &KeyedSpend<'_>) -> Stmt {
    Stmt::new(
        "INSERT INTO api_spends (client_id, spend_id, fields, state, created_at, updated_at) \
         SELECT k.client_id, ?2, ?3, 'started', ?4, ?4 FROM api_keys k \
         JOIN clients c ON c.id = k.client_id \
         WHERE k.key_hash = ?1 AND k.revoked_at IS NULL AND lower(c.email) = ?5 \
         AND (SELECT r.hits FROM rate_limits r WHERE r.bucket = ?6 AND r.window_start = ?7) <= ?8 \
         ON CONFLICT (client_id, spend_id) DO UPDATE SET updated_at = excluded.updated_at \
         WHERE api_spends.state = 'started' AND api_spends.updated_at < ?9 \
         AND api_spends.fields = excluded.fields",
        vec![
            Param::from(s.key_hash),
            Param::from(s.spend_id),
            Param::from(s.fields),
            Param::from(s.now),
            Param::from(s.payer),
            Param::from(s.bucket),
            Param::from(s.window),
            Param::Int(s.limit),
            Param::from(s.stale_before),
        ],
    )
}

/// The spend stored under `spend_id` for the live key's client.
pub fn stored_spend_of_key(key_hash: &str, spend_id: &str) -> Stmt {
    Stmt::new(
        "SELECT s.state, s.fields, s.order_id, s.answer FROM api_spends s \
         JOIN api_keys k ON k.client_id = s.client_id \
         WHERE k.key_hash = ?1 AND k.revoked_at IS NULL AND s.spend_id = ?2",
        vec![Param::from(key_hash), Param::from(spend_id)],
    )
}

/// The holder of the title as it stands (for `payee`).
#[derive(Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub holder_email: String,
}

pub fn holder_of(isin: &str) -> Stmt {
    Stmt::new(
        "SELECT c.email AS holder_email FROM titles t JOIN clients c ON c.id = t.holder_id \
         WHERE t.isin = ?1",
        vec![Param::from(isin)],
    )
}

/// A `spend_id` this request holds: taken (or taken over) at `taken_at`.
/// The statements that keep or free it name that time, so that a request
/// whose id was taken over after it went stale changes nothing of it.
#[derive(Clone, Copy, Debug)]
pub struct HeldSpend<'a> {
    pub client_id: i64,
    pub spend_id: &'a str,
    pub taken_at: &'a str,
}

/// Stores the spend's order and first answer (in the order's own batch).
pub fn finish_spend(held: &HeldSpend<'_>, order_id: &str, answer: &str, now: &str) -> Stmt {
    Stmt::new(
        "UPDATE api_spends SET state = 'done', order_id = ?3, answer = ?4, updated_at = ?5 \
         WHERE client_id = ?1 AND spend_id = ?2 AND state = 'started' AND updated_at = ?6",
        vec![
            Param::Int(held.client_id),
            Param::from(held.spend_id),
            Param::from(order_id),
            Param::from(answer),
            Param::from(now),
            Param::from(held.taken_at),
        ],
    )
}

/// Lets `spend_id` go: the spend made no order (refused, or the provider
/// did not answer), so a retry may make it.
pub fn release_spend(held: &HeldSpend<'_>) -> Stmt {
    Stmt::new(
        "DELETE FROM api_spends WHERE client_id = ?1 AND spend_id = ?2 AND state = 'started' \
         AND updated_at = ?3",
        vec![
            Param::Int(held.client_id),
            Param::from(held.spend_id),
            Param::from(held.taken_at),
        ],
    )
}

/// Forgets at most `limit` spends taken before `before` (api.md §3 keeps
/// them 30 days at least): their ids may be used again. Reads through
/// `api_spends_by_age` (migration 0020).
pub fn purge_spends(before: &str, limit: i64) -> Stmt {
    Stmt::new(
        "DELETE FROM api_spends WHERE rowid IN \
         (SELECT rowid FROM api_spends WHERE created_at < ?1 ORDER BY created_at LIMIT ?2)",
        vec![Param::from(before), Param::Int(limit)],
    )
}

/// Keeps the spend's description on its order.
pub fn describe_order(order_id: &str, description: &str) -> Stmt {
    Stmt::new(
        "UPDATE orders SET description = ?2 WHERE id = ?1",
        vec![Param::from(order_id), Param::from(description)],
    )
}

/// A zero spend's order: code 1 (`test`), done, nothing moves.
pub struct TestOrder<'a> {
    pub id: &'a str,
    pub buyer_id: i64,
    pub title_id: i64,
    pub profit_rate: i64,
    pub psp: &'a str,
    pub psp_environment: &'a str,
    pub buyer_language: &'a str,
    pub description: Option<&'a str>,
    pub now: &'a str,
}

pub fn insert_test_order(o: &TestOrder<'_>) -> Stmt {
    Stmt::new(
        "INSERT INTO orders (id, buyer_id, seller_id, title_id, isin, title_version, \
         title_value_cents, amount_cents, currency, profit_rate, new_value_cents, code, substate, \
         psp, psp_environment, seller_credentials_version, buyer_language, description, \
         created_at, updated_at) \
         SELECT ?1, ?2, t.holder_id, t.id, t.isin, t.version, t.value_cents, 0, t.currency, ?4, \
         t.value_cents, 1, 'done', ?5, ?6, 0, ?7, ?8, ?9, ?9 FROM titles t WHERE t.id = ?3",
        vec![
            Param::from(o.id),
            Param::Int(o.buyer_id),
            Param::Int(o.title_id),
            Param::Int(o.profit_rate),
            Param::from(o.psp),
            Param::from(o.psp_environment),
            Param::from(o.buyer_language),
            Param::from(o.description),
            Param::from(o.now),
        ],
    )
}

macro_rules! client_order_rows {
    ($tail:literal) => {
        concat!(
            "SELECT o.id, CASE WHEN o.buyer_id = me.id THEN 'buyer' ELSE 'seller' END AS role, ",
            "o.isin, o.amount_cents, o.currency, o.profit_rate, o.code, o.substate, o.created_at, o.psp, ",
            "o.psp_transaction_id, o.psp_token, o.failure_reason, o.psp_error_code, o.psp_error_message, ",
            "o.new_isin, o.description ",
            "FROM orders o JOIN (SELECT client_id AS id FROM api_keys WHERE key_hash = ?1 AND revoked_at IS NULL) me ",
            "ON o.buyer_id = me.id OR o.seller_id = me.id ",
            $tail
        )
    };
}

/// The live key's client's orders, newest first.
pub fn orders_of(key_hash: &str, page: Page) -> Stmt {
    Stmt::new(
        client_order_rows!("ORDER BY o.created_at DESC, o.rowid DESC LIMIT ?2 OFFSET ?3"),
        vec![
            Param::from(key_hash),
            Param::Int(Page::LIMIT),
            Param::Int(page.offset()),
        ],
    )
}

/// One of the live key's client's orders.
pub fn order_of(key_hash: &str, order_id: &str) -> Stmt {
    Stmt::new(
        client_order_rows!("WHERE o.id = ?2"),
        vec![Param::from(key_hash), Param::from(order_id)],
    )
}

/// The live key's client's titles (as `/claims` lists them).
pub fn titles_of(key_hash: &str) -> Stmt {
    Stmt::new(
        "SELECT isin, value_cents, currency, disputed, claim_order_id IS NOT NULL AS claimed \
         FROM titles WHERE status = 'active' AND holder_id = \
         (SELECT client_id FROM api_keys WHERE key_hash = ?1 AND revoked_at IS NULL) ORDER BY id DESC",
        vec![Param::from(key_hash)],
    )
}

/// The live key's client's current PayPal credentials with a believable
/// cached balance (as `browse::current_credentials` reads the session's).
pub fn credentials_of(key_hash: &str, read_after: &str) -> Stmt {
    Stmt::new(
        "SELECT c.id AS client_id, a.version AS credentials_version, a.public_ref AS api_username, \
         a.sealed_secret, pb.amount_cents AS cached_amount_cents, pb.currency AS cached_currency \
         FROM psp_accounts a \
         JOIN clients c ON c.id = a.client_id AND a.provider = 'paypal' AND a.replaced_at IS NULL \
         LEFT JOIN psp_balances pb ON pb.client_id = c.id AND pb.credentials_version = a.version \
           AND pb.read_at > ?2 \
           AND pb.read_at > COALESCE((SELECT MAX(updated_at) FROM orders WHERE buyer_id = c.id), '') \
           AND pb.read_at > COALESCE((SELECT MAX(updated_at) FROM orders WHERE seller_id = c.id), '') \
         WHERE c.id = (SELECT client_id FROM api_keys WHERE key_hash = ?1 AND revoked_at IS NULL)",
        vec![Param::from(key_hash), Param::from(read_after)],
    )
}

/// The order of the live key's client's spend (none while it is being
/// made).
pub fn order_of_spend(key_hash: &str, spend_id: &str) -> Stmt {
    Stmt::new(
        client_order_rows!(
            "WHERE o.id = (SELECT s.order_id FROM api_spends s WHERE s.client_id = me.id AND s.spend_id = ?2)"
        ),
        vec![Param::from(key_hash), Param::from(spend_id)],
    )
}

/// `API_RATE_PER_MINUTE`: a positive integer, 120 when unset or invalid.
pub fn rate_per_minute(setting: Option<&str>) -> i64 {
    setting
        .and_then(|s| s.trim().parse::<i64>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(120)
}

#[cfg(test)]
#[path = "sql_tests.rs"]
mod tests;
