//! Sealing the sellers' receiving accounts for storage (AES-GCM under the
//! credentials keyring, bound to client, version and the account's public
//! name: see `crate::core::sealing`) and the cron's re-sealing of values
//! made under an older key or format, every provider's alike (the value is
//! opaque to it). Opening them for a call is the provider module's.

use super::app::random_bytes;
use super::web::{Ctx, WebError};
use crate::core::psp::TypedAccount;
use crate::core::resealing;
use crate::core::sealing::Binding;
use crate::core::sql;

/// The account's secret part (`TypedAccount::secret_json`: PayPal's API
/// password and signature, Sips' secret key and its version, Monetico's
/// société and derived key) sealed for the row (`client_id`, `version`)
/// with the account's public name.
pub fn seal(
    ctx: &Ctx,
    client_id: i64,
    version: i64,
    account: &TypedAccount,
) -> Result<String, WebError> {
    if !account.has_secret() {
        // Nothing of his is secret (PayPal by permission): nothing sealed.
        return Ok(String::new());
    }
    let secret = account.secret_json();
    let binding = Binding {
        client_id,
        version,
        api_username: account.public_ref(),
    };
    ctx.app
        .keyring
        .seal(binding, random_bytes::<12>()?, secret.as_bytes())
        .map_err(|e| WebError::Internal(format!("seal: {e}")))
}

/// Re-seals up to `limit` stored values not sealed under the current key:
/// one batch per value, guarded on the old sealed text. Returns how many
/// were rewritten; a value that does not open is logged and left alone.
pub async fn reseal_due(ctx: &Ctx, limit: i64) -> Result<usize, WebError> {
    let keyring = &ctx.app.keyring;
    let results = ctx
        .run(&vec![resealing::due(&keyring.current_prefix(), limit)])
        .await?;
    let due: Vec<resealing::Due> = match results.first() {
        Some(r) => sql::rows(r).map_err(|e| WebError::Internal(e.to_string()))?,
        None => Vec::new(),
    };
    let mut resealed = 0;
    for row in &due {
        // The sealed value is opaque here: whatever provider's secret it
        // holds is sealed again as it is, under the current key.
        let binding = || Binding {
            client_id: row.client_id,
            version: row.version,
            api_username: &row.api_username,
        };
        let plain = match keyring.open(binding(), &row.sealed_secret) {
            Ok(plain) => plain,
            Err(e) => {
                worker::console_error!(
                    "reseal: client {} version {}: {e}",
                    row.client_id,
                    row.version
                );
                continue;
            }
        };
        let sealed = keyring
            .seal(binding(), random_bytes::<12>()?, &plain)
            .map_err(|e| WebError::Internal(format!("seal: {e}")))?;
        let written = ctx
            .run(&vec![resealing::replace(
                row.client_id,
                row.version,
                &row.sealed_secret,
                &sealed,
            )])
            .await?;
        resealed += written
            .first()
            .map_or(0, |r| usize::try_from(r.changes).unwrap_or(0));
    }
    Ok(resealed)
}
