//! The Monetico emulator's own tables (never batched with the platform's):
//! merchants and their settlement balances, payments keyed by (TPE,
//! reference), the CGI2 notifications it delivers until acknowledged and
//! its one-shot faults. Every state change is guarded on the state it
//! leaves, so that two calls racing never both apply.

use crate::core::sql::{Param, Stmt};

/// A merchant as the bank set it up.
#[derive(serde::Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Merchant {
    pub id: i64,
    pub email: String,
    pub tpe: String,
    pub societe: String,
    /// The 40-character clé de sécurité.
    pub cle: String,
    pub balance_cents: i64,
    pub currency: String,
}

pub struct NewMerchant<'a> {
    pub email: &'a str,
    pub tpe: &'a str,
    pub societe: &'a str,
    pub cle: &'a str,
    pub currency: &'a str,
    pub now: &'a str,
}

/// Creates the merchant unless its e-mail (or, rarely, its random TPE)
/// is taken: then nothing.
pub fn create_merchant(m: &NewMerchant) -> Stmt {
    Stmt::new(
        "INSERT INTO emulator_monetico_merchants (email, tpe, societe, cle, currency, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
        vec![
            Param::from(m.email),
            Param::from(m.tpe),
            Param::from(m.societe),
            Param::from(m.cle),
            Param::from(m.currency),
            Param::from(m.now),
        ],
    )
}

pub fn merchant_by_email(email: &str) -> Stmt {
    Stmt::new(
        "SELECT id, email, tpe, societe, cle, balance_cents, currency \
         FROM emulator_monetico_merchants WHERE email = ?1",
        vec![Param::from(email)],
    )
}

pub fn merchant_by_tpe(tpe: &str) -> Stmt {
    Stmt::new(
        "SELECT id, email, tpe, societe, cle, balance_cents, currency \
         FROM emulator_monetico_merchants WHERE tpe = ?1",
        vec![Param::from(tpe)],
    )
}

/// Settles `cents` to the merchant.
pub fn credit_merchant(tpe: &str, cents: i64) -> Stmt {
    Stmt::new(
        "UPDATE emulator_monetico_merchants SET balance_cents = balance_cents + ?2 WHERE tpe = ?1",
        vec![Param::from(tpe), Param::Int(cents)],
    )
}

/// Takes `cents` back; no row when the balance lacks them (a guard
/// follows).
pub fn debit_merchant(tpe: &str, cents: i64) -> Stmt {
    Stmt::new(
        "UPDATE emulator_monetico_merchants SET balance_cents = balance_cents - ?2 \
         WHERE tpe = ?1 AND balance_cents >= ?2",
        vec![Param::from(tpe), Param::Int(cents)],
    )
}

/// A payment as stored.
#[derive(serde::Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Payment {
    pub tpe: String,
    pub reference: String,
    pub token: String,
    pub amount_cents: i64,
    pub currency: String,
    pub texte_libre: String,
    pub lgue: String,
    pub mail: String,
    pub url_ok: String,
    pub url_err: String,
    pub status: String,
    pub code_retour: Option<String>,
    pub numauto: Option<String>,
    pub motifrefus: Option<String>,
    pub captured_cents: i64,
    pub recredited_cents: i64,
    pub created_at: String,
}

pub struct NewPayment<'a> {
    pub tpe: &'a str,
    pub reference: &'a str,
    pub token: &'a str,
    pub amount_cents: i64,
    pub currency: &'a str,
    pub texte_libre: &'a str,
    pub lgue: &'a str,
    pub mail: &'a str,
    pub url_ok: &'a str,
    pub url_err: &'a str,
    pub now: &'a str,
}

/// Records a form paiement.cgi accepted; nothing when the reference is
/// taken at this TPE (changes = 0: a reused reference).
pub fn insert_payment(p: &NewPayment) -> Stmt {
    Stmt::new(
        "INSERT INTO emulator_monetico_payments (tpe, reference, token, amount_cents, currency, \
         texte_libre, lgue, mail, url_ok, url_err, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT DO NOTHING",
        vec![
            Param::from(p.tpe),
            Param::from(p.reference),
            Param::from(p.token),
            Param::Int(p.amount_cents),
            Param::from(p.currency),
            Param::from(p.texte_libre),
            Param::from(p.lgue),
            Param::from(p.mail),
            Param::from(p.url_ok),
            Param::from(p.url_err),
            Param::from(p.now),
        ],
    )
}

