//! SQL as data. The core writes statements (text + parameters) and reads rows
//! as JSON objects; the shell runs them on D1 and the simulation runs the same
//! statements on SQLite. A group of statements that must happen together is
//! one [`Batch`], which both backends run as a single transaction.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// The number of files in `migrations/`; the worker answers 503 while the
/// database has fewer applied (a test keeps the two equal).
pub const SCHEMA_VERSION: i64 = 10;

/// A bound parameter. D1 has no 64-bit integers on its wire (numbers are
/// JavaScript doubles), so integers are checked to fit in 32 bits by the
/// shell; cents, ids and counts all do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Param {
    Null,
    Int(i64),
    Text(String),
}

impl From<i64> for Param {
    fn from(v: i64) -> Self {
        Param::Int(v)
    }
}

impl From<&str> for Param {
    fn from(v: &str) -> Self {
        Param::Text(v.to_string())
    }
}

impl From<String> for Param {
    fn from(v: String) -> Self {
        Param::Text(v)
    }
}

impl<T: Into<Param>> From<Option<T>> for Param {
    fn from(v: Option<T>) -> Self {
        v.map_or(Param::Null, Into::into)
    }
}

/// One SQL statement with `?1`-style parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stmt {
    pub sql: &'static str,
    pub params: Vec<Param>,
}

impl Stmt {
    pub fn new(sql: &'static str, params: Vec<Param>) -> Stmt {
        Stmt { sql, params }
    }
}

/// Statements run in order as one transaction: all or nothing.
pub type Batch = Vec<Stmt>;

/// A row as the database returned it: column name to value.
pub type Row = Map<String, Value>;

/// What one statement of a batch gave back.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StmtResult {
    pub rows: Vec<Row>,
    /// Rows inserted, updated or deleted.
    pub changes: u64,
}

/// A row that does not have the expected shape: a bug or a schema drift,
/// never user input.
#[derive(Debug)]
pub struct RowError(pub String);

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unexpected row shape: {}", self.0)
    }
}

/// Reads each row of `result` into `T`.
pub fn rows<T: DeserializeOwned>(result: &StmtResult) -> Result<Vec<T>, RowError> {
    result
        .rows
        .iter()
        .map(|row| {
            serde_json::from_value(Value::Object(row.clone())).map_err(|e| RowError(e.to_string()))
        })
        .collect()
}

/// Reads the first row of `result`, if any, into `T`.
pub fn first<T: DeserializeOwned>(result: &StmtResult) -> Result<Option<T>, RowError> {
    match result.rows.first() {
        None => Ok(None),
        Some(row) => serde_json::from_value(Value::Object(row.clone()))
            .map(Some)
            .map_err(|e| RowError(e.to_string())),
    }
}

/// Statements of the isolate's first round trip: make the once-generated
/// settings exist, then read them and the applied schema version.
pub mod boot {
    use super::{Param, Stmt};

    pub const SCHEMA_VERSION_SQL: &str = "SELECT COUNT(*) AS applied FROM d1_migrations";

    /// `INSERT OR IGNORE`, so that two isolates booting at once keep the
    /// first value written and both read it back.
    pub fn ensure_setting(key: &str, value: String) -> Stmt {
        Stmt::new(
            "INSERT OR IGNORE INTO settings (key, value) VALUES (?1, ?2)",
            vec![Param::from(key), Param::from(value)],
        )
    }

    pub fn read_settings() -> Stmt {
        Stmt::new("SELECT key, value FROM settings", vec![])
    }

    pub fn schema_version() -> Stmt {
        Stmt::new(SCHEMA_VERSION_SQL, vec![])
    }
}

/// Sessions: known by the SHA-256 of the cookie's token; they end after 30
/// days idle, a year after they began, on logout and on a password change.
pub mod sessions {
    use super::{Param, Stmt};

    /// Idle time after which a session ends.
    pub const IDLE_SECONDS: i64 = 30 * 86_400;
    /// `last_seen_at` (and the cookie) is written at most this often, so
    /// that reading pages does not write on every request.
    pub const TOUCH_EVERY_SECONDS: i64 = 86_400;
    /// A session ends this long after it was created, however used.
    pub const MAX_AGE_SECONDS: i64 = 365 * 86_400;

    #[derive(serde::Deserialize, Clone, Debug)]
    pub struct SessionRow {
        pub client_id: i64,
        pub email: String,
        pub language: String,
        pub psp_environment: String,
        pub api_username: String,
        pub credentials_version: i64,
        pub credentials_status: String,
    }

    /// The live session's client: used within 30 days (`idle_cutoff`) and
    /// created within a year (`created_cutoff`).
    pub fn lookup(token_hash: &str, idle_cutoff: &str, created_cutoff: &str) -> Stmt {
        Stmt::new(
            "SELECT c.id AS client_id, c.email, c.language, c.psp_environment, c.api_username, \
             c.credentials_version, c.credentials_status \
             FROM sessions s JOIN clients c ON c.id = s.client_id \
             WHERE s.token_hash = ?1 AND s.last_seen_at >= ?2 AND s.created_at >= ?3",
            vec![
                Param::from(token_hash),
                Param::from(idle_cutoff),
                Param::from(created_cutoff),
            ],
        )
    }

