//! The purchase, as pure decisions: placing an order (the purchase rules of
//! spec §5 applied to a title as it stands), and the return from PayPal as a
//! step machine. Each step takes the order's state and gives back effects:
//! a D1 batch to run or a PSP call to make. The web return path, the cron's
//! reconciler and the simulation all drive these same functions, so that an
//! order is recorded the same way whoever finds its outcome.
//!
//! The safety argument, in one place:
//! - an order is bound to the title's holder, version and value at order
//!   time, and claims the title (one guarded batch) before any money moves;
//! - DoExpressCheckoutPayment is only sent for an order that holds its
//!   title's claim; a lost answer is retried with the same MSGSUBID, so
//!   PayPal never executes the payment twice;
//! - recording is one guarded batch (order processed, trade, title moved,
//!   trace, e-mail): all or nothing, and only once.

use serde::Deserialize;

use super::i18n::Lang;
use super::isin::Isin;
use super::money::{Amount, Currency};
use super::order::Substate;
use super::psp::paypal::nvp::{self, NvpResponse, PaymentOutcome, PaymentStatus};
use super::rules::{purchase_outcome, Outcome, ProfitRate, ProfitRateError};
use super::sql::{guard_one_row_changed, outbox, Batch, Param, Stmt};
use super::time::UtcTime;

// ------------------------------------------------------------ placing

/// The title as it stands, with what its holder's account allows.
#[derive(Deserialize, Debug, Clone)]
pub struct TitleForSale {
    pub title_id: i64,
    pub isin: String,
    pub value_cents: i64,
    pub currency: String,
    pub version: i64,
    pub status: String,
    pub claim_order_id: Option<String>,
    pub holder_id: i64,
    pub holder_email: String,
    pub holder_environment: String,
    pub holder_credentials_status: String,
    pub holder_credentials_version: i64,
    pub holder_api_username: String,
    pub holder_sealed_secret: String,
}

pub fn title_for_sale(isin: &str) -> Stmt {
    Stmt::new(
        "SELECT t.id AS title_id, t.isin, t.value_cents, t.currency, t.version, t.status, \
         t.claim_order_id, c.id AS holder_id, c.email AS holder_email, \
         c.psp_environment AS holder_environment, c.credentials_status AS holder_credentials_status, \
         c.credentials_version AS holder_credentials_version, cc.api_username AS holder_api_username, \
         cc.sealed_secret AS holder_sealed_secret \
         FROM titles t JOIN clients c ON c.id = t.holder_id \
         JOIN client_credentials cc ON cc.client_id = c.id AND cc.version = c.credentials_version \
         WHERE t.isin = ?1",
        vec![Param::from(isin)],
    )
}

/// Who is buying.
#[derive(Clone, Debug)]
pub struct Buyer {
    pub client_id: i64,
    pub psp_environment: String,
    pub api_username: String,
}

/// The deployment's bounds on one payment.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub currency: Currency,
    pub min_amount: Amount,
    pub max_amount: Amount,
}

/// Why a purchase cannot be made; each has a message per language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BuyProblem {
    IsinInvalid,
    TitleUnknown,
    TitleVoided,
    OwnTitle,
    SamePspAccount,
    OtherCurrency,
    OtherEnvironment,
    SellerCredentialsRefused,
    TitleBeingPaid,
    AmountRequired,
    AmountMalformed,
    AmountTooSmall,
    AmountTooLarge,
    RateMalformed,
}

/// Which form field a problem belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BuyField {
    Isin,
    Amount,
    ProfitRate,
}

impl BuyProblem {
    pub fn field(self) -> BuyField {
        match self {
            BuyProblem::AmountRequired
            | BuyProblem::AmountMalformed
            | BuyProblem::AmountTooSmall
            | BuyProblem::AmountTooLarge => BuyField::Amount,
            BuyProblem::RateMalformed => BuyField::ProfitRate,
            BuyProblem::IsinInvalid
            | BuyProblem::TitleUnknown
            | BuyProblem::TitleVoided
            | BuyProblem::OwnTitle
            | BuyProblem::SamePspAccount
            | BuyProblem::OtherCurrency
            | BuyProblem::OtherEnvironment
            | BuyProblem::SellerCredentialsRefused
            | BuyProblem::TitleBeingPaid => BuyField::Isin,
        }
    }

    /// Whether the answer is 404 (no such title) rather than 422.
    pub fn is_not_found(self) -> bool {
        self == BuyProblem::TitleUnknown
    }

    pub fn message(self, lang: Lang, limits: &Limits) -> String {
        let (min, max) = (
            limits.min_amount.format(lang),
            limits.max_amount.format(lang),
        );
        let currency = limits.currency;
        match (self, lang) {
            (BuyProblem::IsinInvalid, Lang::En) => "This is not a valid ISIN.".into(),
            (BuyProblem::IsinInvalid, Lang::Fr) => "Ce n'est pas un ISIN valide.".into(),
            (BuyProblem::TitleUnknown, Lang::En) => "No title has this ISIN here.".into(),
            (BuyProblem::TitleUnknown, Lang::Fr) => "Aucun titre n'a cet ISIN ici.".into(),
            (BuyProblem::TitleVoided, Lang::En) => "This title was voided: it cannot be bought.".into(),
            (BuyProblem::TitleVoided, Lang::Fr) => "Ce titre a été annulé : il ne peut pas être acheté.".into(),
            (BuyProblem::OwnTitle, Lang::En) => "You hold this title: you cannot buy it from yourself.".into(),
            (BuyProblem::OwnTitle, Lang::Fr) => "Vous détenez ce titre : vous ne pouvez pas l'acheter à vous-même.".into(),
            (BuyProblem::SamePspAccount, Lang::En) => "The holder uses your own PayPal account: you cannot pay yourself.".into(),
            (BuyProblem::SamePspAccount, Lang::Fr) => "Le détenteur utilise votre propre compte PayPal : vous ne pouvez pas vous payer vous-même.".into(),
            (BuyProblem::OtherCurrency, Lang::En) => format!("This title is not in {currency}: it cannot be bought here."),
            (BuyProblem::OtherCurrency, Lang::Fr) => format!("Ce titre n'est pas en {currency} : il ne peut pas être acheté ici."),
            (BuyProblem::OtherEnvironment, Lang::En) => "The holder's PayPal account is in another environment (test or real) than yours.".into(),
            (BuyProblem::OtherEnvironment, Lang::Fr) => "Le compte PayPal du détenteur est dans un autre environnement (test ou réel) que le vôtre.".into(),
            (BuyProblem::SellerCredentialsRefused, Lang::En) => "The holder's PayPal credentials no longer work: this title cannot be bought until they update them.".into(),
            (BuyProblem::SellerCredentialsRefused, Lang::Fr) => "Les identifiants PayPal du détenteur ne fonctionnent plus : ce titre ne peut pas être acheté tant qu'il ne les a pas mis à jour.".into(),
            (BuyProblem::TitleBeingPaid, Lang::En) => "A payment for this title is being executed right now. Try again later.".into(),
            (BuyProblem::TitleBeingPaid, Lang::Fr) => "Un paiement pour ce titre est en cours. Réessayez plus tard.".into(),
            (BuyProblem::AmountRequired, Lang::En) => "Enter the amount you pay.".into(),
            (BuyProblem::AmountRequired, Lang::Fr) => "Saisissez le montant que vous payez.".into(),
            (BuyProblem::AmountMalformed, Lang::En) => "Enter an amount such as 12.30 or 12,30: digits, at most 2 decimals, no sign or symbol.".into(),
            (BuyProblem::AmountMalformed, Lang::Fr) => "Saisissez un montant comme 12,30 ou 12.30 : des chiffres, au plus 2 décimales, sans signe ni symbole.".into(),
            (BuyProblem::AmountTooSmall, Lang::En) => format!("The amount must be at least {min} {currency}."),
            (BuyProblem::AmountTooSmall, Lang::Fr) => format!("Le montant doit être d'au moins {min} {currency}."),
            (BuyProblem::AmountTooLarge, Lang::En) => format!("The amount must be at most {max} {currency} (one payment); buy a larger title in parts."),
            (BuyProblem::AmountTooLarge, Lang::Fr) => format!("Le montant doit être d'au plus {max} {currency} (un paiement) ; achetez un titre plus grand par parties."),
            (BuyProblem::RateMalformed, Lang::En) => "Enter a whole profit rate from 0 to 100.".into(),
            (BuyProblem::RateMalformed, Lang::Fr) => "Saisissez un taux de profit entier de 0 à 100.".into(),
        }
    }
}

