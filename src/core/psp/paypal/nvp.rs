//! The PayPal NVP wire format (classic Express Checkout API, VERSION 204):
//! building and form-encoding requests, decoding answers, PayPal's own
//! answer encoding (lower-case hex escapes, used by the emulator), the ACK,
//! error list, payment/pending/checkout statuses, and typed views of the
//! answers the platform reads. Sans-IO: values in, values out; every
//! malformed input is an `NvpError`, never a panic.
//! See `shared/reference/paypal-nvp.md` for the sources of every name here.

use std::fmt;

use crate::core::money::Amount;
use crate::core::time::UtcTime;

/// The API version sent with every call (spec §10). PayPal echoes it back.
pub const VERSION: &str = "204";

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// Why bytes are not a usable NVP message or answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NvpError {
    /// A `%` not followed by two hex digits, at this byte offset of the body.
    MalformedEscape { offset_bytes: usize },
    /// A decoded name or value is not UTF-8; the pair starts at this byte
    /// offset of the body.
    InvalidUtf8 { offset_bytes: usize },
    /// A field a typed view needs is absent or empty.
    MissingField(String),
    /// A field that should hold an amount does not.
    InvalidAmount { field: String, value: String },
}

impl fmt::Display for NvpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NvpError::MalformedEscape { offset_bytes } => {
                write!(f, "malformed percent escape at byte {offset_bytes}")
            }
            NvpError::InvalidUtf8 { offset_bytes } => {
                write!(f, "field at byte {offset_bytes} is not UTF-8")
            }
            NvpError::MissingField(name) => write!(f, "missing field {name}"),
            NvpError::InvalidAmount { field, value } => {
                write!(f, "field {field} is not an amount: {value:?}")
            }
        }
    }
}

impl std::error::Error for NvpError {}

// ---------------------------------------------------------------------------
// Encoding and decoding
// ---------------------------------------------------------------------------

const LOWER_HEX: &[u8; 16] = b"0123456789abcdef";
const UPPER_HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Appends `text` to `out`, keeping the bytes `keep` accepts and escaping
/// every other byte as `%XX` with the given hex digits.
fn percent_encode_into(out: &mut String, text: &str, keep: fn(u8) -> bool, hex: &[u8; 16]) {
    for byte in text.bytes() {
        if keep(byte) {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(hex[usize::from(byte >> 4)]));
            out.push(char::from(hex[usize::from(byte & 0x0f)]));
        }
    }
}

fn encode_pairs(fields: &[(String, String)], keep: fn(u8) -> bool, hex: &[u8; 16]) -> String {
    let mut out = String::new();
    for (i, (name, value)) in fields.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        percent_encode_into(&mut out, name, keep, hex);
        out.push('=');
        percent_encode_into(&mut out, value, keep, hex);
    }
    out
}

/// RFC 3986 unreserved characters: safe unescaped in any form body.
fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~')
}

/// What PayPal leaves unescaped in its answers.
fn is_paypal_plain(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// Encodes fields the way PayPal encodes its answers: every byte that is not
/// ASCII alphanumeric or `_` becomes `%xx` with LOWER-case hex (`.` →
/// `%2e`, `-` → `%2d`, space → `%20`), so the emulator's bytes look like the
/// recorded ones (`TIMESTAMP=2013%2d02%2d20T13%3a55%3a50Z`).
pub fn encode_like_paypal(fields: &[(String, String)]) -> String {
    encode_pairs(fields, is_paypal_plain, LOWER_HEX)
}

/// The value of one hex digit, either case.
fn hex_value(byte: u8) -> Option<u8> {
    char::from(byte)
        .to_digit(16)
        .and_then(|digit| u8::try_from(digit).ok())
}

/// Decodes one name or value (`+` is a space, `%xx` in either case);
/// `start_bytes` (of the component) and `pair_start_bytes` (of its pair) are
/// offsets in the body, for error messages.
fn decode_component(
    raw: &str,
    start_bytes: usize,
    pair_start_bytes: usize,
) -> Result<String, NvpError> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => {
                let high = bytes.get(i + 1).copied().and_then(hex_value);
                let low = bytes.get(i + 2).copied().and_then(hex_value);
                let (Some(high), Some(low)) = (high, low) else {
                    return Err(NvpError::MalformedEscape {
                        offset_bytes: start_bytes + i,
                    });
                };
                out.push(high << 4 | low);
                i += 3;
            }
            other => {
                out.push(other);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| NvpError::InvalidUtf8 {
        offset_bytes: pair_start_bytes,
    })
}

/// Decodes an `application/x-www-form-urlencoded` body into its (name,
/// value) pairs, in order. Accepts `%xx` in lower or upper case and `+` for
/// a space; empty segments (`a=1&&b=2`) are skipped and a segment without
/// `=` is a name with an empty value, as browsers do.
pub fn decode(body: &str) -> Result<Vec<(String, String)>, NvpError> {
    let mut fields = Vec::new();
    let mut offset_bytes = 0;
    for segment in body.split('&') {
        let start_bytes = offset_bytes;
        offset_bytes += segment.len() + 1;
        if segment.is_empty() {
            continue;
        }
        let (name, value, value_start_bytes) = match segment.find('=') {
            Some(at) => (&segment[..at], &segment[at + 1..], start_bytes + at + 1),
            None => (segment, "", start_bytes + segment.len()),
        };
        fields.push((
            decode_component(name, start_bytes, start_bytes)?,
            decode_component(value, value_start_bytes, start_bytes)?,
        ));
    }
    Ok(fields)
}

/// Decodes a request body sent to the NVP endpoint (the emulator's side);
/// the same form decoding as answers.
pub fn decode_request(body: &str) -> Result<Vec<(String, String)>, NvpError> {
    decode(body)
}

// ---------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------

/// The NVP methods the platform calls (and the emulator answers).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    SetExpressCheckout,
    GetExpressCheckoutDetails,
    DoExpressCheckoutPayment,
    GetBalance,
    GetTransactionDetails,
}

impl Method {
    pub const ALL: [Method; 5] = [
        Method::SetExpressCheckout,
        Method::GetExpressCheckoutDetails,
        Method::DoExpressCheckoutPayment,
        Method::GetBalance,
        Method::GetTransactionDetails,
    ];

    /// The `METHOD` value on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::SetExpressCheckout => "SetExpressCheckout",
            Method::GetExpressCheckoutDetails => "GetExpressCheckoutDetails",
            Method::DoExpressCheckoutPayment => "DoExpressCheckoutPayment",
            Method::GetBalance => "GetBalance",
            Method::GetTransactionDetails => "GetTransactionDetails",
        }
    }

    /// The method named exactly `text`; `None` for any other (PayPal
    /// answers 81002 to those).
    pub fn parse(text: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.as_str() == text)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// API signature credentials of one PayPal account.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: String,
    pub signature: String,
}

// Hand-written so that a `{:?}` in a log or trace never leaks a secret.
impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("signature", &"<redacted>")
            .finish()
    }
}

/// The fields that carry credentials; never written to a trace.
const SECRET_FIELDS: [&str; 3] = ["USER", "PWD", "SIGNATURE"];

/// One NVP call: ordered (name, value) pairs, starting with the credentials,
/// `METHOD` and `VERSION`.
#[derive(Clone, PartialEq, Eq)]
pub struct NvpRequest {
    method: Method,
    fields: Vec<(String, String)>,
}

impl NvpRequest {
    /// A call of `method` with `credentials` and VERSION 204.
    pub fn new(method: Method, credentials: &Credentials) -> NvpRequest {
        NvpRequest {
            method,
            fields: vec![
                ("USER".to_owned(), credentials.username.clone()),
                ("PWD".to_owned(), credentials.password.clone()),
                ("SIGNATURE".to_owned(), credentials.signature.clone()),
                ("METHOD".to_owned(), method.as_str().to_owned()),
                ("VERSION".to_owned(), VERSION.to_owned()),
            ],
        }
    }

