//! The emulator's merchants, as the bank sets them up: a TPE (7 digits),
//! a société code, a 40-character clé de sécurité and a settlement
//! balance that captures raise and recredits lower.

use super::{changed_one, random_digits, random_hex};
use crate::core::flow::effects::random_bytes;
use crate::core::flow::{row_at, Effects, FlowError};
use crate::core::sql::emulator::monetico::{self as sql, Merchant};

/// How many random TPEs are tried before giving up (a collision among
/// 10^7 is rare; two in a row would be a broken random source).
const TPE_TRIES: usize = 3;

/// Creates a merchant for this (lower-case) e-mail unless one has it;
/// either way returns it, and whether it was created now.
pub async fn create_merchant<E: Effects>(
    fx: &E,
    email: &str,
    currency: &str,
) -> Result<(bool, Merchant), FlowError> {
    for _ in 0..TPE_TRIES {
        let tpe = random_digits::<7, E>(fx)?;
        let societe = format!(
            "emu{}",
            random_bytes::<4, E>(fx)?
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        let cle = random_hex::<20, E>(fx)?;
        let now = fx.now().to_string();
        let new = sql::NewMerchant {
            email,
            tpe: &tpe,
            societe: &societe,
            cle: &cle,
            currency,
            now: &now,
        };
        let batch = vec![sql::create_merchant(&new), sql::merchant_by_email(email)];
        let results = fx.run(&batch).await?;
        if let Some(merchant) = row_at::<Merchant>(&results, 1)? {
            return Ok((changed_one(&results, 0), merchant));
        }
    }
    Err(FlowError::Internal("no free TPE found".into()))
}

/// The merchant with this (lower-case) e-mail.
pub async fn merchant_by_email<E: Effects>(
    fx: &E,
    email: &str,
) -> Result<Option<Merchant>, FlowError> {
    let results = fx.run(&vec![sql::merchant_by_email(email)]).await?;
    row_at(&results, 0)
}