pub fn payment(tpe: &str, reference: &str) -> Stmt {
    Stmt::new(
        "SELECT tpe, reference, token, amount_cents, currency, texte_libre, lgue, mail, url_ok, \
         url_err, status, code_retour, numauto, motifrefus, captured_cents, recredited_cents, \
         created_at FROM emulator_monetico_payments WHERE tpe = ?1 AND reference = ?2",
        vec![Param::from(tpe), Param::from(reference)],
    )
}

pub fn payment_by_token(token: &str) -> Stmt {
    Stmt::new(
        "SELECT tpe, reference, token, amount_cents, currency, texte_libre, lgue, mail, url_ok, \
         url_err, status, code_retour, numauto, motifrefus, captured_cents, recredited_cents, \
         created_at FROM emulator_monetico_payments WHERE token = ?1",
        vec![Param::from(token)],
    )
}

/// The card page's decision, only on a payment still pending.
pub fn decide_payment(
    token: &str,
    status: &str,
    code_retour: &str,
    numauto: Option<&str>,
    motifrefus: Option<&str>,
    now: &str,
) -> Stmt {
    Stmt::new(
        "UPDATE emulator_monetico_payments SET status = ?2, code_retour = ?3, numauto = ?4, \
         motifrefus = ?5, decided_at = ?6 WHERE token = ?1 AND status = 'pending'",
        vec![
            Param::from(token),
            Param::from(status),
            Param::from(code_retour),
            Param::from(numauto),
            Param::from(motifrefus),
            Param::from(now),
        ],
    )
}

/// Moves a payment from `from` to `to` (capture or release), recording
/// what was captured; no row when its state changed meanwhile.
pub fn settle_payment(
    (tpe, reference): (&str, &str),
    from: &str,
    to: &str,
    captured_cents: i64,
    now: &str,
) -> Stmt {
    Stmt::new(
        "UPDATE emulator_monetico_payments SET status = ?4, captured_cents = ?5, captured_at = ?6 \
         WHERE tpe = ?1 AND reference = ?2 AND status = ?3",
        vec![
            Param::from(tpe),
            Param::from(reference),
            Param::from(from),
            Param::from(to),
            Param::Int(captured_cents),
            Param::from(now),
        ],
    )
}

/// Refunds `cents` of a captured payment; no row when they exceed what is
/// left or the state changed (`recredited_before`: what the caller saw).
pub fn recredit_payment(
    (tpe, reference): (&str, &str),
    recredited_before: i64,
    cents: i64,
) -> Stmt {
    Stmt::new(
        "UPDATE emulator_monetico_payments SET status = 'recredited', \
         recredited_cents = recredited_cents + ?4 \
         WHERE tpe = ?1 AND reference = ?2 AND status IN ('captured', 'recredited') \
         AND recredited_cents = ?3 AND recredited_cents + ?4 <= captured_cents",
        vec![
            Param::from(tpe),
            Param::from(reference),
            Param::Int(recredited_before),
            Param::Int(cents),
        ],
    )
}

/// A notification as stored.
#[derive(serde::Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    pub id: i64,
    pub tpe: String,
    pub reference: String,
    pub body: String,
    pub created_at: String,
    pub status: String,
    pub attempts: i64,
    pub last_http_status: Option<i64>,
    pub last_answer: Option<String>,
    pub duplicate: i64,
}

/// Queues a notification; returns its id.
pub fn insert_notification(
    tpe: &str,
    reference: &str,
    body: &str,
    duplicate: bool,
    now: &str,
) -> Stmt {
    Stmt::new(
        "INSERT INTO emulator_monetico_notifications (tpe, reference, body, duplicate, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
        vec![
            Param::from(tpe),
            Param::from(reference),
            Param::from(body),
            Param::Int(i64::from(duplicate)),
            Param::from(now),
        ],
    )
}

/// The notifications not acknowledged yet and tried fewer than
/// `max_attempts` times, the least tried first (so that messages the
/// platform keeps refusing never hold back newer ones), at most `limit`.
pub fn queued_notifications(max_attempts: i64, limit: i64) -> Stmt {
    Stmt::new(
        "SELECT id, tpe, reference, body, created_at, status, attempts, last_http_status, \
         last_answer, duplicate FROM emulator_monetico_notifications \
         WHERE status = 'queued' AND attempts < ?1 ORDER BY attempts, id LIMIT ?2",
        vec![Param::Int(max_attempts), Param::Int(limit)],
    )
}

