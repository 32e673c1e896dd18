//! The Sips emulator's own tables (`emulator_sips_*`, never batched with
//! the platform's): merchants and their settlement balance, transactions
//! keyed by (merchant id, transactionReference), the automatic responses
//! queued for delivery, and one-shot faults.

use crate::core::sql::{guard_one_row_changed, Batch, Param, Stmt};

/// A merchant: its credentials and settlement balance.
#[derive(serde::Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Merchant {
    pub merchant_id: String,
    pub email: String,
    pub secret_key: String,
    pub key_version: i64,
    pub balance_cents: i64,
}

pub struct NewMerchant<'a> {
    pub merchant_id: &'a str,
    pub email: &'a str,
    pub secret_key: &'a str,
    pub key_version: i64,
    pub now: &'a str,
}

/// Creates the merchant unless one has this e-mail (then nothing).
pub fn create_merchant(m: &NewMerchant) -> Stmt {
    Stmt::new(
        "INSERT INTO emulator_sips_merchants (merchant_id, email, secret_key, key_version, \
         created_at) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (email) DO NOTHING",
        vec![
            Param::from(m.merchant_id),
            Param::from(m.email),
            Param::from(m.secret_key),
            Param::Int(m.key_version),
            Param::from(m.now),
        ],
    )
}

pub fn merchant_by_email(email: &str) -> Stmt {
    Stmt::new(
        "SELECT merchant_id, email, secret_key, key_version, balance_cents \
         FROM emulator_sips_merchants WHERE email = ?1",
        vec![Param::from(email)],
    )
}

pub fn merchant_by_id(merchant_id: &str) -> Stmt {
    Stmt::new(
        "SELECT merchant_id, email, secret_key, key_version, balance_cents \
         FROM emulator_sips_merchants WHERE merchant_id = ?1",
        vec![Param::from(merchant_id)],
    )
}

/// Moves a merchant's settlement balance by `cents` (negative: a refund).
pub fn move_balance(merchant_id: &str, cents: i64) -> Stmt {
    Stmt::new(
        "UPDATE emulator_sips_merchants SET balance_cents = balance_cents + ?2 \
         WHERE merchant_id = ?1",
        vec![Param::from(merchant_id), Param::Int(cents)],
    )
}

/// A transaction as stored.
#[derive(serde::Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Transaction {
    pub merchant_id: String,
    pub transaction_reference: String,
    pub card_token: String,
    pub status: String,
    pub origin_cents: i64,
    pub amount_cents: i64,
    pub captured_cents: i64,
    pub refunded_cents: i64,
    pub currency_code: String,
    pub capture_mode: String,
    pub capture_day: i64,
    pub seal_algorithm: String,
    pub request_seal: String,
    pub normal_return_url: String,
    pub automatic_response_url: Option<String>,
    pub customer_language: Option<String>,
    pub response_code: Option<String>,
    pub authorisation_id: Option<String>,
    pub masked_pan: Option<String>,
    pub response_data: Option<String>,
    pub response_seal: Option<String>,
    pub created_at: String,
    pub authorized_at: Option<String>,
    /// The last write (for `TO_CAPTURE`: when it was validated, which
    /// decides its remittance).
    pub updated_at: String,
}

pub fn transaction(merchant_id: &str, reference: &str) -> Stmt {
    Stmt::new(
        "SELECT merchant_id, transaction_reference, card_token, status, origin_cents, \
         amount_cents, captured_cents, refunded_cents, currency_code, capture_mode, capture_day, \
         seal_algorithm, request_seal, normal_return_url, automatic_response_url, \
         customer_language, response_code, authorisation_id, masked_pan, response_data, \
         response_seal, created_at, authorized_at, updated_at FROM emulator_sips_transactions \
         WHERE merchant_id = ?1 AND transaction_reference = ?2",
        vec![Param::from(merchant_id), Param::from(reference)],
    )
}

