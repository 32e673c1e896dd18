//! Order statuses: the public codes and names of the spec (§4), and the
//! internal sub-states an order passes through while its code is 0. Rows
//! read both as these enums: an unknown code or sub-state in a row is a
//! decode error, never a silent default.

use serde::Deserialize;

/// The public status of an order; its code is part of the interface.
/// Read from a row's integer `code`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "i64")]
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

    /// Ended without a payment being recorded (canceled or failed).
    pub fn is_final_unpaid(self) -> bool {
        match self {
            OrderStatus::Canceled | OrderStatus::Failed => true,
            OrderStatus::Processed
            | OrderStatus::Test
            | OrderStatus::Pending
            | OrderStatus::Chargeback => false,
        }
    }

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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
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

/// An order's status prints as its code, as the database stores it.
impl std::fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.code())
    }
}

/// A sub-state prints as its stored text.
impl std::fmt::Display for Substate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<i64> for OrderStatus {
    type Error = String;

    fn try_from(code: i64) -> Result<Self, Self::Error> {
        OrderStatus::from_code(code).ok_or_else(|| format!("unknown order code {code}"))
    }
}

impl TryFrom<String> for Substate {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Substate::parse(&text).ok_or_else(|| format!("unknown order substate {text:?}"))
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

    /// A row as the database gives it: `code` an integer, `substate` text.
    #[derive(serde::Deserialize, Debug)]
    struct Row {
        code: OrderStatus,
        substate: Substate,
    }

    fn row(value: serde_json::Value) -> Result<Row, serde_json::Error> {
        serde_json::from_value(value)
    }

    #[test]
    fn a_row_reads_every_known_code_and_substate() {
        for status in OrderStatus::ALL {
            for s in Substate::ALL {
                let read = row(serde_json::json!({"code": status.code(), "substate": s.as_str()}))
                    .expect("a known code and substate");
                assert_eq!((read.code, read.substate), (status, s));
            }
        }
    }

    #[test]
    fn a_row_with_an_unknown_code_or_substate_is_a_decode_error_not_a_default() {
        let unknown = [
            serde_json::json!({"code": 3, "substate": "done"}),
            serde_json::json!({"code": "2", "substate": "done"}),
            serde_json::json!({"code": null, "substate": "done"}),
            serde_json::json!({"code": 2, "substate": "paid"}),
            serde_json::json!({"code": 2, "substate": "Done"}),
            serde_json::json!({"code": 2, "substate": ""}),
            serde_json::json!({"code": 2, "substate": null}),
        ];
        for value in unknown {
            assert!(row(value.clone()).is_err(), "{value} must not decode");
        }
        let message = row(serde_json::json!({"code": 7, "substate": "done"}))
            .expect_err("code 7")
            .to_string();
        assert!(message.contains("unknown order code 7"), "{message}");
    }
}