/// The newest notifications (of one payment when given), at most `limit`.
pub fn notifications(payment: Option<(&str, &str)>, limit: i64) -> Stmt {
    let (tpe, reference) = payment.unzip();
    Stmt::new(
        "SELECT id, tpe, reference, body, created_at, status, attempts, last_http_status, \
         last_answer, duplicate FROM emulator_monetico_notifications \
         WHERE (?1 IS NULL OR (tpe = ?1 AND reference = ?2)) ORDER BY id DESC LIMIT ?3",
        vec![Param::from(tpe), Param::from(reference), Param::Int(limit)],
    )
}

/// Records one delivery attempt; `acknowledged` marks it delivered.
pub fn record_notification_delivery(
    id: i64,
    http_status: i64,
    answer: &str,
    acknowledged: bool,
    now: &str,
) -> Stmt {
    Stmt::new(
        "UPDATE emulator_monetico_notifications SET attempts = attempts + 1, \
         last_http_status = ?2, last_answer = ?3, \
         status = CASE WHEN ?4 = 1 THEN 'delivered' ELSE status END, \
         delivered_at = CASE WHEN ?4 = 1 THEN ?5 ELSE delivered_at END WHERE id = ?1",
        vec![
            Param::Int(id),
            Param::Int(http_status),
            Param::from(answer),
            Param::Int(i64::from(acknowledged)),
            Param::from(now),
        ],
    )
}

/// A one-shot fault as stored.
#[derive(serde::Deserialize, serde::Serialize, Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    pub id: i64,
    pub method: String,
    pub tpe: Option<String>,
    pub reference: Option<String>,
    pub cdr: Option<String>,
    pub drop_answer: i64,
    pub delay: i64,
    pub duplicate: i64,
    pub created_at: String,
}

pub struct NewFault<'a> {
    pub method: &'a str,
    pub tpe: Option<&'a str>,
    pub reference: Option<&'a str>,
    pub cdr: Option<&'a str>,
    pub drop_answer: bool,
    pub delay: bool,
    pub duplicate: bool,
    pub now: &'a str,
}

pub fn insert_fault(f: &NewFault) -> Stmt {
    Stmt::new(
        "INSERT INTO emulator_monetico_faults (method, tpe, reference, cdr, drop_answer, delay, \
         duplicate, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
         RETURNING id, method, tpe, reference, cdr, drop_answer, delay, duplicate, created_at",
        vec![
            Param::from(f.method),
            Param::from(f.tpe),
            Param::from(f.reference),
            Param::from(f.cdr),
            Param::Int(i64::from(f.drop_answer)),
            Param::Int(i64::from(f.delay)),
            Param::Int(i64::from(f.duplicate)),
            Param::from(f.now),
        ],
    )
}

/// The oldest fault for a call of `method` about this payment (a fault
/// without TPE or reference matches any).
pub fn matching_fault(method: &str, tpe: &str, reference: &str) -> Stmt {
    Stmt::new(
        "SELECT id, method, tpe, reference, cdr, drop_answer, delay, duplicate, created_at \
         FROM emulator_monetico_faults WHERE method = ?1 AND (tpe IS NULL OR tpe = ?2) \
         AND (reference IS NULL OR reference = ?3) ORDER BY id LIMIT 1",
        vec![
            Param::from(method),
            Param::from(tpe),
            Param::from(reference),
        ],
    )
}

/// Consumes a fault; one call only gets it (changes = 1).
pub fn take_fault(id: i64) -> Stmt {
    Stmt::new(
        "DELETE FROM emulator_monetico_faults WHERE id = ?1",
        vec![Param::Int(id)],
    )
}

/// Pending faults, oldest first (only those of a TPE when given).
pub fn list_faults(tpe: Option<&str>) -> Stmt {
    Stmt::new(
        "SELECT id, method, tpe, reference, cdr, drop_answer, delay, duplicate, created_at \
         FROM emulator_monetico_faults WHERE (?1 IS NULL OR tpe = ?1) ORDER BY id LIMIT 500",
        vec![Param::from(tpe)],
    )
}

pub fn clear_faults(tpe: Option<&str>) -> Stmt {
    Stmt::new(
        "DELETE FROM emulator_monetico_faults WHERE (?1 IS NULL OR tpe = ?1)",
        vec![Param::from(tpe)],
    )
}

/// The id an INSERT returned.
#[derive(serde::Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewId {
    pub id: i64,
}