    /// Moves `last_seen_at` forward when it is older than the touch interval
    /// and the session is live; `changes` = 1 tells the cookie to be renewed.
    pub fn touch(
        token_hash: &str,
        now: &str,
        touch_before: &str,
        idle_cutoff: &str,
        created_cutoff: &str,
    ) -> Stmt {
        Stmt::new(
            "UPDATE sessions SET last_seen_at = ?2 \
             WHERE token_hash = ?1 AND last_seen_at < ?3 AND last_seen_at >= ?4 AND created_at >= ?5",
            vec![
                Param::from(token_hash),
                Param::from(now),
                Param::from(touch_before),
                Param::from(idle_cutoff),
                Param::from(created_cutoff),
            ],
        )
    }

    /// A new session for the client with this e-mail.
    pub fn create_for_email(token_hash: &str, email: &str, now: &str) -> Stmt {
        Stmt::new(
            "INSERT INTO sessions (token_hash, client_id, created_at, last_seen_at) \
             SELECT ?1, id, ?3, ?3 FROM clients WHERE email = ?2",
            vec![
                Param::from(token_hash),
                Param::from(email),
                Param::from(now),
            ],
        )
    }

    pub fn delete(token_hash: &str) -> Stmt {
        Stmt::new(
            "DELETE FROM sessions WHERE token_hash = ?1",
            vec![Param::from(token_hash)],
        )
    }

    /// Ends every session of a client (password change or reset).
    pub fn delete_all(client_id: i64) -> Stmt {
        Stmt::new(
            "DELETE FROM sessions WHERE client_id = ?1",
            vec![Param::Int(client_id)],
        )
    }

    /// Stores the language the session's client just chose.
    pub fn set_language(token_hash: &str, language: &str) -> Stmt {
        Stmt::new(
            "UPDATE clients SET language = ?2 \
             WHERE id = (SELECT client_id FROM sessions WHERE token_hash = ?1) AND language != ?2",
            vec![Param::from(token_hash), Param::from(language)],
        )
    }
}

/// Clients, their credentials and their initiation title.
pub mod clients {
    use super::{Param, Stmt};

    #[derive(serde::Deserialize)]
    pub struct Conflicts {
        pub email_taken: i64,
        pub api_username_taken: i64,
    }

    /// Whether the e-mail or the API username is already used (by another
    /// client than `except_client_id`).
    pub fn conflicts(email: &str, api_username: &str, except_client_id: i64) -> Stmt {
        Stmt::new(
            "SELECT EXISTS (SELECT 1 FROM clients WHERE email = ?1 AND id != ?3) AS email_taken, \
             EXISTS (SELECT 1 FROM clients WHERE api_username = ?2 AND id != ?3) AS api_username_taken",
            vec![Param::from(email), Param::from(api_username), Param::Int(except_client_id)],
        )
    }

