//! Payment providers behind one seam (spec `providers.md` §1). A provider
//! module turns the flows' neutral requests (start a checkout, capture, read
//! a payment, verify a notification) into its wire format, sends them
//! through the flow's [`Effects`], and reads its answers into neutral
//! outcomes: a decline is an outcome, a lost answer is
//! [`NoAnswer`](crate::core::flow::NoAnswer) (unknown), never a refusal.
//! The flows (`core::flow`) call the functions here, which pick the order's
//! provider; they name none. Adding a provider adds a module and one arm in
//! each function below.

pub mod card;
pub mod card_number;
pub mod monetico;
pub mod notice;
pub mod paypal;
pub mod settings;
pub mod sips;

pub use card::{CardOutcome, CardVerdict, CheckoutForm, Reply, TypedAccount};
// PayPal by permission, as the rest of the platform names it.
pub use paypal::nvp::Credentials as PlatformCredentials;
pub use paypal::permission::{platform_email as emulated_platform_email, Scope as PermissionScope};

use crate::core::flow::{Effects, FlowError, NoAnswer, Site};
use crate::core::i18n::Lang;
use crate::core::money::Amount;
use crate::core::purchase::{OrderState, PaymentAnswer};
use crate::core::reconcile::Inquiry;
use crate::core::sql::traces::Trace;

/// The providers this build speaks (`orders.psp`, `PSPS`); a row naming
/// another is a decode error, never a default.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Deserialize)]
#[serde(try_from = "String")]
pub enum ProviderId {
    Paypal,
    Sips,
    Monetico,
}

impl ProviderId {
    /// In the spec's order (`PSPS`' default).
    pub const ALL: [ProviderId; 3] = [ProviderId::Paypal, ProviderId::Sips, ProviderId::Monetico];

    pub fn as_str(self) -> &'static str {
        match self {
            ProviderId::Paypal => "paypal",
            ProviderId::Sips => "sips",
            ProviderId::Monetico => "monetico",
        }
    }

    pub fn parse(text: &str) -> Option<ProviderId> {
        ProviderId::ALL.into_iter().find(|p| p.as_str() == text)
    }

    pub fn capabilities(self) -> Capabilities {
        match self {
            ProviderId::Paypal => paypal::adapter::CAPABILITIES,
            ProviderId::Sips => sips::adapter::CAPABILITIES,
            ProviderId::Monetico => monetico::adapter::CAPABILITIES,
        }
    }
}

impl TryFrom<String> for ProviderId {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        ProviderId::parse(&text).ok_or_else(|| format!("unknown provider {text:?}"))
    }
}

/// What a provider can do, which decides how the flows treat it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capabilities {
    /// It answers "what became of this payment?" (the reconciler asks it
    /// instead of repeating a capture).
    pub read_call: bool,
    /// It refunds a captured payment on the seller's behalf.
    pub refund: bool,
    pub notification: NotificationTrust,
}

/// How far a verified notification is believed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotificationTrust {
    /// Only a prompt to ask the read call (PayPal's IPN).
    Prompt,
    /// Authoritative once its seal or MAC is verified (card providers).
    Sealed,
}

/// A seller's receiving account as stored: opened only for a call.
#[derive(Clone, Copy, Debug)]
pub struct SealedAccount<'a> {
    pub client_id: i64,
    pub version: i64,
    /// The provider's public name of the account (PayPal: API username).
    pub public_ref: &'a str,
    pub sealed_secret: &'a str,
}

impl SealedAccount<'_> {
    /// Stored without a secret: a PayPal seller who granted the platform
    /// permissions (only PayPal has such accounts: migration 0018).
    pub fn by_permission(&self) -> bool {
        self.sealed_secret.is_empty()
    }
}

/// Whether `code`, answered by `provider` to a call for a seller, refuses
/// his account itself (broken credentials, a permission revoked), not
/// just this one call.
pub fn refuses_account(provider: ProviderId, code: &str) -> bool {
    match provider {
        ProviderId::Paypal => paypal::adapter::refuses_account(code),
        ProviderId::Sips | ProviderId::Monetico => false,
    }
}

/// Starting a checkout for a new order.
pub struct StartRequest<'a> {
    pub order_id: &'a str,
    pub amount: Amount,
    pub currency: &'a str,
    /// What the buyer sees bought (the title's ISIN).
    pub item: &'a str,
    pub lang: Lang,
}

/// The provider's answer to a checkout start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartOutcome {
    /// Send the buyer there; `reference` identifies the checkout at the
    /// provider (PayPal's token).
    Redirect {
        reference: String,
        url: String,
    },
    /// The buyer's browser posts this sealed form to the provider's page
    /// (card providers); `reference` is what the provider's messages name
    /// the order by.
    Form {
        reference: String,
        form: CheckoutForm,
    },
    /// The seller's account was refused: it stops receiving until fixed.
    AccountRefused {
        code: String,
        message: String,
    },
    Refused {
        code: String,
        message: String,
    },
    Unknown(NoAnswer),
}

