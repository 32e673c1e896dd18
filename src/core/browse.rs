//! The public read model: the rows the browse pages read (market, titles,
//! trades, claims), paging by 50, e-mail masking, and the JSON shapes of the
//! spec (§6) built from those rows. Money is `"12.30"` and times are
//! `YYYY-MM-DDTHH:MM:SSZ` in JSON; a missing value is `null`, never omitted.

use serde::Deserialize;
use serde_json::{json, Value};

use super::account::Email;
use super::money::plain_cents;
use super::sql::{Param, Stmt};

/// Every list pages by this many items.
pub const PAGE_SIZE: i64 = 50;

/// A 1-based page number from `?page=`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page(i64);

impl Page {
    pub const FIRST: Page = Page(1);

    /// Absent means the first page; anything but a positive integer is
    /// refused (422).
    pub fn parse(text: Option<&str>) -> Option<Page> {
        match text.map(str::trim) {
            None | Some("") => Some(Page::FIRST),
            Some(t) if t.bytes().all(|b| b.is_ascii_digit()) && t.len() <= 6 => {
                t.parse::<i64>().ok().filter(|n| *n >= 1).map(Page)
            }
            Some(_) => None,
        }
    }

    pub fn number(self) -> i64 {
        self.0
    }

    /// Rows to skip.
    pub fn offset(self) -> i64 {
        (self.0 - 1) * PAGE_SIZE
    }

    /// Queries ask for one row more than a page to know whether a next one
    /// exists.
    pub const LIMIT: i64 = PAGE_SIZE + 1;

    /// Cuts the extra row and says which page comes next, if any.
    pub fn split<T>(self, mut rows: Vec<T>) -> (Vec<T>, Option<i64>) {
        let more = rows.len() as i64 > PAGE_SIZE;
        rows.truncate(PAGE_SIZE as usize);
        (rows, more.then_some(self.0 + 1))
    }
}

fn money(cents: i64) -> String {
    plain_cents(cents)
}

/// A title as the market lists it.
#[derive(Deserialize, Debug, Clone)]
pub struct MarketRow {
    pub isin: String,
    pub value_cents: i64,
    pub currency: String,
}

pub fn market(isin: Option<&str>, page: Page) -> Stmt {
    Stmt::new(
        "SELECT isin, value_cents, currency FROM titles \
         WHERE status = 'active' AND (?1 IS NULL OR isin = ?1) \
         ORDER BY id DESC LIMIT ?2 OFFSET ?3",
        vec![
            Param::from(isin),
            Param::Int(Page::LIMIT),
            Param::Int(page.offset()),
        ],
    )
}

pub fn market_json(rows: &[MarketRow], next_page: Option<i64>) -> Value {
    json!({
        "titles": rows.iter().map(|r| json!({
            "isin": r.isin,
            "value": money(r.value_cents),
            "currency": r.currency,
        })).collect::<Vec<_>>(),
        "next_page": next_page,
    })
}

/// One title with its holder and origin.
#[derive(Deserialize, Debug, Clone)]
pub struct TitleRow {
    pub isin: String,
    pub value_cents: i64,
    pub currency: String,
    pub holder_email: String,
    pub issued_at: String,
    pub issued_by: String,
    pub parent_isin: Option<String>,
    pub claimed: i64,
    pub disputed: i64,
    pub status: String,
}

pub fn title(isin: &str) -> Stmt {
    Stmt::new(
        "SELECT t.isin, t.value_cents, t.currency, c.email AS holder_email, t.issued_at, \
         t.issued_by, p.isin AS parent_isin, t.claim_order_id IS NOT NULL AS claimed, \
         t.disputed, t.status \
         FROM titles t JOIN clients c ON c.id = t.holder_id \
         LEFT JOIN titles p ON p.id = t.parent_title_id WHERE t.isin = ?1",
        vec![Param::from(isin)],
    )
}

pub fn title_json(t: &TitleRow, trades: &[TradeRow], next_page: Option<i64>) -> Value {
    json!({
        "isin": t.isin,
        "value": money(t.value_cents),
        "currency": t.currency,
        "holder": Email::masked(&t.holder_email),
        "issued_at": t.issued_at,
        "issued_by": t.issued_by,
        "split_from": t.parent_isin,
        "claimed": t.claimed != 0,
        "disputed": t.disputed != 0,
        "voided": t.status == "voided",
        "trades": trades.iter().map(trade_json).collect::<Vec<_>>(),
        "next_page": next_page,
    })
}

