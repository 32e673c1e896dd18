//! One-shot faults: what a posted fault asks for, and what a stored one
//! does to the next matching call.

use crate::core::psp::paypal::nvp::{Method, PaymentOutcome, PaymentStatus, PendingReason};
use crate::core::sql::emulator::Fault;

/// What a one-shot fault does to the next matching call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// Refuse with this NVP error code (after every check passed).
    Error(String),
    /// Record the payment with this status (DoExpressCheckoutPayment only).
    Status {
        status: PaymentStatus,
        pending_reason: PendingReason,
    },
    /// Do the work, then lose the answer (HTTP 502, empty body).
    Drop,
}

/// A fault as posted to `/_emulator/paypal/faults`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultSpec {
    pub method: Method,
    pub token: Option<String>,
    pub api_username: Option<String>,
    pub kind: FaultKind,
}

/// The statuses a fault may give a payment: those that complete it or keep
/// it pending.
fn fault_status_allowed(status: &PaymentStatus) -> bool {
    match status.outcome() {
        PaymentOutcome::Completed => *status != PaymentStatus::CanceledReversal,
        PaymentOutcome::Pending => true,
        PaymentOutcome::Failed
        | PaymentOutcome::Reversed
        | PaymentOutcome::PartlyRefunded
        | PaymentOutcome::Unknown => false,
    }
}

/// Reads a posted fault: `method` (an NVP method), optional `token` and
/// `api_username`, and exactly one of `error_code` (digits), `payment_status`
/// (with optional `pending_reason`, default `paymentreview` when Pending;
/// DoExpressCheckoutPayment only) or `drop=1`. The error names the field.
pub fn parse_fault(get: &dyn Fn(&str) -> String) -> Result<FaultSpec, &'static str> {
    let field = |name: &str| Some(get(name).trim().to_owned()).filter(|v| !v.is_empty());
    let method = field("method")
        .as_deref()
        .and_then(Method::parse)
        .ok_or("method")?;
    let error_code = field("error_code");
    let payment_status = field("payment_status");
    let drop = field("drop");
    let chosen = [
        error_code.is_some(),
        payment_status.is_some(),
        drop.is_some(),
    ]
    .iter()
    .filter(|x| **x)
    .count();
    if chosen != 1 {
        return Err("error_code");
    }
    let kind = if let Some(code) = error_code {
        if code.len() > 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err("error_code");
        }
        FaultKind::Error(code)
    } else if let Some(status_text) = payment_status {
        let status = PaymentStatus::parse(&status_text);
        if method != Method::DoExpressCheckoutPayment || !fault_status_allowed(&status) {
            return Err("payment_status");
        }
        let pending_reason = match field("pending_reason") {
            Some(reason) => match PendingReason::parse(&reason) {
                PendingReason::Unknown(_) => return Err("pending_reason"),
                known => known,
            },
            None if status.outcome() == PaymentOutcome::Pending => PendingReason::PaymentReview,
            None => PendingReason::None,
        };
        FaultKind::Status {
            status,
            pending_reason,
        }
    } else if drop.as_deref() == Some("1") {
        FaultKind::Drop
    } else {
        return Err("drop");
    };
    Ok(FaultSpec {
        method,
        token: field("token"),
        api_username: field("api_username"),
        kind,
    })
}

/// What a stored fault does; `None` for a row that names nothing usable.
pub fn fault_kind(fault: &Fault) -> Option<FaultKind> {
    if let Some(code) = &fault.error_code {
        return Some(FaultKind::Error(code.clone()));
    }
    if let Some(status) = &fault.payment_status {
        return Some(FaultKind::Status {
            status: PaymentStatus::parse(status),
            pending_reason: PendingReason::parse(fault.pending_reason.as_deref().unwrap_or("None")),
        });
    }
    (fault.drop_answer == 1).then_some(FaultKind::Drop)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::psp::paypal::emulator::test_support::*;

    #[test]
    fn faults_parse_one_kind_each() {
        let parse = |list: &[(&str, &str)]| {
            let list = fields(list);
            parse_fault(&|name: &str| {
                list.iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            })
        };
        assert_eq!(
            parse(&[
                ("method", "DoExpressCheckoutPayment"),
                ("error_code", "10486"),
                ("token", "EC-X")
            ]),
            Ok(FaultSpec {
                method: Method::DoExpressCheckoutPayment,
                token: Some("EC-X".to_owned()),
                api_username: None,
                kind: FaultKind::Error("10486".to_owned()),
            })
        );
        assert_eq!(
            parse(&[
                ("method", "DoExpressCheckoutPayment"),
                ("payment_status", "Pending")
            ])
            .map(|f| f.kind),
            Ok(FaultKind::Status {
                status: PaymentStatus::Pending,
                pending_reason: PendingReason::PaymentReview
            })
        );
        assert_eq!(
            parse(&[
                ("method", "DoExpressCheckoutPayment"),
                ("payment_status", "Pending"),
                ("pending_reason", "echeck")
            ])
            .map(|f| f.kind),
            Ok(FaultKind::Status {
                status: PaymentStatus::Pending,
                pending_reason: PendingReason::Echeck
            })
        );
        assert_eq!(
            parse(&[
                ("method", "GetBalance"),
                ("drop", "1"),
                ("api_username", "a_api1.x")
            ])
            .map(|f| f.kind),
            Ok(FaultKind::Drop)
        );
        assert_eq!(parse(&[("error_code", "10486")]), Err("method"));
        assert_eq!(parse(&[("method", "Refund"), ("drop", "1")]), Err("method"));
        assert_eq!(parse(&[("method", "GetBalance")]), Err("error_code"));
        assert_eq!(
            parse(&[
                ("method", "GetBalance"),
                ("drop", "1"),
                ("error_code", "10001")
            ]),
            Err("error_code")
        );
        assert_eq!(
            parse(&[("method", "GetBalance"), ("error_code", "abc")]),
            Err("error_code")
        );
        assert_eq!(
            parse(&[("method", "GetBalance"), ("payment_status", "Pending")]),
            Err("payment_status")
        );
        assert_eq!(
            parse(&[
                ("method", "DoExpressCheckoutPayment"),
                ("payment_status", "Refunded")
            ]),
            Err("payment_status")
        );
        assert_eq!(
            parse(&[
                ("method", "DoExpressCheckoutPayment"),
                ("payment_status", "Pending"),
                ("pending_reason", "mystery")
            ]),
            Err("pending_reason")
        );
        assert_eq!(
            parse(&[("method", "GetBalance"), ("drop", "yes")]),
            Err("drop")
        );
        let stored = Fault {
            id: 1,
            method: "DoExpressCheckoutPayment".to_owned(),
            token: None,
            api_username: None,
            error_code: None,
            payment_status: Some("Pending".to_owned()),
            pending_reason: Some("paymentreview".to_owned()),
            drop_answer: 0,
            created_at: String::new(),
        };
        assert_eq!(
            fault_kind(&stored),
            Some(FaultKind::Status {
                status: PaymentStatus::Pending,
                pending_reason: PendingReason::PaymentReview
            })
        );
        let dropped = Fault {
            payment_status: None,
            drop_answer: 1,
            ..stored.clone()
        };
        assert_eq!(fault_kind(&dropped), Some(FaultKind::Drop));
        let nothing = Fault {
            drop_answer: 0,
            ..dropped
        };
        assert_eq!(fault_kind(&nothing), None);
    }
}
