//! One-shot faults, the same shape as the PayPal emulator's: what a fault
//! posted to `/_emulator/monetico/faults` asks for, and what a stored one
//! does to the next matching call.
//!
//! - `method=paiement`: `code=<code-retour>` replaces the card page's
//!   code-retour; `drop=1` loses the buyer's return (no redirect: the
//!   merchant learns of the payment from the notification only).
//! - `method=capture|recredit`: `cdr=<n>` answers that cdr and does
//!   nothing; `drop=1` does the work, then loses the answer (HTTP 502).
//! - `method=notification`: `drop=1` never sends it; `delay=1` sends it at
//!   the next delivery run only; `duplicate=1` delivers it twice.
//!
//! `tpe` and `reference` scope a fault to one merchant or payment.

use crate::core::sql::emulator::monetico::Fault;

/// The calls a fault can hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultMethod {
    Paiement,
    Capture,
    Recredit,
    Notification,
}

impl FaultMethod {
    const ALL: [FaultMethod; 4] = [
        FaultMethod::Paiement,
        FaultMethod::Capture,
        FaultMethod::Recredit,
        FaultMethod::Notification,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FaultMethod::Paiement => "paiement",
            FaultMethod::Capture => "capture",
            FaultMethod::Recredit => "recredit",
            FaultMethod::Notification => "notification",
        }
    }

    pub fn parse(text: &str) -> Option<FaultMethod> {
        FaultMethod::ALL.into_iter().find(|m| m.as_str() == text)
    }
}

/// What a fault does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// The code-retour (paiement) or cdr (capture, recredit) to answer.
    Code(String),
    Drop,
    Delay,
    Duplicate,
}

/// A fault as posted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultSpec {
    pub method: FaultMethod,
    pub tpe: Option<String>,
    pub reference: Option<String>,
    pub kind: FaultKind,
}

/// A code-retour a fault may give: 1 to 32 letters, digits or `_`.
fn valid_code(code: &str) -> bool {
    (1..=32).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// A cdr a fault may give: an optional `-` and 1 to 4 digits.
fn valid_cdr(cdr: &str) -> bool {
    let digits = cdr.strip_prefix('-').unwrap_or(cdr);
    (1..=4).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Reads a posted fault: `method`, optional `tpe` and `reference`, and
/// exactly one kind the method allows (see the module doc). The error
/// names the field at fault.
pub fn parse_fault(get: &dyn Fn(&str) -> String) -> Result<FaultSpec, &'static str> {
    let field = |name: &str| Some(get(name).trim().to_owned()).filter(|v| !v.is_empty());
    let method = field("method")
        .as_deref()
        .and_then(FaultMethod::parse)
        .ok_or("method")?;
    let flag = |name: &'static str| match field(name).as_deref() {
        None => Ok(false),
        Some("1") => Ok(true),
        Some(_) => Err(name),
    };
    let (code, cdr) = (field("code"), field("cdr"));
    let (drop, delay, duplicate) = (flag("drop")?, flag("delay")?, flag("duplicate")?);
    let chosen = [code.is_some(), cdr.is_some(), drop, delay, duplicate];
    if chosen.iter().filter(|x| **x).count() != 1 {
        return Err("drop");
    }
    let kind = if let Some(code) = code {
        if method != FaultMethod::Paiement || !valid_code(&code) {
            return Err("code");
        }
        FaultKind::Code(code)
    } else if let Some(cdr) = cdr {
        let api = matches!(method, FaultMethod::Capture | FaultMethod::Recredit);
        if !api || !valid_cdr(&cdr) {
            return Err("cdr");
        }
        FaultKind::Code(cdr)
    } else if drop {
        FaultKind::Drop
    } else if method != FaultMethod::Notification {
        return Err(if delay { "delay" } else { "duplicate" });
    } else if delay {
        FaultKind::Delay
    } else {
        FaultKind::Duplicate
    };
    Ok(FaultSpec {
        method,
        tpe: field("tpe"),
        reference: field("reference"),
        kind,
    })
}

