//! Payment, pending and checkout statuses as PayPal spells them, and what
//! a payment status means for an order (`PaymentOutcome`).

/// `PAYMENTSTATUS` (NVP, hyphenated) or IPN `payment_status` (underscored).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaymentStatus {
    None,
    CanceledReversal,
    Completed,
    Denied,
    Expired,
    Failed,
    InProgress,
    PartiallyRefunded,
    Pending,
    Refunded,
    Reversed,
    Processed,
    Voided,
    CompletedFundsHeld,
    Unknown(String),
}

/// What a payment status means for an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PaymentOutcome {
    /// The money reached the seller.
    Completed,
    /// Not decided yet: wait for the IPN or ask again.
    Pending,
    /// The money did not move and will not.
    Failed,
    /// The money moved and went back (refund, chargeback).
    Reversed,
    /// The money moved and only part of it went back (a partial refund):
    /// the payment stands, so it never undoes a trade; a person looks.
    PartlyRefunded,
    /// PayPal said nothing usable: never treated as a failure.
    Unknown,
}

impl PaymentStatus {
    pub const KNOWN: [PaymentStatus; 14] = [
        PaymentStatus::None,
        PaymentStatus::CanceledReversal,
        PaymentStatus::Completed,
        PaymentStatus::Denied,
        PaymentStatus::Expired,
        PaymentStatus::Failed,
        PaymentStatus::InProgress,
        PaymentStatus::PartiallyRefunded,
        PaymentStatus::Pending,
        PaymentStatus::Refunded,
        PaymentStatus::Reversed,
        PaymentStatus::Processed,
        PaymentStatus::Voided,
        PaymentStatus::CompletedFundsHeld,
    ];

    /// Case-insensitive, `_` and `-` alike (IPN says `Canceled_Reversal`,
    /// NVP `Canceled-Reversal`); anything else is `Unknown`.
    pub fn parse(text: &str) -> PaymentStatus {
        let wanted = text.trim().replace('_', "-");
        PaymentStatus::KNOWN
            .into_iter()
            .find(|status| status.as_str().eq_ignore_ascii_case(&wanted))
            .unwrap_or_else(|| PaymentStatus::Unknown(text.to_owned()))
    }

    /// The NVP spelling.
    pub fn as_str(&self) -> &str {
        match self {
            PaymentStatus::None => "None",
            PaymentStatus::CanceledReversal => "Canceled-Reversal",
            PaymentStatus::Completed => "Completed",
            PaymentStatus::Denied => "Denied",
            PaymentStatus::Expired => "Expired",
            PaymentStatus::Failed => "Failed",
            PaymentStatus::InProgress => "In-Progress",
            PaymentStatus::PartiallyRefunded => "Partially-Refunded",
            PaymentStatus::Pending => "Pending",
            PaymentStatus::Refunded => "Refunded",
            PaymentStatus::Reversed => "Reversed",
            PaymentStatus::Processed => "Processed",
            PaymentStatus::Voided => "Voided",
            PaymentStatus::CompletedFundsHeld => "Completed-Funds-Held",
            PaymentStatus::Unknown(text) => text,
        }
    }

    /// The IPN spelling (`Canceled_Reversal`), for the emulator's IPNs.
    pub fn as_ipn_str(&self) -> String {
        self.as_str().replace('-', "_")
    }

    /// Every status named, no catch-all: a new status must be decided here.
    pub fn outcome(&self) -> PaymentOutcome {
        match self {
            PaymentStatus::Completed
            | PaymentStatus::Processed
            | PaymentStatus::CompletedFundsHeld => PaymentOutcome::Completed,
            // A reversal was cancelled: the money is back with the seller.
            PaymentStatus::CanceledReversal => PaymentOutcome::Completed,
            PaymentStatus::Pending | PaymentStatus::InProgress => PaymentOutcome::Pending,
            PaymentStatus::Denied
            | PaymentStatus::Failed
            | PaymentStatus::Expired
            | PaymentStatus::Voided => PaymentOutcome::Failed,
            PaymentStatus::Refunded | PaymentStatus::Reversed => PaymentOutcome::Reversed,
            // Part of the payment was refunded: the rest stays with the
            // receiver, so the payment is neither reversed nor failed.
            PaymentStatus::PartiallyRefunded => PaymentOutcome::PartlyRefunded,
            PaymentStatus::None | PaymentStatus::Unknown(_) => PaymentOutcome::Unknown,
        }
    }
}

impl PaymentStatus {
    /// The seam's word for this status (`core::psp::notice`): PayPal's
    /// statuses mapped one by one.
    pub fn state(&self) -> crate::core::psp::notice::PaymentState {
        use crate::core::psp::notice::PaymentState;
        match self {
            PaymentStatus::Completed
            | PaymentStatus::Processed
            | PaymentStatus::CompletedFundsHeld
            | PaymentStatus::CanceledReversal => PaymentState::Completed,
            PaymentStatus::Pending | PaymentStatus::InProgress => PaymentState::Pending,
            PaymentStatus::Denied
            | PaymentStatus::Failed
            | PaymentStatus::Expired
            | PaymentStatus::Voided => PaymentState::Failed,
            PaymentStatus::Reversed => PaymentState::Reversed,
            PaymentStatus::Refunded => PaymentState::Refunded,
            PaymentStatus::PartiallyRefunded => PaymentState::PartlyRefunded,
            PaymentStatus::None | PaymentStatus::Unknown(_) => PaymentState::Unknown,
        }
    }
}