    /// Sets `name` to `value`: replaces the value in place when the name is
    /// already there (a name never appears twice on the wire), else appends.
    pub fn field(mut self, name: impl Into<String>, value: impl Into<String>) -> NvpRequest {
        let (name, value) = (name.into(), value.into());
        match self.fields.iter_mut().find(|(n, _)| *n == name) {
            Some(existing) => existing.1 = value,
            None => self.fields.push((name, value)),
        }
        self
    }

    pub fn method(&self) -> Method {
        self.method
    }

    /// The value of `name`, if set.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// All fields in order, credentials included: only for encoding.
    pub fn fields(&self) -> &[(String, String)] {
        &self.fields
    }

    /// The form-encoded body (`&` separators, `%XX` escapes, space as
    /// `%20`): what is POSTed to the NVP endpoint.
    pub fn encode(&self) -> String {
        encode_pairs(&self.fields, is_unreserved, UPPER_HEX)
    }

    /// The fields without USER, PWD and SIGNATURE, for audit traces: secrets
    /// never reach a trace.
    pub fn redacted(&self) -> Vec<(String, String)> {
        self.fields
            .iter()
            .filter(|(name, _)| !SECRET_FIELDS.contains(&name.as_str()))
            .cloned()
            .collect()
    }
}

// Hand-written so that `{:?}` shows the redacted fields only.
impl fmt::Debug for NvpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NvpRequest")
            .field("method", &self.method)
            .field("fields", &self.redacted())
            .finish()
    }
}

// ---------------------------------------------------------------------------
// Answers
// ---------------------------------------------------------------------------

/// The `ACK` of an answer (AckCodeType).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ack {
    Success,
    SuccessWithWarning,
    Failure,
    FailureWithWarning,
    Warning,
    PartialSuccess,
    CustomCode,
    Unknown(String),
}

impl Ack {
    /// Case-insensitive; anything else (including an absent ACK, `""`) is
    /// `Unknown`.
    pub fn parse(text: &str) -> Ack {
        let known = [
            Ack::Success,
            Ack::SuccessWithWarning,
            Ack::Failure,
            Ack::FailureWithWarning,
            Ack::Warning,
            Ack::PartialSuccess,
            Ack::CustomCode,
        ];
        known
            .into_iter()
            .find(|ack| ack.as_str().eq_ignore_ascii_case(text))
            .unwrap_or_else(|| Ack::Unknown(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        match self {
            Ack::Success => "Success",
            Ack::SuccessWithWarning => "SuccessWithWarning",
            Ack::Failure => "Failure",
            Ack::FailureWithWarning => "FailureWithWarning",
            Ack::Warning => "Warning",
            Ack::PartialSuccess => "PartialSuccess",
            Ack::CustomCode => "CustomCode",
            Ack::Unknown(text) => text,
        }
    }

    /// Success and SuccessWithWarning mean the call did its work (11607
    /// answers SuccessWithWarning with the original result attached).
    pub fn is_success(&self) -> bool {
        match self {
            Ack::Success | Ack::SuccessWithWarning => true,
            Ack::Failure
            | Ack::FailureWithWarning
            | Ack::Warning
            | Ack::PartialSuccess
            | Ack::CustomCode
            | Ack::Unknown(_) => false,
        }
    }
}

/// One entry of the `L_ERRORCODEn` … list of an answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorItem {
    pub code: String,
    pub short_message: String,
    pub long_message: String,
    /// `Error` or `Warning`.
    pub severity: String,
}

/// A decoded answer: its fields in the order PayPal sent them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NvpResponse {
    fields: Vec<(String, String)>,
}

impl NvpResponse {
    /// Decodes an answer body (see [`decode`]).
    pub fn parse(body: &str) -> Result<NvpResponse, NvpError> {
        decode(body).map(|fields| NvpResponse { fields })
    }

    /// An answer made of these fields (the emulator builds its answers so).
    pub fn from_fields(fields: Vec<(String, String)>) -> NvpResponse {
        NvpResponse { fields }
    }

    /// The body PayPal would send for these fields.
    pub fn encode(&self) -> String {
        encode_like_paypal(&self.fields)
    }

    /// The first value of `name`, if present (possibly empty).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn fields(&self) -> &[(String, String)] {
        &self.fields
    }

    pub fn ack(&self) -> Ack {
        Ack::parse(self.get("ACK").unwrap_or(""))
    }

    pub fn is_success(&self) -> bool {
        self.ack().is_success()
    }

    /// `L_ERRORCODEn`, `L_SHORTMESSAGEn`, `L_LONGMESSAGEn`,
    /// `L_SEVERITYCODEn` for n = 0, 1, … until none of the four is present;
    /// a missing piece of an entry is empty.
    pub fn errors(&self) -> Vec<ErrorItem> {
        let mut items = Vec::new();
        for n in 0.. {
            let code = self.get(&format!("L_ERRORCODE{n}"));
            let short_message = self.get(&format!("L_SHORTMESSAGE{n}"));
            let long_message = self.get(&format!("L_LONGMESSAGE{n}"));
            let severity = self.get(&format!("L_SEVERITYCODE{n}"));
            if code.is_none()
                && short_message.is_none()
                && long_message.is_none()
                && severity.is_none()
            {
                break;
            }
            items.push(ErrorItem {
                code: code.unwrap_or("").to_owned(),
                short_message: short_message.unwrap_or("").to_owned(),
                long_message: long_message.unwrap_or("").to_owned(),
                severity: severity.unwrap_or("").to_owned(),
            });
        }
        items
    }

    pub fn first_error(&self) -> Option<ErrorItem> {
        self.errors().into_iter().next()
    }

    /// Whether any listed error has this code (e.g. `"10486"`).
    pub fn has_error_code(&self, code: &str) -> bool {
        self.errors().iter().any(|e| e.code == code)
    }

    /// PayPal's id of the call, for support requests and traces.
    pub fn correlation_id(&self) -> Option<&str> {
        self.non_empty("CORRELATIONID")
    }

    /// `TIMESTAMP`, when present and well formed.
    pub fn timestamp(&self) -> Option<UtcTime> {
        self.get("TIMESTAMP").and_then(UtcTime::parse)
    }

    pub fn token(&self) -> Option<&str> {
        self.non_empty("TOKEN")
    }

    /// The value of `name` when present and not empty: PayPal sends some
    /// optional fields empty, which means the same as absent.
    fn non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.is_empty())
    }

    fn required(&self, name: &str) -> Result<&str, NvpError> {
        self.non_empty(name)
            .ok_or_else(|| NvpError::MissingField(name.to_owned()))
    }

    /// The first of `names` present and not empty.
    fn first_of(&self, names: &[&str]) -> Option<&str> {
        names.iter().find_map(|name| self.non_empty(name))
    }

    fn optional_string(&self, names: &[&str]) -> Option<String> {
        self.first_of(names).map(str::to_owned)
    }

    /// The amount in the first of `names` present; a present value that is
    /// not an amount is an error, not `None`.
    fn optional_amount(&self, names: &[&str]) -> Result<Option<Amount>, NvpError> {
        for name in names {
            if let Some(value) = self.non_empty(name) {
                return parse_amount(name, value).map(Some);
            }
        }
        Ok(None)
    }
}

/// Parses a PayPal amount: `20.00`, `1000` (JPY), maybe with `,` thousands
/// separators (`1,000.00`), which PayPal allows.
fn parse_amount(field: &str, value: &str) -> Result<Amount, NvpError> {
    let without_separators: String = value.chars().filter(|c| *c != ',').collect();
    Amount::parse_decimal(&without_separators).ok_or_else(|| NvpError::InvalidAmount {
        field: field.to_owned(),
        value: value.to_owned(),
    })
}

// ---------------------------------------------------------------------------
// Statuses
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Typed views. They read fields only and do not look at ACK: check
// `NvpResponse::is_success` / `errors` first. Absent or empty optional fields
// are `None`; a present amount that is not an amount is an error.
// ---------------------------------------------------------------------------

/// What SetExpressCheckout answers on success.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetExpressCheckoutAnswer {
    pub token: String,
}

