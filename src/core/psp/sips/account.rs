//! A seller's Sips receiving account as typed on the registration or
//! account page (`sips_merchant_id`, `sips_secret_key`, `sips_key_version`,
//! spec `providers.md` §2): parsed here, checked with an Office call before
//! it is saved (`adapter::check_account`), and sealed at rest (the secret
//! key and its version; the merchant id is the account's public name).

use std::fmt;

/// A receiving account whose format is right.
#[derive(Clone, PartialEq, Eq)]
pub struct SipsAccount {
    /// 15 digits.
    pub merchant_id: String,
    pub secret_key: String,
    /// Which of the merchant's keys it is (Sips' `keyVersion`, 1 or more).
    pub key_version: u32,
}

impl fmt::Debug for SipsAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The secret key is never printed.
        write!(
            f,
            "SipsAccount {{ merchant_id: {:?}, key_version: {}, .. }}",
            self.merchant_id, self.key_version
        )
    }
}

/// Why a typed account is refused (each names its form field).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SipsAccountError {
    MerchantId,
    SecretKey,
    KeyVersion,
}

impl SipsAccountError {
    /// The form field at fault.
    pub fn field(self) -> &'static str {
        match self {
            SipsAccountError::MerchantId => "sips_merchant_id",
            SipsAccountError::SecretKey => "sips_secret_key",
            SipsAccountError::KeyVersion => "sips_key_version",
        }
    }
}

/// The longest secret key accepted (Sips' are 40 to 64 characters).
const SECRET_KEY_MAX_CHARS: usize = 256;

/// Parses what the seller typed (trimmed).
pub fn parse(
    merchant_id: &str,
    secret_key: &str,
    key_version: &str,
) -> Result<SipsAccount, SipsAccountError> {
    let merchant_id = merchant_id.trim();
    if merchant_id.len() != 15 || !merchant_id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SipsAccountError::MerchantId);
    }
    let secret_key = secret_key.trim();
    if secret_key.is_empty()
        || secret_key.len() > SECRET_KEY_MAX_CHARS
        || !secret_key.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(SipsAccountError::SecretKey);
    }
    let key_version = key_version.trim();
    let key_version = match key_version.parse::<u32>() {
        Ok(v) if v >= 1 && key_version.bytes().all(|b| b.is_ascii_digit()) => v,
        Ok(_) | Err(_) => return Err(SipsAccountError::KeyVersion),
    };
    Ok(SipsAccount {
        merchant_id: merchant_id.to_string(),
        secret_key: secret_key.to_string(),
        key_version,
    })
}

/// The sealed part: the secret key and its version.
pub fn secret_json(account: &SipsAccount) -> String {
    serde_json::json!({
        "secret_key": account.secret_key,
        "key_version": account.key_version,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fifteen_digit_merchant_a_printable_key_and_a_positive_version_parse() {
        let a = parse(" 002001000000001 ", "002001000000001_KEY1", "1").expect("valid");
        assert_eq!(
            (a.merchant_id.as_str(), a.key_version),
            ("002001000000001", 1)
        );
        assert!(
            !format!("{a:?}").contains("KEY1"),
            "the key is never printed"
        );
    }

    #[test]
    fn each_malformed_field_is_named() {
        assert_eq!(parse("12345", "k", "1"), Err(SipsAccountError::MerchantId));
        assert_eq!(
            parse("00200100000000a", "k", "1"),
            Err(SipsAccountError::MerchantId)
        );
        assert_eq!(
            parse("002001000000001", "", "1"),
            Err(SipsAccountError::SecretKey)
        );
        assert_eq!(
            parse("002001000000001", "a b", "1"),
            Err(SipsAccountError::SecretKey)
        );
        for version in ["0", "-1", "+2", "x", ""] {
            assert_eq!(
                parse("002001000000001", "k", version),
                Err(SipsAccountError::KeyVersion),
                "{version:?}"
            );
        }
    }
}