pub fn transaction_by_token(card_token: &str) -> Stmt {
    Stmt::new(
        "SELECT merchant_id, transaction_reference, card_token, status, origin_cents, \
         amount_cents, captured_cents, refunded_cents, currency_code, capture_mode, capture_day, \
         seal_algorithm, request_seal, normal_return_url, automatic_response_url, \
         customer_language, response_code, authorisation_id, masked_pan, response_data, \
         response_seal, created_at, authorized_at, updated_at FROM emulator_sips_transactions \
         WHERE card_token = ?1",
        vec![Param::from(card_token)],
    )
}

/// A payment request `paymentInit` accepted: the buyer is on the card page.
pub struct NewTransaction<'a> {
    pub merchant_id: &'a str,
    pub transaction_reference: &'a str,
    pub card_token: &'a str,
    pub amount_cents: i64,
    pub currency_code: &'a str,
    pub capture_mode: &'a str,
    pub capture_day: i64,
    pub seal_algorithm: &'a str,
    pub request_seal: &'a str,
    pub normal_return_url: &'a str,
    pub automatic_response_url: Option<&'a str>,
    pub customer_language: Option<&'a str>,
    pub now: &'a str,
}

/// Records an accepted request (`INITIALIZED`), then a guard: a reference
/// another call recorded meanwhile aborts the batch (Sips' `94`).
pub fn init_transaction(t: &NewTransaction) -> Batch {
    vec![
        Stmt::new(
            "INSERT INTO emulator_sips_transactions (merchant_id, transaction_reference, \
             card_token, status, origin_cents, amount_cents, currency_code, capture_mode, \
             capture_day, seal_algorithm, request_seal, normal_return_url, \
             automatic_response_url, customer_language, created_at, updated_at) \
             VALUES (?1, ?2, ?3, 'INITIALIZED', ?4, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13) \
             ON CONFLICT DO NOTHING",
            vec![
                Param::from(t.merchant_id),
                Param::from(t.transaction_reference),
                Param::from(t.card_token),
                Param::Int(t.amount_cents),
                Param::from(t.currency_code),
                Param::from(t.capture_mode),
                Param::Int(t.capture_day),
                Param::from(t.seal_algorithm),
                Param::from(t.request_seal),
                Param::from(t.normal_return_url),
                Param::from(t.automatic_response_url),
                Param::from(t.customer_language),
                Param::from(t.now),
            ],
        ),
        guard_one_row_changed(),
    ]
}

/// The buyer's decision on the card page, recorded with its responses.
pub struct Decision<'a> {
    pub card_token: &'a str,
    pub status: &'a str,
    pub response_code: &'a str,
    pub authorisation_id: Option<&'a str>,
    pub masked_pan: Option<&'a str>,
    pub response_data: &'a str,
    pub response_seal: &'a str,
    /// Cents captured at once (a mode other than `VALIDATION`), else 0.
    pub captured_cents: i64,
    /// When the card was authorized (`00`), else `None`.
    pub authorized_at: Option<&'a str>,
    pub merchant_id: &'a str,
    pub now: &'a str,
    pub responses: Vec<NewResponse<'a>>,
}

/// One guarded batch: the transaction leaves `INITIALIZED` (a second
/// submit changes no row and aborts), the balance moves when captured at
/// once, and the automatic responses are queued. Returns the batch and
/// the index of each response's INSERT (its id).
pub fn decide(d: &Decision) -> (Batch, Vec<usize>) {
    let mut batch = vec![
        Stmt::new(
            "UPDATE emulator_sips_transactions SET status = ?2, response_code = ?3, \
             authorisation_id = ?4, masked_pan = ?5, response_data = ?6, response_seal = ?7, \
             captured_cents = ?8, authorized_at = ?9, \
             updated_at = ?10 WHERE card_token = ?1 AND status = 'INITIALIZED'",
            vec![
                Param::from(d.card_token),
                Param::from(d.status),
                Param::from(d.response_code),
                Param::from(d.authorisation_id),
                Param::from(d.masked_pan),
                Param::from(d.response_data),
                Param::from(d.response_seal),
                Param::Int(d.captured_cents),
                Param::from(d.authorized_at),
                Param::from(d.now),
            ],
        ),
        guard_one_row_changed(),
    ];
    if d.captured_cents != 0 {
        batch.push(move_balance(d.merchant_id, d.captured_cents));
        batch.push(guard_one_row_changed());
    }
    let mut at = Vec::new();
    for response in &d.responses {
        batch.push(insert_response(response));
        at.push(batch.len() - 1);
    }
    (batch, at)
}