pub fn set_express_checkout_answer(
    answer: &NvpResponse,
) -> Result<SetExpressCheckoutAnswer, NvpError> {
    Ok(SetExpressCheckoutAnswer {
        token: answer.required("TOKEN")?.to_owned(),
    })
}

/// What GetExpressCheckoutDetails says about a checkout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckoutDetails {
    pub token: String,
    pub checkout_status: CheckoutStatus,
    /// Present once the buyer approved.
    pub payer_id: Option<String>,
    pub amount: Option<Amount>,
    pub currency: Option<String>,
    pub invnum: Option<String>,
    /// Present once paid (PaymentActionCompleted).
    pub transaction_id: Option<String>,
}

pub fn checkout_details(answer: &NvpResponse) -> Result<CheckoutDetails, NvpError> {
    Ok(CheckoutDetails {
        token: answer.required("TOKEN")?.to_owned(),
        checkout_status: CheckoutStatus::parse(answer.required("CHECKOUTSTATUS")?),
        payer_id: answer.optional_string(&["PAYERID"]),
        // The PAYMENTREQUEST_0_ names are current; the bare ones are the
        // deprecated duplicates PayPal still sends.
        amount: answer.optional_amount(&["PAYMENTREQUEST_0_AMT", "AMT"])?,
        currency: answer.optional_string(&["PAYMENTREQUEST_0_CURRENCYCODE", "CURRENCYCODE"]),
        invnum: answer.optional_string(&["PAYMENTREQUEST_0_INVNUM", "INVNUM"]),
        transaction_id: answer.optional_string(&[
            "PAYMENTREQUEST_0_TRANSACTIONID",
            "PAYMENTREQUESTINFO_0_TRANSACTIONID",
        ]),
    })
}

/// The payment DoExpressCheckoutPayment made (`PAYMENTINFO_0_*`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentInfo {
    pub transaction_id: String,
    pub payment_status: PaymentStatus,
    pub pending_reason: Option<PendingReason>,
    pub amount: Option<Amount>,
    /// Absent in a pending or multi-currency capture.
    pub fee: Option<Amount>,
    pub currency: Option<String>,
    /// The receiver's payer id.
    pub secure_merchant_account_id: Option<String>,
    /// The receiver's e-mail (sent when the receiver is not the caller).
    pub seller_paypal_account_id: Option<String>,
    /// Echoed MSGSUBID.
    pub msgsubid: Option<String>,
}

pub fn payment_info(answer: &NvpResponse) -> Result<PaymentInfo, NvpError> {
    Ok(PaymentInfo {
        transaction_id: answer.required("PAYMENTINFO_0_TRANSACTIONID")?.to_owned(),
        payment_status: PaymentStatus::parse(answer.required("PAYMENTINFO_0_PAYMENTSTATUS")?),
        pending_reason: answer
            .first_of(&["PAYMENTINFO_0_PENDINGREASON"])
            .map(PendingReason::parse),
        amount: answer.optional_amount(&["PAYMENTINFO_0_AMT"])?,
        fee: answer.optional_amount(&["PAYMENTINFO_0_FEEAMT"])?,
        currency: answer.optional_string(&["PAYMENTINFO_0_CURRENCYCODE"]),
        secure_merchant_account_id: answer
            .optional_string(&["PAYMENTINFO_0_SECUREMERCHANTACCOUNTID"]),
        seller_paypal_account_id: answer.optional_string(&["PAYMENTINFO_0_SELLERPAYPALACCOUNTID"]),
        msgsubid: answer.optional_string(&["MSGSUBID"]),
    })
}

/// What GetTransactionDetails says about one transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransactionDetails {
    pub transaction_id: String,
    pub payment_status: PaymentStatus,
    pub pending_reason: Option<PendingReason>,
    pub amount: Option<Amount>,
    pub currency: Option<String>,
    pub invnum: Option<String>,
    pub receiver_id: Option<String>,
    pub receiver_email: Option<String>,
}

pub fn transaction_details(answer: &NvpResponse) -> Result<TransactionDetails, NvpError> {
    Ok(TransactionDetails {
        transaction_id: answer.required("TRANSACTIONID")?.to_owned(),
        payment_status: PaymentStatus::parse(answer.required("PAYMENTSTATUS")?),
        pending_reason: answer
            .first_of(&["PENDINGREASON"])
            .map(PendingReason::parse),
        amount: answer.optional_amount(&["AMT"])?,
        currency: answer.optional_string(&["CURRENCYCODE"]),
        invnum: answer.optional_string(&["INVNUM"]),
        receiver_id: answer.optional_string(&["RECEIVERID"]),
        receiver_email: answer.optional_string(&["RECEIVEREMAIL"]),
    })
}

/// The calling account's balance (GetBalance, first currency).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Balance {
    pub amount: Amount,
    pub currency: String,
}