/// A purchase that passed every rule: what to write as an order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedPurchase {
    pub title_id: i64,
    pub isin: String,
    pub seller_id: i64,
    pub title_version: i64,
    pub title_value: Amount,
    pub amount: Amount,
    pub rate: ProfitRate,
    pub outcome: Outcome,
    pub seller_credentials_version: i64,
}

/// Parses the typed amount (the spec's pattern, then the bounds).
pub fn parse_amount(typed: &str, limits: &Limits) -> Result<Amount, BuyProblem> {
    let amount = Amount::parse(typed).map_err(|e| match e {
        super::money::AmountError::Empty => BuyProblem::AmountRequired,
        super::money::AmountError::Malformed => BuyProblem::AmountMalformed,
    })?;
    if amount < limits.min_amount {
        Err(BuyProblem::AmountTooSmall)
    } else if amount > limits.max_amount {
        Err(BuyProblem::AmountTooLarge)
    } else {
        Ok(amount)
    }
}

/// A POSTed rate: omitted means 100; empty or not an integer 0..=100 is
/// refused.
pub fn parse_rate(typed: Option<&str>) -> Result<ProfitRate, BuyProblem> {
    match typed {
        None => Ok(ProfitRate::DEFAULT),
        Some(text) => ProfitRate::parse(text).map_err(|e| match e {
            ProfitRateError::Empty
            | ProfitRateError::NotAnInteger
            | ProfitRateError::OutOfRange => BuyProblem::RateMalformed,
        }),
    }
}

/// Applies the purchase rules to the title as it stands.
pub fn plan(
    buyer: &Buyer,
    title: &TitleForSale,
    amount: Amount,
    rate: ProfitRate,
    limits: &Limits,
) -> Result<PlannedPurchase, BuyProblem> {
    if title.status != "active" {
        return Err(BuyProblem::TitleVoided);
    }
    if title.holder_id == buyer.client_id {
        return Err(BuyProblem::OwnTitle);
    }
    if title.holder_api_username == buyer.api_username {
        return Err(BuyProblem::SamePspAccount);
    }
    if title.currency != limits.currency.as_str() {
        return Err(BuyProblem::OtherCurrency);
    }
    if title.holder_environment != buyer.psp_environment {
        return Err(BuyProblem::OtherEnvironment);
    }
    if title.holder_credentials_status != "ok" {
        return Err(BuyProblem::SellerCredentialsRefused);
    }
    if title.claim_order_id.is_some() {
        return Err(BuyProblem::TitleBeingPaid);
    }
    let value = Amount::from_cents(title.value_cents).unwrap_or_default();
    Ok(PlannedPurchase {
        title_id: title.title_id,
        isin: title.isin.clone(),
        seller_id: title.holder_id,
        title_version: title.version,
        title_value: value,
        amount,
        rate,
        outcome: purchase_outcome(value, amount, rate),
        seller_credentials_version: title.holder_credentials_version,
    })
}

/// PayPal's INVNUM for an order: unique across deployments.
pub fn invnum(deployment_id: &str, order_id: &str) -> String {
    format!("PB-{deployment_id}-{order_id}")
}

/// MSGSUBID for an order's current attempt: the same for retries after a
/// lost answer, so PayPal never executes the payment twice.
pub fn msgsubid(order_id: &str, attempt: i64) -> String {
    format!("{order_id}-{attempt}")
}

/// Everything written when an order is created (after SetExpressCheckout
/// gave its token): the order, bound to the title as it is, with the new
/// ISIN already reserved when the title will be split.
pub struct NewOrder<'a> {
    pub id: &'a str,
    pub buyer_id: i64,
    pub plan: &'a PlannedPurchase,
    pub new_isin: Option<&'a Isin>,
    pub currency: &'a str,
    pub psp_environment: &'a str,
    pub buyer_language: Lang,
    pub token: &'a str,
    pub now: &'a str,
}

pub fn create_order(o: &NewOrder) -> Batch {
    let mut batch = Vec::new();
    if let Some(isin) = o.new_isin {
        batch.push(Stmt::new(
            "INSERT INTO isins (isin, reserved_at) VALUES (?1, ?2)",
            vec![Param::from(isin.as_str()), Param::from(o.now)],
        ));
    }
    batch.push(Stmt::new(
        "INSERT INTO orders (id, buyer_id, seller_id, title_id, isin, title_version, title_value_cents, \
         amount_cents, currency, profit_rate, new_value_cents, new_isin, code, substate, psp_environment, \
         seller_credentials_version, buyer_language, psp_token, attempt, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 0, 'awaiting_buyer', ?13, ?14, ?15, ?16, 1, ?17, ?17)",
        vec![
            Param::from(o.id),
            Param::Int(o.buyer_id),
            Param::Int(o.plan.seller_id),
            Param::Int(o.plan.title_id),
            Param::from(o.plan.isin.as_str()),
            Param::Int(o.plan.title_version),
            Param::Int(o.plan.title_value.cents()),
            Param::Int(o.plan.amount.cents()),
            Param::from(o.currency),
            Param::Int(i64::from(o.plan.rate.percent())),
            Param::Int(o.plan.outcome.new_value().cents()),
            Param::from(o.new_isin.map(Isin::as_str)),
            Param::from(o.psp_environment),
            Param::Int(o.plan.seller_credentials_version),
            Param::from(o.buyer_language.code()),
            Param::from(o.token),
            Param::from(o.now),
        ],
    ));
    batch
}

// ------------------------------------------------------------ the return

