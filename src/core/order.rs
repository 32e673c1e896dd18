//! Order statuses: the public codes and names of the spec (§4), and the
//! internal sub-states an order passes through while its code is 0.

/// The public status of an order; its code is part of the interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderStatus {
    Processed,
    Test,
    Pending,
    Canceled,
    Failed,
    Chargeback,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 6] = [
        OrderStatus::Processed,
        OrderStatus::Test,
        OrderStatus::Pending,
        OrderStatus::Canceled,
        OrderStatus::Failed,
        OrderStatus::Chargeback,
    ];

    pub fn code(self) -> i64 {
        match self {
            OrderStatus::Processed => 2,
            OrderStatus::Test => 1,
            OrderStatus::Pending => 0,
            OrderStatus::Canceled => -1,
            OrderStatus::Failed => -2,
            OrderStatus::Chargeback => -3,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            OrderStatus::Processed => "processed",
            OrderStatus::Test => "test",
            OrderStatus::Pending => "pending",
            OrderStatus::Canceled => "canceled",
            OrderStatus::Failed => "failed",
            OrderStatus::Chargeback => "chargeback",
        }
    }

    pub fn from_code(code: i64) -> Option<OrderStatus> {
        OrderStatus::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// Where a pending (code 0) order stands. Stored as text in `orders.substate`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Substate {
    /// Created; the buyer has not come back from the PSP yet.
    AwaitingBuyer,
    /// The buyer came back; the order has claimed its title and the payment
    /// is being executed or its outcome is unknown.
    Confirming,
    /// The PSP took the payment with status Pending.
    PspPending,
    /// Money moved but something disagrees (amount, currency): a person looks.
    NeedsReview,
    /// The order reached a final code; no sub-state applies.
    Done,
}

impl Substate {
    pub const ALL: [Substate; 5] = [
        Substate::AwaitingBuyer,
        Substate::Confirming,
        Substate::PspPending,
        Substate::NeedsReview,
        Substate::Done,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Substate::AwaitingBuyer => "awaiting_buyer",
            Substate::Confirming => "confirming",
            Substate::PspPending => "psp_pending",
            Substate::NeedsReview => "needs_review",
            Substate::Done => "done",
        }
    }

    pub fn parse(text: &str) -> Option<Substate> {
        Substate::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_spec_codes_and_round_trip() {
        let codes: Vec<i64> = OrderStatus::ALL.iter().map(|s| s.code()).collect();
        assert_eq!(codes, vec![2, 1, 0, -1, -2, -3]);
        for status in OrderStatus::ALL {
            assert_eq!(OrderStatus::from_code(status.code()), Some(status));
        }
        assert_eq!(OrderStatus::from_code(3), None);
    }

    #[test]
    fn substates_round_trip_through_text() {
        for s in Substate::ALL {
            assert_eq!(Substate::parse(s.as_str()), Some(s));
        }
        assert_eq!(Substate::parse("paid"), None);
    }
}
