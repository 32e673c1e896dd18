//! The built-in PayPal emulator's rules, pure: token and id formats, the
//! validation of each NVP request and the ORDER of its checks, the cart
//! totals check, PayPal's error texts, the fields (and their order) of every
//! answer, one-shot faults, the IPN body exactly as PayPal encodes it and its
//! date format, later events (reversal, refund, cancelled reversal), the
//! clock's input and the checkout page's texts in both languages. The shell
//! only reads rows, draws random bytes, runs SQL and calls these functions.
//! See `shared/reference/paypal-nvp.md` for PayPal's real behaviour.

use crate::core::i18n::Lang;
use crate::core::money::Amount;
use crate::core::psp::paypal::nvp::{
    CheckoutStatus, Method, PaymentOutcome, PaymentStatus, PendingReason,
};
use crate::core::sql::emulator::{Account, Checkout, Fault, Transaction};
use crate::core::time::UtcTime;

/// Ordered (name, value) pairs of an answer or an IPN.
pub type Fields = Vec<(String, String)>;

/// PayPal's build number, echoed in every answer like the real service.
pub const BUILD: &str = "58807128";
/// An Express Checkout token is valid 3 hours after SetExpressCheckout.
pub const TOKEN_VALID_SECONDS: i64 = 3 * 3_600;
/// DoExpressCheckoutPayment calls allowed per token before 10416.
pub const MAX_PAYMENT_ATTEMPTS: i64 = 10;
/// PayPal's cap for one payment: 10,000.00 in any currency.
pub const MAX_AMOUNT_CENTS: i64 = 1_000_000;
/// How far one call may move the emulator's clock (100 years, either way).
pub const MAX_CLOCK_ADVANCE_SECONDS: i64 = 100 * 365 * 86_400;
/// The `notify_version` of the IPNs the emulator sends.
pub const IPN_NOTIFY_VERSION: &str = "3.9";

/// "Transaction refused because of an invalid argument": the short message
/// of most Express Checkout refusals.
pub const TRIA: &str =
    "Transaction refused because of an invalid argument. See additional error messages for details.";

const ALPHANUMERIC: &[u8; 36] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

// ---------------------------------------------------------------------------
// Ids
// ---------------------------------------------------------------------------

/// Random bytes as upper-case alphanumerics, one character per byte.
pub fn alphanumeric(random: &[u8]) -> String {
    random
        .iter()
        .map(|b| char::from(ALPHANUMERIC[usize::from(*b) % ALPHANUMERIC.len()]))
        .collect()
}

/// An Express Checkout token: `EC-` + 17 upper-case alphanumerics.
pub fn ec_token(random: &[u8; 17]) -> String {
    format!("EC-{}", alphanumeric(random))
}

/// A transaction id: 17 upper-case alphanumerics.
pub fn transaction_id(random: &[u8; 17]) -> String {
    alphanumeric(random)
}

fn is_upper_alphanumeric(text: &str) -> bool {
    text.bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// Whether `text` has the shape of a token the emulator issues.
pub fn is_ec_token(text: &str) -> bool {
    text.len() == 20 && text.starts_with("EC-") && text.get(3..).is_some_and(is_upper_alphanumeric)
}

/// Whether `text` has the shape of a transaction id.
pub fn is_transaction_id(text: &str) -> bool {
    text.len() == 17 && is_upper_alphanumeric(text)
}

// ---------------------------------------------------------------------------
// Errors, as PayPal words them
// ---------------------------------------------------------------------------

/// Every refusal the emulator answers, each with PayPal's code and texts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    InternalError,
    SecurityError,
    InvalidTransactionId,
    OrderTotalInvalid,
    ReturnUrlMissing,
    CancelUrlMissing,
    TokenMissing,
    InvalidToken,
    TokenExpired,
    CartTotalsMismatch,
    AmountTooLarge,
    AlreadyCompleted,
    TooManyAttempts,
    CannotComplete,
    PayerIdMissing,
    PayerMismatch,
    NewFundingSource,
    ItemTotalInvalid,
    ShippingTotalInvalid,
    HandlingTotalInvalid,
    TaxTotalInvalid,
    ItemAmountInvalid,
    CurrencyMismatch,
    TryLater,
    NotAuthorized,
    Unfunded,
    ZeroAmount,
    CurrencyNotSupported,
    InvalidParameter,
    UnknownMethod,
    NoMethod,
    NoRequest,
    AmountMissing,
}

impl Refusal {
    pub const ALL: [Refusal; 33] = [
        Refusal::InternalError,
        Refusal::SecurityError,
        Refusal::InvalidTransactionId,
        Refusal::OrderTotalInvalid,
        Refusal::ReturnUrlMissing,
        Refusal::CancelUrlMissing,
        Refusal::TokenMissing,
        Refusal::InvalidToken,
        Refusal::TokenExpired,
        Refusal::CartTotalsMismatch,
        Refusal::AmountTooLarge,
        Refusal::AlreadyCompleted,
        Refusal::TooManyAttempts,
        Refusal::CannotComplete,
        Refusal::PayerIdMissing,
        Refusal::PayerMismatch,
        Refusal::NewFundingSource,
        Refusal::ItemTotalInvalid,
        Refusal::ShippingTotalInvalid,
        Refusal::HandlingTotalInvalid,
        Refusal::TaxTotalInvalid,
        Refusal::ItemAmountInvalid,
        Refusal::CurrencyMismatch,
        Refusal::TryLater,
        Refusal::NotAuthorized,
        Refusal::Unfunded,
        Refusal::ZeroAmount,
        Refusal::CurrencyNotSupported,
        Refusal::InvalidParameter,
        Refusal::UnknownMethod,
        Refusal::NoMethod,
        Refusal::NoRequest,
        Refusal::AmountMissing,
    ];

    /// (L_ERRORCODE, L_SHORTMESSAGE, L_LONGMESSAGE).
    pub fn texts(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Refusal::InternalError => ("10001", "Internal Error", "Internal Error"),
            Refusal::SecurityError => ("10002", "Security error", "Security header is not valid"),
            Refusal::InvalidTransactionId => ("10004", TRIA, "The transaction id is not valid"),
            Refusal::OrderTotalInvalid => ("10401", TRIA, "Order total is invalid."),
            Refusal::ReturnUrlMissing => ("10404", TRIA, "ReturnURL is missing."),
            Refusal::CancelUrlMissing => ("10405", TRIA, "CancelURL is missing."),
            Refusal::TokenMissing => (
                "10408",
                "Express Checkout token is missing.",
                "Express Checkout token is missing.",
            ),
            Refusal::InvalidToken => ("10410", "Invalid token", "Invalid token."),
            Refusal::TokenExpired => (
                "10411",
                "This Express Checkout session has expired.",
                "This Express Checkout session has expired.  Token value is no longer valid.",
            ),
            Refusal::CartTotalsMismatch => (
                "10413",
                TRIA,
                "The totals of the cart item amounts do not match order amounts.",
            ),
            Refusal::AmountTooLarge => (
                "10414",
                TRIA,
                "The amount exceeds the maximum amount for a single transaction.",
            ),
            Refusal::AlreadyCompleted => (
                "10415",
                TRIA,
                "A successful transaction has already been completed for this token.",
            ),
            Refusal::TooManyAttempts => (
                "10416",
                TRIA,
                "You have exceeded the maximum number of payment attempts for this token.",
            ),
            Refusal::CannotComplete => (
                "10417",
                "Transaction cannot complete.",
                "Instruct the customer to retry the transaction using an alternative payment \
                 method from the customer's PayPal wallet. The transaction did not complete with \
                 the customer's selected payment method.",
            ),
            Refusal::PayerIdMissing => ("10419", TRIA, "Express Checkout PayerID is missing."),
            Refusal::PayerMismatch => (
                "10421",
                "This Express Checkout session belongs to a different customer.",
                "This Express Checkout session belongs to a different customer.  Token value mismatch.",
            ),
            Refusal::NewFundingSource => (
                "10422",
                "Customer must choose new funding sources.",
                "The customer must return to PayPal to select new funding sources.",
            ),
            Refusal::ItemTotalInvalid => ("10426", TRIA, "Item total is invalid."),
            Refusal::ShippingTotalInvalid => ("10427", TRIA, "Shipping total is invalid."),
            Refusal::HandlingTotalInvalid => ("10428", TRIA, "Handling total is invalid."),
            Refusal::TaxTotalInvalid => ("10429", TRIA, "Tax total is invalid."),
            Refusal::ItemAmountInvalid => ("10431", TRIA, "Item amount is invalid."),
            Refusal::CurrencyMismatch => (
                "10444",
                TRIA,
                "The transaction currency specified must be the same as previously specified.",
            ),
            Refusal::TryLater => (
                "10445",
                "This transaction cannot be processed at this time. Please try again later.",
                "This transaction cannot be processed at this time. Please try again later.",
            ),
            Refusal::NotAuthorized => (
                "10485",
                "Payment not authorized",
                "Payment has not been authorized by the user.",
            ),
            Refusal::Unfunded => (
                "10486",
                "This transaction couldn't be completed.",
                "This transaction couldn't be completed. Please redirect your customer to PayPal.",
            ),
            Refusal::ZeroAmount => (
                "10525",
                "Invalid Data",
                "This transaction cannot be processed. The amount to be charged is zero.",
            ),
            Refusal::CurrencyNotSupported => (
                "10605",
                TRIA,
                "Receiving country does not support the transaction currency.",
            ),
            Refusal::InvalidParameter => (
                "81001",
                "Invalid Parameter",
                "A Parameter is Invalid : Unable to identify parameter",
            ),
            Refusal::UnknownMethod => (
                "81002",
                "Unspecified Method",
                "Method Specified is not Supported",
            ),
            Refusal::NoMethod => ("81003", "Unspecified Method", "No Method Specified"),
            Refusal::NoRequest => ("81004", "No Request Received", "No Request Received"),
            Refusal::AmountMissing => (
                "81100",
                "Missing Parameter",
                "OrderTotal (Amt) : Required parameter missing",
            ),
        }
    }

    pub fn code(self) -> &'static str {
        self.texts().0
    }

    /// The refusal with this code, if the emulator knows its texts.
    pub fn from_code(code: &str) -> Option<Refusal> {
        Refusal::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn error(self) -> ErrorText {
        let (code, short, long) = self.texts();
        ErrorText {
            code: code.to_owned(),
            short: short.to_owned(),
            long: long.to_owned(),
        }
    }
}

/// One `L_ERRORCODE0` … entry of an answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorText {
    pub code: String,
    pub short: String,
    pub long: String,
}

/// The error a fault injects: PayPal's own texts for a known code, a
/// generic text for any other.
pub fn fault_error(code: &str) -> ErrorText {
    match Refusal::from_code(code) {
        Some(refusal) => refusal.error(),
        None => ErrorText {
            code: code.to_owned(),
            short: TRIA.to_owned(),
            long: format!("The emulator was asked to refuse this call with error {code}."),
        },
    }
}

// ---------------------------------------------------------------------------
// Answers
// ---------------------------------------------------------------------------

/// TIMESTAMP, CORRELATIONID, ACK, VERSION, BUILD: every answer has them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope {
    pub timestamp: UtcTime,
    pub correlation_id: String,
    /// The caller's VERSION, echoed.
    pub version: String,
}