/// An order with its title as it stands now and what recording needs.
#[derive(Deserialize, Debug, Clone)]
pub struct OrderState {
    pub id: String,
    pub code: i64,
    pub substate: String,
    pub buyer_id: i64,
    pub seller_id: i64,
    pub title_id: i64,
    pub isin: String,
    pub title_version: i64,
    pub title_value_cents: i64,
    pub amount_cents: i64,
    pub currency: String,
    pub profit_rate: i64,
    pub new_value_cents: i64,
    pub new_isin: Option<String>,
    pub psp_token: Option<String>,
    pub psp_payer_id: Option<String>,
    pub attempt: i64,
    pub psp_transaction_id: Option<String>,
    pub created_at: String,
    pub buyer_email: String,
    pub seller_email: String,
    pub seller_language: String,
    pub seller_api_username: String,
    pub seller_sealed_secret: String,
    /// The credentials version the order was made with (its sealed value is
    /// bound to it).
    pub seller_credentials_version: i64,
    pub title_holder_id: i64,
    pub title_current_version: i64,
    pub title_current_value_cents: i64,
    pub title_claim_order_id: Option<String>,
    pub title_status: String,
    /// Until when a return may send the payment (see `take_payment_lease`).
    pub payment_lease_until: Option<String>,
    /// The receiver PayPal reported when the payment was recorded.
    #[serde(default)]
    pub psp_receiver_id: Option<String>,
}

macro_rules! order_state {
    ($($where:literal),+) => {
        concat!(
            "SELECT o.id, o.code, o.substate, o.buyer_id, o.seller_id, o.title_id, o.isin, ",
            "o.title_version, o.title_value_cents, o.amount_cents, o.currency, o.profit_rate, o.new_value_cents, ",
            "o.new_isin, o.psp_token, o.psp_payer_id, o.attempt, o.psp_transaction_id, o.created_at, ",
            "b.email AS buyer_email, s.email AS seller_email, s.language AS seller_language, ",
            "cc.api_username AS seller_api_username, cc.sealed_secret AS seller_sealed_secret, ",
            "o.seller_credentials_version, ",
            "t.holder_id AS title_holder_id, t.version AS title_current_version, ",
            "t.value_cents AS title_current_value_cents, t.claim_order_id AS title_claim_order_id, ",
            "t.status AS title_status, o.payment_lease_until, o.psp_receiver_id ",
            "FROM orders o JOIN clients b ON b.id = o.buyer_id JOIN clients s ON s.id = o.seller_id ",
            "JOIN client_credentials cc ON cc.client_id = o.seller_id AND cc.version = o.seller_credentials_version ",
            "JOIN titles t ON t.id = o.title_id ",
            $($where),+
        )
    };
}

// The reconciler selects the same columns with its own WHERE.
pub(crate) use order_state;

/// The order a PayPal token belongs to (the return needs no session).
pub fn order_by_token(token: &str) -> Stmt {
    Stmt::new(
        order_state!("WHERE o.psp_token = ?1"),
        vec![Param::from(token)],
    )
}

pub fn order_by_id(id: &str) -> Stmt {
    Stmt::new(order_state!("WHERE o.id = ?1"), vec![Param::from(id)])
}

impl OrderState {
    pub fn substate(&self) -> Option<Substate> {
        Substate::parse(&self.substate)
    }

    /// Whether the title is still exactly what the order was made for.
    pub fn title_unchanged(&self) -> bool {
        self.title_status == "active"
            && self.title_holder_id == self.seller_id
            && self.title_current_version == self.title_version
            && self.title_current_value_cents == self.title_value_cents
    }

    pub fn holds_claim(&self) -> bool {
        self.title_claim_order_id.as_deref() == Some(self.id.as_str())
    }

    pub fn amount(&self) -> Amount {
        Amount::from_cents(self.amount_cents).unwrap_or_default()
    }

    pub fn msgsubid(&self) -> String {
        msgsubid(&self.id, self.attempt)
    }
}

/// What the buyer's return (or a retry of it) must do next.
#[derive(Debug, PartialEq)]
pub enum ReturnStep {
    /// Nothing: the order is final or waits on PayPal; show it.
    Show,
    /// The title changed or is being paid by someone else: fail the order
    /// before any payment, so no money moves.
    FailUnavailable(Batch),
    /// Claim order and title in one guarded batch, then execute the payment.
    Claim(Batch),
    /// The order already holds its claim (a refresh, a second return, a lost
    /// answer): execute the payment again with the same MSGSUBID.
    Execute,
}

pub fn on_return(order: &OrderState, payer_id: &str, now: &str) -> ReturnStep {
    if order.code != 0 {
        return ReturnStep::Show;
    }
    match order.substate() {
        Some(Substate::AwaitingBuyer) => {
            if !order.title_unchanged() || order.title_claim_order_id.is_some() {
                ReturnStep::FailUnavailable(fail_unavailable(order, now))
            } else {
                ReturnStep::Claim(claim(order, payer_id, now))
            }
        }
        Some(Substate::Confirming) if order.holds_claim() && order.psp_payer_id.is_some() => {
            ReturnStep::Execute
        }
        Some(Substate::Confirming)
        | Some(Substate::PspPending)
        | Some(Substate::NeedsReview)
        | Some(Substate::Done)
        | None => ReturnStep::Show,
    }
}

fn fail_unavailable(order: &OrderState, now: &str) -> Batch {
    vec![
        Stmt::new(
            "UPDATE orders SET code = -2, substate = 'done', failure_reason = 'title_unavailable', updated_at = ?2 \
             WHERE id = ?1 AND code = 0 AND substate = 'awaiting_buyer'",
            vec![Param::from(order.id.as_str()), Param::from(now)],
        ),
        guard_one_row_changed(),
    ]
}

fn claim(order: &OrderState, payer_id: &str, now: &str) -> Batch {
    vec![
        Stmt::new(
            "UPDATE orders SET substate = 'confirming', psp_payer_id = ?2, updated_at = ?3, \
             payment_lease_until = ?4 WHERE id = ?1 AND code = 0 AND substate = 'awaiting_buyer'",
            vec![
                Param::from(order.id.as_str()),
                Param::from(payer_id),
                Param::from(now),
                Param::from(lease_until(now)),
            ],
        ),
        guard_one_row_changed(),
        Stmt::new(
            "UPDATE titles SET claim_order_id = ?1 WHERE id = ?2 AND holder_id = ?3 AND version = ?4 \
             AND value_cents = ?5 AND status = 'active' AND claim_order_id IS NULL",
            vec![
                Param::from(order.id.as_str()),
                Param::Int(order.title_id),
                Param::Int(order.seller_id),
                Param::Int(order.title_version),
                Param::Int(order.title_value_cents),
            ],
        ),
        guard_one_row_changed(),
    ]
}

/// How long a return holds the right to send the payment: longer than the
/// call's 30 s timeout, so that two calls for one order never overlap.
pub const PAYMENT_LEASE_SECONDS: i64 = 60;

fn lease_until(now: &str) -> String {
    match UtcTime::parse(now) {
        Some(t) => t.plus_seconds(PAYMENT_LEASE_SECONDS).to_string(),
        // An unparsable `now` gives a lease that has already passed.
        None => now.to_string(),
    }
}