    /// What registration stores about a new client.
    pub struct NewClient<'a> {
        pub email: &'a str,
        pub password_hash: &'a str,
        pub language: &'a str,
        pub psp_environment: &'a str,
        pub api_username: &'a str,
        pub sealed_secret: &'a str,
        pub now: &'a str,
    }

    /// The client and version 1 of its credentials.
    pub fn insert(c: &NewClient) -> Vec<Stmt> {
        vec![
            Stmt::new(
                "INSERT INTO clients (email, password_hash, language, psp_environment, \
                 api_username, credentials_version, created_at) VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6)",
                vec![
                    Param::from(c.email),
                    Param::from(c.password_hash),
                    Param::from(c.language),
                    Param::from(c.psp_environment),
                    Param::from(c.api_username),
                    Param::from(c.now),
                ],
            ),
            Stmt::new(
                "INSERT INTO client_credentials (client_id, version, api_username, sealed_secret, created_at) \
                 SELECT id, 1, ?2, ?3, ?4 FROM clients WHERE email = ?1",
                vec![
                    Param::from(c.email),
                    Param::from(c.api_username),
                    Param::from(c.sealed_secret),
                    Param::from(c.now),
                ],
            ),
        ]
    }

    #[derive(serde::Deserialize)]
    pub struct LoginRow {
        pub id: i64,
        pub password_hash: String,
        pub language: String,
    }

    pub fn by_email(email: &str) -> Stmt {
        Stmt::new(
            "SELECT id, password_hash, language FROM clients WHERE email = ?1",
            vec![Param::from(email)],
        )
    }

    #[derive(serde::Deserialize)]
    pub struct PasswordRow {
        pub password_hash: String,
    }

    pub fn password_of(client_id: i64) -> Stmt {
        Stmt::new(
            "SELECT password_hash FROM clients WHERE id = ?1",
            vec![Param::Int(client_id)],
        )
    }

    pub fn set_password(client_id: i64, password_hash: &str) -> Stmt {
        Stmt::new(
            "UPDATE clients SET password_hash = ?2 WHERE id = ?1",
            vec![Param::Int(client_id), Param::from(password_hash)],
        )
    }

    pub fn set_language(client_id: i64, language: &str) -> Stmt {
        Stmt::new(
            "UPDATE clients SET language = ?2 WHERE id = ?1 AND language != ?2",
            vec![Param::Int(client_id), Param::from(language)],
        )
    }

    /// A new version of the client's credentials; older versions stay for
    /// the open orders made with them.
    pub fn replace_credentials(
        client_id: i64,
        api_username: &str,
        sealed_secret: &str,
        now: &str,
    ) -> Vec<Stmt> {
        vec![
            Stmt::new(
                "UPDATE clients SET api_username = ?2, credentials_version = credentials_version + 1, \
                 credentials_status = 'ok' WHERE id = ?1",
                vec![Param::Int(client_id), Param::from(api_username)],
            ),
            Stmt::new(
                "INSERT INTO client_credentials (client_id, version, api_username, sealed_secret, created_at) \
                 SELECT id, credentials_version, ?2, ?3, ?4 FROM clients WHERE id = ?1",
                vec![
                    Param::Int(client_id),
                    Param::from(api_username),
                    Param::from(sealed_secret),
                    Param::from(now),
                ],
            ),
        ]
    }

    /// The id a new client would get: the sealed credentials are bound to
    /// it before the row exists. Two registrations racing for one id make
    /// the second INSERT fail on the primary key; it is tried again.
    #[derive(serde::Deserialize)]
    pub struct NextId {
        pub next_id: i64,
    }

    pub fn next_id() -> Stmt {
        Stmt::new(
            "SELECT COALESCE(MAX(id), 0) + 1 AS next_id FROM clients",
            vec![],
        )
    }

    /// [`insert`] with the client's id chosen by the caller ([`next_id`]).
    pub fn insert_with_id(id: i64, c: &NewClient) -> Vec<Stmt> {
        vec![
            Stmt::new(
                "INSERT INTO clients (id, email, password_hash, language, psp_environment, \
                 api_username, credentials_version, created_at) VALUES (?7, ?1, ?2, ?3, ?4, ?5, 1, ?6)",
                vec![
                    Param::from(c.email),
                    Param::from(c.password_hash),
                    Param::from(c.language),
                    Param::from(c.psp_environment),
                    Param::from(c.api_username),
                    Param::from(c.now),
                    Param::Int(id),
                ],
            ),
            Stmt::new(
                "INSERT INTO client_credentials (client_id, version, api_username, sealed_secret, created_at) \
                 VALUES (?1, 1, ?2, ?3, ?4)",
                vec![
                    Param::Int(id),
                    Param::from(c.api_username),
                    Param::from(c.sealed_secret),
                    Param::from(c.now),
                ],
            ),
        ]
    }

    /// Matches (changes one row) only while the client's credentials are
    /// at `version`: followed by a guard, it keeps a new version sealed for
    /// `version + 1` from being stored under another number.
    pub fn expect_credentials_version(client_id: i64, version: i64) -> Stmt {
        Stmt::new(
            "UPDATE clients SET credentials_version = credentials_version \
             WHERE id = ?1 AND credentials_version = ?2",
            vec![Param::Int(client_id), Param::Int(version)],
        )
    }

    /// Replaces a password hash made with older parameters, only if it is
    /// still the one that was checked (a concurrent change wins).
    pub fn rehash_password(client_id: i64, old_hash: &str, new_hash: &str) -> Stmt {
        Stmt::new(
            "UPDATE clients SET password_hash = ?3 WHERE id = ?1 AND password_hash = ?2",
            vec![
                Param::Int(client_id),
                Param::from(old_hash),
                Param::from(new_hash),
            ],
        )
    }
}

/// ISINs and titles.
pub mod titles {
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
}

/// The PSP's trace of each call (secrets removed before they get here).
pub mod traces {
    use super::{Param, Stmt};

    pub struct Trace {
        pub psp: &'static str,
        pub method: &'static str,
        pub ack: Option<String>,
        pub error_codes: Option<String>,
        pub correlation_id: Option<String>,
        pub at: String,
        /// JSON object of the request's fields, credentials removed.
        pub request: String,
        /// JSON object of the answer's fields; `None` when none came.
        pub response: Option<String>,
    }

    /// A trace of a call made for an order.
    pub fn insert_for_order(order_id: &str, t: &Trace) -> Stmt {
        Stmt::new(
            "INSERT INTO psp_traces (order_id, client_id, psp, method, ack, error_codes, \
             correlation_id, at, request, response) \
             VALUES (?1, NULL, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            vec![
                Param::from(order_id),
                Param::from(t.psp),
                Param::from(t.method),
                Param::from(t.ack.clone()),
                Param::from(t.error_codes.clone()),
                Param::from(t.correlation_id.clone()),
                Param::from(t.at.as_str()),
                Param::from(t.request.clone()),
                Param::from(t.response.clone()),
            ],
        )
    }

    /// A trace of a call made for the client with this e-mail.
    pub fn insert_for_email(email: &str, t: &Trace) -> Stmt {
        Stmt::new(
            "INSERT INTO psp_traces (order_id, client_id, psp, method, ack, error_codes, \
             correlation_id, at, request, response) \
             SELECT NULL, id, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9 FROM clients WHERE email = ?1",
            vec![
                Param::from(email),
                Param::from(t.psp),
                Param::from(t.method),
                Param::from(t.ack.clone()),
                Param::from(t.error_codes.clone()),
                Param::from(t.correlation_id.clone()),
                Param::from(t.at.as_str()),
                Param::from(t.request.clone()),
                Param::from(t.response.clone()),
            ],
        )
    }
}

