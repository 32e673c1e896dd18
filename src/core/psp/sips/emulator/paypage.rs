//! `paymentInit` as the emulator checks it, and the payment response it
//! sends back. A request is read first (its form fields, its `Data`: `30`
//! when unreadable), then checked against its merchant: unknown merchant,
//! another key version or a seal that is not the merchant key's over the
//! raw `Data` as posted is `34`. The response is a `Data` in Sips' shape,
//! sealed with the request's algorithm and the merchant's key, posted as
//! a form (`Data`, `Seal`, `InterfaceVersion`, `Encode`).

use crate::core::psp::sips::codes::ResponseCode;
use crate::core::psp::sips::data::{decode_data, join_pairs, DataError};
use crate::core::psp::sips::init::{parse_request, ReceivedRequest};
use crate::core::psp::sips::seal::{paypage_seal, verify_paypage_seal, SealAlgorithm};
use crate::core::psp::sips::PAYPAGE_INTERFACE_VERSION;
use crate::core::sql::emulator::sips::{Merchant, Transaction};
use crate::core::time::UtcTime;

use super::state::{capture_limit, limit_date};

/// The form a browser posts to `paymentInit`, as posted.
#[derive(Clone, Copy, Debug)]
pub struct InitForm<'a> {
    pub data: &'a str,
    pub seal: &'a str,
    pub interface_version: &'a str,
    /// Empty: SHA-256, Sips' default.
    pub seal_algorithm: &'a str,
    pub encode: &'a str,
    /// Empty when not posted apart from `Data`.
    pub key_version: &'a str,
}

/// Why `paymentInit` shows its error page; nothing is recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InitRefusal {
    pub code: ResponseCode,
    /// What was wrong, for the page (never a secret).
    pub detail: String,
}

fn format_error(detail: impl Into<String>) -> InitRefusal {
    InitRefusal {
        code: ResponseCode::FormatError,
        detail: detail.into(),
    }
}

/// A request read: its fields and the seal algorithm it names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadInit {
    pub request: ReceivedRequest,
    pub algorithm: SealAlgorithm,
}

/// Reads the posted form and its `Data` (`30` when it cannot).
pub fn read_init(form: &InitForm<'_>) -> Result<ReadInit, InitRefusal> {
    for (name, value) in [
        ("Data", form.data),
        ("Seal", form.seal),
        ("InterfaceVersion", form.interface_version),
    ] {
        if value.trim().is_empty() {
            return Err(format_error(format!("{name} is missing")));
        }
    }
    let algorithm = if form.seal_algorithm.is_empty() {
        SealAlgorithm::Sha256
    } else {
        SealAlgorithm::parse(form.seal_algorithm)
            .ok_or_else(|| format_error("SealAlgorithm is not one Sips knows"))?
    };
    let plain = decode_data(form.data, form.encode).map_err(|e| format_error(e.to_string()))?;
    let request = parse_request(&plain).map_err(|e: DataError| format_error(e.to_string()))?;
    if request.amount.cents() == 0 {
        return Err(format_error("amount is zero"));
    }
    Ok(ReadInit { request, algorithm })
}

/// `34` unless `merchant` is the request's, with its key version, and the
/// seal is its key's over the raw `Data`.
pub fn check_init_seal(
    form: &InitForm<'_>,
    read: &ReadInit,
    merchant: Option<&Merchant>,
) -> Result<(), InitRefusal> {
    let fraud = |detail: &str| InitRefusal {
        code: ResponseCode::FraudSuspected,
        detail: detail.to_owned(),
    };
    let Some(merchant) = merchant else {
        return Err(fraud("unknown merchant"));
    };
    let version = i64::from(read.request.key_version);
    let posted_version = form.key_version.trim();
    if version != merchant.key_version
        || (!posted_version.is_empty() && posted_version != version.to_string())
    {
        return Err(fraud("key version"));
    }
    if !verify_paypage_seal(read.algorithm, form.data, &merchant.secret_key, form.seal) {
        return Err(fraud("seal"));
    }
    Ok(())
}

/// The buyer's decision as the response tells it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decided<'a> {
    pub code: &'a ResponseCode,
    /// Six digits on `00`.
    pub authorisation_id: Option<&'a str>,
    pub masked_pan: Option<&'a str>,
    pub brand: Option<&'a str>,
    pub now: UtcTime,
}

/// The response `Data` for transaction `t` decided as `d`, in Sips' shape
/// (literal `null` for what does not apply, as Sips writes it).
pub fn response_data(
    t: &Transaction,
    key_version: i64,
    d: &Decided<'_>,
) -> Result<String, DataError> {
    let or_null = |v: Option<&str>| v.unwrap_or("null").to_owned();
    let accepted = *d.code == ResponseCode::Accepted;
    let limit = accepted.then(|| limit_date(capture_limit(d.now, t.capture_day)));
    let pairs = [
        ("captureDay", t.capture_day.to_string()),
        ("captureMode", t.capture_mode.clone()),
        ("currencyCode", t.currency_code.clone()),
        ("merchantId", t.merchant_id.clone()),
        ("orderChannel", "INTERNET".to_owned()),
        ("responseCode", d.code.as_str().to_owned()),
        ("transactionDateTime", iso_with_offset(d.now)),
        ("transactionReference", t.transaction_reference.clone()),
        ("keyVersion", key_version.to_string()),
        (
            "acquirerResponseCode",
            or_null(Some(d.code.as_str()).filter(|_| d.masked_pan.is_some())),
        ),
        ("amount", t.origin_cents.to_string()),
        ("authorisationId", or_null(d.authorisation_id)),
        ("captureLimitDate", or_null(limit.as_deref())),
        ("customerLanguage", or_null(t.customer_language.as_deref())),
        (
            "guaranteeIndicator",
            if accepted { "Y" } else { "null" }.to_owned(),
        ),
        (
            "holderAuthentStatus",
            if d.masked_pan.is_some() {
                "3D_SUCCESS"
            } else {
                "null"
            }
            .to_owned(),
        ),
        ("maskedPan", or_null(d.masked_pan)),
        ("paymentMeanBrand", or_null(d.brand)),
        (
            "paymentMeanType",
            if d.masked_pan.is_some() {
                "CARD"
            } else {
                "null"
            }
            .to_owned(),
        ),
    ];
    let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    join_pairs(&borrowed)
}

/// ISO-8601 with an offset, as Sips writes `transactionDateTime`.
fn iso_with_offset(t: UtcTime) -> String {
    let (y, mo, d, h, mi, s) = t.parts();
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}+00:00")
}

/// The seal of a response `Data` with the request's algorithm.
pub fn response_seal(t: &Transaction, data: &str, secret_key: &str) -> String {
    let algorithm = SealAlgorithm::parse(&t.seal_algorithm).unwrap_or(SealAlgorithm::Sha256);
    paypage_seal(algorithm, data, secret_key)
}

/// The fields of a response as posted (automatic and manual alike).
pub fn response_fields<'a>(data: &'a str, seal: &'a str) -> [(&'static str, &'a str); 4] {
    [
        ("Data", data),
        ("Encode", ""),
        ("InterfaceVersion", PAYPAGE_INTERFACE_VERSION),
        ("Seal", seal),
    ]
}

/// The urlencoded body of a response.
pub fn response_body(data: &str, seal: &str) -> String {
    serde_urlencoded::to_string(response_fields(data, seal)).unwrap_or_default()
}
