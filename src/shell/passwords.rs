//! Password hashing in the Worker: new hashes are peppered
//! (HMAC-SHA256(`PASSWORD_PEPPER`, password)) and derived with PBKDF2 at
//! `PBKDF2_ITERATIONS` through WebCrypto; checking a password tells whether
//! the stored hash is older than today's parameters, so that a successful
//! login can rewrite it (`crate::core::password` owns the rules).

use super::app::random_bytes;
use super::web::{Ctx, WebError};
use super::webcrypto;
use crate::core::account::Password;
use crate::core::crypto::PasswordHash;
use crate::core::password;

/// Salt length for new password hashes.
const SALT_BYTES: usize = 16;

/// A new peppered PBKDF2-SHA256 hash with `PBKDF2_ITERATIONS`, stored with
/// its parameters.
pub async fn hash(ctx: &Ctx, password: &str) -> Result<String, WebError> {
    let salt = random_bytes::<SALT_BYTES>()?;
    let iterations = ctx.app.config.pbkdf2_iterations;
    let input = password::peppered_input(&ctx.app.password_pepper, password);
    let hash = webcrypto::pbkdf2_sha256(&input, &salt, iterations)
        .await
        .map_err(WebError::Internal)?;
    Ok(PasswordHash {
        peppered: true,
        iterations,
        salt: salt.to_vec(),
        hash,
    }
    .to_stored())
}

/// [`hash`] for a password that passed the policy.
pub async fn hash_new(ctx: &Ctx, password: &Password) -> Result<String, WebError> {
    hash(ctx, password.as_str()).await
}

/// What checking a password found.
pub enum Checked {
    Wrong,
    /// Right; `rehash` is a new hash to store when the stored one is older
    /// than today's parameters (no pepper or fewer iterations).
    Right {
        rehash: Option<String>,
    },
}

/// Checks `password` against a stored hash, with the stored parameters.
pub async fn check(ctx: &Ctx, stored: &str, password: &str) -> Result<Checked, WebError> {
    if !matches(ctx, stored, password).await? {
        return Ok(Checked::Wrong);
    }
    let older = PasswordHash::parse(stored)
        .is_some_and(|parsed| password::needs_rehash(&parsed, ctx.app.config.pbkdf2_iterations));
    let rehash = if older {
        Some(hash(ctx, password).await?)
    } else {
        None
    };
    Ok(Checked::Right { rehash })
}

/// Whether `password` matches the stored hash (its own parameters).
pub async fn matches(ctx: &Ctx, stored: &str, password: &str) -> Result<bool, WebError> {
    let Some(parsed) = PasswordHash::parse(stored) else {
        return Err(WebError::Internal(
            "stored password hash does not parse".into(),
        ));
    };
    let input = password::input_for(&parsed, &ctx.app.password_pepper, password);
    let derived = webcrypto::pbkdf2_sha256(&input, &parsed.salt, parsed.iterations)
        .await
        .map_err(WebError::Internal)?;
    Ok(parsed.matches(&derived))
}

/// Runs a dummy derivation so that an unknown e-mail takes as long as a
/// wrong password.
pub async fn waste_time(ctx: &Ctx, password: &str) {
    let input = password::peppered_input(&ctx.app.password_pepper, password);
    let _ = webcrypto::pbkdf2_sha256(&input, &[0u8; SALT_BYTES], ctx.app.config.pbkdf2_iterations)
        .await;
}
