//! Capture, release and recredit (reference A8): the MAC'd requests PayBook
//! posts to `capture_paiement.cgi` and `recredit_paiement.cgi`, and their
//! `key=value` line answers read into outcomes. A decline is an outcome;
//! an answer that cannot be read is an [`AnswerError`] (unknown: the
//! caller keeps the order confirming or asks a person).
//!
//! Monetico's full `cdr` table is not public (A8 "?"): `cdr=1` is an
//! acceptance (the published fixture), `cdr=0` a decline, and `cdr=2`
//! "already done" is the emulator's own convention; any other value is
//! unrecognized, never guessed.

use std::collections::BTreeMap;
use std::fmt;

use super::amount::WireAmount;
use super::form::{check_merchant, lgue, seal, FormError};
use super::key::UsableKey;
use super::mac::VERSION;
use super::paris;
use crate::core::i18n::Lang;
use crate::core::time::UtcTime;

/// The capture call's path under `MONETICO_API_URL`.
pub const CAPTURE_PATH: &str = "capture_paiement.cgi";
/// The recredit (refund) call's path under `MONETICO_API_URL`.
pub const RECREDIT_PATH: &str = "recredit_paiement.cgi";

/// The order a call is about, as the bank knows it.
#[derive(Clone, Debug)]
pub struct OrderAtBank<'a> {
    pub tpe: &'a str,
    pub societe: &'a str,
    pub reference: &'a str,
    /// The order's whole amount (`montant`).
    pub amount: WireAmount,
    /// When the payment form was sealed (`date_commande`).
    pub ordered_at: UtcTime,
    pub lang: Lang,
}

/// How much of an authorization a capture takes (cents).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CaptureSplit {
    pub to_capture: i64,
    pub already_captured: i64,
    /// What stays authorized after this capture; 0 ends it.
    pub remaining: i64,
}

impl CaptureSplit {
    /// All of `amount` at once, nothing left authorized.
    pub fn whole(amount: WireAmount) -> CaptureSplit {
        CaptureSplit {
            to_capture: amount.cents,
            already_captured: 0,
            remaining: 0,
        }
    }

    /// Nothing captured and nothing left: the authorization is released
    /// (`montant_a_capturer=0EUR`, `montant_restant=0EUR`).
    pub const RELEASE: CaptureSplit = CaptureSplit {
        to_capture: 0,
        already_captured: 0,
        remaining: 0,
    };

    /// Whether the split is possible for an order of `amount` cents.
    fn fits(self, amount: i64) -> bool {
        let parts = [self.to_capture, self.already_captured, self.remaining];
        parts.iter().all(|p| *p >= 0)
            && parts
                .iter()
                .try_fold(0i64, |sum, p| sum.checked_add(*p))
                .is_some_and(|sum| sum <= amount)
    }
}

/// The fields of a `capture_paiement.cgi` call sealed at `at`. A repeated
/// call passes the same `at`, so that it is the same request.
pub fn capture_fields(
    order: &OrderAtBank<'_>,
    split: CaptureSplit,
    at: UtcTime,
    key: &UsableKey,
) -> Result<Vec<(&'static str, String)>, FormError> {
    check_merchant(order.tpe, order.societe, order.reference)?;
    if order.amount.cents <= 0 || !split.fits(order.amount.cents) {
        return Err(FormError::Amount);
    }
    let money = |cents: i64| WireAmount::new(cents, order.amount.currency).to_string();
    let fields = vec![
        ("version", VERSION.to_string()),
        ("TPE", order.tpe.to_string()),
        ("date", paris::request_date(at)),
        ("date_commande", paris::day(order.ordered_at)),
        ("montant", order.amount.to_string()),
        ("montant_a_capturer", money(split.to_capture)),
        ("montant_deja_capture", money(split.already_captured)),
        ("montant_restant", money(split.remaining)),
        ("reference", order.reference.to_string()),
        ("lgue", lgue(order.lang).to_string()),
        ("societe", order.societe.to_string()),
    ];
    Ok(seal(fields, key))
}