/// The order as it stands once this return holds the payment lease taken at
/// `now` (by the claim or by `take_payment_lease`): its refusal batches are
/// guarded on that very lease.
pub fn lease_held(order: &OrderState, now: &str) -> OrderState {
    OrderState {
        payment_lease_until: Some(lease_until(now)),
        ..order.clone()
    }
}

/// Before sending the payment again for an order already confirming (a
/// refresh, a second return), take the payment lease: the batch's guard
/// fails while another call for the order may still be in flight, and the
/// order is then only shown.
pub fn take_payment_lease(order: &OrderState, now: &str) -> Batch {
    vec![
        Stmt::new(
            "UPDATE orders SET payment_lease_until = ?3 WHERE id = ?1 AND code = 0 \
             AND substate = 'confirming' AND attempt = ?2 \
             AND (payment_lease_until IS NULL OR payment_lease_until <= ?4)",
            vec![
                Param::from(order.id.as_str()),
                Param::Int(order.attempt),
                Param::from(lease_until(now)),
                Param::from(now),
            ],
        ),
        guard_one_row_changed(),
    ]
}

/// What PayPal's answer to DoExpressCheckoutPayment means for the order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentAnswer {
    /// Paid (also an 11607 replay carrying the original payment).
    Completed {
        transaction_id: String,
        amount: Option<Amount>,
        currency: Option<String>,
        receiver_id: Option<String>,
    },
    /// Taken, but PayPal holds it (PAYMENTSTATUS=Pending and the like).
    Pending { transaction_id: String },
    /// PayPal refused; `retry_funding` for 10486/10422 (the buyer picks
    /// another funding source on PayPal with the same token).
    Refused {
        code: String,
        message: String,
        retry_funding: bool,
        already_paid: bool,
    },
    /// PayPal answered that the payment failed (Denied, Failed, ...).
    Failed {
        transaction_id: String,
        status: String,
    },
    /// Paid, then partly refunded (Partially-Refunded): most of the money
    /// stayed with the seller, so it is neither a failure nor a reversal;
    /// a person looks.
    PartlyRefunded {
        transaction_id: String,
        receiver_id: Option<String>,
    },
}

/// Reads a DoExpressCheckoutPayment answer.
pub fn classify(answer: &NvpResponse) -> PaymentAnswer {
    if !answer.is_success() {
        let error = answer.first_error();
        let code = error.as_ref().map(|e| e.code.clone()).unwrap_or_default();
        let message = error.map(|e| e.long_message).unwrap_or_default();
        return PaymentAnswer::Refused {
            retry_funding: code == "10486" || code == "10422",
            already_paid: code == "10415" || code == "11607",
            code,
            message,
        };
    }
    match nvp::payment_info(answer) {
        Err(e) => PaymentAnswer::Refused {
            code: "answer".into(),
            message: e.to_string(),
            retry_funding: false,
            already_paid: false,
        },
        Ok(info) => payment_answer(
            &info.payment_status,
            info.transaction_id,
            info.amount,
            info.currency,
            info.secure_merchant_account_id,
        ),
    }
}

/// What a payment PayPal reports (in a DoExpressCheckoutPayment or a
/// GetTransactionDetails answer) means for the order: one mapping for both.
pub fn payment_answer(
    status: &PaymentStatus,
    transaction_id: String,
    amount: Option<Amount>,
    currency: Option<String>,
    receiver_id: Option<String>,
) -> PaymentAnswer {
    match status.outcome() {
        PaymentOutcome::Completed => PaymentAnswer::Completed {
            transaction_id,
            amount,
            currency,
            receiver_id,
        },
        PaymentOutcome::Pending | PaymentOutcome::Unknown => {
            PaymentAnswer::Pending { transaction_id }
        }
        PaymentOutcome::Failed | PaymentOutcome::Reversed => PaymentAnswer::Failed {
            transaction_id,
            status: status.as_str().to_string(),
        },
        PaymentOutcome::PartlyRefunded => PaymentAnswer::PartlyRefunded {
            transaction_id,
            receiver_id,
        },
    }
}

/// What to write once the payment's outcome is known.
#[derive(Debug, PartialEq)]
pub enum AfterPayment {
    /// Paid as ordered: processed, trade, title moved, trace, e-mail.
    Record(Batch),
    /// Paid, but the amount or currency differs: money moved, so never fail;
    /// a person looks (the title stays claimed).
    NeedsReview(Batch),
    /// Paid with status Pending: nothing moves until PayPal confirms.
    Pending(Batch),
    /// The buyer must choose another funding source on PayPal (same token):
    /// the claim is released and the next attempt gets a new MSGSUBID.
    RetryFunding(Batch),
    /// Refused or failed at PayPal: the order fails, the claim is released.
    Fail(Batch),
    /// PayPal says it was already paid: find the payment before recording.
    AlreadyPaid,
}

/// The decision after DoExpressCheckoutPayment answered. `trace` is the
/// call's trace statement, written in the same batch.
pub fn after_payment(
    order: &OrderState,
    answer: &PaymentAnswer,
    trace: Stmt,
    mail: &MailSetting,
    now: &str,
) -> AfterPayment {
    match answer {
        PaymentAnswer::Completed { transaction_id, amount, currency, receiver_id } => {
            let matches = *amount == Some(order.amount()) && currency.as_deref() == Some(order.currency.as_str());
            if matches {
                AfterPayment::Record(record_completed(order, transaction_id, receiver_id.as_deref(), trace, mail, now))
            } else {
                AfterPayment::NeedsReview(needs_review(order, transaction_id, receiver_id.as_deref(), None, trace, mail, now))
            }
        }
        PaymentAnswer::PartlyRefunded { transaction_id, receiver_id } => AfterPayment::NeedsReview(needs_review(
            order,
            transaction_id,
            receiver_id.as_deref(),
            Some(REVIEW_PARTLY_RETURNED),
            trace,
            mail,
            now,
        )),
        PaymentAnswer::Pending { transaction_id } => AfterPayment::Pending(vec![
            Stmt::new(
                "UPDATE orders SET substate = 'psp_pending', psp_transaction_id = ?2, updated_at = ?3 \
                 WHERE id = ?1 AND code = 0 AND substate = 'confirming' AND attempt = ?4",
                vec![
                    Param::from(order.id.as_str()),
                    Param::from(transaction_id.as_str()),
                    Param::from(now),
                    Param::Int(order.attempt),
                ],
            ),
            guard_one_row_changed(),
            trace,
        ]),
        PaymentAnswer::Refused { already_paid: true, .. } => AfterPayment::AlreadyPaid,
        PaymentAnswer::Refused { retry_funding: true, .. } => AfterPayment::RetryFunding(vec![
            Stmt::new(
                "UPDATE orders SET substate = 'awaiting_buyer', attempt = attempt + 1, psp_payer_id = NULL, \
                 updated_at = ?2 WHERE id = ?1 AND code = 0 AND substate = 'confirming' AND attempt = ?3 \
                 AND payment_lease_until = ?4",
                vec![
                    Param::from(order.id.as_str()),
                    Param::from(now),
                    Param::Int(order.attempt),
                    Param::from(order.payment_lease_until.clone()),
                ],
            ),
            guard_one_row_changed(),
            release_claim(order),
            trace,
        ]),
        PaymentAnswer::Refused { code, message, .. } => {
            AfterPayment::Fail(fail_refused(order, code, message, trace, now, CallRefusal::Yes))
        }
        PaymentAnswer::Failed { status, .. } => {
            AfterPayment::Fail(fail_refused(
                order,
                status,
                "PayPal reported the payment as failed",
                trace,
                now,
                CallRefusal::No,
            ))
        }
    }
}

