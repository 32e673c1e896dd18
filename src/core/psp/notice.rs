//! A provider's message about a payment, in the seam's words: which event
//! (the provider's reference), which payment it is about, what the provider
//! says became of it, and the amounts, invoice and receiver it names. Each
//! provider module reads its wire format into a [`Notice`]; the flows and
//! decisions (`core::notify`, `core::partial`, `core::recheck`) read only
//! this.

use super::ProviderId;
use crate::core::money::Amount;

/// What the platform answers a provider's notification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Recorded (and verified, or known forged or unreadable for good): the
    /// provider stops sending this message (HTTP 200).
    Acknowledge,
    /// Not recorded, or not verifiable yet: the provider sends it again
    /// later (HTTP 503).
    SendAgain,
    /// Recorded, and its seal or MAC does not verify: the provider is told
    /// it was refused (Monetico `cdr=1`), and nothing changes.
    Reject,
}

impl Answer {
    pub fn http_status(self) -> u16 {
        match self {
            Answer::Acknowledge | Answer::Reject => 200,
            Answer::SendAgain => 503,
        }
    }
}

/// What a provider says became of a payment (each provider maps its own
/// statuses onto these, exhaustively).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PaymentState {
    /// The money reached the seller (also: a reversal canceled).
    Completed,
    /// Not decided yet: wait or ask again.
    Pending,
    /// The money did not move and will not.
    Failed,
    /// The money moved and was taken back by the buyer's bank or the
    /// provider (a chargeback); how much, only the message may say.
    Reversed,
    /// The money moved and all of it was refunded.
    Refunded,
    /// The money moved and only part of it went back: the payment stands.
    PartlyRefunded,
    /// Nothing usable: never treated as a failure.
    Unknown,
}

/// A message about a payment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub provider: ProviderId,
    /// The provider's id of the event (PayPal: `txn_id`).
    pub reference: String,
    /// The payment the event is about when it is another one (a refund's
    /// or a reversal's parent payment).
    pub parent_reference: Option<String>,
    pub state: PaymentState,
    /// The status as sent: a message is recorded once per reference and
    /// status.
    pub status_text: String,
    /// Absent or unreadable amounts are `None`; only the magnitude is kept.
    pub gross: Option<Amount>,
    pub currency: Option<String>,
    /// The invoice the provider carries back (ours, naming the order).
    pub invoice: Option<String>,
    pub receiver_id: Option<String>,
    pub receiver_email: Option<String>,
}

impl Notice {
    /// The payment the message is about: its parent, or itself.
    pub fn payment_reference(&self) -> &str {
        self.parent_reference.as_deref().unwrap_or(&self.reference)
    }

    /// The order the message names, when its invoice is this deployment's.
    pub fn order_id(&self, deployment_id: &str) -> Option<&str> {
        let invoice = self.invoice.as_deref()?;
        match self.provider {
            ProviderId::Paypal => super::paypal::ipn::order_id_from_invoice(invoice, deployment_id),
            // Card providers' messages name the order by its reference and
            // go through `flow::card`, never through a Notice.
            ProviderId::Sips | ProviderId::Monetico => None,
        }
    }
}

/// Reads a recorded message again (the cron takes up those left
/// unfinished); `None` for a provider this build does not know or bytes
/// that no longer read.
pub fn parse_recorded(provider: &str, body: &str) -> Option<Notice> {
    match ProviderId::parse(provider)? {
        ProviderId::Paypal => super::paypal::ipn::parse(body).ok(),
        ProviderId::Sips | ProviderId::Monetico => None,
    }
}