/// What a stored fault does; `None` for a row that names nothing.
pub fn fault_kind(fault: &Fault) -> Option<FaultKind> {
    if let Some(code) = &fault.cdr {
        return Some(FaultKind::Code(code.clone()));
    }
    match (fault.drop_answer, fault.delay, fault.duplicate) {
        (1, _, _) => Some(FaultKind::Drop),
        (_, 1, _) => Some(FaultKind::Delay),
        (_, _, 1) => Some(FaultKind::Duplicate),
        (_, _, _) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(list: &[(&str, &str)]) -> Result<FaultSpec, &'static str> {
        let owned: Vec<(String, String)> = list
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        parse_fault(&|name: &str| {
            owned
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        })
    }

    fn kind(list: &[(&str, &str)]) -> Result<FaultKind, &'static str> {
        parse(list).map(|f| f.kind)
    }

    #[test]
    fn each_method_takes_the_kinds_it_allows() {
        assert_eq!(
            kind(&[("method", "paiement"), ("code", "Annulation")]),
            Ok(FaultKind::Code("Annulation".into()))
        );
        assert_eq!(
            kind(&[("method", "paiement"), ("drop", "1")]),
            Ok(FaultKind::Drop)
        );
        assert_eq!(
            kind(&[("method", "capture"), ("cdr", "0")]),
            Ok(FaultKind::Code("0".into()))
        );
        assert_eq!(
            kind(&[("method", "recredit"), ("cdr", "-1")]),
            Ok(FaultKind::Code("-1".into()))
        );
        assert_eq!(
            kind(&[("method", "capture"), ("drop", "1")]),
            Ok(FaultKind::Drop)
        );
        assert_eq!(
            kind(&[("method", "notification"), ("delay", "1")]),
            Ok(FaultKind::Delay)
        );
        assert_eq!(
            kind(&[("method", "notification"), ("duplicate", "1")]),
            Ok(FaultKind::Duplicate)
        );
        assert_eq!(
            kind(&[("method", "notification"), ("drop", "1")]),
            Ok(FaultKind::Drop)
        );
        let scoped = parse(&[
            ("method", "capture"),
            ("drop", "1"),
            ("tpe", "1234567"),
            ("reference", "ORD1"),
        ]);
        assert_eq!(
            scoped.map(|f| (f.tpe, f.reference)),
            Ok((Some("1234567".into()), Some("ORD1".into())))
        );
    }

    #[test]
    fn a_fault_naming_no_kind_two_kinds_or_a_wrong_one_is_refused_naming_the_field() {
        assert_eq!(kind(&[("drop", "1")]), Err("method"));
        assert_eq!(kind(&[("method", "refund"), ("drop", "1")]), Err("method"));
        assert_eq!(kind(&[("method", "capture")]), Err("drop"));
        assert_eq!(
            kind(&[("method", "capture"), ("drop", "1"), ("cdr", "0")]),
            Err("drop")
        );
        assert_eq!(kind(&[("method", "capture"), ("drop", "yes")]), Err("drop"));
        assert_eq!(kind(&[("method", "capture"), ("cdr", "x1")]), Err("cdr"));
        assert_eq!(
            kind(&[("method", "capture"), ("code", "paiement")]),
            Err("code")
        );
        assert_eq!(kind(&[("method", "paiement"), ("cdr", "1")]), Err("cdr"));
        assert_eq!(
            kind(&[("method", "paiement"), ("code", "a b")]),
            Err("code")
        );
        assert_eq!(kind(&[("method", "capture"), ("delay", "1")]), Err("delay"));
        assert_eq!(
            kind(&[("method", "paiement"), ("duplicate", "1")]),
            Err("duplicate")
        );
    }

    #[test]
    fn a_stored_fault_does_what_its_row_says() {
        let row = Fault {
            id: 1,
            method: "capture".into(),
            tpe: None,
            reference: None,
            cdr: None,
            drop_answer: 1,
            delay: 0,
            duplicate: 0,
            created_at: String::new(),
        };
        assert_eq!(fault_kind(&row), Some(FaultKind::Drop));
        let coded = Fault {
            cdr: Some("0".into()),
            drop_answer: 0,
            ..row.clone()
        };
        assert_eq!(fault_kind(&coded), Some(FaultKind::Code("0".into())));
        let delayed = Fault {
            drop_answer: 0,
            delay: 1,
            ..row.clone()
        };
        assert_eq!(fault_kind(&delayed), Some(FaultKind::Delay));
        let doubled = Fault {
            drop_answer: 0,
            duplicate: 1,
            ..row.clone()
        };
        assert_eq!(fault_kind(&doubled), Some(FaultKind::Duplicate));
        let nothing = Fault {
            drop_answer: 0,
            ..row
        };
        assert_eq!(fault_kind(&nothing), None);
    }
}