/// The decision after a DoExpressCheckoutPayment that was sent again for an
/// order already confirming (a refresh, a second return, the reconciler): an
/// earlier call of the same attempt may have paid with its answer lost, and
/// PayPal refuses a repeat for reasons of its own (10445 "try later", 10411
/// once the token is old) before it looks at the MSGSUBID. So a refusal here
/// proves nothing: the caller must ask PayPal what happened
/// ([`AfterPayment::AlreadyPaid`]) before believing it.
pub fn after_retried_payment(
    order: &OrderState,
    answer: &PaymentAnswer,
    trace: Stmt,
    mail: &MailSetting,
    now: &str,
) -> AfterPayment {
    match answer {
        PaymentAnswer::Refused { .. } => AfterPayment::AlreadyPaid,
        PaymentAnswer::Completed { .. }
        | PaymentAnswer::Pending { .. }
        | PaymentAnswer::Failed { .. }
        | PaymentAnswer::PartlyRefunded { .. } => after_payment(order, answer, trace, mail, now),
    }
}

fn release_claim(order: &OrderState) -> Stmt {
    Stmt::new(
        "UPDATE titles SET claim_order_id = NULL WHERE id = ?1 AND claim_order_id = ?2",
        vec![Param::Int(order.title_id), Param::from(order.id.as_str())],
    )
}

/// Whether a failure comes from PayPal refusing a payment call (which only
/// speaks for that call) or from PayPal's record of the payment itself.
#[derive(Clone, Copy, PartialEq, Eq)]
enum CallRefusal {
    Yes,
    No,
}

fn fail_refused(
    order: &OrderState,
    code: &str,
    message: &str,
    trace: Stmt,
    now: &str,
    refusal: CallRefusal,
) -> Batch {
    // A refused call decides only while its return still holds the payment
    // lease it sent the call under: once another return took the lease,
    // another call may be paying, so the late refusal changes nothing and
    // the reconciler asks PayPal instead.
    let sql = match refusal {
        CallRefusal::Yes => {
            "UPDATE orders SET code = -2, substate = 'done', failure_reason = 'psp_refused', \
             psp_error_code = ?2, psp_error_message = ?3, updated_at = ?4 \
             WHERE id = ?1 AND code = 0 AND substate IN ('confirming', 'psp_pending') AND attempt = ?5 \
             AND payment_lease_until = ?6"
        }
        CallRefusal::No => {
            "UPDATE orders SET code = -2, substate = 'done', failure_reason = 'psp_refused', \
             psp_error_code = ?2, psp_error_message = ?3, updated_at = ?4 \
             WHERE id = ?1 AND code = 0 AND substate IN ('confirming', 'psp_pending') AND attempt = ?5"
        }
    };
    let mut params = vec![
        Param::from(order.id.as_str()),
        Param::from(code),
        Param::from(message),
        Param::from(now),
        Param::Int(order.attempt),
    ];
    if refusal == CallRefusal::Yes {
        params.push(Param::from(order.payment_lease_until.clone()));
    }
    vec![
        Stmt::new(sql, params),
        guard_one_row_changed(),
        release_claim(order),
        trace,
    ]
}

/// `orders.failure_reason` of an order put aside because its payment was
/// partly refunded or reversed at PayPal (see `core::partial`).
pub const REVIEW_PARTLY_RETURNED: &str = "partly_returned";

fn needs_review(
    order: &OrderState,
    transaction_id: &str,
    receiver_id: Option<&str>,
    reason: Option<&str>,
    trace: Stmt,
    mail: &MailSetting,
    now: &str,
) -> Batch {
    let mut batch = vec![
        Stmt::new(
            "UPDATE orders SET substate = 'needs_review', psp_transaction_id = ?2, psp_receiver_id = ?3, \
             failure_reason = ?5, updated_at = ?4 WHERE id = ?1 AND code = 0 AND substate IN ('confirming', 'psp_pending')",
            vec![
                Param::from(order.id.as_str()),
                Param::from(transaction_id),
                Param::from(receiver_id),
                Param::from(now),
                Param::from(reason),
            ],
        ),
        guard_one_row_changed(),
        trace,
    ];
    let lang = Lang::parse(&order.seller_language).unwrap_or_default();
    let (subject, body) = review_mail(order, transaction_id, lang);
    let key = format!("order:{}:review:seller", order.id);
    batch.push(outbox::insert(&outbox::Mail {
        event_key: &key,
        to: &order.seller_email,
        subject: &subject,
        body: &body,
        now,
        delivered_on_write: mail.delivered_on_write,
    }));
    if let Some(operator) = mail.operator_email.as_deref() {
        let key = format!("order:{}:review:operator", order.id);
        let (subject, body) = review_mail(order, transaction_id, Lang::En);
        batch.push(outbox::insert(&outbox::Mail {
            event_key: &key,
            to: operator,
            subject: &subject,
            body: &body,
            now,
            delivered_on_write: mail.delivered_on_write,
        }));
    }
    batch
}

/// How e-mails are written for this deployment.
#[derive(Clone, Debug)]
pub struct MailSetting {
    /// Emulator mode without a mail API: the outbox is the mailbox.
    pub delivered_on_write: bool,
    /// Where orders needing review are reported.
    pub operator_email: Option<String>,
}