/// `PENDINGREASON` / IPN `pending_reason`. Spellings vary across docs and
/// wire (`multi-currency`, `multicurrency`, `paymentreview`, `None`), so it
/// is parsed ignoring case, `-` and `_`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PendingReason {
    None,
    Address,
    Authorization,
    Echeck,
    Intl,
    MultiCurrency,
    Order,
    PaymentReview,
    RegulatoryReview,
    Unilateral,
    Upgrade,
    Verify,
    Other,
    Unknown(String),
}

impl PendingReason {
    pub const KNOWN: [PendingReason; 13] = [
        PendingReason::None,
        PendingReason::Address,
        PendingReason::Authorization,
        PendingReason::Echeck,
        PendingReason::Intl,
        PendingReason::MultiCurrency,
        PendingReason::Order,
        PendingReason::PaymentReview,
        PendingReason::RegulatoryReview,
        PendingReason::Unilateral,
        PendingReason::Upgrade,
        PendingReason::Verify,
        PendingReason::Other,
    ];

    pub fn parse(text: &str) -> PendingReason {
        let squeeze = |s: &str| -> String {
            s.chars()
                .filter(|c| *c != '-' && *c != '_')
                .flat_map(char::to_lowercase)
                .collect()
        };
        let wanted = squeeze(text.trim());
        PendingReason::KNOWN
            .into_iter()
            .find(|reason| squeeze(reason.as_str()) == wanted)
            .unwrap_or_else(|| PendingReason::Unknown(text.to_owned()))
    }

    /// The spelling PayPal's answers use (`None`, `multicurrency`,
    /// `paymentreview`).
    pub fn as_str(&self) -> &str {
        match self {
            PendingReason::None => "None",
            PendingReason::Address => "address",
            PendingReason::Authorization => "authorization",
            PendingReason::Echeck => "echeck",
            PendingReason::Intl => "intl",
            PendingReason::MultiCurrency => "multicurrency",
            PendingReason::Order => "order",
            PendingReason::PaymentReview => "paymentreview",
            PendingReason::RegulatoryReview => "regulatoryreview",
            PendingReason::Unilateral => "unilateral",
            PendingReason::Upgrade => "upgrade",
            PendingReason::Verify => "verify",
            PendingReason::Other => "other",
            PendingReason::Unknown(text) => text,
        }
    }
}

/// `CHECKOUTSTATUS` of GetExpressCheckoutDetails.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckoutStatus {
    /// Without PAYERID: the buyer has not approved yet; with PAYERID:
    /// approved, DoExpressCheckoutPayment not called yet.
    PaymentActionNotInitiated,
    PaymentActionFailed,
    PaymentActionInProgress,
    /// Already paid: the answer carries the transaction id.
    PaymentActionCompleted,
    Unknown(String),
}

impl CheckoutStatus {
    pub const KNOWN: [CheckoutStatus; 4] = [
        CheckoutStatus::PaymentActionNotInitiated,
        CheckoutStatus::PaymentActionFailed,
        CheckoutStatus::PaymentActionInProgress,
        CheckoutStatus::PaymentActionCompleted,
    ];

