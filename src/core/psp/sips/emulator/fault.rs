//! One-shot faults of the Sips emulator, the same shape as PayPal's: the
//! next matching call (`method`: `paymentInit`, an Office call, or the
//! automatic `response`; optionally of one merchant or reference) gets a
//! response code instead of its normal outcome, or loses its answer
//! (`drop=1`); an automatic response may instead be held until the next
//! delivery run (`delay=1`) or sent twice (`duplicate=1`).

use crate::core::psp::sips::codes::ResponseCode;
use crate::core::psp::sips::office::Operation;
use crate::core::sql::emulator::sips::Fault;

/// What a fault applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultMethod {
    PaymentInit,
    Office(Operation),
    /// The payment's automatic response.
    Response,
}

impl FaultMethod {
    pub const ALL: [FaultMethod; 6] = [
        FaultMethod::PaymentInit,
        FaultMethod::Office(Operation::Validate),
        FaultMethod::Office(Operation::Cancel),
        FaultMethod::Office(Operation::Refund),
        FaultMethod::Office(Operation::GetTransactionData),
        FaultMethod::Response,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FaultMethod::PaymentInit => "paymentInit",
            FaultMethod::Office(Operation::Validate) => "validate",
            FaultMethod::Office(Operation::Cancel) => "cancel",
            FaultMethod::Office(Operation::Refund) => "refund",
            FaultMethod::Office(Operation::GetTransactionData) => "getTransactionData",
            FaultMethod::Response => "response",
        }
    }

    pub fn parse(text: &str) -> Option<FaultMethod> {
        FaultMethod::ALL.into_iter().find(|m| m.as_str() == text)
    }
}

/// What a fault does to the next matching call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// Answer (or, for a payment, decide) with this code: an Office call
    /// then changes nothing; `paymentInit` shows its error page.
    Code(ResponseCode),
    /// Do the work, lose the answer (an Office call: HTTP 502, empty body;
    /// a response: never sent; `paymentInit`: the card page is lost).
    Drop,
    /// Automatic response only: not sent now, but by the next delivery run.
    Delay,
    /// Automatic response only: sent twice.
    Duplicate,
}

/// A fault as posted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultSpec {
    pub method: FaultMethod,
    pub merchant_id: Option<String>,
    pub transaction_reference: Option<String>,
    pub kind: FaultKind,
}

/// Reads a posted fault: `method`, optional `merchant_id` and
/// `transaction_reference`, and exactly one of `response_code` (two
/// digits), `drop=1`, `delay=1` or `duplicate=1` (the last two for
/// `method=response` only). The error names the field.
pub fn parse_fault(get: &dyn Fn(&str) -> String) -> Result<FaultSpec, &'static str> {
    let field = |name: &str| Some(get(name).trim().to_owned()).filter(|v| !v.is_empty());
    let method = field("method")
        .as_deref()
        .and_then(FaultMethod::parse)
        .ok_or("method")?;
    let code = field("response_code");
    let flags = [
        ("drop", FaultKind::Drop),
        ("delay", FaultKind::Delay),
        ("duplicate", FaultKind::Duplicate),
    ];
    let mut chosen: Vec<FaultKind> = Vec::new();
    if let Some(code) = code {
        if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err("response_code");
        }
        chosen.push(FaultKind::Code(ResponseCode::parse(&code)));
    }
    for (name, kind) in flags {
        match field(name).as_deref() {
            None => {}
            Some("1") => chosen.push(kind),
            Some(_) => return Err(name),
        }
    }
    let kind = match chosen.as_slice() {
        [one] => one.clone(),
        [] | [_, _, ..] => return Err("response_code"),
    };
    if matches!(kind, FaultKind::Delay | FaultKind::Duplicate) && method != FaultMethod::Response {
        return Err("method");
    }
    Ok(FaultSpec {
        method,
        merchant_id: field("merchant_id"),
        transaction_reference: field("transaction_reference"),
        kind,
    })
}

/// What a stored fault does; `None` for a row that names nothing.
pub fn fault_kind(fault: &Fault) -> Option<FaultKind> {
    if let Some(code) = &fault.response_code {
        return Some(FaultKind::Code(ResponseCode::parse(code)));
    }
    if fault.drop_answer == 1 {
        return Some(FaultKind::Drop);
    }
    if fault.delay == 1 {
        return Some(FaultKind::Delay);
    }
    (fault.duplicate == 1).then_some(FaultKind::Duplicate)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(list: &[(&str, &str)]) -> Result<FaultSpec, &'static str> {
        let owned: Vec<(String, String)> = list
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        parse_fault(&|name: &str| {
            owned
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        })
    }

    #[test]
    fn a_fault_names_one_method_and_one_kind() {
        let spec = parse(&[
            ("method", "validate"),
            ("response_code", "90"),
            ("merchant_id", "1"),
        ])
        .unwrap();
        assert_eq!(spec.method, FaultMethod::Office(Operation::Validate));
        assert_eq!(spec.kind, FaultKind::Code(ResponseCode::ServiceUnavailable));
        assert_eq!(spec.merchant_id.as_deref(), Some("1"));
        assert_eq!(
            parse(&[("method", "response"), ("delay", "1")]).map(|f| f.kind),
            Ok(FaultKind::Delay)
        );
        assert_eq!(
            parse(&[("method", "response"), ("duplicate", "1")]).map(|f| f.kind),
            Ok(FaultKind::Duplicate)
        );
        assert_eq!(
            parse(&[("method", "cancel"), ("drop", "1")]).map(|f| f.kind),
            Ok(FaultKind::Drop)
        );
        for method in FaultMethod::ALL {
            assert_eq!(FaultMethod::parse(method.as_str()), Some(method));
        }
    }

    #[test]
    fn a_fault_with_no_kind_two_kinds_or_a_misplaced_one_is_refused() {
        assert_eq!(parse(&[("method", "refund")]), Err("response_code"));
        assert_eq!(
            parse(&[("method", "refund"), ("drop", "1"), ("response_code", "24")]),
            Err("response_code")
        );
        assert_eq!(
            parse(&[("method", "refund"), ("response_code", "2x")]),
            Err("response_code")
        );
        assert_eq!(
            parse(&[("method", "validate"), ("delay", "1")]),
            Err("method")
        );
        assert_eq!(
            parse(&[("method", "response"), ("drop", "yes")]),
            Err("drop")
        );
        assert_eq!(parse(&[("method", "nope"), ("drop", "1")]), Err("method"));
    }

    #[test]
    fn a_stored_fault_does_what_was_posted() {
        let row = Fault {
            id: 1,
            method: "response".into(),
            merchant_id: None,
            transaction_reference: None,
            response_code: None,
            drop_answer: 0,
            delay: 1,
            duplicate: 0,
            created_at: String::new(),
        };
        assert_eq!(fault_kind(&row), Some(FaultKind::Delay));
        let coded = Fault {
            response_code: Some("05".into()),
            delay: 0,
            ..row.clone()
        };
        assert_eq!(
            fault_kind(&coded),
            Some(FaultKind::Code(ResponseCode::Refused))
        );
        let nothing = Fault { delay: 0, ..row };
        assert_eq!(fault_kind(&nothing), None);
    }
}