/// Password reset links: single use, valid one hour.
pub mod resets {
    use super::{Param, Stmt};

    pub const VALID_SECONDS: i64 = 3_600;

    pub fn create(token_hash: &str, client_id: i64, now: &str, expires_at: &str) -> Stmt {
        Stmt::new(
            "INSERT INTO password_resets (token_hash, client_id, created_at, expires_at) \
             VALUES (?1, ?2, ?3, ?4)",
            vec![
                Param::from(token_hash),
                Param::Int(client_id),
                Param::from(now),
                Param::from(expires_at),
            ],
        )
    }

    #[derive(serde::Deserialize)]
    pub struct UsableReset {
        pub client_id: i64,
    }

    /// The reset's client when the link is unused and not expired.
    pub fn usable(token_hash: &str, now: &str) -> Stmt {
        Stmt::new(
            "SELECT client_id FROM password_resets \
             WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2",
            vec![Param::from(token_hash), Param::from(now)],
        )
    }

    /// Uses the link; must change one row (a guard follows it).
    pub fn mark_used(token_hash: &str, now: &str) -> Stmt {
        Stmt::new(
            "UPDATE password_resets SET used_at = ?2 \
             WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2",
            vec![Param::from(token_hash), Param::from(now)],
        )
    }
}

/// Batch guards: placed right after a statement that must change exactly
/// one row, it aborts (rolls back) the whole batch otherwise.
pub fn guard_one_row_changed() -> Stmt {
    Stmt::new("INSERT INTO guard (ok) SELECT changes() = 1", vec![])
}

/// The e-mail outbox. In emulator mode without a mail API, the outbox is the
/// emulator's mailbox and a message counts as sent when written.
pub mod outbox {
    use super::{Param, Stmt};

    pub struct Mail<'a> {
        /// One e-mail per event: a repeated event writes nothing.
        pub event_key: &'a str,
        pub to: &'a str,
        pub subject: &'a str,
        pub body: &'a str,
        pub now: &'a str,
        pub delivered_on_write: bool,
    }

    pub fn insert(m: &Mail) -> Stmt {
        Stmt::new(
            "INSERT INTO outbox (event_key, to_email, subject, body, created_at, status, next_attempt_at, sent_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, CASE WHEN ?6 = 1 THEN 'sent' ELSE 'pending' END, ?5, \
             CASE WHEN ?6 = 1 THEN ?5 END) ON CONFLICT (event_key) DO NOTHING",
            vec![
                Param::from(m.event_key),
                Param::from(m.to),
                Param::from(m.subject),
                Param::from(m.body),
                Param::from(m.now),
                Param::Int(i64::from(m.delivered_on_write)),
            ],
        )
    }

    #[derive(serde::Deserialize, serde::Serialize)]
    pub struct Message {
        pub to: String,
        pub subject: String,
        pub body: String,
        pub sent_at: Option<String>,
    }

    /// Attempts before an e-mail is given up.
    pub const MAX_ATTEMPTS: i64 = 10;

    /// How long to wait after the `attempts`-th failure: 1, 2, 4, ... minutes,
    /// at most 6 hours; `None` once the limit is reached (given up).
    pub fn retry_after_seconds(attempts: i64) -> Option<i64> {
        if attempts >= MAX_ATTEMPTS {
            return None;
        }
        let exponent = u32::try_from(attempts.clamp(0, 20)).unwrap_or(20);
        Some((60_i64 << exponent).min(6 * 3_600))
    }

    #[derive(serde::Deserialize)]
    pub struct Due {
        pub id: i64,
        pub to_email: String,
        pub subject: String,
        pub body: String,
        pub attempts: i64,
    }

    pub fn due(now: &str, limit: i64) -> Stmt {
        Stmt::new(
            "SELECT id, to_email, subject, body, attempts FROM outbox \
             WHERE status = 'pending' AND next_attempt_at <= ?1 ORDER BY next_attempt_at LIMIT ?2",
            vec![Param::from(now), Param::Int(limit)],
        )
    }

    /// Sent: the body goes (a reset link must not outlive its delivery in
    /// the database; the mail API has the message now).
    pub fn mark_sent(id: i64, now: &str) -> Stmt {
        Stmt::new(
            "UPDATE outbox SET status = 'sent', sent_at = ?2, attempts = attempts + 1, body = '' \
             WHERE id = ?1 AND status = 'pending'",
            vec![Param::Int(id), Param::from(now)],
        )
    }

    /// Records a failed attempt: retried at `next_attempt_at`, or given up.
    pub fn mark_failed_attempt(id: i64, next_attempt_at: Option<&str>, error: &str) -> Stmt {
        Stmt::new(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?3, \
             status = CASE WHEN ?2 IS NULL THEN 'failed' ELSE 'pending' END, \
             next_attempt_at = COALESCE(?2, next_attempt_at) WHERE id = ?1 AND status = 'pending'",
            vec![
                Param::Int(id),
                Param::from(next_attempt_at),
                Param::from(error),
            ],
        )
    }

    /// The emulator's mailbox (its own copy of what was delivered on
    /// write; the outbox keeps no body once sent): the newest messages,
    /// optionally only those to one address.
    pub fn mailbox(to: Option<&str>, limit: i64) -> Stmt {
        Stmt::new(
            "SELECT to_email AS \"to\", subject, body, sent_at FROM emulator_mail \
             WHERE (?1 IS NULL OR to_email = ?1) ORDER BY id DESC LIMIT ?2",
            vec![Param::from(to), Param::Int(limit)],
        )
    }
}

