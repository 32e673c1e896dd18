//! A seller's Monetico receiving account as typed on the registration or
//! account page (`monetico_tpe`, `monetico_societe`, `monetico_key`):
//! checked for format only (Monetico has no read call, spec `providers.md`
//! §2) and its key derived, before it is sealed at rest.

use std::fmt;

use super::form::{valid_societe, valid_tpe};
use super::key::{KeyError, UsableKey};

/// A receiving account whose format is right.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub tpe: String,
    pub societe: String,
    pub key: UsableKey,
}

/// Why a typed account is refused (each names its form field).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountError {
    Tpe,
    Societe,
    Key(KeyError),
}

impl AccountError {
    /// The form field at fault.
    pub fn field(self) -> &'static str {
        match self {
            AccountError::Tpe => "monetico_tpe",
            AccountError::Societe => "monetico_societe",
            AccountError::Key(_) => "monetico_key",
        }
    }
}

impl fmt::Display for AccountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccountError::Tpe => f.write_str("the TPE number is 7 letters or digits"),
            AccountError::Societe => {
                f.write_str("the société code is 1 to 100 characters, no space")
            }
            AccountError::Key(error) => error.fmt(f),
        }
    }
}

/// Checks what the seller typed (trimmed) and derives the key.
pub fn check(tpe: &str, societe: &str, cle: &str) -> Result<Account, AccountError> {
    let (tpe, societe) = (tpe.trim(), societe.trim());
    if !valid_tpe(tpe) {
        return Err(AccountError::Tpe);
    }
    if !valid_societe(societe) {
        return Err(AccountError::Societe);
    }
    let key = UsableKey::derive(cle.trim()).map_err(AccountError::Key)?;
    Ok(Account {
        tpe: tpe.to_string(),
        societe: societe.to_string(),
        key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "0123456789ABCDEF0123456789ABCDEF01234567";

    #[test]
    fn a_well_formed_account_is_kept_trimmed_with_its_derived_key() {
        let account = check(" 1234567 ", "monSite1\n", &format!(" {KEY} ")).expect("account");
        assert_eq!(account.tpe, "1234567");
        assert_eq!(account.societe, "monSite1");
        assert_eq!(account.key, UsableKey::derive(KEY).expect("key"));
    }

    #[test]
    fn each_malformed_field_is_refused_naming_it() {
        assert_eq!(
            check("123456", "monSite1", KEY).map(|_| ()),
            Err(AccountError::Tpe)
        );
        assert_eq!(
            check("1234567", "", KEY).map(|_| ()),
            Err(AccountError::Societe)
        );
        let short = check("1234567", "monSite1", "0123");
        assert_eq!(
            short.map(|_| ()),
            Err(AccountError::Key(KeyError::Length { chars: 4 }))
        );
        assert_eq!(AccountError::Tpe.field(), "monetico_tpe");
        assert_eq!(AccountError::Societe.field(), "monetico_societe");
        assert_eq!(
            AccountError::Key(KeyError::Length { chars: 4 }).field(),
            "monetico_key"
        );
    }

    #[test]
    fn a_legacy_key_ending_in_letters_is_accepted() {
        let account = check(
            "1234567",
            "monSite1",
            "12345678901234567890123456789012345678P0",
        );
        assert!(account.is_ok());
    }
}