/// A refund of part or all of a captured payment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recredit<'a> {
    /// When the capture was made (`date_remise`).
    pub captured_at: UtcTime,
    /// The authorization number (`num_autorisation`, the notification's
    /// `numauto`).
    pub authorization: &'a str,
    pub cents: i64,
    /// The most that may still be refunded (`montant_possible`).
    pub refundable: i64,
}

/// The fields of a `recredit_paiement.cgi` call sealed at `at`.
pub fn recredit_fields(
    order: &OrderAtBank<'_>,
    recredit: &Recredit<'_>,
    at: UtcTime,
    key: &UsableKey,
) -> Result<Vec<(&'static str, String)>, FormError> {
    check_merchant(order.tpe, order.societe, order.reference)?;
    let refundable = recredit.refundable.min(order.amount.cents);
    if recredit.cents <= 0 || recredit.cents > refundable {
        return Err(FormError::Amount);
    }
    let money = |cents: i64| WireAmount::new(cents, order.amount.currency).to_string();
    let fields = vec![
        ("version", VERSION.to_string()),
        ("TPE", order.tpe.to_string()),
        ("date", paris::request_date(at)),
        ("date_commande", paris::day(order.ordered_at)),
        ("date_remise", paris::day(recredit.captured_at)),
        ("num_autorisation", recredit.authorization.to_string()),
        ("montant", order.amount.to_string()),
        ("montant_recredit", money(recredit.cents)),
        ("montant_possible", money(recredit.refundable)),
        ("reference", order.reference.to_string()),
        ("lgue", lgue(order.lang).to_string()),
        ("societe", order.societe.to_string()),
    ];
    Ok(seal(fields, key))
}

/// What the bank answered a capture, release or recredit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallOutcome {
    /// Done (`cdr=1`); `aut` is the authorization number when given.
    Accepted { lib: String, aut: Option<String> },
    /// Done before (emulator convention `cdr=2`): a repeated capture whose
    /// first answer was lost counts as captured.
    AlreadyDone { lib: String },
    /// Refused (`cdr=0`): nothing moved.
    Declined { lib: String },
    /// A `cdr` PayBook does not know: never guessed (needs review).
    Unrecognized { cdr: String, lib: String },
}

/// Why an answer cannot be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AnswerError {
    /// A non-empty line without `=`.
    NotKeyValue(String),
    /// A key given twice.
    Duplicate(String),
    /// No `cdr` line.
    MissingCdr,
}

impl fmt::Display for AnswerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AnswerError::NotKeyValue(line) => write!(f, "answer line {line:?} is not key=value"),
            AnswerError::Duplicate(key) => write!(f, "answer key {key:?} given twice"),
            AnswerError::MissingCdr => f.write_str("answer without cdr"),
        }
    }
}

/// The `key=value` lines of an answer (`\n` or `\r\n`; blank lines skipped).
pub fn parse_lines(body: &str) -> Result<BTreeMap<String, String>, AnswerError> {
    let mut fields = BTreeMap::new();
    for line in body.lines().map(str::trim_end).filter(|l| !l.is_empty()) {
        let (name, value) = line
            .split_once('=')
            .ok_or_else(|| AnswerError::NotKeyValue(line.to_string()))?;
        if fields.insert(name.to_string(), value.to_string()).is_some() {
            return Err(AnswerError::Duplicate(name.to_string()));
        }
    }
    Ok(fields)
}

/// What an answer says.
pub fn read_answer(body: &str) -> Result<CallOutcome, AnswerError> {
    let mut fields = parse_lines(body)?;
    let cdr = fields.remove("cdr").ok_or(AnswerError::MissingCdr)?;
    let lib = fields.remove("lib").unwrap_or_default();
    Ok(match cdr.as_str() {
        "1" => CallOutcome::Accepted {
            lib,
            aut: fields.remove("aut").filter(|a| !a.is_empty()),
        },
        "2" => CallOutcome::AlreadyDone { lib },
        "0" => CallOutcome::Declined { lib },
        other => CallOutcome::Unrecognized {
            cdr: other.to_string(),
            lib,
        },
    })
}

#[cfg(test)]
#[path = "capture_tests.rs"]
mod tests;