/// A trade as the public history shows it.
#[derive(Deserialize, Debug, Clone)]
pub struct TradeRow {
    pub at: String,
    /// The order paid (the ledger's entries name it: the offline verifier
    /// matches them to the history by it).
    pub order_id: String,
    pub isin: String,
    pub amount_cents: i64,
    pub currency: String,
    pub profit_rate: i64,
    pub buyer_email: String,
    pub seller_email: String,
    pub new_isin: String,
    pub new_value_cents: i64,
    pub seller_value_cents: Option<i64>,
    pub status: String,
}

/// The columns of a trade row; the queries differ only in their tail.
macro_rules! trade_query {
    ($tail:literal) => {
        concat!(
            "SELECT tr.at, tr.order_id, tr.isin, tr.amount_cents, tr.currency, tr.profit_rate, ",
            "b.email AS buyer_email, s.email AS seller_email, tr.new_isin, tr.new_value_cents, ",
            "tr.seller_value_cents, tr.status ",
            "FROM trades tr JOIN clients b ON b.id = tr.buyer_id JOIN clients s ON s.id = tr.seller_id ",
            $tail
        )
    };
}

/// The whole history, newest first.
pub fn history(page: Page) -> Stmt {
    Stmt::new(
        trade_query!("ORDER BY tr.at DESC, tr.id DESC LIMIT ?1 OFFSET ?2"),
        vec![Param::Int(Page::LIMIT), Param::Int(page.offset())],
    )
}

/// The trades that touched one ISIN (bought, or issued by a split): two
/// indexed range scans merged in time order (SQLite's `MERGE (UNION ALL)`),
/// rather than an OR that sorts every trade of the title before taking a
/// page (0.15 ms against 0.73 ms for the busiest seeded title's page).
pub fn trades_of(isin: &str, page: Page) -> Stmt {
    macro_rules! columns {
        () => {
            "SELECT tr.at, tr.id AS trade_id, tr.order_id, tr.isin, tr.amount_cents, tr.currency, tr.profit_rate, \
             b.email AS buyer_email, s.email AS seller_email, tr.new_isin, tr.new_value_cents, \
             tr.seller_value_cents, tr.status \
             FROM trades tr JOIN clients b ON b.id = tr.buyer_id JOIN clients s ON s.id = tr.seller_id "
        };
    }
    Stmt::new(
        concat!(
            columns!(),
            "WHERE tr.isin = ?1 UNION ALL ",
            columns!(),
            "WHERE tr.new_isin = ?1 AND tr.isin <> ?1 ORDER BY at DESC, trade_id DESC LIMIT ?2 OFFSET ?3"
        ),
        vec![Param::from(isin), Param::Int(Page::LIMIT), Param::Int(page.offset())],
    )
}

/// The newest trades, for the home page.
pub fn latest(limit: i64) -> Stmt {
    Stmt::new(
        trade_query!("ORDER BY tr.at DESC, tr.id DESC LIMIT ?1"),
        vec![Param::Int(limit)],
    )
}

pub fn trade_json(t: &TradeRow) -> Value {
    json!({
        "at": t.at,
        "isin": t.isin,
        "amount": money(t.amount_cents),
        "currency": t.currency,
        "profit_rate": t.profit_rate,
        "buyer": Email::masked(&t.buyer_email),
        "seller": Email::masked(&t.seller_email),
        "new_isin": t.new_isin,
        "new_value": money(t.new_value_cents),
        "seller_value": t.seller_value_cents.map(money),
        "status": t.status,
    })
}

/// `/history`'s JSON: each trade also names its order, which the ledger's
/// entries name (the offline verifier matches them by it).
pub fn history_json(rows: &[TradeRow], next_page: Option<i64>) -> Value {
    let trades: Vec<Value> = rows
        .iter()
        .map(|t| {
            let mut line = trade_json(t);
            line["order_id"] = json!(t.order_id);
            line
        })
        .collect();
    json!({ "trades": trades, "next_page": next_page })
}

/// The signed-in client's titles (the session is found by its token hash;
/// the request's session lookup in the same batch says whether it is live).
#[derive(Deserialize, Debug, Clone)]
pub struct ClaimRow {
    pub isin: String,
    pub value_cents: i64,
    pub currency: String,
    pub disputed: i64,
    pub claimed: i64,
}

pub fn claims(session_token_hash: &str) -> Stmt {
    Stmt::new(
        "SELECT isin, value_cents, currency, disputed, claim_order_id IS NOT NULL AS claimed \
         FROM titles WHERE status = 'active' \
         AND holder_id = (SELECT client_id FROM sessions WHERE token_hash = ?1) ORDER BY id DESC",
        vec![Param::from(session_token_hash)],
    )
}