/// Records a completed payment exactly once: the order processed with
/// PayPal's transaction id, the trade, the title moved (transfer or split),
/// the trace and the seller's e-mail, in one guarded batch. The same batch
/// serves the return path, the reconciler and IPN.
pub fn record_completed(
    order: &OrderState,
    transaction_id: &str,
    receiver_id: Option<&str>,
    trace: Stmt,
    mail: &MailSetting,
    now: &str,
) -> Batch {
    let id = order.id.as_str();
    let paid = order.amount();
    let value = Amount::from_cents(order.title_value_cents).unwrap_or_default();
    let rate = ProfitRate::new(u8::try_from(order.profit_rate).unwrap_or(100))
        .unwrap_or(ProfitRate::DEFAULT);
    let outcome = purchase_outcome(value, paid, rate);
    let mut batch = vec![
        Stmt::new(
            "UPDATE orders SET code = 2, substate = 'done', psp_transaction_id = ?2, psp_receiver_id = ?3, \
             updated_at = ?4 WHERE id = ?1 AND code = 0 AND substate IN ('confirming', 'psp_pending')",
            vec![Param::from(id), Param::from(transaction_id), Param::from(receiver_id), Param::from(now)],
        ),
        guard_one_row_changed(),
    ];
    let (new_isin, seller_value_cents) = match (outcome, order.new_isin.as_deref()) {
        (
            Outcome::Split {
                new_value,
                seller_value,
            },
            Some(new_isin),
        ) => {
            batch.push(Stmt::new(
                "UPDATE titles SET value_cents = ?3, version = version + 1, claim_order_id = NULL, updated_at = ?4 \
                 WHERE id = ?1 AND claim_order_id = ?2",
                vec![Param::Int(order.title_id), Param::from(id), Param::Int(seller_value.cents()), Param::from(now)],
            ));
            batch.push(guard_one_row_changed());
            batch.push(Stmt::new(
                "INSERT INTO titles (isin, value_cents, currency, holder_id, issued_at, issued_by, \
                 parent_title_id, issuing_order_id, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, 'split', ?6, ?7, ?5)",
                vec![
                    Param::from(new_isin),
                    Param::Int(new_value.cents()),
                    Param::from(order.currency.as_str()),
                    Param::Int(order.buyer_id),
                    Param::from(now),
                    Param::Int(order.title_id),
                    Param::from(id),
                ],
            ));
            (new_isin.to_string(), Some(seller_value.cents()))
        }
        (Outcome::Transfer { new_value }, _) | (Outcome::Split { new_value, .. }, None) => {
            // A split always has its ISIN reserved at order time; should one
            // be missing, the title passes rather than leaving money
            // unrecorded.
            batch.push(Stmt::new(
                "UPDATE titles SET holder_id = ?3, value_cents = ?4, version = version + 1, \
                 claim_order_id = NULL, updated_at = ?5 WHERE id = ?1 AND claim_order_id = ?2",
                vec![
                    Param::Int(order.title_id),
                    Param::from(id),
                    Param::Int(order.buyer_id),
                    Param::Int(new_value.cents()),
                    Param::from(now),
                ],
            ));
            batch.push(guard_one_row_changed());
            (order.isin.clone(), None)
        }
    };
    batch.push(Stmt::new(
        "INSERT INTO trades (order_id, at, title_id, isin, amount_cents, currency, profit_rate, buyer_id, \
         seller_id, new_title_id, new_isin, new_value_cents, seller_value_cents, previous_value_cents, \
         recheck_at) \
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, id, ?10, ?11, ?12, ?13, ?14 FROM titles WHERE isin = ?10",
        vec![
            Param::from(id),
            Param::from(now),
            Param::Int(order.title_id),
            Param::from(order.isin.as_str()),
            Param::Int(paid.cents()),
            Param::from(order.currency.as_str()),
            Param::Int(order.profit_rate),
            Param::Int(order.buyer_id),
            Param::Int(order.seller_id),
            Param::from(new_isin.as_str()),
            Param::Int(outcome.new_value().cents()),
            Param::from(seller_value_cents),
            Param::Int(order.title_value_cents),
            // The payment's first scheduled re-read (core::recheck).
            Param::from(super::recheck::first_at(now).as_str()),
        ],
    ));
    batch.push(guard_one_row_changed());
    batch.push(trace);
    let lang = Lang::parse(&order.seller_language).unwrap_or_default();
    let (subject, body) = seller_mail(order, &outcome, &new_isin, lang);
    let key = format!("order:{id}:sold");
    batch.push(outbox::insert(&outbox::Mail {
        event_key: &key,
        to: &order.seller_email,
        subject: &subject,
        body: &body,
        now,
        delivered_on_write: mail.delivered_on_write,
    }));
    batch
}

/// The seller's e-mail (spec §11): plain text, the ISIN in the subject, who
/// paid, the amount as `12.34 EUR`, the ISIN and the new value, in the
/// seller's language.
pub fn seller_mail(
    order: &OrderState,
    outcome: &Outcome,
    new_isin: &str,
    lang: Lang,
) -> (String, String) {
    let paid = format!("{} {}", order.amount().to_plain(), order.currency);
    let new_value = format!("{} {}", outcome.new_value().to_plain(), order.currency);
    let isin = &order.isin;
    let buyer = &order.buyer_email;
    match (lang, outcome) {
        (Lang::En, Outcome::Transfer { .. }) => (
            format!("PayBook: {isin} sold for {paid}"),
            format!(
                "{buyer} paid you {paid} through PayPal for your title {isin}.\n\n\
                 The title passed to {buyer}; its new declared value is {new_value}.\n\n\
                 A declared value is not money. PayPal's fee, if any, is yours to bear.\n"
            ),
        ),
        (Lang::En, Outcome::Split { seller_value, .. }) => (
            format!("PayBook: {isin} partly sold for {paid}"),
            format!(
                "{buyer} paid you {paid} through PayPal for part of your title {isin}.\n\n\
                 You keep {isin}, now worth {} {}. A new title {new_isin} worth {new_value} was issued to {buyer}.\n\n\
                 A declared value is not money. PayPal's fee, if any, is yours to bear.\n",
                seller_value.to_plain(),
                order.currency
            ),
        ),
        (Lang::Fr, Outcome::Transfer { .. }) => (
            format!("PayBook : {isin} vendu pour {paid}"),
            format!(
                "{buyer} vous a payé {paid} par PayPal pour votre titre {isin}.\n\n\
                 Le titre est passé à {buyer} ; sa nouvelle valeur déclarée est de {new_value}.\n\n\
                 Une valeur déclarée n'est pas de l'argent. Les frais PayPal éventuels sont à votre charge.\n"
            ),
        ),
        (Lang::Fr, Outcome::Split { seller_value, .. }) => (
            format!("PayBook : {isin} vendu en partie pour {paid}"),
            format!(
                "{buyer} vous a payé {paid} par PayPal pour une partie de votre titre {isin}.\n\n\
                 Vous gardez {isin}, qui vaut maintenant {} {}. Un nouveau titre {new_isin} d'une valeur de {new_value} a été émis pour {buyer}.\n\n\
                 Une valeur déclarée n'est pas de l'argent. Les frais PayPal éventuels sont à votre charge.\n",
                seller_value.to_plain(),
                order.currency
            ),
        ),
    }
}

fn review_mail(order: &OrderState, transaction_id: &str, lang: Lang) -> (String, String) {
    let isin = &order.isin;
    match lang {
        Lang::En => (
            format!("PayBook: a payment for {isin} needs review"),
            format!(
                "PayPal executed payment {transaction_id} for order {} ({} {}), but its amount or currency differs from the order. \
                 Money has moved, so the order is kept for review and the title {isin} stays reserved. The operator will look into it.\n",
                order.id,
                order.amount().to_plain(),
                order.currency
            ),
        ),
        Lang::Fr => (
            format!("PayBook : un paiement pour {isin} doit être vérifié"),
            format!(
                "PayPal a exécuté le paiement {transaction_id} pour l'ordre {} ({} {}), mais son montant ou sa devise diffère de l'ordre. \
                 L'argent a circulé : l'ordre est donc gardé pour vérification et le titre {isin} reste réservé. L'opérateur va s'en occuper.\n",
                order.id,
                order.amount().to_plain(),
                order.currency
            ),
        ),
    }
}