/// The PayPal emulator's own tables (never batched with the platform's):
/// accounts, Express Checkout sessions, payments, one-shot faults and the
/// IPN messages it sends; and the clock offset it moves.
pub mod emulator {
    use super::{guard_one_row_changed, Batch, Param, Stmt};

    #[derive(serde::Deserialize, Clone, Debug)]
    pub struct Account {
        pub id: i64,
        pub email: String,
        pub payer_id: String,
        pub api_username: String,
        pub api_password: String,
        pub api_signature: String,
        pub balance_cents: i64,
        pub currency: String,
    }

    pub struct NewAccount<'a> {
        pub email: &'a str,
        pub payer_id: &'a str,
        pub api_username: &'a str,
        pub api_password: &'a str,
        pub api_signature: &'a str,
        pub balance_cents: i64,
        pub currency: &'a str,
        pub now: &'a str,
    }

    /// Creates the account unless one has this e-mail (then nothing).
    pub fn create(a: &NewAccount) -> Stmt {
        Stmt::new(
            "INSERT INTO emulator_accounts (email, payer_id, api_username, api_password, \
             api_signature, balance_cents, currency, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (email) DO NOTHING",
            vec![
                Param::from(a.email),
                Param::from(a.payer_id),
                Param::from(a.api_username),
                Param::from(a.api_password),
                Param::from(a.api_signature),
                Param::Int(a.balance_cents),
                Param::from(a.currency),
                Param::from(a.now),
            ],
        )
    }

    pub fn by_email(email: &str) -> Stmt {
        Stmt::new(
            "SELECT id, email, payer_id, api_username, api_password, api_signature, balance_cents, currency \
             FROM emulator_accounts WHERE email = ?1",
            vec![Param::from(email)],
        )
    }

    pub fn by_api_username(api_username: &str) -> Stmt {
        Stmt::new(
            "SELECT id, email, payer_id, api_username, api_password, api_signature, balance_cents, currency \
             FROM emulator_accounts WHERE api_username = ?1",
            vec![Param::from(api_username)],
        )
    }

    // -- Clock ---------------------------------------------------------------

    #[derive(serde::Deserialize)]
    pub struct ClockOffset {
        pub value: String,
    }

    /// The persisted clock offset (`settings.clock_offset_seconds`), read so
    /// that every isolate sees the emulator's clock moves.
    pub fn clock_offset() -> Stmt {
        Stmt::new(
            "SELECT value FROM settings WHERE key = 'clock_offset_seconds'",
            vec![],
        )
    }

    /// Adds `seconds` to the persisted offset and returns the new total.
    /// The amount travels as text: it may not fit D1's 32-bit integers.
    pub fn advance_clock(seconds: i64) -> Stmt {
        Stmt::new(
            "INSERT INTO settings (key, value) VALUES ('clock_offset_seconds', CAST(CAST(?1 AS INTEGER) AS TEXT)) \
             ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + CAST(?1 AS INTEGER) AS TEXT) \
             RETURNING value",
            vec![Param::Text(seconds.to_string())],
        )
    }

    // -- Faults --------------------------------------------------------------

    #[derive(serde::Deserialize, serde::Serialize, Clone, Debug)]
    pub struct Fault {
        pub id: i64,
        pub method: String,
        pub token: Option<String>,
        pub api_username: Option<String>,
        pub error_code: Option<String>,
        pub payment_status: Option<String>,
        pub pending_reason: Option<String>,
        pub drop_answer: i64,
        pub created_at: String,
    }

    pub struct NewFault<'a> {
        pub method: &'a str,
        pub token: Option<&'a str>,
        pub api_username: Option<&'a str>,
        pub error_code: Option<&'a str>,
        pub payment_status: Option<&'a str>,
        pub pending_reason: Option<&'a str>,
        pub drop_answer: bool,
        pub now: &'a str,
    }

    pub fn insert_fault(f: &NewFault) -> Stmt {
        Stmt::new(
            "INSERT INTO emulator_faults (method, token, api_username, error_code, payment_status, \
             pending_reason, drop_answer, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
             RETURNING id, method, token, api_username, error_code, payment_status, pending_reason, drop_answer, created_at",
            vec![
                Param::from(f.method),
                Param::from(f.token),
                Param::from(f.api_username),
                Param::from(f.error_code),
                Param::from(f.payment_status),
                Param::from(f.pending_reason),
                Param::Int(i64::from(f.drop_answer)),
                Param::from(f.now),
            ],
        )
    }

    /// The oldest fault for a call of `method` with this token and these
    /// credentials (a fault without token or api_username matches any).
    pub fn matching_fault(method: &str, token: Option<&str>, api_username: &str) -> Stmt {
        Stmt::new(
            "SELECT id, method, token, api_username, error_code, payment_status, pending_reason, drop_answer, created_at \
             FROM emulator_faults WHERE method = ?1 AND (token IS NULL OR token = ?2) \
             AND (api_username IS NULL OR api_username = ?3) ORDER BY id LIMIT 1",
            vec![Param::from(method), Param::from(token), Param::from(api_username)],
        )
    }

    /// Consumes a fault; one call only gets it (changes = 1).
    pub fn take_fault(id: i64) -> Stmt {
        Stmt::new(
            "DELETE FROM emulator_faults WHERE id = ?1",
            vec![Param::Int(id)],
        )
    }

    /// Pending faults, oldest first, optionally only those for a token or
    /// for an API username.
    pub fn list_faults(token: Option<&str>, api_username: Option<&str>) -> Stmt {
        Stmt::new(
            "SELECT id, method, token, api_username, error_code, payment_status, pending_reason, drop_answer, created_at \
             FROM emulator_faults WHERE (?1 IS NULL OR token = ?1) AND (?2 IS NULL OR api_username = ?2) \
             ORDER BY id LIMIT 500",
            vec![Param::from(token), Param::from(api_username)],
        )
    }

    pub fn clear_faults(token: Option<&str>, api_username: Option<&str>) -> Stmt {
        Stmt::new(
            "DELETE FROM emulator_faults WHERE (?1 IS NULL OR token = ?1) AND (?2 IS NULL OR api_username = ?2)",
            vec![Param::from(token), Param::from(api_username)],
        )
    }

    // -- Checkouts -----------------------------------------------------------

    /// A checkout with its receiver and (once approved) its payer.
    #[derive(serde::Deserialize, Clone, Debug, PartialEq, Eq)]
    pub struct Checkout {
        pub token: String,
        pub receiver_account_id: i64,
        pub receiver_email: String,
        pub receiver_payer_id: String,
        pub receiver_currency: String,
        pub amount_cents: i64,
        pub currency: String,
        pub invnum: Option<String>,
        pub custom: Option<String>,
        pub notify_url: Option<String>,
        pub return_url: String,
        pub cancel_url: String,
        pub locale_code: Option<String>,
        pub created_at: String,
        /// `created`, `approved` or `completed`.
        pub status: String,
        pub payer_account_id: Option<i64>,
        pub payer_email: Option<String>,
        pub payer_payer_id: Option<String>,
        pub payer_balance_cents: Option<i64>,
        pub payer_currency: Option<String>,
        pub transaction_id: Option<String>,
        pub msgsubid: Option<String>,
        /// The paying call's answer without envelope (JSON), for 11607.
        pub answer: Option<String>,
        pub attempts: i64,
    }

    pub fn checkout_by_token(token: &str) -> Stmt {
        Stmt::new(
            "SELECT c.token, c.receiver_account_id, r.email AS receiver_email, \
             r.payer_id AS receiver_payer_id, r.currency AS receiver_currency, c.amount_cents, \
             c.currency, c.invnum, c.custom, c.notify_url, c.return_url, c.cancel_url, \
             c.locale_code, c.created_at, c.status, c.payer_account_id, p.email AS payer_email, \
             p.payer_id AS payer_payer_id, p.balance_cents AS payer_balance_cents, \
             p.currency AS payer_currency, c.transaction_id, c.msgsubid, c.answer, c.attempts \
             FROM emulator_checkouts c JOIN emulator_accounts r ON r.id = c.receiver_account_id \
             LEFT JOIN emulator_accounts p ON p.id = c.payer_account_id WHERE c.token = ?1",
            vec![Param::from(token)],
        )
    }

    pub struct NewCheckout<'a> {
        pub token: &'a str,
        pub receiver_account_id: i64,
        pub amount_cents: i64,
        pub currency: &'a str,
        pub invnum: Option<&'a str>,
        pub custom: Option<&'a str>,
        pub notify_url: Option<&'a str>,
        pub return_url: &'a str,
        pub cancel_url: &'a str,
        pub locale_code: Option<&'a str>,
        pub now: &'a str,
    }

    pub fn insert_checkout(c: &NewCheckout) -> Stmt {
        Stmt::new(
            "INSERT INTO emulator_checkouts (token, receiver_account_id, amount_cents, currency, \
             invnum, custom, notify_url, return_url, cancel_url, locale_code, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            vec![
                Param::from(c.token),
                Param::Int(c.receiver_account_id),
                Param::Int(c.amount_cents),
                Param::from(c.currency),
                Param::from(c.invnum),
                Param::from(c.custom),
                Param::from(c.notify_url),
                Param::from(c.return_url),
                Param::from(c.cancel_url),
                Param::from(c.locale_code),
                Param::from(c.now),
            ],
        )
    }

    /// The buyer with this e-mail approves the checkout (again, possibly as
    /// another payer, until it is paid); nothing when the token is paid,
    /// expired (`created_after` = now − 3 h) or the e-mail unknown.
    pub fn approve_checkout(token: &str, email: &str, now: &str, created_after: &str) -> Stmt {
        Stmt::new(
            "UPDATE emulator_checkouts SET status = 'approved', approved_at = ?3, \
             payer_account_id = (SELECT id FROM emulator_accounts WHERE email = ?2) \
             WHERE token = ?1 AND status != 'completed' AND created_at >= ?4 \
             AND EXISTS (SELECT 1 FROM emulator_accounts WHERE email = ?2)",
            vec![
                Param::from(token),
                Param::from(email),
                Param::from(now),
                Param::from(created_after),
            ],
        )
    }

    /// Counts a refused DoExpressCheckoutPayment on the token.
    pub fn count_attempt(token: &str) -> Stmt {
        Stmt::new(
            "UPDATE emulator_checkouts SET attempts = attempts + 1 WHERE token = ?1",
            vec![Param::from(token)],
        )
    }

    /// Marks the checkout paid by this payer; changes no row when another
    /// call paid it first or the approval changed (a guard follows).
    pub fn complete_checkout(
        token: &str,
        payer_account_id: i64,
        transaction_id: &str,
        msgsubid: Option<&str>,
        answer: &str,
    ) -> Stmt {
        Stmt::new(
            "UPDATE emulator_checkouts SET status = 'completed', transaction_id = ?3, msgsubid = ?4, \
             answer = ?5, attempts = attempts + 1 \
             WHERE token = ?1 AND status = 'approved' AND payer_account_id = ?2",
            vec![
                Param::from(token),
                Param::Int(payer_account_id),
                Param::from(transaction_id),
                Param::from(msgsubid),
                Param::from(answer),
            ],
        )
    }

    /// Takes `cents` from an account; no row when it lacks them (a guard
    /// follows, so that a balance never goes negative).
    pub fn debit(account_id: i64, cents: i64) -> Stmt {
        Stmt::new(
            "UPDATE emulator_accounts SET balance_cents = balance_cents - ?2 \
             WHERE id = ?1 AND balance_cents >= ?2",
            vec![Param::Int(account_id), Param::Int(cents)],
        )
    }

    pub fn credit(account_id: i64, cents: i64) -> Stmt {
        Stmt::new(
            "UPDATE emulator_accounts SET balance_cents = balance_cents + ?2 WHERE id = ?1",
            vec![Param::Int(account_id), Param::Int(cents)],
        )
    }

    // -- Transactions --------------------------------------------------------

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

    /// A later event on a payment: its completion, a reversal, a refund or
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
            debit(e.giver_account_id, e.amount_cents),
            guard_one_row_changed(),
            credit(e.taker_account_id, e.amount_cents),
            guard_one_row_changed(),
            insert_ipn(&e.ipn),
        ];
        let ipn_at = batch.len() - 1;
        batch.push(transaction_by_id(e.transaction_id));
        (batch, ipn_at)
    }

    // -- IPN -----------------------------------------------------------------

    pub struct NewIpn<'a> {
        pub txn_id: &'a str,
        pub parent_txn_id: Option<&'a str>,
        pub payment_status: &'a str,
        pub notify_url: Option<&'a str>,
        pub body: &'a str,
        pub body_sha256: &'a str,
        pub now: &'a str,
    }

    #[derive(serde::Deserialize)]
    pub struct NewId {
        pub id: i64,
    }

    /// Stores an IPN message, queued for delivery; returns its id.
    pub fn insert_ipn(m: &NewIpn) -> Stmt {
        Stmt::new(
            "INSERT INTO emulator_ipn_messages (txn_id, parent_txn_id, payment_status, notify_url, \
             body, body_sha256, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
            vec![
                Param::from(m.txn_id),
                Param::from(m.parent_txn_id),
                Param::from(m.payment_status),
                Param::from(m.notify_url),
                Param::from(m.body),
                Param::from(m.body_sha256),
                Param::from(m.now),
            ],
        )
    }

    #[derive(serde::Deserialize, serde::Serialize, Clone, Debug)]
    pub struct IpnMessage {
        pub id: i64,
        pub txn_id: String,
        pub parent_txn_id: Option<String>,
        pub payment_status: String,
        pub notify_url: Option<String>,
        pub body: String,
        pub created_at: String,
        /// `queued` until delivered, then `delivered`.
        pub status: String,
        pub attempts: i64,
        pub last_http_status: Option<i64>,
        pub delivered_at: Option<String>,
    }

    /// The newest IPN messages, optionally about one transaction (as its
    /// `txn_id` or its `parent_txn_id`).
    pub fn ipn_messages(txn_id: Option<&str>, limit: i64) -> Stmt {
        Stmt::new(
            "SELECT id, txn_id, parent_txn_id, payment_status, notify_url, body, created_at, status, \
             attempts, last_http_status, delivered_at FROM emulator_ipn_messages \
             WHERE (?1 IS NULL OR txn_id = ?1 OR parent_txn_id = ?1) ORDER BY id DESC LIMIT ?2",
            vec![Param::from(txn_id), Param::Int(limit)],
        )
    }

    /// The oldest messages still waiting for delivery.
    pub fn queued_ipns(limit: i64) -> Stmt {
        Stmt::new(
            "SELECT id, txn_id, parent_txn_id, payment_status, notify_url, body, created_at, status, \
             attempts, last_http_status, delivered_at FROM emulator_ipn_messages \
             WHERE status = 'queued' AND notify_url LIKE '%/psp/paypal/ipn' ORDER BY id LIMIT ?1",
            vec![Param::Int(limit)],
        )
    }

    /// Records one delivery attempt; HTTP 200 delivers the message.
    pub fn record_ipn_delivery(id: i64, http_status: i64, now: &str) -> Stmt {
        Stmt::new(
            "UPDATE emulator_ipn_messages SET attempts = attempts + 1, last_http_status = ?2, \
             status = CASE WHEN ?2 = 200 THEN 'delivered' ELSE status END, \
             delivered_at = CASE WHEN ?2 = 200 AND delivered_at IS NULL THEN ?3 ELSE delivered_at END \
             WHERE id = ?1",
            vec![Param::Int(id), Param::Int(http_status), Param::from(now)],
        )
    }

    /// Loses the messages still queued (about one transaction when given):
    /// PayPal never sends them.
    pub fn drop_queued_ipns(txn_id: Option<&str>) -> Stmt {
        Stmt::new(
            "DELETE FROM emulator_ipn_messages WHERE status = 'queued' \
             AND (?1 IS NULL OR txn_id = ?1 OR parent_txn_id = ?1)",
            vec![Param::from(txn_id)],
        )
    }

    #[derive(serde::Deserialize)]
    pub struct Found {
        pub found: i64,
    }

    /// Whether these exact bytes are a message the emulator sent.
    pub fn ipn_sent(body_sha256: &str, body: &str) -> Stmt {
        Stmt::new(
            "SELECT EXISTS (SELECT 1 FROM emulator_ipn_messages WHERE body_sha256 = ?1 AND body = ?2) AS found",
            vec![Param::from(body_sha256), Param::from(body)],
        )
    }
}