/// The client's current PSP credentials, for GetBalance.
#[derive(Deserialize, Debug, Clone)]
pub struct CredentialRow {
    pub client_id: i64,
    pub credentials_version: i64,
    pub api_username: String,
    pub sealed_secret: String,
    /// The balance GetBalance answered for these credentials, when it is
    /// still believable (see [`current_credentials`]).
    pub cached_amount_cents: Option<i64>,
    pub cached_currency: Option<String>,
}

/// The session's current PSP credentials, with the balance read with them
/// if it was read after `read_after` and after every change of one of the
/// client's orders (each money move the platform knows of changes one), so
/// that `/claims` asks the PSP at most once a minute in the same round trip.
pub fn current_credentials(session_token_hash: &str, read_after: &str) -> Stmt {
    Stmt::new(
        "SELECT c.id AS client_id, a.version AS credentials_version, a.public_ref AS api_username, \
         a.sealed_secret, pb.amount_cents AS cached_amount_cents, pb.currency AS cached_currency \
         FROM psp_accounts a \
         JOIN clients c ON c.id = a.client_id AND a.provider = 'paypal' AND a.replaced_at IS NULL \
         LEFT JOIN psp_balances pb ON pb.client_id = c.id AND pb.credentials_version = a.version \
           AND pb.read_at > ?2 \
           AND pb.read_at > COALESCE((SELECT MAX(updated_at) FROM orders WHERE buyer_id = c.id), '') \
           AND pb.read_at > COALESCE((SELECT MAX(updated_at) FROM orders WHERE seller_id = c.id), '') \
         WHERE c.id = (SELECT client_id FROM sessions WHERE token_hash = ?1)",
        vec![Param::from(session_token_hash), Param::from(read_after)],
    )
}

/// Keeps the balance GetBalance just answered (only answers, never errors).
pub fn store_balance(
    client_id: i64,
    credentials_version: i64,
    amount_cents: i64,
    currency: &str,
    now: &str,
) -> Stmt {
    Stmt::new(
        "INSERT INTO psp_balances (client_id, credentials_version, amount_cents, currency, read_at) \
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (client_id) DO UPDATE SET \
         credentials_version = excluded.credentials_version, amount_cents = excluded.amount_cents, \
         currency = excluded.currency, read_at = excluded.read_at",
        vec![
            Param::Int(client_id),
            Param::Int(credentials_version),
            Param::Int(amount_cents),
            Param::from(currency),
            Param::from(now),
        ],
    )
}

/// The ISIN balance: declared values of the titles held, per currency (never
/// added to money).
pub fn isin_balance_cents(rows: &[ClaimRow], currency: &str) -> i64 {
    rows.iter()
        .filter(|r| r.currency == currency)
        .map(|r| r.value_cents)
        .sum()
}

#[derive(Deserialize, Debug, Clone)]
pub struct Issued {
    pub issued: i64,
}

pub fn issued(isin: &str) -> Stmt {
    Stmt::new(
        "SELECT EXISTS (SELECT 1 FROM isins WHERE isin = ?1) AS issued",
        vec![Param::from(isin)],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_parse_positive_integers_only() {
        assert_eq!(Page::parse(None), Some(Page(1)));
        assert_eq!(Page::parse(Some("")), Some(Page(1)));
        assert_eq!(Page::parse(Some("3")), Some(Page(3)));
        for bad in ["0", "-1", "x", "1.5", "9999999"] {
            assert_eq!(Page::parse(Some(bad)), None, "{bad}");
        }
        assert_eq!(Page(3).offset(), 100);
    }

    #[test]
    fn split_keeps_fifty_and_announces_the_next_page() {
        let (rows, next) = Page(2).split((0..51).collect::<Vec<_>>());
        assert_eq!(rows.len(), 50);
        assert_eq!(next, Some(3));
        let (rows, next) = Page(1).split((0..50).collect::<Vec<_>>());
        assert_eq!(rows.len(), 50);
        assert_eq!(next, None);
    }

    #[test]
    fn trade_json_masks_emails_and_uses_null_for_a_passed_title() {
        let t = TradeRow {
            at: "2026-11-22T10:00:00Z".into(),
            order_id: "o1".into(),
            isin: "ZZ0000000000".into(),
            amount_cents: 120,
            currency: "EUR".into(),
            profit_rate: 100,
            buyer_email: "bob@example.org".into(),
            seller_email: "alice@example.org".into(),
            new_isin: "ZZ0000000000".into(),
            new_value_cents: 240,
            seller_value_cents: None,
            status: "processed".into(),
        };
        let j = trade_json(&t);
        assert_eq!(j["buyer"], "b***@example.org");
        assert_eq!(j["seller"], "a***@example.org");
        assert_eq!(j["amount"], "1.20");
        assert_eq!(j["new_value"], "2.40");
        assert!(j["seller_value"].is_null());
        assert_eq!(j["profit_rate"], 100);
    }
}
