//! The emulator's Sips merchants: a 15-digit merchant id, a secret key
//! (key version 1), an e-mail to find them again, and a settlement
//! balance starting at zero that captures raise and refunds lower.

use super::{random_text, DIGITS, KEY_CHARS};
use crate::core::flow::{row_at, Effects, FlowError};
use crate::core::sql::emulator::sips::{self, Merchant};

/// The key version of every merchant the emulator creates.
pub const KEY_VERSION: i64 = 1;

/// Creates the merchant of this (lower-case) e-mail unless one exists;
/// either way returns it, and whether it was created now.
pub async fn create_merchant<E: Effects>(
    fx: &E,
    email: &str,
) -> Result<(bool, Merchant), FlowError> {
    let merchant_id = random_text::<15, E>(fx, DIGITS)?;
    let secret_key = random_text::<40, E>(fx, KEY_CHARS)?;
    let now = fx.now().to_string();
    let batch = vec![
        sips::create_merchant(&sips::NewMerchant {
            merchant_id: &merchant_id,
            email,
            secret_key: &secret_key,
            key_version: KEY_VERSION,
            now: &now,
        }),
        sips::merchant_by_email(email),
    ];
    let results = fx.run(&batch).await?;
    let merchant = row_at(&results, 1)?
        .ok_or_else(|| FlowError::Internal("emulator merchant vanished".into()))?;
    let created = results.first().is_some_and(|r| r.changes == 1);
    Ok((created, merchant))
}

/// The merchant of this (lower-case) e-mail.
pub async fn merchant_by_email<E: Effects>(
    fx: &E,
    email: &str,
) -> Result<Option<Merchant>, FlowError> {
    let results = fx.run(&vec![sips::merchant_by_email(email)]).await?;
    row_at(&results, 0)
}
