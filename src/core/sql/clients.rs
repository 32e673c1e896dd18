//! Clients, their credentials (their PayPal receiving account in
//! `psp_accounts`: `public_ref` is the API username) and their initiation
//! title.

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
         EXISTS (SELECT 1 FROM psp_accounts WHERE provider = 'paypal' AND public_ref = ?2 \
         AND replaced_at IS NULL AND client_id != ?3) AS api_username_taken",
        vec![
            Param::from(email),
            Param::from(api_username),
            Param::Int(except_client_id),
        ],
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
             SELECT id, 'paypal', 1, ?2, ?3, ?4 FROM clients WHERE email = ?1",
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

/// A new version of the client's credentials (status 'ok'); older
/// versions stay, replaced, for the open orders made with them.
pub fn replace_credentials(
    client_id: i64,
    api_username: &str,
    sealed_secret: &str,
    now: &str,
) -> Vec<Stmt> {
    vec![
        Stmt::new(
            "UPDATE psp_accounts SET replaced_at = ?2 \
             WHERE client_id = ?1 AND provider = 'paypal' AND replaced_at IS NULL",
            vec![Param::Int(client_id), Param::from(now)],
        ),
        Stmt::new(
            "INSERT INTO psp_accounts (client_id, provider, version, public_ref, sealed_secret, created_at) \
             SELECT ?1, 'paypal', MAX(version) + 1, ?2, ?3, ?4 FROM psp_accounts \
             WHERE client_id = ?1 AND provider = 'paypal'",
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
             VALUES (?1, 'paypal', 1, ?2, ?3, ?4)",
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
        "UPDATE psp_accounts SET status = status WHERE client_id = ?1 AND provider = 'paypal' \
         AND replaced_at IS NULL AND version = ?2",
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