pub fn balance(answer: &NvpResponse) -> Result<Balance, NvpError> {
    let amount_text = answer.required("L_AMT0")?;
    Ok(Balance {
        amount: parse_amount("L_AMT0", amount_text)?,
        currency: answer.required("L_CURRENCYCODE0")?.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Raw answers recorded from PayPal, copied verbatim from
    // shared/reference/paypal-nvp-fixtures.md (sources in brackets).

    /// [DJPP] test_setExpressCheckout.yaml, sandbox, v116.
    const SET_EC_SUCCESS_V116: &str = "TOKEN=EC%2d3LF340639R522674Y&TIMESTAMP=2016%2d10%2d06T11%3a57%3a28Z&CORRELATIONID=ec0595edef36&ACK=Success&VERSION=116%2e0&BUILD=25889633";

    /// [OMNI] ExpressPurchaseSuccess.txt, v85.
    const SET_EC_SUCCESS_V85: &str = "TOKEN=EC%2d42721413K79637829&TIMESTAMP=2013%2d02%2d15T19%3a19%3a21Z&CORRELATIONID=37b8b9915987c&ACK=Success&VERSION=85%2e0&BUILD=5060305";

    /// [SMASH] SetExpressCheckoutSuccess.response, v204.
    const SET_EC_SUCCESS_V204: &str = "TOKEN=EC%2d9J76236023054520Y&TIMESTAMP=2022%2d11%2d23T19%3a59%3a19Z&CORRELATIONID=a39dc9a647360&ACK=Success&VERSION=204&BUILD=57888165";

    /// [SMASH] SetExpressCheckoutFail.response: 10605.
    const SET_EC_FAILURE_10605: &str = "TIMESTAMP=2022%2d11%2d23T19%3a56%3a57Z&CORRELATIONID=56c791f4c19e5&ACK=Failure&VERSION=204&BUILD=57888165&L_ERRORCODE0=10605&L_SHORTMESSAGE0=Transaction%20refused%20because%20of%20an%20invalid%20argument%2e%20See%20additional%20error%20messages%20for%20details%2e&L_LONGMESSAGE0=Receiving%20country%20does%20not%20support%20the%20transaction%20currency%2e&L_SEVERITYCODE0=Error";

    /// [OSCAR] api_tests.py: bad credentials, any method.
    const BAD_CREDENTIALS_10002: &str = "TIMESTAMP=2012%2d03%2d26T16%3a33%3a09Z&CORRELATIONID=3bea2076bb9c3&ACK=Failure&VERSION=0%2e000000&BUILD=2649250&L_ERRORCODE0=10002&L_SHORTMESSAGE0=Security%20error&L_LONGMESSAGE0=Security%20header%20is%20not%20valid&L_SEVERITYCODE0=Error";

    /// [OMNI] ExpressPurchaseFailure.txt: zero amount. The recording's
    /// TIMESTAMP and CORRELATIONID are elided in the reference; these two
    /// are reconstructed (plausible values of the same shape).
    const ZERO_AMOUNT_10525: &str = "TIMESTAMP=2013%2d02%2d15T19%3a22%3a43Z&CORRELATIONID=4f5f7a5a3b1c2&ACK=Failure&VERSION=85%2e0&BUILD=5060305&L_ERRORCODE0=10525&L_SHORTMESSAGE0=Invalid%20Data&L_LONGMESSAGE0=This%20transaction%20cannot%20be%20processed%2e%20The%20amount%20to%20be%20charged%20is%20zero%2e&L_SEVERITYCODE0=Error";

    /// [OSCAR] view_tests.py BuyerPaysOnPaypalResponseTests, sandbox, v119.
    const GET_EC_APPROVED: &str = "TOKEN=EC%2d7F151994RW7618524&BILLINGAGREEMENTACCEPTEDSTATUS=0&CHECKOUTSTATUS=PaymentActionNotInitiated&TIMESTAMP=2014%2d12%2d14T10%3a49%3a10Z&CORRELATIONID=5ef454cceaf17&ACK=Success&VERSION=119&BUILD=14107150&EMAIL=info%2dbuyer%40test%2ecom&PAYERID=Y8K3PSJYN24D4&PAYERSTATUS=verified&FIRSTNAME=Test&LASTNAME=Buyer&COUNTRYCODE=IT&SHIPTONAME=Test%20Buyer&SHIPTOSTREET=street%20Test%2c%201&SHIPTOSTREET2=line2&SHIPTOCITY=London&SHIPTOSTATE=London&SHIPTOZIP=SW74TU&SHIPTOCOUNTRYCODE=GB&SHIPTOCOUNTRYNAME=United%20Kingdom&ADDRESSSTATUS=Confirmed&CURRENCYCODE=EUR&AMT=23%2e99&ITEMAMT=23%2e99&SHIPPINGAMT=0%2e00&HANDLINGAMT=0%2e00&TAXAMT=0%2e00&INSURANCEAMT=0%2e00&SHIPDISCAMT=0%2e00&L_NAME0=Hacking%20Exposed%20Wireless&L_NUMBER0=9780072262582&L_QTY0=1&L_TAXAMT0=0%2e00&L_AMT0=23%2e99&L_DESC0=This%20is%20an%20invaluable%20resource%20for%20any%20IT%20professional%20who%20works%20with%20%2e%2e%2e&L_ITEMWEIGHTVALUE0=%20%20%200%2e00000&L_ITEMLENGTHVALUE0=%20%20%200%2e00000&L_ITEMWIDTHVALUE0=%20%20%200%2e00000&L_ITEMHEIGHTVALUE0=%20%20%200%2e00000&PAYMENTREQUEST_0_CURRENCYCODE=EUR&PAYMENTREQUEST_0_AMT=23%2e99&PAYMENTREQUEST_0_ITEMAMT=23%2e99&PAYMENTREQUEST_0_SHIPPINGAMT=0%2e00&PAYMENTREQUEST_0_HANDLINGAMT=0%2e00&PAYMENTREQUEST_0_TAXAMT=0%2e00&PAYMENTREQUEST_0_INSURANCEAMT=0%2e00&PAYMENTREQUEST_0_SHIPDISCAMT=0%2e00&PAYMENTREQUEST_0_INSURANCEOPTIONOFFERED=false&PAYMENTREQUEST_0_SHIPTONAME=Test%20Buyer&PAYMENTREQUEST_0_SHIPTOSTREET=street%20Test%2c%201&PAYMENTREQUEST_0_SHIPTOSTREET2=line2&PAYMENTREQUEST_0_SHIPTOCITY=London&PAYMENTREQUEST_0_SHIPTOSTATE=London&PAYMENTREQUEST_0_SHIPTOZIP=SW74TU&PAYMENTREQUEST_0_SHIPTOCOUNTRYCODE=GB&PAYMENTREQUEST_0_SHIPTOCOUNTRYNAME=United%20Kingdom&PAYMENTREQUEST_0_ADDRESSSTATUS=Confirmed&PAYMENTREQUEST_0_ADDRESSNORMALIZATIONSTATUS=None&L_PAYMENTREQUEST_0_NAME0=Hacking%20Exposed%20Wireless&L_PAYMENTREQUEST_0_NUMBER0=9780072262582&L_PAYMENTREQUEST_0_QTY0=1&L_PAYMENTREQUEST_0_TAXAMT0=0%2e00&L_PAYMENTREQUEST_0_AMT0=23%2e99&L_PAYMENTREQUEST_0_DESC0=This%20is%20an%20invaluable%20resource%20for%20any%20IT%20professional%20who%20works%20with%20%2e%2e%2e&L_PAYMENTREQUEST_0_ITEMWEIGHTVALUE0=%20%20%200%2e00000&L_PAYMENTREQUEST_0_ITEMLENGTHVALUE0=%20%20%200%2e00000&L_PAYMENTREQUEST_0_ITEMWIDTHVALUE0=%20%20%200%2e00000&L_PAYMENTREQUEST_0_ITEMHEIGHTVALUE0=%20%20%200%2e00000&PAYMENTREQUESTINFO_0_ERRORCODE=0";

    /// [SMASH] GetLatestPaymentStatusNotClicked.response, v204: no PAYERID.
    const GET_EC_NOT_APPROVED: &str = "TOKEN=EC%2d3N850751G6970773S&BILLINGAGREEMENTACCEPTEDSTATUS=0&CHECKOUTSTATUS=PaymentActionNotInitiated&TIMESTAMP=2023%2d01%2d27T02%3a34%3a59Z&CORRELATIONID=76fd8517298ef&ACK=Success&VERSION=204&BUILD=57992799&CURRENCYCODE=USD&AMT=77%2e00&ITEMAMT=77%2e00&SHIPPINGAMT=0%2e00&HANDLINGAMT=0%2e00&TAXAMT=0%2e00&CUSTOM=47%2e1&DESC=Wikimedia%20877%20600%209454&INVNUM=47%2e1&INSURANCEAMT=0%2e00&SHIPDISCAMT=0%2e00&INSURANCEOPTIONOFFERED=false&L_NAME0=1&L_QTY0=1&L_TAXAMT0=0%2e00&L_AMT0=77%2e00&L_DESC0=Wikimedia%20877%20600%209454&PAYMENTREQUEST_0_CURRENCYCODE=USD&PAYMENTREQUEST_0_AMT=77%2e00&PAYMENTREQUEST_0_ITEMAMT=77%2e00&PAYMENTREQUEST_0_SHIPPINGAMT=0%2e00&PAYMENTREQUEST_0_HANDLINGAMT=0%2e00&PAYMENTREQUEST_0_TAXAMT=0%2e00&PAYMENTREQUEST_0_CUSTOM=47%2e1&PAYMENTREQUEST_0_DESC=Wikimedia%20877%20600%209454&PAYMENTREQUEST_0_INVNUM=47%2e1&PAYMENTREQUEST_0_INSURANCEAMT=0%2e00&PAYMENTREQUEST_0_SHIPDISCAMT=0%2e00&PAYMENTREQUEST_0_SELLERPAYPALACCOUNTID=fr%2dtech%2dfacilitator%40wikimedia%2eorg&PAYMENTREQUEST_0_INSURANCEOPTIONOFFERED=false&L_PAYMENTREQUEST_0_NAME0=1&L_PAYMENTREQUEST_0_QTY0=1&L_PAYMENTREQUEST_0_TAXAMT0=0%2e00&L_PAYMENTREQUEST_0_AMT0=77%2e00&L_PAYMENTREQUEST_0_DESC0=Wikimedia%20877%20600%209454&PAYMENTREQUESTINFO_0_ERRORCODE=0";

    /// [SMASH] GetLatestPaymentStatusWithError.response: expired token.
    const GET_EC_EXPIRED_10411: &str = "TIMESTAMP=2022%2d11%2d29T03%3a40%3a14Z&CORRELATIONID=63e6dca691d60&ACK=Failure&VERSION=204&BUILD=57888165&L_ERRORCODE0=10411&L_SHORTMESSAGE0=This%20Express%20Checkout%20session%20has%20expired%2e&L_LONGMESSAGE0=This%20Express%20Checkout%20session%20has%20expired%2e%20%20Token%20value%20is%20no%20longer%20valid%2e&L_SEVERITYCODE0=Error";

    /// [SMASH] DoExpressCheckoutPayment.response, v204.
    const DO_EC_COMPLETED_V204: &str = "TOKEN=EC%2dTESTTOKEN12345678910&SUCCESSPAGEREDIRECTREQUESTED=false&TIMESTAMP=2022%2d11%2d11T00%3a00%3a19Z&CORRELATIONID=e1b4cff42265c&ACK=Success&VERSION=204&BUILD=57888165&INSURANCEOPTIONSELECTED=false&SHIPPINGOPTIONISDEFAULT=false&PAYMENTINFO_0_TRANSACTIONID=17G53960CL6245248&PAYMENTINFO_0_TRANSACTIONTYPE=expresscheckout&PAYMENTINFO_0_PAYMENTTYPE=instant&PAYMENTINFO_0_ORDERTIME=2022%2d11%2d11T00%3a00%3a18Z&PAYMENTINFO_0_AMT=20%2e00&PAYMENTINFO_0_FEEAMT=1%2e19&PAYMENTINFO_0_TAXAMT=0%2e00&PAYMENTINFO_0_CURRENCYCODE=USD&PAYMENTINFO_0_PAYMENTSTATUS=Completed&PAYMENTINFO_0_PENDINGREASON=None&PAYMENTINFO_0_REASONCODE=None&PAYMENTINFO_0_PROTECTIONELIGIBILITY=Eligible&PAYMENTINFO_0_PROTECTIONELIGIBILITYTYPE=ItemNotReceivedEligible%2cUnauthorizedPaymentEligible&PAYMENTINFO_0_SELLERPAYPALACCOUNTID=fr%2dtech%2dfacilitator%40wikimedia%2eorg&PAYMENTINFO_0_SECUREMERCHANTACCOUNTID=XBAQ9CSARUZ7J&PAYMENTINFO_0_ERRORCODE=0&PAYMENTINFO_0_ACK=Success";

    /// [OMNI] ExpressCompletePurchaseSuccess.txt, v85.
    const DO_EC_COMPLETED_V85: &str = "TOKEN=EC%2d96V667110D1727015&SUCCESSPAGEREDIRECTREQUESTED=true&TIMESTAMP=2013%2d02%2d20T13%3a54%3a28Z&CORRELATIONID=f78b888897f8a&ACK=Success&VERSION=85%2e0&BUILD=5060305&INSURANCEOPTIONSELECTED=false&SHIPPINGOPTIONISDEFAULT=false&PAYMENTINFO_0_TRANSACTIONID=8RM57414KW761861W&PAYMENTINFO_0_RECEIPTID=0368%2d2088%2d8643%2d7560&PAYMENTINFO_0_TRANSACTIONTYPE=expresscheckout&PAYMENTINFO_0_PAYMENTTYPE=instant&PAYMENTINFO_0_ORDERTIME=2013%2d02%2d20T13%3a54%3a03Z&PAYMENTINFO_0_AMT=10%2e00&PAYMENTINFO_0_FEEAMT=0%2e59&PAYMENTINFO_0_TAXAMT=0%2e00&PAYMENTINFO_0_CURRENCYCODE=USD&PAYMENTINFO_0_PAYMENTSTATUS=Completed&PAYMENTINFO_0_PENDINGREASON=None&PAYMENTINFO_0_REASONCODE=None&PAYMENTINFO_0_PROTECTIONELIGIBILITY=Ineligible&PAYMENTINFO_0_PROTECTIONELIGIBILITYTYPE=None&PAYMENTINFO_0_SECUREMERCHANTACCOUNTID=VZTRGMSKHHAEW&PAYMENTINFO_0_ERRORCODE=0&PAYMENTINFO_0_ACK=Success";

    /// [OMNI] ExpressCompletePurchaseFailureRedirect.txt, v119: 10486.
    const DO_EC_FAILURE_10486: &str = "TOKEN=ASDFASDFASDF&SUCCESSPAGEREDIRECTREQUESTED=false&TIMESTAMP=2016%2d09%2d12T14%3a06%3a12Z&CORRELATIONID=31e509fc8f6a8&ACK=Failure&VERSION=119%2e0&BUILD=25037053&L_ERRORCODE0=10486&L_SHORTMESSAGE0=This%20transaction%20couldn%27t%20be%20completed%2e&L_LONGMESSAGE0=This%20transaction%20couldn%27t%20be%20completed%2e%20Please%20redirect%20your%20customer%20to%20PayPal%2e&L_SEVERITYCODE0=Error";

    /// [DJPP] test_validate_confirm_form_error.yaml, v116: 10410.
    const DO_EC_FAILURE_10410_V116: &str = "TIMESTAMP=2016%2d10%2d06T12%3a07%3a26Z&CORRELATIONID=aa945d05e95da&ACK=Failure&VERSION=116%2e0&BUILD=25889633&L_ERRORCODE0=10410&L_SHORTMESSAGE0=Invalid%20token&L_LONGMESSAGE0=Invalid%20token%2e&L_SEVERITYCODE0=Error";

    /// [OMNI] ExpressCompletePurchaseFailure.txt, v85: 10410.
    const DO_EC_FAILURE_10410_V85: &str = "TIMESTAMP=2013%2d02%2d20T13%3a55%3a50Z&CORRELATIONID=73310039452e7&ACK=Failure&VERSION=85%2e0&BUILD=5060305&L_ERRORCODE0=10410&L_SHORTMESSAGE0=Invalid%20token&L_LONGMESSAGE0=Invalid%20token%2e&L_SEVERITYCODE0=Error";

    const ALL_FIXTURES: [&str; 14] = [
        SET_EC_SUCCESS_V116,
        SET_EC_SUCCESS_V85,
        SET_EC_SUCCESS_V204,
        SET_EC_FAILURE_10605,
        BAD_CREDENTIALS_10002,
        ZERO_AMOUNT_10525,
        GET_EC_APPROVED,
        GET_EC_NOT_APPROVED,
        GET_EC_EXPIRED_10411,
        DO_EC_COMPLETED_V204,
        DO_EC_COMPLETED_V85,
        DO_EC_FAILURE_10486,
        DO_EC_FAILURE_10410_V116,
        DO_EC_FAILURE_10410_V85,
    ];

    fn parse(body: &str) -> NvpResponse {
        match NvpResponse::parse(body) {
            Ok(answer) => answer,
            Err(e) => panic!("fixture does not parse: {e}"),
        }
    }

    fn cents(amount: Option<Amount>) -> Option<i64> {
        amount.map(Amount::cents)
    }

    fn credentials() -> Credentials {
        Credentials {
            username: "seller_api1.example.com".to_owned(),
            password: "S3CR3TPWD".to_owned(),
            signature: "An5ns1Kso7MWUdW4ErQKJJJ4qi4-SIGNATURE".to_owned(),
        }
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    /// The single error of a failure fixture, checked field by field.
    fn assert_single_error(answer: &NvpResponse, code: &str, short: &str, long: &str) {
        assert_eq!(answer.ack(), Ack::Failure);
        assert!(!answer.is_success());
        let errors = answer.errors();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(
            errors[0],
            ErrorItem {
                code: code.to_owned(),
                short_message: short.to_owned(),
                long_message: long.to_owned(),
                severity: "Error".to_owned(),
            }
        );
        assert_eq!(answer.first_error().as_ref(), errors.first());
        assert!(answer.has_error_code(code));
    }

    const TRIA: &str = "Transaction refused because of an invalid argument. See additional error messages for details.";

    #[test]
    fn every_fixture_parses_and_reencodes_byte_for_byte_like_paypal() {
        for body in ALL_FIXTURES {
            let answer = parse(body);
            assert!(answer.correlation_id().is_some(), "{body}");
            assert!(answer.timestamp().is_some(), "{body}");
            assert_eq!(encode_like_paypal(answer.fields()), body);
            assert_eq!(answer.encode(), body);
        }
    }

    #[test]
    fn set_express_checkout_successes_of_three_versions() {
        let cases = [
            (
                SET_EC_SUCCESS_V116,
                "EC-3LF340639R522674Y",
                "116.0",
                "ec0595edef36",
                "2016-10-06T11:57:28Z",
            ),
            (
                SET_EC_SUCCESS_V85,
                "EC-42721413K79637829",
                "85.0",
                "37b8b9915987c",
                "2013-02-15T19:19:21Z",
            ),
            (
                SET_EC_SUCCESS_V204,
                "EC-9J76236023054520Y",
                "204",
                "a39dc9a647360",
                "2022-11-23T19:59:19Z",
            ),
        ];
        for (body, token, version, correlation_id, timestamp) in cases {
            let answer = parse(body);
            assert_eq!(answer.ack(), Ack::Success);
            assert!(answer.is_success());
            assert!(answer.errors().is_empty());
            assert_eq!(answer.first_error(), None);
            assert_eq!(answer.token(), Some(token));
            assert_eq!(answer.get("VERSION"), Some(version));
            assert_eq!(answer.correlation_id(), Some(correlation_id));
            assert_eq!(
                answer.timestamp().map(|t| t.to_string()),
                Some(timestamp.to_owned())
            );
            assert_eq!(
                set_express_checkout_answer(&answer),
                Ok(SetExpressCheckoutAnswer {
                    token: token.to_owned()
                })
            );
        }
    }

    #[test]
    fn set_express_checkout_failure_10605() {
        let answer = parse(SET_EC_FAILURE_10605);
        assert_single_error(
            &answer,
            "10605",
            TRIA,
            "Receiving country does not support the transaction currency.",
        );
        assert_eq!(answer.token(), None);
        assert_eq!(
            set_express_checkout_answer(&answer),
            Err(NvpError::MissingField("TOKEN".to_owned()))
        );
    }

    #[test]
    fn bad_credentials_10002() {
        let answer = parse(BAD_CREDENTIALS_10002);
        assert_single_error(
            &answer,
            "10002",
            "Security error",
            "Security header is not valid",
        );
        assert_eq!(answer.get("VERSION"), Some("0.000000"));
        assert_eq!(answer.correlation_id(), Some("3bea2076bb9c3"));
    }

    #[test]
    fn zero_amount_10525() {
        let answer = parse(ZERO_AMOUNT_10525);
        assert_single_error(
            &answer,
            "10525",
            "Invalid Data",
            "This transaction cannot be processed. The amount to be charged is zero.",
        );
    }

    #[test]
    fn get_express_checkout_details_after_approval() {
        let answer = parse(GET_EC_APPROVED);
        assert!(answer.is_success());
        let details = match checkout_details(&answer) {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(
            details,
            CheckoutDetails {
                token: "EC-7F151994RW7618524".to_owned(),
                checkout_status: CheckoutStatus::PaymentActionNotInitiated,
                payer_id: Some("Y8K3PSJYN24D4".to_owned()),
                amount: Amount::from_cents(2_399),
                currency: Some("EUR".to_owned()),
                invnum: None,
                transaction_id: None,
            }
        );
        assert_eq!(answer.get("EMAIL"), Some("info-buyer@test.com"));
        assert_eq!(answer.get("SHIPTOSTREET"), Some("street Test, 1"));
        assert_eq!(answer.get("L_ITEMWEIGHTVALUE0"), Some("   0.00000"));
        assert_eq!(
            answer.get("L_PAYMENTREQUEST_0_DESC0"),
            Some("This is an invaluable resource for any IT professional who works with ...")
        );
        assert_eq!(answer.get("PAYMENTREQUESTINFO_0_ERRORCODE"), Some("0"));
    }

    #[test]
    fn get_express_checkout_details_before_approval_has_no_payer() {
        let answer = parse(GET_EC_NOT_APPROVED);
        assert!(answer.is_success());
        let details = match checkout_details(&answer) {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(details.token, "EC-3N850751G6970773S");
        assert_eq!(
            details.checkout_status,
            CheckoutStatus::PaymentActionNotInitiated
        );
        assert_eq!(details.payer_id, None);
        assert_eq!(cents(details.amount), Some(7_700));
        assert_eq!(details.currency.as_deref(), Some("USD"));
        assert_eq!(details.invnum.as_deref(), Some("47.1"));
        assert_eq!(details.transaction_id, None);
        assert_eq!(
            answer.get("PAYMENTREQUEST_0_SELLERPAYPALACCOUNTID"),
            Some("fr-tech-facilitator@wikimedia.org")
        );
        assert_eq!(answer.get("DESC"), Some("Wikimedia 877 600 9454"));
    }

    #[test]
    fn get_express_checkout_details_expired_10411_keeps_both_spaces() {
        let answer = parse(GET_EC_EXPIRED_10411);
        assert_single_error(
            &answer,
            "10411",
            "This Express Checkout session has expired.",
            "This Express Checkout session has expired.  Token value is no longer valid.",
        );
        assert_eq!(
            checkout_details(&answer),
            Err(NvpError::MissingField("TOKEN".to_owned()))
        );
    }

    #[test]
    fn checkout_completed_carries_the_transaction_id() {
        let answer = NvpResponse::from_fields(pairs(&[
            ("TOKEN", "EC-0AB12345CD6789012"),
            ("CHECKOUTSTATUS", "PaymentActionCompleted"),
            ("ACK", "Success"),
            ("PAYERID", "Y8K3PSJYN24D4"),
            ("PAYMENTREQUEST_0_AMT", "1,000.00"),
            ("PAYMENTREQUEST_0_CURRENCYCODE", "EUR"),
            ("PAYMENTREQUEST_0_INVNUM", "PB-dep1-42"),
            ("PAYMENTREQUEST_0_TRANSACTIONID", ""),
            ("PAYMENTREQUESTINFO_0_TRANSACTIONID", "8RM57414KW761861W"),
        ]));
        let details = match checkout_details(&answer) {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(
            details.checkout_status,
            CheckoutStatus::PaymentActionCompleted
        );
        assert_eq!(cents(details.amount), Some(100_000));
        assert_eq!(details.invnum.as_deref(), Some("PB-dep1-42"));
        assert_eq!(details.transaction_id.as_deref(), Some("8RM57414KW761861W"));
    }

    #[test]
    fn do_express_checkout_payment_completed_v204() {
        let answer = parse(DO_EC_COMPLETED_V204);
        assert!(answer.is_success());
        assert_eq!(answer.token(), Some("EC-TESTTOKEN12345678910"));
        let info = match payment_info(&answer) {
            Ok(i) => i,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(
            info,
            PaymentInfo {
                transaction_id: "17G53960CL6245248".to_owned(),
                payment_status: PaymentStatus::Completed,
                pending_reason: Some(PendingReason::None),
                amount: Amount::from_cents(2_000),
                fee: Amount::from_cents(119),
                currency: Some("USD".to_owned()),
                secure_merchant_account_id: Some("XBAQ9CSARUZ7J".to_owned()),
                seller_paypal_account_id: Some("fr-tech-facilitator@wikimedia.org".to_owned()),
                msgsubid: None,
            }
        );
        assert_eq!(info.payment_status.outcome(), PaymentOutcome::Completed);
        assert_eq!(
            answer.get("PAYMENTINFO_0_PROTECTIONELIGIBILITYTYPE"),
            Some("ItemNotReceivedEligible,UnauthorizedPaymentEligible")
        );
    }

    #[test]
    fn do_express_checkout_payment_completed_v85() {
        let answer = parse(DO_EC_COMPLETED_V85);
        assert!(answer.is_success());
        assert_eq!(answer.token(), Some("EC-96V667110D1727015"));
        let info = match payment_info(&answer) {
            Ok(i) => i,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(info.transaction_id, "8RM57414KW761861W");
        assert_eq!(info.payment_status, PaymentStatus::Completed);
        assert_eq!(cents(info.amount), Some(1_000));
        assert_eq!(cents(info.fee), Some(59));
        assert_eq!(
            info.secure_merchant_account_id.as_deref(),
            Some("VZTRGMSKHHAEW")
        );
        assert_eq!(info.seller_paypal_account_id, None);
        assert_eq!(
            answer.get("PAYMENTINFO_0_RECEIPTID"),
            Some("0368-2088-8643-7560")
        );
        assert_eq!(
            answer.timestamp().map(|t| t.to_string()).as_deref(),
            Some("2013-02-20T13:54:28Z")
        );
    }

    #[test]
    fn do_express_checkout_payment_10486_asks_for_a_redirect() {
        let answer = parse(DO_EC_FAILURE_10486);
        assert_single_error(
            &answer,
            "10486",
            "This transaction couldn't be completed.",
            "This transaction couldn't be completed. Please redirect your customer to PayPal.",
        );
        assert_eq!(answer.token(), Some("ASDFASDFASDF"));
        assert_eq!(
            payment_info(&answer),
            Err(NvpError::MissingField(
                "PAYMENTINFO_0_TRANSACTIONID".to_owned()
            ))
        );
    }

    #[test]
    fn do_express_checkout_payment_10410_in_two_versions() {
        for (body, version, correlation_id) in [
            (DO_EC_FAILURE_10410_V116, "116.0", "aa945d05e95da"),
            (DO_EC_FAILURE_10410_V85, "85.0", "73310039452e7"),
        ] {
            let answer = parse(body);
            assert_single_error(&answer, "10410", "Invalid token", "Invalid token.");
            assert_eq!(answer.get("VERSION"), Some(version));
            assert_eq!(answer.correlation_id(), Some(correlation_id));
            assert_eq!(answer.token(), None);
        }
    }

    #[test]
    fn duplicate_msgsubid_11607_is_a_success_with_the_original_payment() {
        let answer = NvpResponse::from_fields(pairs(&[
            ("ACK", "SuccessWithWarning"),
            ("MSGSUBID", "42-1"),
            ("L_ERRORCODE0", "11607"),
            ("L_SHORTMESSAGE0", "Duplicate Request"),
            (
                "L_LONGMESSAGE0",
                "A successful transaction has already been completed for this token.",
            ),
            ("L_SEVERITYCODE0", "Warning"),
            ("PAYMENTINFO_0_TRANSACTIONID", "17G53960CL6245248"),
            ("PAYMENTINFO_0_PAYMENTSTATUS", "Pending"),
            ("PAYMENTINFO_0_PENDINGREASON", "multicurrency"),
            ("PAYMENTINFO_0_AMT", "20.00"),
            ("PAYMENTINFO_0_CURRENCYCODE", "EUR"),
        ]));
        assert_eq!(answer.ack(), Ack::SuccessWithWarning);
        assert!(answer.is_success());
        assert!(answer.has_error_code("11607"));
        let info = match payment_info(&answer) {
            Ok(i) => i,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(info.payment_status.outcome(), PaymentOutcome::Pending);
        assert_eq!(info.pending_reason, Some(PendingReason::MultiCurrency));
        assert_eq!(info.fee, None);
        assert_eq!(info.msgsubid.as_deref(), Some("42-1"));
    }

    #[test]
    fn errors_are_read_in_order_until_the_list_ends() {
        let answer = NvpResponse::from_fields(pairs(&[
            ("ACK", "FailureWithWarning"),
            ("L_ERRORCODE0", "10413"),
            ("L_SHORTMESSAGE0", "a"),
            ("L_LONGMESSAGE0", "b"),
            ("L_SEVERITYCODE0", "Error"),
            ("L_ERRORCODE1", "10001"),
            ("L_SEVERITYCODE1", "Warning"),
            ("L_ERRORCODE3", "ignored: the list stopped at 2"),
        ]));
        assert_eq!(answer.ack(), Ack::FailureWithWarning);
        let codes: Vec<String> = answer.errors().into_iter().map(|e| e.code).collect();
        assert_eq!(codes, ["10413", "10001"]);
        assert_eq!(answer.errors()[1].long_message, "");
        assert!(!answer.has_error_code("10486"));
    }

    #[test]
    fn get_transaction_details_and_get_balance_views() {
        let answer = NvpResponse::from_fields(pairs(&[
            ("RECEIVEREMAIL", "seller@example.com"),
            ("RECEIVERID", "XBAQ9CSARUZ7J"),
            ("TRANSACTIONID", "17G53960CL6245248"),
            ("PAYMENTSTATUS", "Refunded"),
            ("PENDINGREASON", "None"),
            ("AMT", "1000"),
            ("CURRENCYCODE", "JPY"),
            ("INVNUM", "PB-dep1-7"),
            ("ACK", "Success"),
        ]));
        let details = match transaction_details(&answer) {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(
            details,
            TransactionDetails {
                transaction_id: "17G53960CL6245248".to_owned(),
                payment_status: PaymentStatus::Refunded,
                pending_reason: Some(PendingReason::None),
                amount: Amount::from_cents(100_000),
                currency: Some("JPY".to_owned()),
                invnum: Some("PB-dep1-7".to_owned()),
                receiver_id: Some("XBAQ9CSARUZ7J".to_owned()),
                receiver_email: Some("seller@example.com".to_owned()),
            }
        );
        assert_eq!(details.payment_status.outcome(), PaymentOutcome::Reversed);

        let answer = NvpResponse::from_fields(pairs(&[
            ("L_AMT0", "1,234.56"),
            ("L_CURRENCYCODE0", "EUR"),
            ("ACK", "Success"),
        ]));
        assert_eq!(
            balance(&answer),
            Ok(Balance {
                amount: Amount::from_cents(123_456).unwrap_or_default(),
                currency: "EUR".to_owned()
            })
        );
        let no_currency = NvpResponse::from_fields(pairs(&[("L_AMT0", "1.00")]));
        assert_eq!(
            balance(&no_currency),
            Err(NvpError::MissingField("L_CURRENCYCODE0".to_owned()))
        );
    }

    #[test]
    fn malformed_amounts_and_missing_statuses_are_errors_not_panics() {
        let bad_amount = NvpResponse::from_fields(pairs(&[
            ("PAYMENTINFO_0_TRANSACTIONID", "17G53960CL6245248"),
            ("PAYMENTINFO_0_PAYMENTSTATUS", "Completed"),
            ("PAYMENTINFO_0_AMT", "-20.00"),
        ]));
        assert_eq!(
            payment_info(&bad_amount),
            Err(NvpError::InvalidAmount {
                field: "PAYMENTINFO_0_AMT".to_owned(),
                value: "-20.00".to_owned()
            })
        );
        for amount in ["20.001", "1e3", "abc", "20,00.0.0"] {
            let answer =
                NvpResponse::from_fields(pairs(&[("L_AMT0", amount), ("L_CURRENCYCODE0", "EUR")]));
            assert!(
                matches!(balance(&answer), Err(NvpError::InvalidAmount { .. })),
                "{amount}"
            );
        }
        let no_status = NvpResponse::from_fields(pairs(&[("TRANSACTIONID", "17G53960CL6245248")]));
        assert_eq!(
            transaction_details(&no_status),
            Err(NvpError::MissingField("PAYMENTSTATUS".to_owned()))
        );
        assert_eq!(
            checkout_details(&NvpResponse::from_fields(Vec::new())),
            Err(NvpError::MissingField("TOKEN".to_owned()))
        );
        assert_eq!(
            NvpResponse::from_fields(Vec::new()).ack(),
            Ack::Unknown(String::new())
        );
        assert!(NvpError::MissingField("TOKEN".to_owned())
            .to_string()
            .contains("TOKEN"));
    }

    #[test]
    fn requests_start_with_credentials_method_and_version_and_encode_as_a_form() {
        let request = NvpRequest::new(Method::SetExpressCheckout, &credentials())
            .field(
                "PAYMENTREQUEST_0_AMT",
                Amount::from_cents(2_000).unwrap_or_default().to_plain(),
            )
            .field("L_PAYMENTREQUEST_0_NAME0", "FR0000120271")
            .field(
                "RETURNURL",
                "https://pay.example/psp/paypal/return?order=7&x=a b",
            );
        let names: Vec<&str> = request.fields().iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "USER",
                "PWD",
                "SIGNATURE",
                "METHOD",
                "VERSION",
                "PAYMENTREQUEST_0_AMT",
                "L_PAYMENTREQUEST_0_NAME0",
                "RETURNURL"
            ]
        );
        assert_eq!(request.method(), Method::SetExpressCheckout);
        assert_eq!(request.get("METHOD"), Some("SetExpressCheckout"));
        assert_eq!(request.get("VERSION"), Some("204"));
        assert_eq!(request.get("NOSHIPPING"), None);
        let body = request.encode();
        assert!(
            body.starts_with("USER=seller_api1.example.com&PWD=S3CR3TPWD&SIGNATURE="),
            "{body}"
        );
        assert!(
            body.contains("&METHOD=SetExpressCheckout&VERSION=204&PAYMENTREQUEST_0_AMT=20.00&"),
            "{body}"
        );
        assert!(
            body.ends_with("&RETURNURL=https%3A%2F%2Fpay.example%2Fpsp%2Fpaypal%2Freturn%3Forder%3D7%26x%3Da%20b"),
            "{body}"
        );
        assert_eq!(
            decode_request(&body).ok().as_deref(),
            Some(request.fields())
        );
    }

    #[test]
    fn setting_a_field_twice_replaces_it_in_place() {
        let request = NvpRequest::new(Method::DoExpressCheckoutPayment, &credentials())
            .field("MSGSUBID", "42-1")
            .field("TOKEN", "EC-1")
            .field("MSGSUBID", "42-2");
        assert_eq!(request.get("MSGSUBID"), Some("42-2"));
        let msgsubids = request
            .fields()
            .iter()
            .filter(|(n, _)| n == "MSGSUBID")
            .count();
        assert_eq!(msgsubids, 1);
        assert_eq!(request.fields()[5].0, "MSGSUBID");
    }

    #[test]
    fn secrets_never_reach_a_trace_or_debug_output() {
        let request =
            NvpRequest::new(Method::GetBalance, &credentials()).field("RETURNALLCURRENCIES", "0");
        let redacted = request.redacted();
        for (name, value) in &redacted {
            assert!(
                !["USER", "PWD", "SIGNATURE"].contains(&name.as_str()),
                "{name}"
            );
            assert!(
                !value.contains("S3CR3TPWD") && !value.contains("SIGNATURE"),
                "{value}"
            );
        }
        assert_eq!(
            redacted,
            pairs(&[
                ("METHOD", "GetBalance"),
                ("VERSION", "204"),
                ("RETURNALLCURRENCIES", "0")
            ])
        );
        let debug = format!("{request:?} {:?}", credentials());
        assert!(!debug.contains("S3CR3TPWD"), "{debug}");
        assert!(!debug.contains("An5ns1Kso7MWUdW4ErQKJJJ4qi4"), "{debug}");
    }

    #[test]
    fn tricky_values_round_trip_through_both_encodings() {
        let fields = pairs(&[
            ("NOTE", "a&b=c%d+e f"),
            ("NAME", "Société Générale é"),
            ("EMPTY", ""),
            ("SYMBOLS", "~!*'();:@$,/?#[]\"<>\\^`{|}"),
            ("LINES", "one\r\ntwo\ttab"),
        ]);
        let mut request = NvpRequest::new(Method::GetTransactionDetails, &credentials());
        for (name, value) in &fields {
            request = request.field(name.as_str(), value.as_str());
        }
        assert_eq!(
            decode(&request.encode()).ok().as_deref(),
            Some(request.fields())
        );
        let like_paypal = encode_like_paypal(&fields);
        assert!(!like_paypal.contains('+') && !like_paypal.contains(' '));
        assert_eq!(decode(&like_paypal), Ok(fields.clone()));
        assert!(
            like_paypal.contains("NAME=Soci%c3%a9t%c3%a9%20G%c3%a9n%c3%a9rale%20%c3%a9"),
            "{like_paypal}"
        );
        assert!(
            like_paypal.contains("NOTE=a%26b%3dc%25d%2be%20f"),
            "{like_paypal}"
        );
    }

    #[test]
    fn encode_like_paypal_escapes_everything_but_alphanumerics_and_underscore_in_lower_case() {
        let fields = pairs(&[
            ("TIMESTAMP", "2013-02-20T13:55:50Z"),
            ("L_SHORTMESSAGE0", "Invalid token"),
            ("VERSION", "85.0"),
            ("EMAIL", "fr-tech@wikimedia.org"),
            ("TYPE", "A,B"),
        ]);
        assert_eq!(
            encode_like_paypal(&fields),
            "TIMESTAMP=2013%2d02%2d20T13%3a55%3a50Z&L_SHORTMESSAGE0=Invalid%20token&VERSION=85%2e0\
             &EMAIL=fr%2dtech%40wikimedia%2eorg&TYPE=A%2cB"
        );
        assert_eq!(encode_like_paypal(&[]), "");
    }

    #[test]
    fn decode_accepts_either_hex_case_plus_and_loose_separators() {
        assert_eq!(
            decode("A=2013%2d02%2D20&B=a+b%20c&&C&D=x=y&"),
            Ok(pairs(&[
                ("A", "2013-02-20"),
                ("B", "a b c"),
                ("C", ""),
                ("D", "x=y")
            ]))
        );
        assert_eq!(decode(""), Ok(Vec::new()));
        // IPN bodies use upper-case hex and `+`.
        assert_eq!(
            decode("payment_date=20%3A12%3A59+Jan+13%2C+2009+PST"),
            Ok(pairs(&[("payment_date", "20:12:59 Jan 13, 2009 PST")]))
        );
    }

    #[test]
    fn malformed_escapes_and_invalid_utf8_are_errors() {
        assert_eq!(
            decode("A=%zz"),
            Err(NvpError::MalformedEscape { offset_bytes: 2 })
        );
        assert_eq!(
            decode("A=1&B=%2"),
            Err(NvpError::MalformedEscape { offset_bytes: 6 })
        );
        assert_eq!(
            decode("A=%"),
            Err(NvpError::MalformedEscape { offset_bytes: 2 })
        );
        assert_eq!(
            decode("%g1=x"),
            Err(NvpError::MalformedEscape { offset_bytes: 0 })
        );
        assert_eq!(
            decode("A=1&B=%e9"),
            Err(NvpError::InvalidUtf8 { offset_bytes: 4 })
        );
        assert_eq!(
            decode("%ff=1"),
            Err(NvpError::InvalidUtf8 { offset_bytes: 0 })
        );
        assert!(NvpResponse::parse("ACK=Success&TOKEN=%e9").is_err());
        // Multi-byte text in the body itself is fine, and offsets count bytes.
        assert_eq!(
            decode("N=é&X=%"),
            Err(NvpError::MalformedEscape { offset_bytes: 7 })
        );
        assert!(NvpError::MalformedEscape { offset_bytes: 6 }
            .to_string()
            .contains('6'));
    }

    #[test]
    fn methods_round_trip_and_unknown_names_are_refused() {
        for method in Method::ALL {
            assert_eq!(Method::parse(method.as_str()), Some(method));
        }
        assert_eq!(
            Method::parse("DoExpressCheckoutPayment"),
            Some(Method::DoExpressCheckoutPayment)
        );
        assert_eq!(Method::parse("RefundTransaction"), None);
        assert_eq!(Method::parse(""), None);
        assert_eq!(VERSION, "204");
    }

    #[test]
    fn acks_parse_every_code_and_keep_unknown_text() {
        for (text, ack, success) in [
            ("Success", Ack::Success, true),
            ("SuccessWithWarning", Ack::SuccessWithWarning, true),
            ("Failure", Ack::Failure, false),
            ("FailureWithWarning", Ack::FailureWithWarning, false),
            ("Warning", Ack::Warning, false),
            ("PartialSuccess", Ack::PartialSuccess, false),
            ("CustomCode", Ack::CustomCode, false),
        ] {
            assert_eq!(Ack::parse(text), ack);
            assert_eq!(ack.as_str(), text);
            assert_eq!(ack.is_success(), success);
        }
        assert_eq!(Ack::parse("success"), Ack::Success);
        assert_eq!(Ack::parse("Okay"), Ack::Unknown("Okay".to_owned()));
        assert!(!Ack::parse("Okay").is_success());
    }

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