/// Cancel at PayPal (or from the order page): only a pending order that
/// has not claimed its title.
pub fn cancel(order_id: &str, now: &str) -> Batch {
    vec![
        Stmt::new(
            "UPDATE orders SET code = -1, substate = 'done', updated_at = ?2 \
             WHERE id = ?1 AND code = 0 AND substate = 'awaiting_buyer'",
            vec![Param::from(order_id), Param::from(now)],
        ),
        guard_one_row_changed(),
    ]
}

/// PayPal refused the seller's credentials (10002 at SetExpressCheckout):
/// mark that version refused and tell the seller, once per version.
pub fn credentials_refused(title: &TitleForSale, now: &str, delivered_on_write: bool) -> Batch {
    let key = format!(
        "credentials-refused:{}:{}",
        title.holder_id, title.holder_credentials_version
    );
    let (subject, body) = (
        "PayBook: PayPal refuses your API credentials / PayPal refuse vos identifiants API",
        "PayPal answered 10002 (security error) to your stored API credentials: buyers cannot pay you, \
         so your titles cannot be bought until you update your credentials on your account page (/account).\n\n\
         PayPal a répondu 10002 (erreur de sécurité) à vos identifiants API enregistrés : les acheteurs ne peuvent \
         pas vous payer, donc vos titres ne peuvent pas être achetés tant que vous n'avez pas mis à jour vos \
         identifiants sur votre page de compte (/account).\n",
    );
    vec![
        Stmt::new(
            "UPDATE clients SET credentials_status = 'refused' WHERE id = ?1 AND credentials_version = ?2",
            vec![Param::Int(title.holder_id), Param::Int(title.holder_credentials_version)],
        ),
        outbox::insert(&outbox::Mail {
            event_key: &key,
            to: &title.holder_email,
            subject,
            body,
            now,
            delivered_on_write,
        }),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            currency: Currency::EUR,
            min_amount: Amount::from_cents(100).unwrap_or_default(),
            max_amount: Amount::from_cents(1_000_000).unwrap_or_default(),
        }
    }

    fn title() -> TitleForSale {
        TitleForSale {
            title_id: 7,
            isin: "ZZ0000000001".into(),
            value_cents: 500,
            currency: "EUR".into(),
            version: 3,
            status: "active".into(),
            claim_order_id: None,
            holder_id: 1,
            holder_email: "alice@example.org".into(),
            holder_environment: "emulator".into(),
            holder_credentials_status: "ok".into(),
            holder_credentials_version: 2,
            holder_api_username: "alice_api1.example.org".into(),
            holder_sealed_secret: "v1.x".into(),
        }
    }

    fn buyer() -> Buyer {
        Buyer {
            client_id: 2,
            psp_environment: "emulator".into(),
            api_username: "bob_api1.example.org".into(),
        }
    }

    fn amount(cents: i64) -> Amount {
        Amount::from_cents(cents).unwrap_or_default()
    }

    #[test]
    fn a_valid_purchase_is_bound_to_the_title_as_it_is() {
        let plan = plan(
            &buyer(),
            &title(),
            amount(200),
            ProfitRate::DEFAULT,
            &limits(),
        )
        .expect("allowed");
        assert_eq!(plan.title_version, 3);
        assert_eq!(plan.title_value, amount(500));
        assert_eq!(plan.seller_id, 1);
        assert_eq!(plan.seller_credentials_version, 2);
        assert_eq!(
            plan.outcome,
            Outcome::Split {
                new_value: amount(400),
                seller_value: amount(300)
            }
        );
    }

    #[test]
    fn the_rules_refuse_each_forbidden_purchase() {
        let l = limits();
        let r = ProfitRate::DEFAULT;
        let mut own = title();
        own.holder_id = 2;
        assert_eq!(
            plan(&buyer(), &own, amount(100), r, &l),
            Err(BuyProblem::OwnTitle)
        );
        let mut same_account = title();
        same_account.holder_api_username = "bob_api1.example.org".into();
        assert_eq!(
            plan(&buyer(), &same_account, amount(100), r, &l),
            Err(BuyProblem::SamePspAccount)
        );
        let mut usd = title();
        usd.currency = "USD".into();
        assert_eq!(
            plan(&buyer(), &usd, amount(100), r, &l),
            Err(BuyProblem::OtherCurrency)
        );
        let mut live = title();
        live.holder_environment = "live".into();
        assert_eq!(
            plan(&buyer(), &live, amount(100), r, &l),
            Err(BuyProblem::OtherEnvironment)
        );
        let mut refused = title();
        refused.holder_credentials_status = "refused".into();
        assert_eq!(
            plan(&buyer(), &refused, amount(100), r, &l),
            Err(BuyProblem::SellerCredentialsRefused)
        );
        let mut claimed = title();
        claimed.claim_order_id = Some("other".into());
        assert_eq!(
            plan(&buyer(), &claimed, amount(100), r, &l),
            Err(BuyProblem::TitleBeingPaid)
        );
        let mut voided = title();
        voided.status = "voided".into();
        assert_eq!(
            plan(&buyer(), &voided, amount(100), r, &l),
            Err(BuyProblem::TitleVoided)
        );
    }

    #[test]
    fn amounts_respect_the_pattern_and_the_bounds() {
        let l = limits();
        assert_eq!(parse_amount("1,20", &l), Ok(amount(120)));
        assert_eq!(parse_amount("0.99", &l), Err(BuyProblem::AmountTooSmall));
        assert_eq!(
            parse_amount("10000.01", &l),
            Err(BuyProblem::AmountTooLarge)
        );
        assert_eq!(parse_amount("", &l), Err(BuyProblem::AmountRequired));
        assert_eq!(parse_amount("-5", &l), Err(BuyProblem::AmountMalformed));
        assert_eq!(parse_amount("1.234", &l), Err(BuyProblem::AmountMalformed));
    }

    #[test]
    fn an_omitted_rate_means_100_and_an_empty_one_is_refused() {
        assert_eq!(parse_rate(None), Ok(ProfitRate::DEFAULT));
        assert_eq!(parse_rate(Some("")), Err(BuyProblem::RateMalformed));
        assert_eq!(parse_rate(Some("2.5")), Err(BuyProblem::RateMalformed));
        assert_eq!(parse_rate(Some("7")).map(ProfitRate::percent), Ok(7));
    }

    #[test]
    fn every_problem_speaks_both_languages() {
        let all = [
            BuyProblem::IsinInvalid,
            BuyProblem::TitleUnknown,
            BuyProblem::TitleVoided,
            BuyProblem::OwnTitle,
            BuyProblem::SamePspAccount,
            BuyProblem::OtherCurrency,
            BuyProblem::OtherEnvironment,
            BuyProblem::SellerCredentialsRefused,
            BuyProblem::TitleBeingPaid,
            BuyProblem::AmountRequired,
            BuyProblem::AmountMalformed,
            BuyProblem::AmountTooSmall,
            BuyProblem::AmountTooLarge,
            BuyProblem::RateMalformed,
        ];
        for p in all {
            assert_ne!(
                p.message(Lang::En, &limits()),
                p.message(Lang::Fr, &limits()),
                "{p:?}"
            );
        }
        assert!(BuyProblem::AmountTooSmall
            .message(Lang::Fr, &limits())
            .contains("1,00 EUR"));
    }

    fn order() -> OrderState {
        OrderState {
            id: "ord1".into(),
            code: 0,
            substate: "confirming".into(),
            buyer_id: 2,
            seller_id: 1,
            title_id: 7,
            isin: "ZZ0000000001".into(),
            title_version: 3,
            title_value_cents: 500,
            amount_cents: 200,
            currency: "EUR".into(),
            profit_rate: 100,
            new_value_cents: 400,
            new_isin: Some("ZZ0000000002".into()),
            psp_token: Some("EC-1".into()),
            psp_payer_id: Some("PAYER".into()),
            attempt: 1,
            psp_transaction_id: None,
            created_at: "2026-11-22T10:00:00Z".into(),
            buyer_email: "bob@example.org".into(),
            seller_email: "alice@example.org".into(),
            seller_language: "fr".into(),
            seller_api_username: "alice_api1.example.org".into(),
            seller_sealed_secret: "v1.x".into(),
            seller_credentials_version: 1,
            title_holder_id: 1,
            title_current_version: 3,
            title_current_value_cents: 500,
            title_claim_order_id: Some("ord1".into()),
            title_status: "active".into(),
            payment_lease_until: Some("2026-11-22T10:01:00Z".into()),
            psp_receiver_id: None,
        }
    }

    fn mail() -> MailSetting {
        MailSetting {
            delivered_on_write: true,
            operator_email: Some("operator@example.org".into()),
        }
    }

    fn trace() -> Stmt {
        Stmt::new("INSERT INTO psp_traces DEFAULT VALUES", vec![])
    }

    #[test]
    fn a_completed_payment_of_another_amount_or_currency_needs_review_and_never_fails() {
        for (amount, currency) in [(199, "EUR"), (200, "USD")] {
            let answer = PaymentAnswer::Completed {
                transaction_id: "T1".into(),
                amount: Amount::from_cents(amount),
                currency: Some(currency.into()),
                receiver_id: None,
            };
            let decision =
                after_payment(&order(), &answer, trace(), &mail(), "2026-11-22T10:05:00Z");
            let AfterPayment::NeedsReview(batch) = decision else {
                panic!("needs review: {decision:?}")
            };
            assert!(batch[0].sql.contains("needs_review"));
            assert!(
                !batch
                    .iter()
                    .any(|s| s.sql.contains("claim_order_id = NULL")),
                "the title stays claimed"
            );
            let mails: Vec<&Stmt> = batch
                .iter()
                .filter(|s| s.sql.contains("INSERT INTO outbox"))
                .collect();
            assert_eq!(mails.len(), 2, "seller and operator are told");
        }
    }

    #[test]
    fn the_exact_payment_is_recorded_with_the_split_and_the_seller_mail_in_their_language() {
        let answer = PaymentAnswer::Completed {
            transaction_id: "T1".into(),
            amount: Amount::from_cents(200),
            currency: Some("EUR".into()),
            receiver_id: Some("R".into()),
        };
        let AfterPayment::Record(batch) =
            after_payment(&order(), &answer, trace(), &mail(), "2026-11-22T10:05:00Z")
        else {
            panic!("recorded")
        };
        assert!(batch[0].sql.contains("code = 2"));
        let split = batch
            .iter()
            .find(|s| s.sql.starts_with("UPDATE titles SET value_cents"))
            .expect("seller keeps V - X");
        assert!(split.params.contains(&Param::Int(300)));
        let issued = batch
            .iter()
            .find(|s| s.sql.starts_with("INSERT INTO titles"))
            .expect("new title");
        assert!(
            issued.params.contains(&Param::from("ZZ0000000002"))
                && issued.params.contains(&Param::Int(400))
        );
        let mail = batch
            .iter()
            .find(|s| s.sql.contains("INSERT INTO outbox"))
            .expect("mail");
        assert!(mail.params.iter().any(|p| matches!(p, Param::Text(t) if t.starts_with("PayBook : ZZ0000000001 vendu en partie pour 2.00 EUR"))));
    }

    #[test]
    fn funding_refusals_release_the_claim_and_raise_the_attempt() {
        let answer = PaymentAnswer::Refused {
            code: "10486".into(),
            message: String::new(),
            retry_funding: true,
            already_paid: false,
        };
        let AfterPayment::RetryFunding(batch) =
            after_payment(&order(), &answer, trace(), &mail(), "t")
        else {
            panic!()
        };
        assert!(batch[0].sql.contains("attempt = attempt + 1"));
        assert!(batch
            .iter()
            .any(|s| s.sql.contains("claim_order_id = NULL")));
        let answer = PaymentAnswer::Refused {
            code: "10417".into(),
            message: "x".into(),
            retry_funding: false,
            already_paid: false,
        };
        let AfterPayment::Fail(batch) = after_payment(&order(), &answer, trace(), &mail(), "t")
        else {
            panic!()
        };
        assert!(batch[0].sql.contains("code = -2"));
        let answer = PaymentAnswer::Refused {
            code: "10415".into(),
            message: "x".into(),
            retry_funding: false,
            already_paid: true,
        };
        assert_eq!(
            after_payment(&order(), &answer, trace(), &mail(), "t"),
            AfterPayment::AlreadyPaid
        );
    }

    #[test]
    fn the_return_claims_once_and_fails_a_changed_title_before_paying() {
        let mut waiting = order();
        waiting.substate = "awaiting_buyer".into();
        waiting.title_claim_order_id = None;
        assert!(matches!(
            on_return(&waiting, "P", "t"),
            ReturnStep::Claim(_)
        ));
        let mut changed = waiting.clone();
        changed.title_current_version = 4;
        assert!(matches!(
            on_return(&changed, "P", "t"),
            ReturnStep::FailUnavailable(_)
        ));
        let mut taken = waiting.clone();
        taken.title_claim_order_id = Some("other".into());
        assert!(matches!(
            on_return(&taken, "P", "t"),
            ReturnStep::FailUnavailable(_)
        ));
        assert_eq!(
            on_return(&order(), "P", "t"),
            ReturnStep::Execute,
            "a refresh retries the same payment"
        );
        let mut done = order();
        done.code = 2;
        assert_eq!(on_return(&done, "P", "t"), ReturnStep::Show);
    }

    #[test]
    fn ids_for_paypal_have_their_documented_shapes() {
        assert_eq!(invnum("a1b2c3", "k3j4h5g6f7d8"), "PB-a1b2c3-k3j4h5g6f7d8");
        let m = msgsubid("k3j4h5g6f7d8", 12);
        assert_eq!(m, "k3j4h5g6f7d8-12");
        assert!(m.len() <= 38);
    }
}