impl Envelope {
    pub fn fields(&self, ack: &str) -> Fields {
        pairs(&[
            ("TIMESTAMP", &self.timestamp.to_string()),
            ("CORRELATIONID", &self.correlation_id),
            ("ACK", ack),
            ("VERSION", &self.version),
            ("BUILD", BUILD),
        ])
    }
}

fn pairs(list: &[(&str, &str)]) -> Fields {
    list.iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

fn push(fields: &mut Fields, name: &str, value: &str) {
    fields.push((name.to_owned(), value.to_owned()));
}

fn push_error(fields: &mut Fields, error: &ErrorText, severity: &str) {
    push(fields, "L_ERRORCODE0", &error.code);
    push(fields, "L_SHORTMESSAGE0", &error.short);
    push(fields, "L_LONGMESSAGE0", &error.long);
    push(fields, "L_SEVERITYCODE0", severity);
}

/// `ACK=Failure` with one error, exactly as PayPal shapes it.
pub fn failure(envelope: &Envelope, error: &ErrorText) -> Fields {
    let mut fields = envelope.fields("Failure");
    push_error(&mut fields, error, "Error");
    fields
}

/// SetExpressCheckout's answer: `TOKEN` first, then the envelope.
pub fn set_express_checkout_answer(envelope: &Envelope, token: &str) -> Fields {
    let mut fields = pairs(&[("TOKEN", token)]);
    fields.extend(envelope.fields("Success"));
    fields
}

/// GetBalance's answer for one account.
pub fn balance_answer(envelope: &Envelope, account: &Account) -> Fields {
    let mut fields = envelope.fields("Success");
    push(&mut fields, "L_AMT0", &plain(account.balance_cents));
    push(&mut fields, "L_CURRENCYCODE0", &account.currency);
    fields
}

/// Cents as `12.30`; negative as `-12.30` (IPN `mc_gross` of a refund).
pub fn plain(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

// ---------------------------------------------------------------------------
// Reading requests
// ---------------------------------------------------------------------------

/// A decoded NVP request.
pub struct Request<'a> {
    fields: &'a [(String, String)],
}

impl<'a> Request<'a> {
    pub fn new(fields: &'a [(String, String)]) -> Request<'a> {
        Request { fields }
    }

    /// The value of `name`, or "" when absent.
    pub fn get(&self, name: &str) -> &'a str {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// The trimmed value of `name` when present and not blank.
    pub fn value(&self, name: &str) -> Option<&'a str> {
        Some(self.get(name).trim()).filter(|v| !v.is_empty())
    }

    fn owned(&self, name: &str) -> Option<String> {
        self.value(name).map(str::to_owned)
    }
}

/// Parses an amount as PayPal requires it: exactly 2 decimals, a `.`
/// separator, optional `,` thousands separators (`1,234.56`), no sign.
pub fn parse_paypal_amount(text: &str) -> Option<Amount> {
    let (whole, fraction) = text.trim().split_once('.')?;
    if fraction.len() != 2 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let groups: Vec<&str> = whole.split(',').collect();
    let digits_only = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let well_grouped = match groups.as_slice() {
        [single] => digits_only(single),
        [first, rest @ ..] => {
            digits_only(first)
                && first.len() <= 3
                && rest.iter().all(|g| g.len() == 3 && digits_only(g))
        }
        [] => false,
    };
    let joined: String = groups.concat();
    if !well_grouped || joined.len() > 9 {
        return None;
    }
    Amount::parse_decimal(&format!("{joined}.{fraction}"))
}

// ---------------------------------------------------------------------------
// SetExpressCheckout
// ---------------------------------------------------------------------------

/// What a valid SetExpressCheckout asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCheckout {
    pub amount: Amount,
    pub currency: String,
    pub invnum: Option<String>,
    pub custom: Option<String>,
    pub notify_url: Option<String>,
    pub return_url: String,
    pub cancel_url: String,
    pub locale_code: Option<String>,
}

/// Checks a SetExpressCheckout in PayPal's order: required fields (81100,
/// 10404, 10405), the amount (10401, 10525, 10414), the currency (10605),
/// then the cart totals (10426-10431, 10413).
pub fn validate_set_express_checkout(request: &Request) -> Result<NewCheckout, Refusal> {
    let amount_text = request
        .value("PAYMENTREQUEST_0_AMT")
        .ok_or(Refusal::AmountMissing)?;
    let return_url = request
        .owned("RETURNURL")
        .ok_or(Refusal::ReturnUrlMissing)?;
    let cancel_url = request
        .owned("CANCELURL")
        .ok_or(Refusal::CancelUrlMissing)?;
    let amount = checked_amount(amount_text)?;
    let currency = currency_of(request)?;
    check_cart_totals(request, amount)?;
    Ok(NewCheckout {
        amount,
        currency,
        invnum: request.owned("PAYMENTREQUEST_0_INVNUM"),
        custom: request.owned("PAYMENTREQUEST_0_CUSTOM"),
        notify_url: request.owned("PAYMENTREQUEST_0_NOTIFYURL"),
        return_url,
        cancel_url,
        locale_code: request.owned("LOCALECODE"),
    })
}

/// An order total: 2 decimals (10401), not zero (10525), at most 10,000.00
/// (10414).
fn checked_amount(text: &str) -> Result<Amount, Refusal> {
    let amount = parse_paypal_amount(text).ok_or(Refusal::OrderTotalInvalid)?;
    if amount.cents() == 0 {
        return Err(Refusal::ZeroAmount);
    }
    if amount.cents() > MAX_AMOUNT_CENTS {
        return Err(Refusal::AmountTooLarge);
    }
    Ok(amount)
}

/// `PAYMENTREQUEST_0_CURRENCYCODE`, USD when absent (PayPal's default).
fn currency_of(request: &Request) -> Result<String, Refusal> {
    let currency = request
        .value("PAYMENTREQUEST_0_CURRENCYCODE")
        .unwrap_or("USD");
    if currency.len() == 3 && currency.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(currency.to_owned())
    } else {
        Err(Refusal::CurrencyNotSupported)
    }
}

/// When items are listed (`L_PAYMENTREQUEST_0_AMTm`, m = 0, 1, … in
/// sequence), `PAYMENTREQUEST_0_ITEMAMT` must equal the sum of AMTm × QTYm;
/// when ITEMAMT is given, AMT must equal ITEMAMT + SHIPPINGAMT + HANDLINGAMT
/// + TAXAMT (those given). Otherwise 10413.
pub fn check_cart_totals(request: &Request, amount: Amount) -> Result<(), Refusal> {
    let mut items_total: i64 = 0;
    let mut items = 0;
    while let Some(text) = request.value(&format!("L_PAYMENTREQUEST_0_AMT{items}")) {
        let item = parse_paypal_amount(text).ok_or(Refusal::ItemAmountInvalid)?;
        let quantity = match request.value(&format!("L_PAYMENTREQUEST_0_QTY{items}")) {
            None => 1,
            Some(q) => q
                .parse::<i64>()
                .ok()
                .filter(|q| (1..=1_000_000).contains(q))
                .ok_or(Refusal::InvalidParameter)?,
        };
        items_total = item
            .cents()
            .checked_mul(quantity)
            .and_then(|line| items_total.checked_add(line))
            .ok_or(Refusal::CartTotalsMismatch)?;
        items += 1;
    }
    let optional = |name: &str, refusal: Refusal| -> Result<Option<i64>, Refusal> {
        request
            .value(name)
            .map(|text| parse_paypal_amount(text).map(Amount::cents).ok_or(refusal))
            .transpose()
    };
    let item_amount = optional("PAYMENTREQUEST_0_ITEMAMT", Refusal::ItemTotalInvalid)?;
    let shipping = optional(
        "PAYMENTREQUEST_0_SHIPPINGAMT",
        Refusal::ShippingTotalInvalid,
    )?;
    let handling = optional(
        "PAYMENTREQUEST_0_HANDLINGAMT",
        Refusal::HandlingTotalInvalid,
    )?;
    let tax = optional("PAYMENTREQUEST_0_TAXAMT", Refusal::TaxTotalInvalid)?;
    match item_amount {
        None if items > 0 => Err(Refusal::CartTotalsMismatch),
        None => Ok(()),
        Some(item_amount) => {
            let order_total = [shipping, handling, tax]
                .into_iter()
                .flatten()
                .try_fold(item_amount, i64::checked_add);
            let items_match = items == 0 || item_amount == items_total;
            if items_match && order_total == Some(amount.cents()) {
                Ok(())
            } else {
                Err(Refusal::CartTotalsMismatch)
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Tokens and GetExpressCheckoutDetails
// ---------------------------------------------------------------------------

/// Whether a checkout made at `created_at` is past its 3 hours at `now`.
pub fn is_expired(created_at: &str, now: UtcTime) -> bool {
    UtcTime::parse(created_at)
        .is_none_or(|created| now.unix_seconds() - created.unix_seconds() > TOKEN_VALID_SECONDS)
}

/// The checkout of a TOKEN for its caller: 10408 without a token, 10410
/// when unknown or another account's, 10411 when older than 3 hours.
pub fn check_token<'c>(
    request: &Request,
    checkout: Option<&'c Checkout>,
    caller: &Account,
    now: UtcTime,
) -> Result<&'c Checkout, Refusal> {
    let token = request.value("TOKEN").ok_or(Refusal::TokenMissing)?;
    let checkout = checkout
        .filter(|c| c.token == token && c.receiver_account_id == caller.id)
        .ok_or(Refusal::InvalidToken)?;
    if is_expired(&checkout.created_at, now) {
        return Err(Refusal::TokenExpired);
    }
    Ok(checkout)
}

/// `CHECKOUTSTATUS`: not initiated until paid (with PAYERID once approved),
/// then completed.
pub fn checkout_status(checkout: &Checkout) -> CheckoutStatus {
    if checkout.status == "completed" {
        CheckoutStatus::PaymentActionCompleted
    } else {
        CheckoutStatus::PaymentActionNotInitiated
    }
}

/// GetExpressCheckoutDetails on an expired token: 10411, and, as PayPal's
/// recorded timeout answers do, the cart still echoed, with the transaction
/// when the checkout was paid, so that "expired with no transaction" can be
/// told from "expired after a payment".
pub fn expired_details_answer(envelope: &Envelope, checkout: &Checkout) -> Fields {
    let mut fields = pairs(&[
        ("TOKEN", &checkout.token),
        ("CHECKOUTSTATUS", checkout_status(checkout).as_str()),
    ]);
    fields.extend(failure(envelope, &Refusal::TokenExpired.error()));
    let amount = plain(checkout.amount_cents);
    push(
        &mut fields,
        "PAYMENTREQUEST_0_CURRENCYCODE",
        &checkout.currency,
    );
    push(&mut fields, "PAYMENTREQUEST_0_AMT", &amount);
    if let Some(invnum) = &checkout.invnum {
        push(&mut fields, "PAYMENTREQUEST_0_INVNUM", invnum);
    }
    if let Some(id) = &checkout.transaction_id {
        push(&mut fields, "PAYMENTREQUEST_0_TRANSACTIONID", id);
        push(&mut fields, "PAYMENTREQUESTINFO_0_TRANSACTIONID", id);
    }
    fields
}

/// GetExpressCheckoutDetails' answer, in PayPal's field order: the payer's
/// fields only once approved, the transaction only once paid.
pub fn checkout_details_answer(envelope: &Envelope, checkout: &Checkout) -> Fields {
    let mut fields = pairs(&[
        ("TOKEN", &checkout.token),
        ("BILLINGAGREEMENTACCEPTEDSTATUS", "0"),
        ("CHECKOUTSTATUS", checkout_status(checkout).as_str()),
    ]);
    fields.extend(envelope.fields("Success"));
    let approved = checkout.status != "created";
    if let (true, Some(email), Some(payer_id)) = (
        approved,
        checkout.payer_email.as_deref(),
        checkout.payer_payer_id.as_deref(),
    ) {
        push(&mut fields, "EMAIL", email);
        push(&mut fields, "PAYERID", payer_id);
        push(&mut fields, "PAYERSTATUS", "verified");
        push(
            &mut fields,
            "COUNTRYCODE",
            residence_country(checkout.locale_code.as_deref()),
        );
    }
    let amount = plain(checkout.amount_cents);
    push(&mut fields, "CURRENCYCODE", &checkout.currency);
    push(&mut fields, "AMT", &amount);
    if let Some(custom) = &checkout.custom {
        push(&mut fields, "CUSTOM", custom);
    }
    if let Some(invnum) = &checkout.invnum {
        push(&mut fields, "INVNUM", invnum);
    }
    if let Some(url) = &checkout.notify_url {
        push(&mut fields, "NOTIFYURL", url);
    }
    push(
        &mut fields,
        "PAYMENTREQUEST_0_CURRENCYCODE",
        &checkout.currency,
    );
    push(&mut fields, "PAYMENTREQUEST_0_AMT", &amount);
    if let Some(custom) = &checkout.custom {
        push(&mut fields, "PAYMENTREQUEST_0_CUSTOM", custom);
    }
    if let Some(invnum) = &checkout.invnum {
        push(&mut fields, "PAYMENTREQUEST_0_INVNUM", invnum);
    }
    if let Some(url) = &checkout.notify_url {
        push(&mut fields, "PAYMENTREQUEST_0_NOTIFYURL", url);
    }
    if let Some(id) = checkout
        .transaction_id
        .as_deref()
        .filter(|_| checkout.status == "completed")
    {
        push(&mut fields, "PAYMENTREQUEST_0_TRANSACTIONID", id);
    }
    push(
        &mut fields,
        "PAYMENTREQUEST_0_SELLERPAYPALACCOUNTID",
        &checkout.receiver_email,
    );
    if let Some(id) = checkout
        .transaction_id
        .as_deref()
        .filter(|_| checkout.status == "completed")
    {
        push(&mut fields, "PAYMENTREQUESTINFO_0_TRANSACTIONID", id);
    }
    push(&mut fields, "PAYMENTREQUESTINFO_0_ERRORCODE", "0");
    fields
}

// ---------------------------------------------------------------------------
// DoExpressCheckoutPayment
// ---------------------------------------------------------------------------

/// A payment DoExpressCheckoutPayment is about to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payment {
    pub token: String,
    pub payer_account_id: i64,
    pub receiver_account_id: i64,
    pub amount: Amount,
    pub currency: String,
    pub status: PaymentStatus,
    pub pending_reason: PendingReason,
    pub invnum: Option<String>,
    pub custom: Option<String>,
    pub notify_url: Option<String>,
    pub msgsubid: Option<String>,
}

impl Payment {
    /// Whether the money moves now: only a completed payment moves it; a
    /// pending one waits until it completes.
    pub fn moves_money(&self) -> bool {
        self.status.outcome() == PaymentOutcome::Completed
    }

    /// The payment with the status a fault imposes.
    pub fn with_status(mut self, status: PaymentStatus, pending_reason: PendingReason) -> Payment {
        self.status = status;
        self.pending_reason = pending_reason;
        self
    }
}

/// What a DoExpressCheckoutPayment that passed every check does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaymentDecision {
    /// The MSGSUBID of the call that paid: answer 11607 with the original
    /// result (these fields, without the envelope).
    Replay(Fields),
    Pay(Payment),
}

