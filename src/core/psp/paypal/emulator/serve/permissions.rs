//! An emulated account granting or revoking third-party permissions to
//! another account's API username, as on PayPal's "Grant API permission"
//! page: one batch of its own (the emulator's table).

use super::rows_at;
use crate::core::flow::{Effects, FlowError};
use crate::core::psp::paypal::permission::Scope;
use crate::core::sql::emulator::{self, grants};

/// Grant, or revoke.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GrantAction {
    Grant,
    Revoke,
}

impl GrantAction {
    pub fn parse(text: &str) -> Option<GrantAction> {
        [
            ("grant", GrantAction::Grant),
            ("revoke", GrantAction::Revoke),
        ]
        .into_iter()
        .find(|(name, _)| *name == text.trim())
        .map(|(_, action)| action)
    }
}

/// One grant as listed: the API username and its scope.
#[derive(serde::Deserialize, serde::Serialize, Clone, Debug, PartialEq, Eq)]
pub struct Granted {
    pub api_username: String,
    pub scope: String,
}

/// Applies `action` for `scopes` of the account `email` to `api_username`;
/// returns the account's grants after it, or `None` when no account has
/// this e-mail.
pub async fn set_permissions<E: Effects>(
    fx: &E,
    email: &str,
    api_username: &str,
    action: GrantAction,
    scopes: &[Scope],
) -> Result<Option<Vec<Granted>>, FlowError> {
    let Some(account) = super::account_by_email(fx, email).await? else {
        return Ok(None);
    };
    let now = fx.now().to_string();
    let mut batch: Vec<_> = scopes
        .iter()
        .map(|scope| match action {
            GrantAction::Grant => grants::grant(account.id, api_username, scope.as_str(), &now),
            GrantAction::Revoke => grants::revoke(account.id, api_username, scope.as_str()),
        })
        .collect();
    batch.push(grants::grants_of(account.id));
    let results = fx.run(&batch).await?;
    Ok(Some(rows_at(&results, batch.len() - 1)?))
}

/// The grants of the account `email` (`None`: no such account).
pub async fn permissions_of<E: Effects>(
    fx: &E,
    email: &str,
) -> Result<Option<Vec<Granted>>, FlowError> {
    let results = fx
        .run(&vec![
            emulator::by_email(email),
            grants::grants_of_email(email),
        ])
        .await?;
    let account: Option<emulator::Account> = super::row_at(&results, 0)?;
    match account {
        Some(_) => Ok(Some(rows_at(&results, 1)?)),
        None => Ok(None),
    }
}