/// The amounts and status of a transaction, before or after an operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Amounts<'a> {
    pub status: &'a str,
    pub amount_cents: i64,
    pub captured_cents: i64,
    pub refunded_cents: i64,
}

/// One guarded batch of an Office operation: the transaction moves from
/// `from` to `to` (another call that moved it first aborts the batch) and
/// the merchant's balance by `balance_cents`.
pub fn operate(
    merchant_id: &str,
    reference: &str,
    (from, to): (&Amounts, &Amounts),
    balance_cents: i64,
    now: &str,
) -> Batch {
    let mut batch = vec![
        Stmt::new(
            "UPDATE emulator_sips_transactions SET status = ?3, amount_cents = ?4, \
             captured_cents = ?5, refunded_cents = ?6, updated_at = ?7 \
             WHERE merchant_id = ?1 AND transaction_reference = ?2 AND status = ?8 \
             AND amount_cents = ?9 AND captured_cents = ?10 AND refunded_cents = ?11",
            vec![
                Param::from(merchant_id),
                Param::from(reference),
                Param::from(to.status),
                Param::Int(to.amount_cents),
                Param::Int(to.captured_cents),
                Param::Int(to.refunded_cents),
                Param::from(now),
                Param::from(from.status),
                Param::Int(from.amount_cents),
                Param::Int(from.captured_cents),
                Param::Int(from.refunded_cents),
            ],
        ),
        guard_one_row_changed(),
    ];
    if balance_cents != 0 {
        batch.push(move_balance(merchant_id, balance_cents));
        batch.push(guard_one_row_changed());
    }
    batch
}

/// An automatic response to queue (or to keep, lost, as `dropped`).
pub struct NewResponse<'a> {
    pub merchant_id: &'a str,
    pub transaction_reference: &'a str,
    pub response_code: &'a str,
    pub url: Option<&'a str>,
    pub body: &'a str,
    /// `queued`, `delayed` or `dropped`.
    pub status: &'a str,
    pub now: &'a str,
}

pub fn insert_response(r: &NewResponse) -> Stmt {
    Stmt::new(
        "INSERT INTO emulator_sips_responses (merchant_id, transaction_reference, response_code, \
         url, body, status, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
        vec![
            Param::from(r.merchant_id),
            Param::from(r.transaction_reference),
            Param::from(r.response_code),
            Param::from(r.url),
            Param::from(r.body),
            Param::from(r.status),
            Param::from(r.now),
        ],
    )
}

/// An automatic response as stored.
#[derive(serde::Deserialize, serde::Serialize, Clone, Debug, PartialEq, Eq)]
pub struct Response {
    pub id: i64,
    pub merchant_id: String,
    pub transaction_reference: String,
    pub response_code: String,
    pub url: Option<String>,
    pub body: String,
    pub status: String,
    pub attempts: i64,
    pub last_http_status: Option<i64>,
    pub created_at: String,
    pub delivered_at: Option<String>,
}

/// The oldest responses not delivered yet (delayed ones included) that
/// are addressed to a PayBook listener (`/psp/sips/notify`).
pub fn undelivered_responses(limit: i64) -> Stmt {
    Stmt::new(
        "SELECT id, merchant_id, transaction_reference, response_code, url, body, status, \
         attempts, last_http_status, created_at, delivered_at FROM emulator_sips_responses \
         WHERE status IN ('queued', 'delayed') AND url LIKE '%/psp/sips/notify' \
         ORDER BY id LIMIT ?1",
        vec![Param::Int(limit)],
    )
}

/// The newest responses (of one reference when given).
pub fn responses(reference: Option<&str>, limit: i64) -> Stmt {
    Stmt::new(
        "SELECT id, merchant_id, transaction_reference, response_code, url, body, status, \
         attempts, last_http_status, created_at, delivered_at FROM emulator_sips_responses \
         WHERE (?1 IS NULL OR transaction_reference = ?1) ORDER BY id DESC LIMIT ?2",
        vec![Param::from(reference), Param::Int(limit)],
    )
}