    /// Case-insensitive. `PaymentCompleted` (the spelling of an XSD comment)
    /// is read as `PaymentActionCompleted`.
    pub fn parse(text: &str) -> CheckoutStatus {
        let wanted = text.trim();
        if wanted.eq_ignore_ascii_case("PaymentCompleted") {
            return CheckoutStatus::PaymentActionCompleted;
        }
        CheckoutStatus::KNOWN
            .into_iter()
            .find(|status| status.as_str().eq_ignore_ascii_case(wanted))
            .unwrap_or_else(|| CheckoutStatus::Unknown(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        match self {
            CheckoutStatus::PaymentActionNotInitiated => "PaymentActionNotInitiated",
            CheckoutStatus::PaymentActionFailed => "PaymentActionFailed",
            CheckoutStatus::PaymentActionInProgress => "PaymentActionInProgress",
            CheckoutStatus::PaymentActionCompleted => "PaymentActionCompleted",
            CheckoutStatus::Unknown(text) => text,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payment_statuses_parse_every_spelling_and_map_to_outcomes() {
        let table = [
            ("None", PaymentStatus::None, PaymentOutcome::Unknown),
            (
                "Canceled-Reversal",
                PaymentStatus::CanceledReversal,
                PaymentOutcome::Completed,
            ),
            (
                "Completed",
                PaymentStatus::Completed,
                PaymentOutcome::Completed,
            ),
            ("Denied", PaymentStatus::Denied, PaymentOutcome::Failed),
            ("Expired", PaymentStatus::Expired, PaymentOutcome::Failed),
            ("Failed", PaymentStatus::Failed, PaymentOutcome::Failed),
            (
                "In-Progress",
                PaymentStatus::InProgress,
                PaymentOutcome::Pending,
            ),
            (
                "Partially-Refunded",
                PaymentStatus::PartiallyRefunded,
                PaymentOutcome::PartlyRefunded,
            ),
            ("Pending", PaymentStatus::Pending, PaymentOutcome::Pending),
            (
                "Refunded",
                PaymentStatus::Refunded,
                PaymentOutcome::Reversed,
            ),
            (
                "Reversed",
                PaymentStatus::Reversed,
                PaymentOutcome::Reversed,
            ),
            (
                "Processed",
                PaymentStatus::Processed,
                PaymentOutcome::Completed,
            ),
            ("Voided", PaymentStatus::Voided, PaymentOutcome::Failed),
            (
                "Completed-Funds-Held",
                PaymentStatus::CompletedFundsHeld,
                PaymentOutcome::Completed,
            ),
        ];
        assert_eq!(table.len(), PaymentStatus::KNOWN.len());
        for (text, status, outcome) in table {
            assert_eq!(PaymentStatus::parse(text), status, "{text}");
            assert_eq!(
                PaymentStatus::parse(&text.replace('-', "_")),
                status,
                "{text}"
            );
            assert_eq!(PaymentStatus::parse(&text.to_uppercase()), status, "{text}");
            assert_eq!(PaymentStatus::parse(&text.to_lowercase()), status, "{text}");
            assert_eq!(status.as_str(), text);
            assert_eq!(status.outcome(), outcome, "{text}");
        }
        assert_eq!(
            PaymentStatus::parse("Canceled_Reversal"),
            PaymentStatus::CanceledReversal
        );
        assert_eq!(
            PaymentStatus::CanceledReversal.as_ipn_str(),
            "Canceled_Reversal"
        );
        assert_eq!(
            PaymentStatus::parse("Created"),
            PaymentStatus::Unknown("Created".to_owned())
        );
        assert_eq!(
            PaymentStatus::parse("Created").outcome(),
            PaymentOutcome::Unknown
        );
        assert_eq!(PaymentStatus::parse("").outcome(), PaymentOutcome::Unknown);
    }

    #[test]
    fn pending_reasons_parse_leniently() {
        let table = [
            (["none", "None", "NONE"], PendingReason::None),
            (["address", "Address", "ADDRESS"], PendingReason::Address),
            (
                ["authorization", "Authorization", "AUTHORIZATION"],
                PendingReason::Authorization,
            ),
            (["echeck", "eCheck", "e-check"], PendingReason::Echeck),
            (["intl", "Intl", "INTL"], PendingReason::Intl),
            (
                ["multi-currency", "multicurrency", "multi_currency"],
                PendingReason::MultiCurrency,
            ),
            (["order", "Order", "ORDER"], PendingReason::Order),
            (
                ["paymentreview", "payment-review", "PaymentReview"],
                PendingReason::PaymentReview,
            ),
            (
                ["regulatory-review", "regulatoryreview", "regulatory_review"],
                PendingReason::RegulatoryReview,
            ),
            (
                ["unilateral", "Unilateral", "UNILATERAL"],
                PendingReason::Unilateral,
            ),
            (["upgrade", "Upgrade", "UPGRADE"], PendingReason::Upgrade),
            (["verify", "Verify", "VERIFY"], PendingReason::Verify),
            (["other", "Other", "OTHER"], PendingReason::Other),
        ];
        assert_eq!(table.len(), PendingReason::KNOWN.len());
        for (spellings, reason) in table {
            for text in spellings {
                assert_eq!(PendingReason::parse(text), reason, "{text}");
            }
            assert_eq!(PendingReason::parse(reason.as_str()), reason);
        }
        assert_eq!(PendingReason::MultiCurrency.as_str(), "multicurrency");
        assert_eq!(PendingReason::PaymentReview.as_str(), "paymentreview");
        assert_eq!(
            PendingReason::parse("mystery"),
            PendingReason::Unknown("mystery".to_owned())
        );
    }

    #[test]
    fn checkout_statuses_parse_and_print() {
        for status in CheckoutStatus::KNOWN {
            assert_eq!(CheckoutStatus::parse(status.as_str()), status);
        }
        assert_eq!(
            CheckoutStatus::parse("PaymentCompleted"),
            CheckoutStatus::PaymentActionCompleted
        );
        assert_eq!(
            CheckoutStatus::parse("paymentactioninprogress"),
            CheckoutStatus::PaymentActionInProgress
        );
        assert_eq!(
            CheckoutStatus::parse("Later"),
            CheckoutStatus::Unknown("Later".to_owned())
        );
    }
}