/// Checks a DoExpressCheckoutPayment in this order: the token (10408,
/// 10410, 10411); PAYERID (10419); approval (10485); the approver (10421);
/// repeats (11607 for the paying MSGSUBID, else 10415); attempts (10416);
/// the amount (81100, 10401, 10413) and currency (10444); paying oneself
/// (10417); the payer's funds (10486, the token stays usable).
pub fn decide_payment(
    request: &Request,
    checkout: Option<&Checkout>,
    caller: &Account,
    now: UtcTime,
) -> Result<PaymentDecision, Refusal> {
    let checkout = check_token(request, checkout, caller, now)?;
    let payer_id = request.value("PAYERID").ok_or(Refusal::PayerIdMissing)?;
    let (Some(payer_account_id), Some(approver)) = (
        checkout.payer_account_id,
        checkout.payer_payer_id.as_deref(),
    ) else {
        return Err(Refusal::NotAuthorized);
    };
    if checkout.status == "created" {
        return Err(Refusal::NotAuthorized);
    }
    if payer_id != approver {
        return Err(Refusal::PayerMismatch);
    }
    let msgsubid = request.owned("MSGSUBID");
    if checkout.status == "completed" {
        let same_call = msgsubid.is_some() && msgsubid == checkout.msgsubid;
        let original = checkout.answer.as_deref().and_then(decode_stored);
        return match (same_call, original) {
            (true, Some(original)) => Ok(PaymentDecision::Replay(original)),
            (true, None) | (false, _) => Err(Refusal::AlreadyCompleted),
        };
    }
    if checkout.attempts >= MAX_PAYMENT_ATTEMPTS {
        return Err(Refusal::TooManyAttempts);
    }
    let amount_text = request
        .value("PAYMENTREQUEST_0_AMT")
        .ok_or(Refusal::AmountMissing)?;
    let amount = parse_paypal_amount(amount_text).ok_or(Refusal::OrderTotalInvalid)?;
    if amount.cents() != checkout.amount_cents {
        return Err(Refusal::CartTotalsMismatch);
    }
    let currency = request
        .value("PAYMENTREQUEST_0_CURRENCYCODE")
        .unwrap_or("USD");
    if currency != checkout.currency {
        return Err(Refusal::CurrencyMismatch);
    }
    if payer_account_id == checkout.receiver_account_id {
        return Err(Refusal::CannotComplete);
    }
    let funded = checkout.payer_currency.as_deref() == Some(checkout.currency.as_str())
        && checkout.payer_balance_cents.unwrap_or(0) >= amount.cents();
    if !funded {
        return Err(Refusal::Unfunded);
    }
    // A receiver without a balance in this currency holds the payment for
    // review, as PayPal does (PENDINGREASON multicurrency).
    let (status, pending_reason) = if checkout.receiver_currency == checkout.currency {
        (PaymentStatus::Completed, PendingReason::None)
    } else {
        (PaymentStatus::Pending, PendingReason::MultiCurrency)
    };
    let or_checkout =
        |name: &str, stored: &Option<String>| request.owned(name).or_else(|| stored.clone());
    Ok(PaymentDecision::Pay(Payment {
        token: checkout.token.clone(),
        payer_account_id,
        receiver_account_id: checkout.receiver_account_id,
        amount,
        currency: checkout.currency.clone(),
        status,
        pending_reason,
        invnum: or_checkout("PAYMENTREQUEST_0_INVNUM", &checkout.invnum),
        custom: or_checkout("PAYMENTREQUEST_0_CUSTOM", &checkout.custom),
        notify_url: or_checkout("PAYMENTREQUEST_0_NOTIFYURL", &checkout.notify_url),
        msgsubid,
    }))
}

/// The refusals after which DoExpressCheckoutPayment counts an attempt on
/// the token (the token was valid and approved, the payment was refused).
pub fn counts_as_attempt(refusal: Refusal) -> bool {
    matches!(
        refusal,
        Refusal::CartTotalsMismatch
            | Refusal::OrderTotalInvalid
            | Refusal::AmountMissing
            | Refusal::CurrencyMismatch
            | Refusal::CannotComplete
            | Refusal::Unfunded
    )
}

/// The fields of a DoExpressCheckoutPayment success without its envelope,
/// in PayPal's order (v204 recording), as stored for an 11607 replay.
pub fn payment_answer_body(
    payment: &Payment,
    transaction_id: &str,
    order_time: UtcTime,
    receiver: &Account,
) -> Fields {
    let mut fields = pairs(&[
        ("TOKEN", &payment.token),
        ("SUCCESSPAGEREDIRECTREQUESTED", "false"),
        ("INSURANCEOPTIONSELECTED", "false"),
        ("SHIPPINGOPTIONISDEFAULT", "false"),
        ("PAYMENTINFO_0_TRANSACTIONID", transaction_id),
        ("PAYMENTINFO_0_TRANSACTIONTYPE", "expresscheckout"),
        ("PAYMENTINFO_0_PAYMENTTYPE", "instant"),
        ("PAYMENTINFO_0_ORDERTIME", &order_time.to_string()),
        ("PAYMENTINFO_0_AMT", &payment.amount.to_plain()),
        ("PAYMENTINFO_0_FEEAMT", "0.00"),
        ("PAYMENTINFO_0_TAXAMT", "0.00"),
        ("PAYMENTINFO_0_CURRENCYCODE", &payment.currency),
        ("PAYMENTINFO_0_PAYMENTSTATUS", payment.status.as_str()),
        (
            "PAYMENTINFO_0_PENDINGREASON",
            payment.pending_reason.as_str(),
        ),
        ("PAYMENTINFO_0_REASONCODE", "None"),
        ("PAYMENTINFO_0_PROTECTIONELIGIBILITY", "Ineligible"),
        ("PAYMENTINFO_0_PROTECTIONELIGIBILITYTYPE", "None"),
        ("PAYMENTINFO_0_SECUREMERCHANTACCOUNTID", &receiver.payer_id),
        ("PAYMENTINFO_0_SELLERPAYPALACCOUNTID", &receiver.email),
        ("PAYMENTINFO_0_ERRORCODE", "0"),
        ("PAYMENTINFO_0_ACK", "Success"),
    ]);
    if let Some(msgsubid) = &payment.msgsubid {
        push(&mut fields, "MSGSUBID", msgsubid);
    }
    fields
}

/// The whole answer: the body's first two fields, the envelope, a warning
/// when replaying (11607, `ACK=SuccessWithWarning`), then the rest.
pub fn payment_answer(envelope: &Envelope, body: &[(String, String)], replay: bool) -> Fields {
    let split = body.len().min(2);
    let mut fields: Fields = body[..split].to_vec();
    if replay {
        fields.extend(envelope.fields("SuccessWithWarning"));
        let warning = ErrorText {
            code: "11607".to_owned(),
            short: "Duplicate Request".to_owned(),
            long: "A successful transaction has already been completed for this token.".to_owned(),
        };
        push_error(&mut fields, &warning, "Warning");
    } else {
        fields.extend(envelope.fields("Success"));
    }
    fields.extend(body[split..].iter().cloned());
    fields
}

/// Fields as stored for a replay (a JSON list of pairs).
pub fn encode_stored(fields: &[(String, String)]) -> String {
    serde_json::to_string(fields).unwrap_or_default()
}

pub fn decode_stored(text: &str) -> Option<Fields> {
    serde_json::from_str(text).ok()
}

// ---------------------------------------------------------------------------
// GetTransactionDetails
// ---------------------------------------------------------------------------

