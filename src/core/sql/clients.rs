//! Clients and their receiving accounts (`psp_accounts`, one current row
//! per provider; `public_ref` is the account's public name: PayPal's API
//! username, Sips' merchant id, Monetico's TPE).

use super::{Param, Stmt};

#[derive(serde::Deserialize)]
pub struct Conflicts {
    pub email_taken: i64,
    /// Another client's current account at `provider` has this public name.
    pub public_ref_taken: i64,
}

/// Whether the e-mail, or the public name of an account at `provider`
/// (PayPal: the API username; Sips: the merchant id; Monetico: the TPE),
/// is already used by another client than `except_client_id`.
pub fn conflicts(email: &str, provider: &str, public_ref: &str, except_client_id: i64) -> Stmt {
    Stmt::new(
        "SELECT EXISTS (SELECT 1 FROM clients WHERE email = ?1 AND id != ?3) AS email_taken, \
         EXISTS (SELECT 1 FROM psp_accounts WHERE provider = ?4 AND public_ref = ?2 \
         AND replaced_at IS NULL AND client_id != ?3) AS public_ref_taken",
        vec![
            Param::from(email),
            Param::from(public_ref),
            Param::Int(except_client_id),
            Param::from(provider),
        ],
    )
}

/// What registration stores about a new client: the client and version 1
/// of his receiving account at `provider`.
pub struct NewClient<'a> {
    pub email: &'a str,
    pub password_hash: &'a str,
    pub language: &'a str,
    pub psp_environment: &'a str,
    pub provider: &'a str,
    /// The account's public name (PayPal: the API username).
    pub api_username: &'a str,
    pub sealed_secret: &'a str,
    pub now: &'a str,
}

/// The client and version 1 of its receiving account.
pub fn insert(c: &NewClient) -> Vec<Stmt> {
    vec![
        Stmt::new(
            "INSERT INTO clients (email, password_hash, language, psp_environment, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
            vec![
                Param::from(c.email),
                Param::from(c.password_hash),
                Param::from(c.language),
                Param::from(c.psp_environment),
                Param::from(c.now),
            ],
        ),
        Stmt::new(
            "INSERT INTO psp_accounts (client_id, provider, version, public_ref, sealed_secret, created_at) \
             SELECT id, ?5, 1, ?2, ?3, ?4 FROM clients WHERE email = ?1",
            vec![
                Param::from(c.email),
                Param::from(c.api_username),
                Param::from(c.sealed_secret),
                Param::from(c.now),
                Param::from(c.provider),
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

/// A client's current receiving account, as his page lists it.
#[derive(serde::Deserialize, Clone, Debug)]
pub struct AccountRow {
    pub provider: String,
    pub version: i64,
    pub public_ref: String,
    pub status: String,
    /// 1 when a secret of his is stored (sealed), 0 for a PayPal account
    /// by permission.
    #[serde(default)]
    pub holds_secret: i64,
}

/// The client's current receiving accounts (one per provider at most).
pub fn accounts(client_id: i64) -> Stmt {
    Stmt::new(
        "SELECT provider, version, public_ref, status, sealed_secret != '' AS holds_secret \
         FROM psp_accounts \
         WHERE client_id = ?1 AND replaced_at IS NULL ORDER BY provider",
        vec![Param::Int(client_id)],
    )
}

#[derive(serde::Deserialize)]
pub struct NextVersion {
    pub next_version: i64,
}

/// The version a new account at `provider` gets: after every earlier one,
/// removed ones included (they stay, for the orders made with them).
pub fn next_account_version(client_id: i64, provider: &str) -> Stmt {
    Stmt::new(
        "SELECT COALESCE(MAX(version), 0) + 1 AS next_version FROM psp_accounts \
         WHERE client_id = ?1 AND provider = ?2",
        vec![Param::Int(client_id), Param::from(provider)],
    )
}

/// A new account at `provider` (status 'ok'), replacing the current one if
/// any; older versions stay, replaced, for the open orders made with them.
/// The version is the one its secret was sealed for: if a concurrent change
/// took it, the primary key refuses the batch (nothing is stored under
/// another number).
pub fn add_account(
    client_id: i64,
    provider: &str,
    version: i64,
    public_ref: &str,
    sealed_secret: &str,
    now: &str,
) -> Vec<Stmt> {
    vec![
        Stmt::new(
            "UPDATE psp_accounts SET replaced_at = ?3 \
             WHERE client_id = ?1 AND provider = ?2 AND replaced_at IS NULL",
            vec![
                Param::Int(client_id),
                Param::from(provider),
                Param::from(now),
            ],
        ),
        Stmt::new(
            "INSERT INTO psp_accounts (client_id, provider, version, public_ref, sealed_secret, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            vec![
                Param::Int(client_id),
                Param::from(provider),
                Param::Int(version),
                Param::from(public_ref),
                Param::from(sealed_secret),
                Param::from(now),
            ],
        ),
    ]
}

/// After a seller moved to PayPal by permission (his e-mail account added
/// in the same batch): the API password and signature of every earlier
/// PayPal version of his are deleted, and those versions name his e-mail,
/// so that an order still open on one is called for by permission too.
/// Returns the statement; its `changes` count the secrets deleted.
pub fn forget_paypal_secrets(client_id: i64, email: &str) -> Stmt {
    Stmt::new(
        "UPDATE psp_accounts SET sealed_secret = '', public_ref = ?2 \
         WHERE client_id = ?1 AND provider = 'paypal' AND sealed_secret != '' \
         AND replaced_at IS NOT NULL",
        vec![Param::Int(client_id), Param::from(email)],
    )
}

/// Ends the client's current account at `provider`, only while he holds
/// another current one (a client keeps at least one): followed by a
/// guard, the batch fails when it matched no row.
pub fn remove_account(client_id: i64, provider: &str, now: &str) -> Stmt {
    Stmt::new(
        "UPDATE psp_accounts SET replaced_at = ?3 \
         WHERE client_id = ?1 AND provider = ?2 AND replaced_at IS NULL \
         AND (SELECT COUNT(*) FROM psp_accounts o WHERE o.client_id = ?1 \
              AND o.replaced_at IS NULL) > 1",
        vec![
            Param::Int(client_id),
            Param::from(provider),
            Param::from(now),
        ],
    )
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
            "INSERT INTO clients (id, email, password_hash, language, psp_environment, created_at) \
             VALUES (?6, ?1, ?2, ?3, ?4, ?5)",
            vec![
                Param::from(c.email),
                Param::from(c.password_hash),
                Param::from(c.language),
                Param::from(c.psp_environment),
                Param::from(c.now),
                Param::Int(id),
            ],
        ),
        Stmt::new(
            "INSERT INTO psp_accounts (client_id, provider, version, public_ref, sealed_secret, created_at) \
             VALUES (?1, ?5, 1, ?2, ?3, ?4)",
            vec![
                Param::Int(id),
                Param::from(c.api_username),
                Param::from(c.sealed_secret),
                Param::from(c.now),
                Param::from(c.provider),
            ],
        ),
    ]
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