/// Records one delivery attempt; HTTP 200 delivers the response.
pub fn record_response_delivery(id: i64, http_status: i64, now: &str) -> Stmt {
    Stmt::new(
        "UPDATE emulator_sips_responses SET attempts = attempts + 1, last_http_status = ?2, \
         status = CASE WHEN ?2 = 200 THEN 'delivered' ELSE 'queued' END, \
         delivered_at = CASE WHEN ?2 = 200 AND delivered_at IS NULL THEN ?3 ELSE delivered_at END \
         WHERE id = ?1 AND status IN ('queued', 'delayed')",
        vec![Param::Int(id), Param::Int(http_status), Param::from(now)],
    )
}

/// A one-shot fault as stored.
#[derive(serde::Deserialize, serde::Serialize, Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    pub id: i64,
    pub method: String,
    pub merchant_id: Option<String>,
    pub transaction_reference: Option<String>,
    pub response_code: Option<String>,
    pub drop_answer: i64,
    pub delay: i64,
    pub duplicate: i64,
    pub created_at: String,
}

pub struct NewFault<'a> {
    pub method: &'a str,
    pub merchant_id: Option<&'a str>,
    pub transaction_reference: Option<&'a str>,
    pub response_code: Option<&'a str>,
    pub drop_answer: bool,
    pub delay: bool,
    pub duplicate: bool,
    pub now: &'a str,
}

pub fn insert_fault(f: &NewFault) -> Stmt {
    Stmt::new(
        "INSERT INTO emulator_sips_faults (method, merchant_id, transaction_reference, \
         response_code, drop_answer, delay, duplicate, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id, method, merchant_id, \
         transaction_reference, response_code, drop_answer, delay, duplicate, created_at",
        vec![
            Param::from(f.method),
            Param::from(f.merchant_id),
            Param::from(f.transaction_reference),
            Param::from(f.response_code),
            Param::Int(i64::from(f.drop_answer)),
            Param::Int(i64::from(f.delay)),
            Param::Int(i64::from(f.duplicate)),
            Param::from(f.now),
        ],
    )
}

/// The oldest fault for a call of `method` on this merchant and reference
/// (a fault without merchant or reference matches any).
pub fn matching_fault(method: &str, merchant_id: &str, reference: &str) -> Stmt {
    Stmt::new(
        "SELECT id, method, merchant_id, transaction_reference, response_code, drop_answer, \
         delay, duplicate, created_at FROM emulator_sips_faults WHERE method = ?1 \
         AND (merchant_id IS NULL OR merchant_id = ?2) \
         AND (transaction_reference IS NULL OR transaction_reference = ?3) ORDER BY id LIMIT 1",
        vec![
            Param::from(method),
            Param::from(merchant_id),
            Param::from(reference),
        ],
    )
}

/// Consumes a fault; one call only gets it (changes = 1).
pub fn take_fault(id: i64) -> Stmt {
    Stmt::new(
        "DELETE FROM emulator_sips_faults WHERE id = ?1",
        vec![Param::Int(id)],
    )
}

/// Pending faults, oldest first (of one merchant or reference when given).
pub fn list_faults(merchant_id: Option<&str>, reference: Option<&str>) -> Stmt {
    Stmt::new(
        "SELECT id, method, merchant_id, transaction_reference, response_code, drop_answer, \
         delay, duplicate, created_at FROM emulator_sips_faults \
         WHERE (?1 IS NULL OR merchant_id = ?1) AND (?2 IS NULL OR transaction_reference = ?2) \
         ORDER BY id LIMIT 500",
        vec![Param::from(merchant_id), Param::from(reference)],
    )
}

pub fn clear_faults(merchant_id: Option<&str>, reference: Option<&str>) -> Stmt {
    Stmt::new(
        "DELETE FROM emulator_sips_faults WHERE (?1 IS NULL OR merchant_id = ?1) \
         AND (?2 IS NULL OR transaction_reference = ?2)",
        vec![Param::from(merchant_id), Param::from(reference)],
    )
}

/// The id an INSERT returned.
#[derive(serde::Deserialize)]
pub struct NewId {
    pub id: i64,
}