/// The transaction of TRANSACTIONID for its receiver or its payer; anyone
/// else, an unknown id or none gets 10004.
pub fn check_transaction<'t>(
    request: &Request,
    transaction: Option<&'t Transaction>,
    caller: &Account,
) -> Result<&'t Transaction, Refusal> {
    let id = request
        .value("TRANSACTIONID")
        .ok_or(Refusal::InvalidTransactionId)?;
    transaction
        .filter(|t| {
            t.id == id && (t.receiver_account_id == caller.id || t.payer_account_id == caller.id)
        })
        .ok_or(Refusal::InvalidTransactionId)
}

/// GetTransactionDetails' answer: receiver, payer, envelope, payment.
pub fn transaction_details_answer(envelope: &Envelope, t: &Transaction) -> Fields {
    let mut fields = pairs(&[
        ("RECEIVERBUSINESS", &t.receiver_email),
        ("RECEIVEREMAIL", &t.receiver_email),
        ("RECEIVERID", &t.receiver_payer_id),
        ("EMAIL", &t.payer_email),
        ("PAYERID", &t.payer_payer_id),
        ("PAYERSTATUS", "verified"),
        ("COUNTRYCODE", residence_country(t.locale_code.as_deref())),
    ]);
    fields.extend(envelope.fields("Success"));
    push(&mut fields, "TRANSACTIONID", &t.id);
    push(&mut fields, "TRANSACTIONTYPE", "expresscheckout");
    push(&mut fields, "PAYMENTTYPE", "instant");
    push(&mut fields, "ORDERTIME", &t.order_time);
    push(&mut fields, "AMT", &plain(t.amount_cents));
    push(&mut fields, "FEEAMT", "0.00");
    push(&mut fields, "TAXAMT", "0.00");
    push(&mut fields, "CURRENCYCODE", &t.currency);
    push(&mut fields, "PAYMENTSTATUS", &t.status);
    push(&mut fields, "PENDINGREASON", &t.pending_reason);
    push(&mut fields, "REASONCODE", &t.reason_code);
    push(&mut fields, "PROTECTIONELIGIBILITY", "Ineligible");
    if let Some(invnum) = &t.invnum {
        push(&mut fields, "INVNUM", invnum);
    }
    if let Some(custom) = &t.custom {
        push(&mut fields, "CUSTOM", custom);
    }
    fields
}

// ---------------------------------------------------------------------------
// Faults
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// IPN
// ---------------------------------------------------------------------------

/// One IPN message, before encoding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ipn<'a> {
    pub txn_id: &'a str,
    /// The payment a later event (refund, reversal) is about.
    pub parent_txn_id: Option<&'a str>,
    /// `express_checkout` for a payment; none for later events.
    pub txn_type: Option<&'a str>,
    pub payment_status: &'a PaymentStatus,
    pub pending_reason: Option<&'a PendingReason>,
    /// `chargeback`, `refund`, … for later events.
    pub reason_code: Option<&'a str>,
    /// Negative for money going back to the payer.
    pub gross_cents: i64,
    pub currency: &'a str,
    pub invoice: Option<&'a str>,
    pub custom: Option<&'a str>,
    pub payer_id: &'a str,
    pub payer_email: &'a str,
    pub receiver_id: &'a str,
    pub receiver_email: &'a str,
    pub payment_date: UtcTime,
    pub residence_country: &'a str,
    pub verify_sign: &'a str,
    pub ipn_track_id: &'a str,
}

/// The IPN's fields in the order of PayPal's recorded sample.
pub fn ipn_fields(ipn: &Ipn) -> Fields {
    let mut fields = Vec::new();
    push(&mut fields, "mc_gross", &plain(ipn.gross_cents));
    if let Some(invoice) = ipn.invoice {
        push(&mut fields, "invoice", invoice);
    }
    if let Some(parent) = ipn.parent_txn_id {
        push(&mut fields, "parent_txn_id", parent);
    }
    push(&mut fields, "protection_eligibility", "Ineligible");
    push(&mut fields, "payer_id", ipn.payer_id);
    push(&mut fields, "tax", "0.00");
    push(
        &mut fields,
        "payment_date",
        &ipn_payment_date(ipn.payment_date),
    );
    push(
        &mut fields,
        "payment_status",
        &ipn.payment_status.as_ipn_str(),
    );
    if let Some(reason) = ipn.pending_reason {
        push(&mut fields, "pending_reason", reason.as_str());
    }
    if let Some(reason) = ipn.reason_code {
        push(&mut fields, "reason_code", reason);
    }
    push(&mut fields, "charset", "UTF-8");
    push(&mut fields, "mc_fee", "0.00");
    push(&mut fields, "notify_version", IPN_NOTIFY_VERSION);
    push(&mut fields, "custom", ipn.custom.unwrap_or(""));
    push(&mut fields, "payer_status", "verified");
    // PayPal sends the payer's name; the emulator's accounts have only an
    // e-mail, so it is made from it (`rené.dupont@…` → René Dupont).
    let (first_name, last_name) = super::emulator_ipn::payer_names(ipn.payer_email);
    push(&mut fields, "first_name", &first_name);
    push(&mut fields, "last_name", &last_name);
    push(&mut fields, "business", ipn.receiver_email);
    push(&mut fields, "quantity", "1");
    push(&mut fields, "verify_sign", ipn.verify_sign);
    push(&mut fields, "payer_email", ipn.payer_email);
    push(&mut fields, "txn_id", ipn.txn_id);
    push(&mut fields, "payment_type", "instant");
    push(&mut fields, "receiver_email", ipn.receiver_email);
    push(&mut fields, "receiver_id", ipn.receiver_id);
    if let Some(txn_type) = ipn.txn_type {
        push(&mut fields, "txn_type", txn_type);
    }
    push(&mut fields, "mc_currency", ipn.currency);
    push(&mut fields, "residence_country", ipn.residence_country);
    push(&mut fields, "test_ipn", "1");
    push(&mut fields, "ipn_track_id", ipn.ipn_track_id);
    fields
}

/// What an IPN body leaves unescaped: alphanumerics and `-._*` (HTML form
/// encoding); a space is `+`, every other byte `%XX` in upper case, as in
/// PayPal's sample (`payment_date=20%3A12%3A59+Jan+13%2C+2009+PST`).
fn form_encode_into(out: &mut String, text: &str) {
    form_encode_bytes_into(out, text.as_bytes());
}

/// Form-encodes bytes as PayPal does: unreserved characters as they are,
/// space as `+`, every other byte `%XX` (so any charset's bytes encode).
pub(super) fn form_encode_bytes_into(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &byte in bytes {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'*') {
            out.push(char::from(byte));
        } else if byte == b' ' {
            out.push('+');
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
    }
}

/// Form-encodes fields the way PayPal encodes an IPN body.
pub fn form_encode(fields: &[(String, String)]) -> String {
    let mut out = String::new();
    for (i, (name, value)) in fields.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        form_encode_into(&mut out, name);
        out.push('=');
        form_encode_into(&mut out, value);
    }
    out
}

/// The IPN body: its fields, form-encoded like PayPal's.
pub fn ipn_body(ipn: &Ipn) -> String {
    form_encode(&ipn_fields(ipn))
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `payment_date` as PayPal writes it, in Pacific Standard Time (UTC − 8):
/// `20:12:59 Jan 13, 2009 PST`.
pub fn ipn_payment_date(at: UtcTime) -> String {
    let (year, month, day, hour, minute, second) = at.plus_seconds(-8 * 3_600).parts();
    let month_name = usize::try_from(month - 1)
        .ok()
        .and_then(|m| MONTHS.get(m))
        .copied()
        .unwrap_or("Jan");
    format!("{hour:02}:{minute:02}:{second:02} {month_name} {day:02}, {year} PST")
}

/// The payer's country, from the checkout's LOCALECODE (`fr_FR` → FR, a
/// bare country `US` → US), US when unknown.
pub fn residence_country(locale_code: Option<&str>) -> &str {
    let code = locale_code.unwrap_or("");
    let country = match code.split_once(['_', '-']) {
        Some((_, country)) => country,
        None => code,
    };
    if country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase()) {
        country
    } else {
        "US"
    }
}

/// The bytes after `cmd=_notify-validate&` of a postback, if it has them.
pub fn postback_message(body: &str) -> Option<&str> {
    body.strip_prefix("cmd=_notify-validate&")
}

// ---------------------------------------------------------------------------
// Later events
// ---------------------------------------------------------------------------

/// A later event on a payment, sent by `/transactions/{id}/reverse`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LaterEvent {
    /// A chargeback: the money goes back to the payer.
    Reversed,
    /// The receiver refunded: the money goes back to the payer.
    Refunded,
    /// The chargeback was settled for the receiver: the money comes back.
    CanceledReversal,
}

/// Where a later event moves the payment's amount.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    ToPayer,
    ToReceiver,
}

impl LaterEvent {
    /// `Reversed`, `Refunded` or `Canceled_Reversal` (hyphen accepted).
    pub fn parse(text: &str) -> Option<LaterEvent> {
        match PaymentStatus::parse(text) {
            PaymentStatus::Reversed => Some(LaterEvent::Reversed),
            PaymentStatus::Refunded => Some(LaterEvent::Refunded),
            PaymentStatus::CanceledReversal => Some(LaterEvent::CanceledReversal),
            PaymentStatus::None
            | PaymentStatus::Completed
            | PaymentStatus::Denied
            | PaymentStatus::Expired
            | PaymentStatus::Failed
            | PaymentStatus::InProgress
            | PaymentStatus::PartiallyRefunded
            | PaymentStatus::Pending
            | PaymentStatus::Processed
            | PaymentStatus::Voided
            | PaymentStatus::CompletedFundsHeld
            | PaymentStatus::Unknown(_) => None,
        }
    }

    pub fn status(self) -> PaymentStatus {
        match self {
            LaterEvent::Reversed => PaymentStatus::Reversed,
            LaterEvent::Refunded => PaymentStatus::Refunded,
            LaterEvent::CanceledReversal => PaymentStatus::CanceledReversal,
        }
    }

    /// The IPN's `reason_code`.
    pub fn reason_code(self) -> &'static str {
        match self {
            LaterEvent::Reversed | LaterEvent::CanceledReversal => "chargeback",
            LaterEvent::Refunded => "refund",
        }
    }

    pub fn direction(self) -> Direction {
        match self {
            LaterEvent::Reversed | LaterEvent::Refunded => Direction::ToPayer,
            LaterEvent::CanceledReversal => Direction::ToReceiver,
        }
    }

    /// The status the payment must have for this event: a reversal or a
    /// refund takes back settled money (Completed, or Canceled-Reversal);
    /// only a reversal can be cancelled.
    pub fn applies_to(self, current: &PaymentStatus) -> bool {
        match self {
            LaterEvent::Reversed => matches!(
                current,
                PaymentStatus::Completed | PaymentStatus::CanceledReversal
            ),
            // A partly refunded payment can be refunded further.
            LaterEvent::Refunded => matches!(
                current,
                PaymentStatus::Completed
                    | PaymentStatus::CanceledReversal
                    | PaymentStatus::PartiallyRefunded
            ),
            LaterEvent::CanceledReversal => *current == PaymentStatus::Reversed,
        }
    }

    /// The event's `mc_gross`: negative when money goes back to the payer.
    pub fn gross_cents(self, amount_cents: i64) -> i64 {
        match self.direction() {
            Direction::ToPayer => -amount_cents,
            Direction::ToReceiver => amount_cents,
        }
    }
}

/// What a later event does to a payment: the amount that changes hands,
/// the status afterwards and the refunded total afterwards.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventEffect {
    pub moved_cents: i64,
    pub status: PaymentStatus,
    pub refunded_cents: i64,
}

