//! The seam's words for card providers (Sips, Monetico): the sealed form
//! the buyer's browser posts to the bank's page, what a verified message
//! from the bank says of the order's authorization, the HTTP reply to a
//! notification, and a receiving account as typed for any provider.

use super::ProviderId;
use crate::core::account::ApiCredentials;

/// A form the buyer's browser posts to the provider's page: its fields are
/// raw here (the page escapes them), in the order they are posted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutForm {
    pub action: String,
    pub fields: Vec<(String, String)>,
}

/// What a card provider's verified message says of the order's
/// authorization (spec `providers.md` §1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardOutcome {
    /// The card is authorized and no money moved yet: claim, then capture.
    /// `authorization_id` is the bank's (kept as the order's payer id).
    Authorized { authorization_id: String },
    /// The buyer gave up on the bank's page (`canceled`, -1).
    Canceled,
    /// The bank has not decided yet (`psp_pending`); a later message or the
    /// reconciler's read decides.
    Pending,
    /// Refused (`psp_refused`, the provider's code shown).
    Refused { code: String, message: String },
}

/// A card provider's message, checked with the order's account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardVerdict {
    Verified(CardOutcome),
    /// The seal or MAC does not verify with the order's account: recorded
    /// as forged, never believed.
    Forged(String),
    /// The MAC does not verify with the order's account, from a provider
    /// that signs every message with that one key (Monetico): recorded as
    /// forged; when the order still awaits its bank, the account is also
    /// marked refused and its seller told (`flow::card`); nothing else
    /// changes.
    KeyRefused(String),
    /// Sealed right but not this order's (merchant, amount, currency,
    /// reference), or unreadable once verified: recorded, never acted on.
    Mismatch(String),
}

/// The HTTP answer to a provider's notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
}

impl Reply {
    pub fn empty(status: u16) -> Reply {
        Reply {
            status,
            content_type: "text/plain; charset=utf-8",
            body: String::new(),
        }
    }
}

/// A receiving account as typed on the registration or account page,
/// parsed: only valid values, per provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypedAccount {
    Paypal(ApiCredentials),
    /// PayPal by permission: only the seller's PayPal e-mail (nothing
    /// secret; stored without a seal).
    PaypalGranted(String),
    Sips(super::sips::account::SipsAccount),
    Monetico(super::monetico::account::Account),
}

impl TypedAccount {
    pub fn provider(&self) -> ProviderId {
        match self {
            TypedAccount::Paypal(_) | TypedAccount::PaypalGranted(_) => ProviderId::Paypal,
            TypedAccount::Sips(_) => ProviderId::Sips,
            TypedAccount::Monetico(_) => ProviderId::Monetico,
        }
    }

    /// What the provider knows the account by (unique per provider).
    pub fn public_ref(&self) -> &str {
        match self {
            TypedAccount::Paypal(c) => &c.username,
            TypedAccount::PaypalGranted(email) => email,
            TypedAccount::Sips(a) => &a.merchant_id,
            TypedAccount::Monetico(a) => &a.tpe,
        }
    }

    /// Whether the account has a secret part to seal (an account by
    /// permission has none: it is stored with an empty `sealed_secret`).
    pub fn has_secret(&self) -> bool {
        match self {
            TypedAccount::PaypalGranted(_) => false,
            TypedAccount::Paypal(_) | TypedAccount::Sips(_) | TypedAccount::Monetico(_) => true,
        }
    }

    /// The secret part, as the JSON that is sealed at rest (each provider
    /// module opens its own); empty for an account without one.
    pub fn secret_json(&self) -> String {
        match self {
            TypedAccount::PaypalGranted(_) => String::new(),
            TypedAccount::Paypal(c) => {
                serde_json::json!({ "password": c.password, "signature": c.signature }).to_string()
            }
            TypedAccount::Sips(a) => super::sips::account::secret_json(a),
            TypedAccount::Monetico(a) => super::monetico::adapter::secret_json(a),
        }
    }
}