/// Fixed-window counters that brake login, register, reset and buy.
pub mod rate_limits {
    use super::{Param, Stmt};

    /// Counts one hit in `bucket`'s current window and returns the count.
    pub fn hit(bucket: &str, window_start: &str) -> Stmt {
        Stmt::new(
            "INSERT INTO rate_limits (bucket, window_start, hits) VALUES (?1, ?2, 1) \
             ON CONFLICT (bucket, window_start) DO UPDATE SET hits = hits + 1 RETURNING hits",
            vec![Param::from(bucket), Param::from(window_start)],
        )
    }

    /// Forgets windows that ended before `before`.
    pub fn prune(before: &str) -> Stmt {
        Stmt::new(
            "DELETE FROM rate_limits WHERE window_start < ?1",
            vec![Param::from(before)],
        )
    }
}

/// What `/healthz` reports beyond "ok".
pub mod health {
    use super::Stmt;

    #[derive(serde::Deserialize, Default)]
    pub struct Summary {
        pub last_cron_at: Option<String>,
        pub orders_unresolved: i64,
        pub outbox_backlog: i64,
        pub notifications_unresolved: i64,
    }

    /// Orders whose outcome is not known yet (claimed, or paid but Pending,
    /// or waiting for a person, a trade partly refunded included), e-mails
    /// not sent yet, and PSP notifications not acted on yet, or not even
    /// verified yet (their postback failed): the cron takes both up again.
    pub fn summary() -> Stmt {
        Stmt::new(
            "SELECT (SELECT value FROM settings WHERE key = 'last_cron_at') AS last_cron_at, \
             (SELECT COUNT(*) FROM orders WHERE (code = 0 \
                AND substate IN ('confirming', 'psp_pending', 'needs_review')) \
                OR (code = 2 AND substate = 'needs_review')) AS orders_unresolved, \
             (SELECT COUNT(*) FROM outbox WHERE status = 'pending') AS outbox_backlog, \
             (SELECT COUNT(*) FROM psp_notifications WHERE outcome = 'received') \
             + (SELECT COUNT(*) FROM psp_ipn_receipts WHERE state = 'received') AS notifications_unresolved",
            vec![],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Pair {
        key: String,
        value: Option<i64>,
    }

    #[test]
    fn rows_read_into_typed_structs_and_nulls_become_none() {
        let mut a = Row::new();
        a.insert("key".into(), Value::from("x"));
        a.insert("value".into(), Value::from(3));
        let mut b = Row::new();
        b.insert("key".into(), Value::from("y"));
        b.insert("value".into(), Value::Null);
        let result = StmtResult {
            rows: vec![a, b],
            changes: 0,
        };
        let pairs: Vec<Pair> = rows(&result).expect("rows parse");
        assert_eq!(
            pairs,
            vec![
                Pair {
                    key: "x".into(),
                    value: Some(3)
                },
                Pair {
                    key: "y".into(),
                    value: None
                }
            ]
        );
    }

    #[test]
    fn mail_retries_back_off_and_give_up() {
        assert_eq!(outbox::retry_after_seconds(0), Some(60));
        assert_eq!(outbox::retry_after_seconds(3), Some(480));
        assert_eq!(outbox::retry_after_seconds(9), Some(6 * 3_600));
        assert_eq!(outbox::retry_after_seconds(10), None);
    }

    #[test]
    fn a_row_of_the_wrong_shape_is_an_error_not_a_panic() {
        let mut a = Row::new();
        a.insert("key".into(), Value::from(7));
        let result = StmtResult {
            rows: vec![a],
            changes: 0,
        };
        assert!(first::<Pair>(&result).is_err());
    }
}