/// The effect of `event` with an optional `amount` (refunds only: what is
/// left to refund by default, less for a partial refund, after which
/// PayPal says `Partially-Refunded` until the whole payment is refunded).
/// A reversal or a canceled reversal moves the whole payment.
pub fn event_effect(t: &Transaction, event: LaterEvent, amount: Option<Amount>) -> EventEffect {
    match event {
        LaterEvent::Refunded => {
            let left = t.amount_cents - t.refunded_cents;
            let moved = amount.map_or(left, Amount::cents);
            let status = if moved >= left {
                PaymentStatus::Refunded
            } else {
                PaymentStatus::PartiallyRefunded
            };
            EventEffect {
                moved_cents: moved,
                status,
                refunded_cents: t.refunded_cents + moved,
            }
        }
        LaterEvent::Reversed | LaterEvent::CanceledReversal => EventEffect {
            moved_cents: t.amount_cents,
            status: event.status(),
            refunded_cents: t.refunded_cents,
        },
    }
}

/// Why a later event cannot happen now (the route answers 409): the payment
/// is not in a state the event applies to (`status`), a refund is for more
/// than is left to refund (`amount`), or the side that must give the money
/// lacks it (`insufficient_funds`: balances never go negative).
pub fn later_event_conflict(
    t: &Transaction,
    event: LaterEvent,
    effect: &EventEffect,
) -> Option<&'static str> {
    if !event.applies_to(&PaymentStatus::parse(&t.status)) {
        return Some("status");
    }
    if effect.moved_cents <= 0 || effect.refunded_cents > t.amount_cents {
        return Some("amount");
    }
    let giver_balance = match event.direction() {
        Direction::ToPayer => t.receiver_balance_cents,
        Direction::ToReceiver => t.payer_balance_cents,
    };
    (giver_balance < effect.moved_cents).then_some("insufficient_funds")
}

/// Why a payment cannot complete now: it is not pending (`not_pending`),
/// or the payer no longer has the amount (`insufficient_funds`).
pub fn completion_conflict(t: &Transaction) -> Option<&'static str> {
    if PaymentStatus::parse(&t.status).outcome() != PaymentOutcome::Pending {
        return Some("not_pending");
    }
    (t.payer_balance_cents < t.amount_cents).then_some("insufficient_funds")
}

// ---------------------------------------------------------------------------
// Clock
// ---------------------------------------------------------------------------

/// `advance_seconds`: an integer (optional `-`), at most 100 years either
/// way; anything else (decimals, exponents, blanks) is `None`.
pub fn parse_advance_seconds(text: &str) -> Option<i64> {
    let text = text.trim();
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || digits.len() > 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<i64>()
        .ok()
        .filter(|n| n.abs() <= MAX_CLOCK_ADVANCE_SECONDS)
}

// ---------------------------------------------------------------------------
// The checkout page
// ---------------------------------------------------------------------------

/// The buyer's language: French for a `fr_*` LOCALECODE (or `fr`), else
/// English.
pub fn checkout_lang(locale_code: Option<&str>) -> Lang {
    match locale_code.and_then(Lang::parse) {
        Some(Lang::Fr) => Lang::Fr,
        Some(Lang::En) | None => Lang::En,
    }
}

/// Every text of the emulator's checkout page.
pub struct CheckoutTexts {
    pub title: &'static str,
    pub intro: &'static str,
    pub receiver: &'static str,
    pub amount: &'static str,
    pub email: &'static str,
    pub pay: &'static str,
    pub cancel: &'static str,
    pub unknown_email: &'static str,
    pub not_found: &'static str,
    pub create_account: &'static str,
}

const CHECKOUT_EN: CheckoutTexts = CheckoutTexts {
    title: "Pay with PayPal (emulated)",
    intro: "Log in with the e-mail of an emulated PayPal account to approve this payment. No password is asked and no real money moves.",
    receiver: "Pay to",
    amount: "Amount",
    email: "Your PayPal e-mail",
    pay: "Pay now",
    cancel: "Cancel and return to the merchant",
    unknown_email: "No emulated PayPal account has this e-mail.",
    not_found: "This checkout session is unknown or has expired.",
    create_account: "Create an emulated PayPal account",
};

const CHECKOUT_FR: CheckoutTexts = CheckoutTexts {
    title: "Payer avec PayPal (émulé)",
    intro: "Connectez-vous avec l'e-mail d'un compte PayPal émulé pour approuver ce paiement. Aucun mot de passe n'est demandé et aucun argent réel ne circule.",
    receiver: "Bénéficiaire",
    amount: "Montant",
    email: "Votre e-mail PayPal",
    pay: "Payer maintenant",
    cancel: "Annuler et revenir chez le marchand",
    unknown_email: "Aucun compte PayPal émulé n'a cet e-mail.",
    not_found: "Cette session de paiement est inconnue ou a expiré.",
    create_account: "Créer un compte PayPal émulé",
};

pub fn checkout_texts(lang: Lang) -> &'static CheckoutTexts {
    match lang {
        Lang::En => &CHECKOUT_EN,
        Lang::Fr => &CHECKOUT_FR,
    }
}