/// Whether the provider accepts a receiving account a user just typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountCheck {
    Accepted,
    Refused {
        code: String,
        message: String,
    },
    /// PayPal by permission: the seller granted PayBook's API username
    /// nothing (or PayPal knows no account by this e-mail).
    NothingGranted,
    /// PayPal by permission: these permissions are still missing.
    PermissionsMissing(Vec<paypal::permission::Scope>),
    Unknown(NoAnswer),
}

/// A seller's balance at the provider, as shown on his page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BalanceOutcome {
    /// The provider has no balance call (card providers settle to the
    /// seller's bank account).
    NotOffered,
    Balance {
        amount: Amount,
        currency: String,
    },
    /// Accepted, but the balance in the answer cannot be read.
    Unreadable(String),
    Refused {
        code: String,
        message: String,
    },
    Unknown(NoAnswer),
}

/// The provider's answer to a seller's full refund of a captured payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundOutcome {
    /// The whole payment went back to the buyer; `reference` is the
    /// provider's id of the refund (PayPal's REFUNDTRANSACTIONID).
    Refunded { reference: String },
    /// The provider refused: nothing moved (the payment cannot be refunded,
    /// the window closed, the account cannot refund).
    Refused { code: String, message: String },
    /// The answer was lost: the refund may or may not have happened. The
    /// cron asks again with [`refund`], which never refunds twice.
    Unknown(NoAnswer),
}

/// A provider call's trace and what it means.
pub struct Called<T> {
    pub outcome: T,
    pub traces: Vec<Trace>,
}

fn seller_account(order: &OrderState) -> SealedAccount<'_> {
    SealedAccount {
        client_id: order.seller_id,
        version: order.seller_credentials_version,
        public_ref: &order.seller_api_username,
        sealed_secret: &order.seller_sealed_secret,
    }
}

/// Starts the checkout of a new order at `provider` with the seller's
/// account.
pub async fn start<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    provider: ProviderId,
    account: SealedAccount<'_>,
    request: &StartRequest<'_>,
) -> Result<Called<StartOutcome>, FlowError> {
    match provider {
        ProviderId::Paypal => paypal::adapter::start(fx, site, account, request).await,
        ProviderId::Sips => sips::adapter::start(fx, site, account, request),
        ProviderId::Monetico => monetico::adapter::start(fx, site, account, request),
    }
}

/// Where the buyer approves checkout `reference` again (PayPal: another
/// funding source with the same token); `None` for a provider whose
/// checkout cannot be resumed.
pub fn checkout_url(site: &Site<'_>, provider: ProviderId, reference: &str) -> Option<String> {
    match provider {
        ProviderId::Paypal => Some(paypal::adapter::checkout_url(site, reference)),
        ProviderId::Sips | ProviderId::Monetico => None,
    }
}

/// Captures the payment of an order that holds its title's claim. `Err`:
/// the outcome is unknown (the order stays confirming).
pub async fn capture<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    order: &OrderState,
) -> Result<Called<Result<PaymentAnswer, NoAnswer>>, FlowError> {
    let account = seller_account(order);
    match order.provider() {
        ProviderId::Paypal => paypal::adapter::capture(fx, site, account, order).await,
        ProviderId::Sips => sips::adapter::capture(fx, site, account, order).await,
        ProviderId::Monetico => monetico::adapter::capture(fx, site, account, order).await,
    }
}

/// Releases the authorization of an order that will not be captured (its
/// claim failed, it failed or expired meanwhile): no money moves. PayPal
/// has nothing to release (its approval moves no money by itself).
pub async fn release<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    order: &OrderState,
) -> Result<Called<Result<(), NoAnswer>>, FlowError> {
    let account = seller_account(order);
    match order.provider() {
        ProviderId::Paypal => Ok(Called {
            outcome: Ok(()),
            traces: Vec::new(),
        }),
        ProviderId::Sips => sips::adapter::release(fx, site, account, order).await,
        ProviderId::Monetico => monetico::adapter::release(fx, site, account, order).await,
    }
}

/// Refunds the whole captured payment of a processed order, with the
/// seller's account. Safe to repeat for the same order: each provider
/// module makes a second call for an order either answer the first
/// refund's outcome or find it already refunded, never refund twice
/// (PayPal: the same MSGSUBID; Sips: the transaction read first;
/// Monetico: the recredit's own reference).
pub async fn refund<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    order: &OrderState,
) -> Result<Called<RefundOutcome>, FlowError> {
    let account = seller_account(order);
    match order.provider() {
        ProviderId::Paypal => paypal::refund::refund(fx, site, account, order).await,
        ProviderId::Sips => sips::refund::refund(fx, site, account, order).await,
        ProviderId::Monetico => monetico::refund::refund(fx, site, account, order).await,
    }
}

