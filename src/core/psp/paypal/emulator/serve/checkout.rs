//! The buyer at the emulated PayPal's checkout page: approving a payment
//! (as an emulated account, by its e-mail) or cancelling it. An approval
//! records the payer only; the money moves when the merchant calls
//! DoExpressCheckoutPayment. The page itself (HTML, the redirect checks)
//! is the shell's.

use super::row_at;
use crate::core::flow::{Effects, FlowError};
use crate::core::psp::paypal::emulator::{self as rules, TOKEN_VALID_SECONDS};
use crate::core::sql::emulator;

/// What the buyer's approval did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Approval {
    /// Recorded: the buyer goes to RETURNURL with `token` and `PayerID`.
    Approved { location: String, payer_id: String },
    /// No emulated account has this e-mail: nothing recorded.
    UnknownEmail,
    /// The token is unknown, paid or expired (possibly since it was read).
    Gone,
}

/// The checkout of `token`, unless unknown, paid or expired (read with
/// the clock offset, in one round trip).
pub async fn usable_checkout<E: Effects>(
    fx: &E,
    token: &str,
) -> Result<Option<emulator::Checkout>, FlowError> {
    if token.is_empty() {
        return Ok(None);
    }
    let results = fx
        .run(&vec![
            emulator::checkout_by_token(token),
            emulator::clock_offset(),
        ])
        .await?;
    let checkout: Option<emulator::Checkout> = row_at(&results, 0)?;
    Ok(checkout.filter(|c| c.status != "completed" && !rules::is_expired(&c.created_at, fx.now())))
}

/// The buyer with `email` approves `checkout` (read by
/// [`usable_checkout`]): one batch that finds the account and records the
/// approval unless the checkout was paid or expired meanwhile.
pub async fn approve<E: Effects>(
    fx: &E,
    checkout: &emulator::Checkout,
    email: &str,
) -> Result<Approval, FlowError> {
    let email = email.trim().to_lowercase();
    let token = checkout.token.as_str();
    let now = fx.now();
    let cutoff = now.plus_seconds(-TOKEN_VALID_SECONDS).to_string();
    let results = fx
        .run(&vec![
            emulator::by_email(&email),
            emulator::approve_checkout(token, &email, &now.to_string(), &cutoff),
        ])
        .await?;
    let account: Option<emulator::Account> = row_at(&results, 0)?;
    let Some(account) = account.filter(|_| !email.is_empty()) else {
        return Ok(Approval::UnknownEmail);
    };
    if results.get(1).map(|r| r.changes) != Some(1) {
        // Paid or expired between the two reads.
        return Ok(Approval::Gone);
    }
    let location = rules::with_query(
        &checkout.return_url,
        &[("token", token), ("PayerID", &account.payer_id)],
    );
    Ok(Approval::Approved {
        location,
        payer_id: account.payer_id,
    })
}

/// Where a cancelling buyer goes: CANCELURL with `token`.
pub fn cancel_location(checkout: &emulator::Checkout) -> String {
    rules::with_query(&checkout.cancel_url, &[("token", &checkout.token)])
}

/// The buyer with `email` approves the checkout of `token`: [`usable_checkout`]
/// then [`approve`] (two round trips; the page checks its redirect between).
pub async fn approve_checkout<E: Effects>(
    fx: &E,
    token: &str,
    email: &str,
) -> Result<Approval, FlowError> {
    match usable_checkout(fx, token).await? {
        Some(checkout) => approve(fx, &checkout, email).await,
        None => Ok(Approval::Gone),
    }
}

/// The buyer cancels at the checkout of `token`: nothing is recorded (as
/// at PayPal); where they go (CANCELURL with `token`), or `None` for an
/// unknown, paid or expired token.
pub async fn cancel_checkout<E: Effects>(fx: &E, token: &str) -> Result<Option<String>, FlowError> {
    Ok(usable_checkout(fx, token)
        .await?
        .as_ref()
        .map(cancel_location))
}