/// `url` with `pairs` added to its query (`?` or `&` as needed, before any
/// `#fragment`), values form-encoded.
pub fn with_query(url: &str, pairs: &[(&str, &str)]) -> String {
    let (base, fragment) = match url.split_once('#') {
        Some((base, fragment)) => (base, Some(fragment)),
        None => (url, None),
    };
    let mut out = base.to_owned();
    for (name, value) in pairs {
        let separator = if !out.contains('?') {
            "?"
        } else if out.ends_with('?') || out.ends_with('&') {
            ""
        } else {
            "&"
        };
        out.push_str(separator);
        form_encode_into(&mut out, name);
        out.push('=');
        form_encode_into(&mut out, value);
    }
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::psp::paypal::nvp::{
        checkout_details, decode, encode_like_paypal, payment_info, transaction_details,
        CheckoutStatus, NvpResponse,
    };

    fn fields(list: &[(&str, &str)]) -> Fields {
        pairs(list)
    }

    fn envelope() -> Envelope {
        Envelope {
            timestamp: UtcTime::from_unix_seconds(1_668_124_819),
            correlation_id: "e1b4cff42265c".to_owned(),
            version: "204".to_owned(),
        }
    }

    fn receiver() -> Account {
        Account {
            id: 1,
            email: "seller@example.org".to_owned(),
            payer_id: "XBAQ9CSARUZ7J".to_owned(),
            api_username: "seller_api1.example.org".to_owned(),
            api_password: "P".to_owned(),
            api_signature: "S".to_owned(),
            balance_cents: 0,
            currency: "EUR".to_owned(),
        }
    }

    fn other() -> Account {
        Account {
            id: 3,
            email: "other@example.org".to_owned(),
            payer_id: "OTHER00000000".to_owned(),
            ..receiver()
        }
    }

    fn created_at() -> UtcTime {
        UtcTime::from_unix_seconds(1_668_124_000)
    }

    fn checkout(status: &str) -> Checkout {
        let approved = status != "created";
        Checkout {
            token: "EC-9J76236023054520Y".to_owned(),
            receiver_account_id: 1,
            receiver_email: "seller@example.org".to_owned(),
            receiver_payer_id: "XBAQ9CSARUZ7J".to_owned(),
            receiver_currency: "EUR".to_owned(),
            amount_cents: 2_000,
            currency: "EUR".to_owned(),
            invnum: Some("PB-abc-7".to_owned()),
            custom: None,
            notify_url: Some("https://pay.example/psp/paypal/ipn".to_owned()),
            return_url: "https://pay.example/psp/paypal/return".to_owned(),
            cancel_url: "https://pay.example/psp/paypal/cancel?order=7".to_owned(),
            locale_code: Some("fr_FR".to_owned()),
            created_at: created_at().to_string(),
            status: status.to_owned(),
            payer_account_id: approved.then_some(2),
            payer_email: approved.then(|| "buyer@example.org".to_owned()),
            payer_payer_id: approved.then(|| "Y8K3PSJYN24D4".to_owned()),
            payer_balance_cents: approved.then_some(5_000),
            payer_currency: approved.then(|| "EUR".to_owned()),
            transaction_id: (status == "completed").then(|| "17G53960CL6245248".to_owned()),
            msgsubid: (status == "completed").then(|| "7-1".to_owned()),
            answer: None,
            attempts: 0,
        }
    }

    fn set_ec(extra: &[(&str, &str)]) -> Fields {
        let mut list = fields(&[
            ("METHOD", "SetExpressCheckout"),
            ("PAYMENTREQUEST_0_AMT", "20.00"),
            ("PAYMENTREQUEST_0_CURRENCYCODE", "EUR"),
            ("RETURNURL", "https://pay.example/r"),
            ("CANCELURL", "https://pay.example/c"),
        ]);
        for (name, value) in extra {
            match list.iter_mut().find(|(n, _)| n == name) {
                Some(existing) => existing.1 = (*value).to_owned(),
                None => list.push(((*name).to_owned(), (*value).to_owned())),
            }
        }
        list
    }

    fn without(list: Fields, name: &str) -> Fields {
        list.into_iter().filter(|(n, _)| n != name).collect()
    }

    fn do_ec(extra: &[(&str, &str)]) -> Fields {
        let mut list = fields(&[
            ("METHOD", "DoExpressCheckoutPayment"),
            ("TOKEN", "EC-9J76236023054520Y"),
            ("PAYERID", "Y8K3PSJYN24D4"),
            ("PAYMENTREQUEST_0_AMT", "20.00"),
            ("PAYMENTREQUEST_0_CURRENCYCODE", "EUR"),
            ("PAYMENTREQUEST_0_PAYMENTACTION", "Sale"),
            ("MSGSUBID", "7-1"),
        ]);
        for (name, value) in extra {
            match list.iter_mut().find(|(n, _)| n == name) {
                Some(existing) => existing.1 = (*value).to_owned(),
                None => list.push(((*name).to_owned(), (*value).to_owned())),
            }
        }
        list
    }

    fn now() -> UtcTime {
        created_at().plus_seconds(60)
    }

    #[test]
    fn tokens_and_transaction_ids_have_paypals_shape() {
        let token = ec_token(&[255; 17]);
        assert_eq!(token.len(), 20);
        assert!(is_ec_token(&token), "{token}");
        assert!(is_ec_token("EC-9J76236023054520Y"));
        assert!(!is_ec_token("EC-9J7623602305452"));
        assert!(!is_ec_token("EC-9j76236023054520Y"));
        let id = transaction_id(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 35, 36, 37, 100, 200, 255]);
        assert_eq!(id.len(), 17);
        assert!(is_transaction_id(&id), "{id}");
        assert!(id.starts_with("ABCDEFGHIJK9AB"), "{id}");
        assert!(is_transaction_id("17G53960CL6245248"));
        assert!(!is_transaction_id("17G53960CL624524"));
    }

    #[test]
    fn every_refusal_has_a_unique_code_and_paypals_texts() {
        let mut codes: Vec<&str> = Refusal::ALL.iter().map(|r| r.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), Refusal::ALL.len());
        for refusal in Refusal::ALL {
            assert_eq!(Refusal::from_code(refusal.code()), Some(refusal));
            let (_, short, long) = refusal.texts();
            assert!(!short.is_empty() && !long.is_empty());
        }
        assert_eq!(
            Refusal::TokenExpired.texts().2,
            "This Express Checkout session has expired.  Token value is no longer valid."
        );
        assert_eq!(
            Refusal::PayerMismatch.texts().2,
            "This Express Checkout session belongs to a different customer.  Token value mismatch."
        );
        assert_eq!(
            Refusal::CannotComplete.texts().2,
            "Instruct the customer to retry the transaction using an alternative payment method \
             from the customer's PayPal wallet. The transaction did not complete with the \
             customer's selected payment method."
        );
        let generic = fault_error("12345");
        assert_eq!(generic.code, "12345");
        assert_eq!(generic.short, TRIA);
        assert_eq!(fault_error("10486"), Refusal::Unfunded.error());
        for code in [
            "10001", "10002", "10410", "10411", "10415", "10417", "10422", "10445", "10486",
        ] {
            assert!(Refusal::from_code(code).is_some(), "{code}");
            assert!(!fault_error(code).long.contains("emulator"), "{code}");
        }
    }

    #[test]
    fn failures_encode_byte_for_byte_like_paypals_recordings() {
        let env = Envelope {
            timestamp: UtcTime::parse("2022-11-29T03:40:14Z").unwrap_or(now()),
            correlation_id: "63e6dca691d60".to_owned(),
            version: "204".to_owned(),
        };
        let mut body = encode_like_paypal(&failure(&env, &Refusal::TokenExpired.error()));
        body = body.replace("BUILD=58807128", "BUILD=57888165");
        assert_eq!(
            body,
            "TIMESTAMP=2022%2d11%2d29T03%3a40%3a14Z&CORRELATIONID=63e6dca691d60&ACK=Failure&VERSION=204&BUILD=57888165&L_ERRORCODE0=10411&L_SHORTMESSAGE0=This%20Express%20Checkout%20session%20has%20expired%2e&L_LONGMESSAGE0=This%20Express%20Checkout%20session%20has%20expired%2e%20%20Token%20value%20is%20no%20longer%20valid%2e&L_SEVERITYCODE0=Error"
        );
        let unfunded = encode_like_paypal(&failure(&env, &Refusal::Unfunded.error()));
        assert!(unfunded.contains("L_SHORTMESSAGE0=This%20transaction%20couldn%27t%20be%20completed%2e&L_LONGMESSAGE0=This%20transaction%20couldn%27t%20be%20completed%2e%20Please%20redirect%20your%20customer%20to%20PayPal%2e"), "{unfunded}");
    }

    #[test]
    fn paypal_amounts_need_exactly_two_decimals() {
        let cents = |t: &str| parse_paypal_amount(t).map(Amount::cents);
        assert_eq!(cents("20.00"), Some(2_000));
        assert_eq!(cents("1,234.56"), Some(123_456));
        assert_eq!(cents("0.01"), Some(1));
        for bad in [
            "20",
            "20.0",
            "20.000",
            "-1.00",
            "1,23.00",
            ",123.00",
            "1e3.00",
            "",
            "a.bc",
            "1234567890.00",
        ] {
            assert_eq!(cents(bad), None, "{bad}");
        }
    }

    #[test]
    fn set_express_checkout_checks_fields_in_paypals_order() {
        let check = |list: Fields| validate_set_express_checkout(&Request::new(&list));
        let ok = check(set_ec(&[
            ("LOCALECODE", "fr_FR"),
            ("PAYMENTREQUEST_0_INVNUM", "PB-1-2"),
        ]));
        let Ok(new) = ok else {
            panic!("valid request refused: {ok:?}")
        };
        assert_eq!(new.amount.cents(), 2_000);
        assert_eq!(new.currency, "EUR");
        assert_eq!(new.invnum.as_deref(), Some("PB-1-2"));
        assert_eq!(new.locale_code.as_deref(), Some("fr_FR"));
        assert_eq!(
            check(without(set_ec(&[]), "PAYMENTREQUEST_0_AMT")),
            Err(Refusal::AmountMissing)
        );
        assert_eq!(
            check(without(without(set_ec(&[]), "RETURNURL"), "CANCELURL")),
            Err(Refusal::ReturnUrlMissing)
        );
        assert_eq!(
            check(without(set_ec(&[]), "CANCELURL")),
            Err(Refusal::CancelUrlMissing)
        );
        assert_eq!(
            check(set_ec(&[("PAYMENTREQUEST_0_AMT", "20")])),
            Err(Refusal::OrderTotalInvalid)
        );
        assert_eq!(
            check(set_ec(&[("PAYMENTREQUEST_0_AMT", "0.00")])),
            Err(Refusal::ZeroAmount)
        );
        assert_eq!(
            check(set_ec(&[("PAYMENTREQUEST_0_AMT", "10000.01")])),
            Err(Refusal::AmountTooLarge)
        );
        assert_eq!(
            check(set_ec(&[("PAYMENTREQUEST_0_CURRENCYCODE", "eur")])),
            Err(Refusal::CurrencyNotSupported)
        );
        let usd = check(without(set_ec(&[]), "PAYMENTREQUEST_0_CURRENCYCODE"));
        assert_eq!(usd.map(|n| n.currency), Ok("USD".to_owned()));
    }

    #[test]
    fn cart_totals_must_add_up() {
        let check = |extra: &[(&str, &str)]| {
            let list = set_ec(extra);
            validate_set_express_checkout(&Request::new(&list)).map(|_| ())
        };
        // The platform's request: one item, quantity 1.
        assert_eq!(
            check(&[
                ("PAYMENTREQUEST_0_ITEMAMT", "20.00"),
                ("L_PAYMENTREQUEST_0_NAME0", "ZZ0000000001"),
                ("L_PAYMENTREQUEST_0_AMT0", "20.00"),
                ("L_PAYMENTREQUEST_0_QTY0", "1"),
            ]),
            Ok(())
        );
        // Two lines with quantities, plus shipping and tax.
        assert_eq!(
            check(&[
                ("PAYMENTREQUEST_0_AMT", "23.50"),
                ("PAYMENTREQUEST_0_ITEMAMT", "20.00"),
                ("PAYMENTREQUEST_0_SHIPPINGAMT", "2.50"),
                ("PAYMENTREQUEST_0_TAXAMT", "1.00"),
                ("L_PAYMENTREQUEST_0_AMT0", "5.00"),
                ("L_PAYMENTREQUEST_0_QTY0", "2"),
                ("L_PAYMENTREQUEST_0_AMT1", "10.00"),
            ]),
            Ok(())
        );
        assert_eq!(
            check(&[
                ("PAYMENTREQUEST_0_ITEMAMT", "20.00"),
                ("L_PAYMENTREQUEST_0_AMT0", "19.99"),
            ]),
            Err(Refusal::CartTotalsMismatch)
        );
        assert_eq!(
            check(&[
                ("PAYMENTREQUEST_0_ITEMAMT", "19.00"),
                ("L_PAYMENTREQUEST_0_AMT0", "19.00"),
            ]),
            Err(Refusal::CartTotalsMismatch)
        );
        assert_eq!(
            check(&[("L_PAYMENTREQUEST_0_AMT0", "20.00")]),
            Err(Refusal::CartTotalsMismatch)
        );
        assert_eq!(
            check(&[("PAYMENTREQUEST_0_ITEMAMT", "19.00")]),
            Err(Refusal::CartTotalsMismatch)
        );
        assert_eq!(
            check(&[
                ("PAYMENTREQUEST_0_ITEMAMT", "20.00"),
                ("L_PAYMENTREQUEST_0_AMT0", "20")
            ]),
            Err(Refusal::ItemAmountInvalid)
        );
        assert_eq!(
            check(&[("PAYMENTREQUEST_0_ITEMAMT", "20")]),
            Err(Refusal::ItemTotalInvalid)
        );
        assert_eq!(
            check(&[
                ("PAYMENTREQUEST_0_ITEMAMT", "20.00"),
                ("L_PAYMENTREQUEST_0_AMT0", "20.00"),
                ("L_PAYMENTREQUEST_0_QTY0", "0"),
            ]),
            Err(Refusal::InvalidParameter)
        );
        // An item after a gap is not read (m runs from 0 in sequence).
        assert_eq!(
            check(&[
                ("PAYMENTREQUEST_0_ITEMAMT", "20.00"),
                ("L_PAYMENTREQUEST_0_AMT1", "3.00")
            ]),
            Ok(())
        );
    }

    #[test]
    fn tokens_are_checked_for_owner_and_age() {
        let c = checkout("created");
        let list = fields(&[("TOKEN", "EC-9J76236023054520Y")]);
        let request = Request::new(&list);
        assert!(check_token(&request, Some(&c), &receiver(), now()).is_ok());
        assert_eq!(
            check_token(&request, Some(&c), &other(), now()).err(),
            Some(Refusal::InvalidToken)
        );
        assert_eq!(
            check_token(&request, None, &receiver(), now()).err(),
            Some(Refusal::InvalidToken)
        );
        let last = created_at().plus_seconds(TOKEN_VALID_SECONDS);
        assert!(check_token(&request, Some(&c), &receiver(), last).is_ok());
        assert_eq!(
            check_token(&request, Some(&c), &receiver(), last.plus_seconds(1)).err(),
            Some(Refusal::TokenExpired)
        );
        let empty = Vec::new();
        assert_eq!(
            check_token(&Request::new(&empty), Some(&c), &receiver(), now()).err(),
            Some(Refusal::TokenMissing)
        );
        assert!(is_expired("garbage", now()));
    }

    #[test]
    fn checkout_details_follow_the_approval_and_the_payment() {
        let env = envelope();
        let before = NvpResponse::from_fields(checkout_details_answer(&env, &checkout("created")));
        assert_eq!(
            before.get("CHECKOUTSTATUS"),
            Some("PaymentActionNotInitiated")
        );
        assert_eq!(before.get("PAYERID"), None);
        assert_eq!(before.get("EMAIL"), None);
        assert_eq!(before.get("PAYMENTREQUEST_0_AMT"), Some("20.00"));
        assert_eq!(before.get("PAYMENTREQUEST_0_CURRENCYCODE"), Some("EUR"));
        assert_eq!(before.get("PAYMENTREQUEST_0_INVNUM"), Some("PB-abc-7"));
        assert_eq!(
            before.get("PAYMENTREQUEST_0_NOTIFYURL"),
            Some("https://pay.example/psp/paypal/ipn")
        );
        assert_eq!(
            before.get("PAYMENTREQUEST_0_SELLERPAYPALACCOUNTID"),
            Some("seller@example.org")
        );
        assert_eq!(before.get("PAYMENTREQUESTINFO_0_ERRORCODE"), Some("0"));
        assert_eq!(before.fields()[0].0, "TOKEN");
        assert_eq!(before.fields()[3].0, "TIMESTAMP");

        let approved =
            NvpResponse::from_fields(checkout_details_answer(&env, &checkout("approved")));
        assert_eq!(
            approved.get("CHECKOUTSTATUS"),
            Some("PaymentActionNotInitiated")
        );
        assert_eq!(approved.get("PAYERID"), Some("Y8K3PSJYN24D4"));
        assert_eq!(approved.get("EMAIL"), Some("buyer@example.org"));
        assert_eq!(approved.get("COUNTRYCODE"), Some("FR"));
        assert_eq!(approved.get("PAYMENTREQUEST_0_TRANSACTIONID"), None);

        let paid = NvpResponse::from_fields(checkout_details_answer(&env, &checkout("completed")));
        let details = checkout_details(&paid);
        let Ok(details) = details else {
            panic!("{details:?}")
        };
        assert_eq!(
            details.checkout_status,
            CheckoutStatus::PaymentActionCompleted
        );
        assert_eq!(details.transaction_id.as_deref(), Some("17G53960CL6245248"));
        assert_eq!(
            paid.get("PAYMENTREQUESTINFO_0_TRANSACTIONID"),
            Some("17G53960CL6245248")
        );
        assert_eq!(details.payer_id.as_deref(), Some("Y8K3PSJYN24D4"));
    }

    fn decide(c: Option<&Checkout>, extra: &[(&str, &str)]) -> Result<PaymentDecision, Refusal> {
        let list = do_ec(extra);
        decide_payment(&Request::new(&list), c, &receiver(), now())
    }

    #[test]
    fn a_valid_payment_is_completed_with_the_checkouts_values() {
        let c = checkout("approved");
        let decision = decide(Some(&c), &[("PAYMENTREQUEST_0_INVNUM", "PB-abc-7")]);
        let Ok(PaymentDecision::Pay(payment)) = decision else {
            panic!("{decision:?}")
        };
        assert_eq!(payment.amount.cents(), 2_000);
        assert_eq!(payment.payer_account_id, 2);
        assert_eq!(payment.receiver_account_id, 1);
        assert_eq!(payment.status, PaymentStatus::Completed);
        assert_eq!(payment.pending_reason, PendingReason::None);
        assert!(payment.moves_money());
        assert_eq!(payment.notify_url, c.notify_url);
        assert_eq!(payment.msgsubid.as_deref(), Some("7-1"));
        let pending = payment.with_status(PaymentStatus::Pending, PendingReason::PaymentReview);
        assert!(!pending.moves_money());
    }

    #[test]
    fn payment_checks_run_in_order() {
        let created = checkout("created");
        let approved = checkout("approved");
        assert_eq!(decide(None, &[]).err(), Some(Refusal::InvalidToken));
        let expired = Checkout {
            created_at: created_at()
                .plus_seconds(-TOKEN_VALID_SECONDS - 61)
                .to_string(),
            ..approved.clone()
        };
        assert_eq!(
            decide(Some(&expired), &[]).err(),
            Some(Refusal::TokenExpired)
        );
        assert_eq!(
            decide(Some(&approved), &[("PAYERID", "")]).err(),
            Some(Refusal::PayerIdMissing)
        );
        assert_eq!(
            decide(Some(&created), &[]).err(),
            Some(Refusal::NotAuthorized)
        );
        assert_eq!(
            decide(Some(&approved), &[("PAYERID", "SOMEONEELSE00")]).err(),
            Some(Refusal::PayerMismatch)
        );
        let tired = Checkout {
            attempts: MAX_PAYMENT_ATTEMPTS,
            ..approved.clone()
        };
        assert_eq!(
            decide(Some(&tired), &[]).err(),
            Some(Refusal::TooManyAttempts)
        );
        assert_eq!(
            decide(Some(&approved), &[("PAYMENTREQUEST_0_AMT", "")]).err(),
            Some(Refusal::AmountMissing)
        );
        assert_eq!(
            decide(Some(&approved), &[("PAYMENTREQUEST_0_AMT", "20")]).err(),
            Some(Refusal::OrderTotalInvalid)
        );
        assert_eq!(
            decide(Some(&approved), &[("PAYMENTREQUEST_0_AMT", "19.99")]).err(),
            Some(Refusal::CartTotalsMismatch)
        );
        assert_eq!(
            decide(Some(&approved), &[("PAYMENTREQUEST_0_CURRENCYCODE", "USD")]).err(),
            Some(Refusal::CurrencyMismatch)
        );
        let himself = Checkout {
            payer_account_id: Some(1),
            ..approved.clone()
        };
        assert_eq!(
            decide(Some(&himself), &[]).err(),
            Some(Refusal::CannotComplete)
        );
        let poor = Checkout {
            payer_balance_cents: Some(1_999),
            ..approved.clone()
        };
        assert_eq!(decide(Some(&poor), &[]).err(), Some(Refusal::Unfunded));
        let foreign = Checkout {
            payer_currency: Some("USD".to_owned()),
            ..approved.clone()
        };
        assert_eq!(decide(Some(&foreign), &[]).err(), Some(Refusal::Unfunded));
        assert!(counts_as_attempt(Refusal::Unfunded));
        assert!(!counts_as_attempt(Refusal::InvalidToken));
    }

    #[test]
    fn repeats_replay_the_original_answer_or_answer_10415() {
        let original = fields(&[
            ("TOKEN", "EC-9J76236023054520Y"),
            ("SUCCESSPAGEREDIRECTREQUESTED", "false"),
            ("PAYMENTINFO_0_TRANSACTIONID", "17G53960CL6245248"),
        ]);
        let paid = Checkout {
            answer: Some(encode_stored(&original)),
            ..checkout("completed")
        };
        assert_eq!(
            decide(Some(&paid), &[]),
            Ok(PaymentDecision::Replay(original.clone()))
        );
        assert_eq!(
            decide(Some(&paid), &[("MSGSUBID", "7-2")]).err(),
            Some(Refusal::AlreadyCompleted)
        );
        assert_eq!(
            decide(Some(&paid), &[("MSGSUBID", "")]).err(),
            Some(Refusal::AlreadyCompleted)
        );
        // The replay comes before the amount checks: a retry is the same call.
        assert!(matches!(
            decide(Some(&paid), &[("PAYMENTREQUEST_0_AMT", "1.00")]),
            Ok(PaymentDecision::Replay(_))
        ));
        assert_eq!(decode_stored("not json"), None);
    }

    #[test]
    fn a_receiver_without_the_currency_gets_a_pending_multicurrency_payment() {
        let c = Checkout {
            receiver_currency: "USD".to_owned(),
            ..checkout("approved")
        };
        let decision = decide(Some(&c), &[]);
        let Ok(PaymentDecision::Pay(payment)) = decision else {
            panic!("{decision:?}")
        };
        assert_eq!(payment.status, PaymentStatus::Pending);
        assert_eq!(payment.pending_reason, PendingReason::MultiCurrency);
        assert!(!payment.moves_money());
    }

    fn payment() -> Payment {
        let c = checkout("approved");
        match decide(Some(&c), &[]) {
            Ok(PaymentDecision::Pay(payment)) => payment,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn payment_answers_have_the_fields_of_the_v204_recording() {
        let body = payment_answer_body(
            &payment(),
            "17G53960CL6245248",
            UtcTime::from_unix_seconds(1_668_124_818),
            &receiver(),
        );
        let answer = payment_answer(&envelope(), &body, false);
        let encoded = encode_like_paypal(&answer);
        let recorded = "TOKEN=EC%2d9J76236023054520Y&SUCCESSPAGEREDIRECTREQUESTED=false&TIMESTAMP=2022%2d11%2d11T00%3a00%3a19Z&CORRELATIONID=e1b4cff42265c&ACK=Success&VERSION=204&BUILD=58807128&INSURANCEOPTIONSELECTED=false&SHIPPINGOPTIONISDEFAULT=false&PAYMENTINFO_0_TRANSACTIONID=17G53960CL6245248&PAYMENTINFO_0_TRANSACTIONTYPE=expresscheckout&PAYMENTINFO_0_PAYMENTTYPE=instant&PAYMENTINFO_0_ORDERTIME=2022%2d11%2d11T00%3a00%3a18Z&PAYMENTINFO_0_AMT=20%2e00&PAYMENTINFO_0_FEEAMT=0%2e00&PAYMENTINFO_0_TAXAMT=0%2e00&PAYMENTINFO_0_CURRENCYCODE=EUR&PAYMENTINFO_0_PAYMENTSTATUS=Completed&PAYMENTINFO_0_PENDINGREASON=None&PAYMENTINFO_0_REASONCODE=None&PAYMENTINFO_0_PROTECTIONELIGIBILITY=Ineligible&PAYMENTINFO_0_PROTECTIONELIGIBILITYTYPE=None&PAYMENTINFO_0_SECUREMERCHANTACCOUNTID=XBAQ9CSARUZ7J&PAYMENTINFO_0_SELLERPAYPALACCOUNTID=seller%40example%2eorg&PAYMENTINFO_0_ERRORCODE=0&PAYMENTINFO_0_ACK=Success&MSGSUBID=7%2d1";
        assert_eq!(encoded, recorded);
        let parsed = NvpResponse::parse(&encoded).unwrap_or_else(|e| panic!("{e}"));
        let info = payment_info(&parsed).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(info.transaction_id, "17G53960CL6245248");
        assert_eq!(info.payment_status, PaymentStatus::Completed);
        assert_eq!(info.fee.map(Amount::cents), Some(0));
        assert_eq!(
            info.secure_merchant_account_id.as_deref(),
            Some("XBAQ9CSARUZ7J")
        );
        assert_eq!(info.msgsubid.as_deref(), Some("7-1"));

        let replay = NvpResponse::from_fields(payment_answer(&envelope(), &body, true));
        assert_eq!(replay.get("ACK"), Some("SuccessWithWarning"));
        assert!(replay.is_success());
        let warning = replay.first_error().unwrap_or_else(|| panic!("no warning"));
        assert_eq!(warning.code, "11607");
        assert_eq!(warning.short_message, "Duplicate Request");
        assert_eq!(
            warning.long_message,
            "A successful transaction has already been completed for this token."
        );
        assert_eq!(warning.severity, "Warning");
        assert_eq!(
            replay.get("PAYMENTINFO_0_TRANSACTIONID"),
            Some("17G53960CL6245248")
        );
        assert_eq!(decode_stored(&encode_stored(&body)), Some(body));
    }

    fn transaction(status: &str) -> Transaction {
        Transaction {
            id: "17G53960CL6245248".to_owned(),
            token: "EC-9J76236023054520Y".to_owned(),
            payer_account_id: 2,
            payer_email: "buyer@example.org".to_owned(),
            payer_payer_id: "Y8K3PSJYN24D4".to_owned(),
            receiver_account_id: 1,
            receiver_email: "seller@example.org".to_owned(),
            receiver_payer_id: "XBAQ9CSARUZ7J".to_owned(),
            amount_cents: 2_000,
            currency: "EUR".to_owned(),
            invnum: Some("PB-abc-7".to_owned()),
            custom: None,
            notify_url: None,
            locale_code: None,
            status: status.to_owned(),
            pending_reason: "None".to_owned(),
            reason_code: "None".to_owned(),
            settled: 1,
            order_time: "2022-11-11T00:00:18Z".to_owned(),
            payer_balance_cents: 0,
            receiver_balance_cents: 2_000,
            refunded_cents: 0,
        }
    }

    #[test]
    fn transaction_details_are_for_the_receiver_and_the_payer_only() {
        let t = transaction("Completed");
        let list = fields(&[("TRANSACTIONID", "17G53960CL6245248")]);
        let request = Request::new(&list);
        assert!(check_transaction(&request, Some(&t), &receiver()).is_ok());
        let payer = Account { id: 2, ..other() };
        assert!(check_transaction(&request, Some(&t), &payer).is_ok());
        assert_eq!(
            check_transaction(&request, Some(&t), &other()).err(),
            Some(Refusal::InvalidTransactionId)
        );
        assert_eq!(
            check_transaction(&request, None, &receiver()).err(),
            Some(Refusal::InvalidTransactionId)
        );
        let answer = NvpResponse::from_fields(transaction_details_answer(&envelope(), &t));
        let details = transaction_details(&answer).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(details.payment_status, PaymentStatus::Completed);
        assert_eq!(details.amount.map(Amount::cents), Some(2_000));
        assert_eq!(details.receiver_id.as_deref(), Some("XBAQ9CSARUZ7J"));
        assert_eq!(details.invnum.as_deref(), Some("PB-abc-7"));
        for name in ["EMAIL", "PAYERID", "ORDERTIME", "FEEAMT", "PENDINGREASON"] {
            assert!(answer.get(name).is_some(), "{name}");
        }
        assert_eq!(answer.get("TRANSACTIONTYPE"), Some("expresscheckout"));
        assert_eq!(answer.get("PAYMENTTYPE"), Some("instant"));
    }

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

    #[test]
    fn ipn_dates_are_pacific_standard_time() {
        let at = UtcTime::parse("2009-01-14T04:12:59Z").unwrap_or(now());
        assert_eq!(ipn_payment_date(at), "20:12:59 Jan 13, 2009 PST");
        let at = UtcTime::parse("2016-12-07T20:58:38Z").unwrap_or(now());
        assert_eq!(ipn_payment_date(at), "12:58:38 Dec 07, 2016 PST");
    }

    #[test]
    fn ipn_bodies_are_encoded_like_paypals_sample() {
        let status = PaymentStatus::Completed;
        let ipn = Ipn {
            txn_id: "61E67681CH3238416",
            parent_txn_id: None,
            txn_type: Some("express_checkout"),
            payment_status: &status,
            pending_reason: None,
            reason_code: None,
            gross_cents: 1_995,
            currency: "USD",
            invoice: Some("PB-abc-7"),
            custom: None,
            payer_id: "LPLWNMTBWMFAY",
            payer_email: "gpmac_1231902590_per@paypal.com",
            receiver_id: "S8XGHLYDW9T3S",
            receiver_email: "gpmac_1231902686_biz@paypal.com",
            payment_date: UtcTime::parse("2009-01-14T04:12:59Z").unwrap_or(now()),
            residence_country: "US",
            verify_sign: "AtkOfCXbDm2hu0ZELryHFjY-Vb7PAUvS6nMXgysbElEn9v-1XcmSoGtf",
            ipn_track_id: "86fbd5b89e3b4",
        };
        let body = ipn_body(&ipn);
        assert!(body.starts_with("mc_gross=19.95&invoice=PB-abc-7&protection_eligibility=Ineligible&payer_id=LPLWNMTBWMFAY&tax=0.00&payment_date=20%3A12%3A59+Jan+13%2C+2009+PST&payment_status=Completed&charset=UTF-8&mc_fee=0.00&notify_version=3.9&custom=&payer_status=verified&"), "{body}");
        assert!(body.contains("&verify_sign=AtkOfCXbDm2hu0ZELryHFjY-Vb7PAUvS6nMXgysbElEn9v-1XcmSoGtf&payer_email=gpmac_1231902590_per%40paypal.com&txn_id=61E67681CH3238416&payment_type=instant&receiver_email=gpmac_1231902686_biz%40paypal.com&receiver_id=S8XGHLYDW9T3S&txn_type=express_checkout&mc_currency=USD&"), "{body}");
        assert!(body.ends_with("&ipn_track_id=86fbd5b89e3b4"), "{body}");
        let decoded = decode(&body).unwrap_or_default();
        assert_eq!(decoded, ipn_fields(&ipn));

        let refunded = PaymentStatus::CanceledReversal;
        let reason = PendingReason::PaymentReview;
        let later = Ipn {
            parent_txn_id: Some("61E67681CH3238416"),
            txn_id: "3HD08833MR473623T",
            txn_type: None,
            payment_status: &refunded,
            pending_reason: Some(&reason),
            reason_code: Some("chargeback"),
            gross_cents: -1_995,
            ..ipn
        };
        let body = ipn_body(&later);
        assert!(
            body.starts_with("mc_gross=-19.95&invoice=PB-abc-7&parent_txn_id=61E67681CH3238416&"),
            "{body}"
        );
        assert!(body.contains("&payment_status=Canceled_Reversal&pending_reason=paymentreview&reason_code=chargeback&"), "{body}");
        assert!(!body.contains("txn_type"), "{body}");
    }

    #[test]
    fn residence_countries_come_from_the_locale() {
        assert_eq!(residence_country(Some("fr_FR")), "FR");
        assert_eq!(residence_country(Some("en-GB")), "GB");
        assert_eq!(residence_country(Some("DE")), "DE");
        assert_eq!(residence_country(Some("fr")), "US");
        assert_eq!(residence_country(None), "US");
        assert_eq!(postback_message("cmd=_notify-validate&a=1"), Some("a=1"));
        assert_eq!(postback_message("a=1"), None);
    }

    #[test]
    fn later_events_move_money_the_right_way_from_the_right_states() {
        assert_eq!(LaterEvent::parse("Reversed"), Some(LaterEvent::Reversed));
        assert_eq!(LaterEvent::parse("Refunded"), Some(LaterEvent::Refunded));
        assert_eq!(
            LaterEvent::parse("Canceled_Reversal"),
            Some(LaterEvent::CanceledReversal)
        );
        assert_eq!(
            LaterEvent::parse("Canceled-Reversal"),
            Some(LaterEvent::CanceledReversal)
        );
        assert_eq!(LaterEvent::parse("Completed"), None);
        assert_eq!(LaterEvent::parse(""), None);
        assert!(LaterEvent::Reversed.applies_to(&PaymentStatus::Completed));
        assert!(LaterEvent::Refunded.applies_to(&PaymentStatus::CanceledReversal));
        assert!(!LaterEvent::Refunded.applies_to(&PaymentStatus::Pending));
        assert!(!LaterEvent::Reversed.applies_to(&PaymentStatus::Reversed));
        assert!(LaterEvent::CanceledReversal.applies_to(&PaymentStatus::Reversed));
        assert!(!LaterEvent::CanceledReversal.applies_to(&PaymentStatus::Refunded));
        assert_eq!(LaterEvent::Reversed.gross_cents(500), -500);
        assert_eq!(LaterEvent::CanceledReversal.gross_cents(500), 500);
        assert_eq!(LaterEvent::Refunded.reason_code(), "refund");
        assert_eq!(LaterEvent::Reversed.reason_code(), "chargeback");
        assert_eq!(LaterEvent::Refunded.direction(), Direction::ToPayer);
        assert_eq!(
            LaterEvent::CanceledReversal.status().as_ipn_str(),
            "Canceled_Reversal"
        );
        let conflict = |t: &Transaction, e: LaterEvent| {
            later_event_conflict(t, e, &event_effect(t, e, None))
        };
        let paid = transaction("Completed");
        assert_eq!(conflict(&paid, LaterEvent::Refunded), None);
        assert_eq!(
            conflict(&paid, LaterEvent::CanceledReversal),
            Some("status")
        );
        let spent = Transaction {
            receiver_balance_cents: 1_999,
            ..paid.clone()
        };
        assert_eq!(
            conflict(&spent, LaterEvent::Reversed),
            Some("insufficient_funds")
        );
        let reversed = Transaction {
            status: "Reversed".to_owned(),
            payer_balance_cents: 2_000,
            ..paid.clone()
        };
        assert_eq!(conflict(&reversed, LaterEvent::CanceledReversal), None);
        assert_eq!(completion_conflict(&paid), Some("not_pending"));
        let pending = Transaction {
            status: "Pending".to_owned(),
            ..paid
        };
        assert_eq!(completion_conflict(&pending), Some("insufficient_funds"));
        let funded = Transaction {
            payer_balance_cents: 2_000,
            ..pending
        };
        assert_eq!(completion_conflict(&funded), None);
    }

    #[test]
    fn a_partial_refund_leaves_the_payment_partly_refunded_until_all_is_refunded() {
        let paid = transaction("Completed");
        let cent = Amount::from_cents(1);
        let first = event_effect(&paid, LaterEvent::Refunded, cent);
        assert_eq!(
            first,
            EventEffect {
                moved_cents: 1,
                status: PaymentStatus::PartiallyRefunded,
                refunded_cents: 1
            }
        );
        assert_eq!(later_event_conflict(&paid, LaterEvent::Refunded, &first), None);
        let partly = Transaction {
            status: "Partially-Refunded".to_owned(),
            refunded_cents: 1,
            ..paid.clone()
        };
        assert!(!LaterEvent::Reversed.applies_to(&PaymentStatus::PartiallyRefunded));
        let rest = event_effect(&partly, LaterEvent::Refunded, None);
        assert_eq!(
            rest,
            EventEffect {
                moved_cents: 1_999,
                status: PaymentStatus::Refunded,
                refunded_cents: 2_000
            }
        );
        let too_much = event_effect(&partly, LaterEvent::Refunded, Amount::from_cents(2_000));
        assert_eq!(
            later_event_conflict(&partly, LaterEvent::Refunded, &too_much),
            Some("amount")
        );
    }

    #[test]
    fn clock_advances_are_integers_within_a_century() {
        assert_eq!(parse_advance_seconds("10801"), Some(10_801));
        assert_eq!(parse_advance_seconds(" 3000000000 "), Some(3_000_000_000));
        assert_eq!(parse_advance_seconds("-60"), Some(-60));
        for bad in [
            "",
            "1.5",
            "1e3",
            "abc",
            "+5",
            "--1",
            "9999999999999",
            "3153600001",
        ] {
            assert_eq!(parse_advance_seconds(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_checkout_page_speaks_the_buyers_language() {
        assert_eq!(checkout_lang(Some("fr_FR")), Lang::Fr);
        assert_eq!(checkout_lang(Some("fr_CA")), Lang::Fr);
        assert_eq!(checkout_lang(Some("en_US")), Lang::En);
        assert_eq!(checkout_lang(Some("de_DE")), Lang::En);
        assert_eq!(checkout_lang(None), Lang::En);
        assert_eq!(checkout_texts(Lang::Fr).pay, "Payer maintenant");
        assert_eq!(checkout_texts(Lang::En).pay, "Pay now");
    }

    #[test]
    fn return_urls_get_their_query_joined_correctly() {
        assert_eq!(
            with_query(
                "https://a.example/r",
                &[("token", "EC-1"), ("PayerID", "P1")]
            ),
            "https://a.example/r?token=EC-1&PayerID=P1"
        );
        assert_eq!(
            with_query("https://a.example/c?order=7", &[("token", "EC-1")]),
            "https://a.example/c?order=7&token=EC-1"
        );
        assert_eq!(
            with_query("https://a.example/c?", &[("token", "EC-1")]),
            "https://a.example/c?token=EC-1"
        );
        assert_eq!(
            with_query("https://a.example/c#top", &[("token", "a b&c")]),
            "https://a.example/c?token=a+b%26c#top"
        );
    }

    #[test]
    fn plain_amounts_carry_a_sign_when_negative() {
        assert_eq!(plain(0), "0.00");
        assert_eq!(plain(1_995), "19.95");
        assert_eq!(plain(-5), "-0.05");
        let answer = NvpResponse::from_fields(balance_answer(
            &envelope(),
            &Account {
                balance_cents: 7_700,
                ..receiver()
            },
        ));
        assert_eq!(answer.get("L_AMT0"), Some("77.00"));
        assert_eq!(answer.get("L_CURRENCYCODE0"), Some("EUR"));
        assert_eq!(answer.get("ACK"), Some("Success"));
    }
}
