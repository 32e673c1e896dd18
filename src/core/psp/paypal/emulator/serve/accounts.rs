//! The emulator's accounts, as in the PayPal sandbox: an e-mail, a payer
//! id, API credentials (username, password, signature) and a balance that
//! payments move.

use super::{changed_one, random_text, row_at, SIGNATURE_CHARS};
use crate::core::flow::effects::random_bytes;
use crate::core::flow::{Effects, FlowError};
use crate::core::psp::paypal::emulator::alphanumeric;
use crate::core::psp::paypal::emulator_ipn::{self as ipn_options, IpnCharset};
use crate::core::sql::emulator;

/// An account to create, already checked (the e-mail's shape, the balance).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAccountSpec<'a> {
    /// Lower-case.
    pub email: &'a str,
    pub balance_cents: i64,
    pub currency: &'a str,
    /// The charset of the IPNs about payments to this account, as
    /// PayPal's profile setting (`None`: unchanged, UTF-8 for a new one).
    pub ipn_charset: Option<IpnCharset>,
}

/// Creates the account with fresh random credentials unless one has this
/// e-mail; either way returns it, and whether it was created now. The
/// charset, when given, is set on the account found too.
pub async fn create_account<E: Effects>(
    fx: &E,
    spec: &NewAccountSpec<'_>,
) -> Result<(bool, emulator::Account), FlowError> {
    let email = spec.email;
    let (local, domain) = email.split_once('@').unwrap_or((email, "example.org"));
    let payer_id = alphanumeric(&random_bytes::<13, E>(fx)?);
    let api_password = alphanumeric(&random_bytes::<16, E>(fx)?);
    let api_signature = random_text::<56, E>(fx, SIGNATURE_CHARS)?;
    let api_username = format!("{local}_api1.{domain}");
    let now = fx.now().to_string();
    let new = emulator::NewAccount {
        email,
        payer_id: &payer_id,
        api_username: &api_username,
        api_password: &api_password,
        api_signature: &api_signature,
        balance_cents: spec.balance_cents,
        currency: spec.currency,
        now: &now,
    };
    let mut batch = vec![emulator::create(&new), emulator::by_email(email)];
    if let Some(charset) = spec.ipn_charset {
        batch.push(ipn_options::set_charset(email, charset));
    }
    let results = fx.run(&batch).await?;
    let account = row_at(&results, 1)?
        .ok_or_else(|| FlowError::Internal("emulator account vanished".into()))?;
    Ok((changed_one(&results, 0), account))
}

/// The account with this (lower-case) e-mail.
pub async fn account_by_email<E: Effects>(
    fx: &E,
    email: &str,
) -> Result<Option<emulator::Account>, FlowError> {
    let results = fx.run(&vec![emulator::by_email(email)]).await?;
    row_at(&results, 0)
}