/// Asks the provider what became of the order's payment (Monetico, with no
/// read call, repeats the capture of an order holding its claim).
pub async fn read<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    order: &OrderState,
) -> Result<Called<Inquiry>, FlowError> {
    let account = seller_account(order);
    match order.provider() {
        ProviderId::Paypal => paypal::adapter::read(fx, site, account, order).await,
        ProviderId::Sips => sips::adapter::read(fx, site, account, order).await,
        ProviderId::Monetico => monetico::adapter::read(fx, site, account, order).await,
    }
}

/// The cron: each provider's notifications recorded but not finished yet
/// (a postback that failed, a crash) are verified again and acted on.
pub async fn verify_recorded_notifications<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    limit: i64,
) -> Result<usize, FlowError> {
    let mut verified = 0;
    for provider in ProviderId::ALL {
        verified += match provider {
            ProviderId::Paypal => paypal::listener::verify_received(fx, site, limit).await?,
            ProviderId::Sips | ProviderId::Monetico => {
                crate::core::flow::card::receive_recorded(fx, site, provider, limit).await?
            }
        };
    }
    Ok(verified)
}

/// Checks a receiving account a user typed before it is saved.
pub async fn check_account<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    account: &TypedAccount,
) -> Called<AccountCheck> {
    match account {
        TypedAccount::Paypal(credentials) => paypal::adapter::check_account(fx, credentials).await,
        TypedAccount::PaypalGranted(email) => paypal::adapter::check_granted(fx, site, email).await,
        TypedAccount::Sips(account) => sips::adapter::check_account(fx, site, account).await,
        TypedAccount::Monetico(account) => monetico::adapter::check_account(account),
    }
}

/// The seller's balance at the provider (for his page).
pub async fn balance<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    provider: ProviderId,
    account: SealedAccount<'_>,
) -> Result<BalanceOutcome, FlowError> {
    match provider {
        ProviderId::Paypal => paypal::adapter::balance(fx, site, account).await,
        ProviderId::Sips | ProviderId::Monetico => Ok(BalanceOutcome::NotOffered),
    }
}

/// A notification as received from `provider`: recorded (raw bytes) before
/// it is read, verified, then acted on. Returns whether to acknowledge it
/// and what was done (for logs); [`reply`] says how.
pub async fn receive_notification<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    provider: ProviderId,
    raw: &[u8],
) -> (notice::Answer, String) {
    match provider {
        ProviderId::Paypal => paypal::listener::receive(fx, site, raw).await,
        ProviderId::Sips | ProviderId::Monetico => {
            let received = crate::core::flow::card::receive(fx, site, provider, raw).await;
            (received.answer, received.log)
        }
    }
}

/// The HTTP answer to a provider's notification.
pub fn reply(provider: ProviderId, answer: notice::Answer) -> Reply {
    match provider {
        ProviderId::Paypal | ProviderId::Sips => Reply::empty(answer.http_status()),
        ProviderId::Monetico => monetico::adapter::reply(answer),
    }
}

/// The order a card provider's message names, read before it is verified
/// (to find the account whose key verifies it).
pub fn card_reference(provider: ProviderId, raw: &[u8]) -> Result<String, String> {
    match provider {
        ProviderId::Paypal => Err("PayPal's notifications are not card messages".into()),
        ProviderId::Sips => sips::adapter::message_reference(raw),
        ProviderId::Monetico => monetico::adapter::message_reference(raw),
    }
}

/// A card provider's message verified with the order's account and
/// matched to the order (merchant, amount, currency, reference).
pub fn verify_card_message(site: &Site<'_>, order: &OrderState, raw: &[u8]) -> CardVerdict {
    let account = seller_account(order);
    match order.provider() {
        ProviderId::Paypal => CardVerdict::Mismatch("not a card order".into()),
        ProviderId::Sips => sips::adapter::verify(site, account, order, raw),
        ProviderId::Monetico => monetico::adapter::verify(site, account, order, raw),
    }
}

/// The part of a trace's fields (a JSON object of the provider's fields)
/// that `role` may see: each provider keeps an allow-list of its own.
pub fn visible_fields(
    provider: ProviderId,
    role: crate::core::privacy::Role,
    fields: &serde_json::Value,
) -> serde_json::Value {
    match provider {
        ProviderId::Paypal => paypal::privacy::visible_fields(role, fields),
        ProviderId::Sips => sips::adapter::visible_fields(role, fields),
        ProviderId::Monetico => monetico::adapter::visible_fields(role, fields),
    }
}
