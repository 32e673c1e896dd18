//! The purchase as flows: the start (the typed purchase checked against the
//! title as it stands, the provider's checkout started, the order written),
//! the buyer's return (claim order and title in one guarded batch, then
//! capture, then record what the provider answered) and the buyer's
//! cancel. The decisions are `core::purchase`'s; this module runs them in
//! order, and is the one copy the Worker and the simulation both run.

use super::effects::{random_bytes, run_guarded, Effects, FlowError};
use super::ledger as ledger_flow;
use super::{row_at, settle, Site};
use crate::core::i18n::Lang;
use crate::core::isin::Isin;
use crate::core::order::Substate;
use crate::core::psp::{self, ProviderId, SealedAccount, StartOutcome, StartRequest};
use crate::core::purchase::{
    self, after_payment, on_return, AfterPayment, BuyProblem, Buyer, Limits, NewOrder, OrderState,
    PlannedPurchase, ReturnStep, TitleForSale,
};
use crate::core::rules::Outcome;
use crate::core::sql::{traces, Batch, Stmt};

/// A purchase as typed (the form's or the API's fields).
pub struct PurchaseInput<'a> {
    pub isin: &'a str,
    pub amount: &'a str,
    pub profit_rate: Option<&'a str>,
    /// `psp` as typed; absent or empty: the first provider the title's
    /// holder accepts, in `PSPS` order.
    pub provider: Option<&'a str>,
}

/// A title checked for a purchase: as it stands, the provider it would be
/// paid through, and the providers its holder accepts (for the page).
pub struct Checked {
    pub title: TitleForSale,
    pub provider: ProviderId,
    pub plan: PlannedPurchase,
}

/// The order limits of the deployment.
pub fn limits(site: &Site<'_>) -> Limits {
    let c = site.config;
    Limits {
        currency: c.currency,
        min_amount: c.min_amount,
        max_amount: c.max_amount,
    }
}

/// Parses the typed purchase and checks it against the title as it
/// stands: one batch (the shell folds the session lookup into it).
pub async fn check<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    buyer: &Buyer,
    input: &PurchaseInput<'_>,
) -> Result<Result<Checked, BuyProblem>, FlowError> {
    let limits = limits(site);
    let Ok(isin) = Isin::parse(input.isin) else {
        return Ok(Err(BuyProblem::IsinInvalid));
    };
    let enabled = &site.config.providers.enabled;
    let chosen = match input.provider.map(str::trim).filter(|p| !p.is_empty()) {
        None => None,
        Some(typed) => match ProviderId::parse(typed).filter(|p| enabled.contains(p)) {
            Some(provider) => Some(provider),
            None => return Ok(Err(BuyProblem::ProviderNotAccepted)),
        },
    };
    let amount = match purchase::parse_amount(input.amount, &limits) {
        Ok(a) => a,
        Err(p) => return Ok(Err(p)),
    };
    let rate = match purchase::parse_rate(input.profit_rate) {
        Ok(r) => r,
        Err(p) => return Ok(Err(p)),
    };
    let results = fx
        .run(&vec![purchase::title_for_sale(
            isin.as_str(),
            chosen,
            enabled,
        )])
        .await?;
    let Some(title) = row_at::<TitleForSale>(&results, 0)? else {
        return Ok(Err(BuyProblem::TitleUnknown));
    };
    let Some(provider) = chosen.or(title.holder_provider) else {
        return Ok(Err(BuyProblem::ProviderNotAccepted));
    };
    Ok(
        purchase::plan(buyer, &title, provider, amount, rate, &limits).map(|plan| Checked {
            title,
            provider,
            plan,
        }),
    )
}

/// What became of a purchase start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// The typed purchase is not possible; nothing was written.
    Problem(BuyProblem),
    /// The order is written; the buyer goes to the provider.
    Redirect { order_id: String, url: String },
    /// The order is written; the buyer's browser posts this form to the
    /// provider's page.
    Form {
        order_id: String,
        form: psp::CheckoutForm,
    },
    /// The seller's account was refused by the provider: marked, the seller
    /// told; no order.
    AccountRefused { code: String, message: String },
    /// The provider refused the checkout; no order.
    Refused { code: String, message: String },
    /// The provider did not answer; no order.
    Unreachable,
}

/// An order reference: 12 characters of `[a-z0-9]`.
fn new_order_id<E: Effects>(fx: &E) -> Result<String, FlowError> {
    Ok(random_bytes::<12, E>(fx)?
        .iter()
        .map(|b| char::from(b"abcdefghijklmnopqrstuvwxyz0123456789"[usize::from(*b) % 36]))
        .collect())
}

/// Starts a purchase: checks it, starts the provider's checkout with the
/// title holder's account, and writes the order with the call's trace.
pub async fn start<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    buyer: &Buyer,
    input: &PurchaseInput<'_>,
    lang: Lang,
) -> Result<Start, FlowError> {
    start_with(fx, site, buyer, input, lang, |_| Vec::new()).await
}

/// [`start`], with the statements `also` makes from the written order's
/// start joining the order's own batch (after it): what the caller keeps
/// of the order (the API's stored answer) is written with it or not at all.
pub async fn start_with<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    buyer: &Buyer,
    input: &PurchaseInput<'_>,
    lang: Lang,
    also: impl FnOnce(&Start) -> Vec<Stmt>,
) -> Result<Start, FlowError> {
    let Checked {
        title,
        provider,
        plan,
    } = match check(fx, site, buyer, input).await? {
        Ok(checked) => checked,
        Err(problem) => return Ok(Start::Problem(problem)),
    };
    // `plan` refuses a title whose holder has no account there.
    let Some(holder) = title.account() else {
        return Ok(Start::Problem(BuyProblem::ProviderNotAccepted));
    };
    let order_id = new_order_id(fx)?;
    let new_isin = match plan.outcome {
        Outcome::Split { .. } => Some(Isin::issue(random_bytes::<9, E>(fx)?)),
        Outcome::Transfer { .. } => None,
    };
    let currency = site.config.currency.as_str();
    let account = SealedAccount {
        client_id: title.holder_id,
        version: holder.version,
        public_ref: holder.public_ref,
        sealed_secret: holder.sealed_secret,
    };
    let request = StartRequest {
        order_id: &order_id,
        amount: plan.amount,
        currency,
        item: &plan.isin,
        lang,
    };
    let called = psp::start(fx, site, provider, account, &request).await?;
    let (reference, next) = match called.outcome {
        StartOutcome::Redirect { reference, url } => (reference, Next::Redirect(url)),
        StartOutcome::Form { reference, form } => (reference, Next::Form(form)),
        StartOutcome::AccountRefused { code, message } => {
            account_refused(fx, site, &title, provider).await;
            return Ok(Start::AccountRefused { code, message });
        }
        StartOutcome::Refused { code, message } => return Ok(Start::Refused { code, message }),
        StartOutcome::Unknown(_) => return Ok(Start::Unreachable),
    };
    let now = fx.now().to_string();
    let mut batch = purchase::create_order(&NewOrder {
        id: &order_id,
        buyer_id: buyer.client_id,
        plan: &plan,
        new_isin: new_isin.as_ref(),
        currency,
        provider,
        psp_environment: site.config.psp_mode.as_str(),
        buyer_language: lang,
        token: &reference,
        now: &now,
    });
    batch.extend(
        called
            .traces
            .iter()
            .map(|t| traces::insert_for_order(&order_id, t)),
    );
    let start = match next {
        Next::Redirect(url) => Start::Redirect { order_id, url },
        Next::Form(form) => Start::Form { order_id, form },
    };
    batch.extend(also(&start));
    fx.run(&batch).await?;
    Ok(start)
}

/// The seller's account stopped working: mark it, tell the seller, and
/// keep their titles out of reach until fixed (a failed write is logged:
/// the next purchase finds the account refused again).
async fn account_refused<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    title: &TitleForSale,
    provider: ProviderId,
) {
    let now = fx.now().to_string();
    let batch = purchase::credentials_refused(title, provider, &now, site.mail_is_local());
    if let Err(e) = fx.run(&batch).await {
        fx.log(&format!("marking refused credentials: {e:?}"));
    }
}

/// Where the buyer goes once the order is written.
enum Next {
    Redirect(String),
    Form(psp::CheckoutForm),
}

/// What the buyer's return leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Returned {
    /// No order has this checkout.
    NotFound,
    /// Show the order (whatever became of it).
    Show { order_id: String },
    /// The buyer must choose another funding source at the provider.
    ChooseFunding { order_id: String, url: String },
}

/// The buyer is back from the provider with checkout `reference` (and
/// PayPal's payer id), or a card provider's verified message says the
/// card is authorized (`payer_id`: the bank's authorization). At most one
/// read, two batches (claim, record) and one capture; a refresh or a
/// second return never pays or records twice. An authorization that will
/// not be captured (the title changed, the order ended meanwhile) is
/// released.
pub async fn returned<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    provider: ProviderId,
    reference: &str,
    payer_id: &str,
) -> Result<Returned, FlowError> {
    if reference.is_empty() {
        return Ok(Returned::NotFound);
    }
    let results = fx
        .run(&vec![purchase::order_by_token(provider, reference)])
        .await?;
    let Some(order) = row_at::<OrderState>(&results, 0)? else {
        return Ok(Returned::NotFound);
    };
    let (shown, _) = authorized(fx, site, order, payer_id, &Vec::new()).await?;
    Ok(shown)
}

/// [`returned`] for an order already read (a card provider's verified
/// message names it): claim, capture and record, or release. `also`:
/// statements that join the record's batch (a card message's ending: one
/// round trip less); the second value says whether they ran, so that the
/// caller runs them itself when they did not.
pub async fn authorized<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    order: OrderState,
    payer_id: &str,
    also: &Batch,
) -> Result<(Returned, bool), FlowError> {
    let show = Returned::Show {
        order_id: order.id.clone(),
    };
    let now = fx.now().to_string();
    let payer_id = if payer_id.is_empty() {
        order.psp_payer_id.clone().unwrap_or_default()
    } else {
        payer_id.to_string()
    };
    let step = on_return(&order, &payer_id, &now);
    let retried = matches!(step, ReturnStep::Execute);
    let order = match step {
        ReturnStep::Show => {
            if order.code.is_final_unpaid() && order.psp_transaction_id.is_none() {
                release(fx, site, &order).await?;
            }
            return Ok((show, false));
        }
        ReturnStep::FailUnavailable(batch) => {
            run_guarded(fx, &batch).await?;
            release(fx, site, &order).await?;
            return Ok((show, false));
        }
        ReturnStep::Claim(batch) => {
            if !run_guarded(fx, &batch).await? {
                // Another message of this very order may have won the claim
                // and be capturing: its payment is never released then.
                if fail_if_unavailable(fx, &order.id, &payer_id, &now).await? {
                    release(fx, site, &order).await?;
                }
                return Ok((show, false));
            }
            purchase::lease_held(
                &OrderState {
                    substate: Substate::Confirming,
                    psp_payer_id: Some(payer_id.clone()),
                    title_claim_order_id: Some(order.id.clone()),
                    ..order
                },
                &now,
            )
        }
        ReturnStep::Execute => {
            // Another return of this order may be capturing right now: only
            // the holder of the payment lease captures again.
            if !run_guarded(fx, &purchase::take_payment_lease(&order, &now)).await? {
                return Ok((show, false));
            }
            purchase::lease_held(&order, &now)
        }
    };
    let funding_url = psp::checkout_url(
        site,
        order.provider(),
        order.psp_token.as_deref().unwrap_or(""),
    );
    let (captured, also_ran) = capture(fx, site, &order, retried, also).await?;
    let shown = match (captured, funding_url) {
        (Captured::ChooseFunding, Some(url)) => Returned::ChooseFunding {
            order_id: order.id.clone(),
            url,
        },
        (Captured::ChooseFunding | Captured::Done, _) => show,
    };
    Ok((shown, also_ran))
}

/// Releases the authorization of an order that will not be captured, and
/// keeps the call's trace; a lost answer is logged (the authorization
/// lapses at the bank by itself: no money moves either way).
async fn release<E: Effects>(fx: &E, site: &Site<'_>, order: &OrderState) -> Result<(), FlowError> {
    let called = psp::release(fx, site, order).await?;
    if let Err(no_answer) = &called.outcome {
        fx.log(&format!(
            "release {}: no answer ({}); the authorization lapses",
            order.id,
            no_answer.describe()
        ));
    }
    let rows: Vec<_> = called
        .traces
        .iter()
        .map(|t| traces::insert_for_order(&order.id, t))
        .collect();
    if !rows.is_empty() {
        fx.run(&rows).await?;
    }
    Ok(())
}

/// Someone else claimed or changed the title meanwhile: fail this order
/// before any payment (no money moves). Whether its authorization may be
/// released: not when the order itself holds the claim or was paid (a
/// concurrent message of the same order won the race; a card provider
/// would cancel a validated payment before remittance).
async fn fail_if_unavailable<E: Effects>(
    fx: &E,
    order_id: &str,
    payer_id: &str,
    now: &str,
) -> Result<bool, FlowError> {
    let results = fx.run(&vec![purchase::order_by_id(order_id)]).await?;
    if let Some(fresh) = row_at::<OrderState>(&results, 0)? {
        if fresh.holds_claim() || fresh.psp_transaction_id.is_some() {
            return Ok(false);
        }
        if let ReturnStep::FailUnavailable(batch) = on_return(&fresh, payer_id, now) {
            run_guarded(fx, &batch).await?;
        }
    }
    Ok(true)
}

enum Captured {
    Done,
    ChooseFunding,
}

/// Captures an order that holds its title's claim, then runs the batch the
/// core decides on. A lost answer leaves the order `confirming` for the
/// reconciler; it is never failed on a guess. `retried`: the order was
/// already confirming when this return read it, so an earlier capture of
/// the same attempt may have paid (`purchase::after_retried_payment`).
async fn capture<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    order: &OrderState,
    retried: bool,
    also: &Batch,
) -> Result<(Captured, bool), FlowError> {
    let called = psp::capture(fx, site, order).await?;
    let mut trace_rows = called
        .traces
        .iter()
        .map(|t| traces::insert_for_order(&order.id, t));
    // A capture makes one call, so there is one trace.
    let Some(trace) = trace_rows.next() else {
        return Ok((Captured::Done, false));
    };
    let now = fx.now().to_string();
    let answer = match called.outcome {
        Ok(answer) => answer,
        Err(no_answer) => {
            fx.log(&format!(
                "capture {}: no answer ({})",
                order.id,
                no_answer.describe()
            ));
            // Keep the trace of the lost call; the order stays confirming.
            if let Err(e) = fx.run(&vec![trace]).await {
                fx.log(&format!("capture {}: trace not written: {e:?}", order.id));
            }
            return Ok((Captured::Done, false));
        }
    };
    let mail = site.mail();
    let decision = if retried {
        purchase::after_retried_payment(order, &answer, trace.clone(), &mail, &now)
    } else {
        after_payment(order, &answer, trace.clone(), &mail, &now)
    };
    let choose_funding = matches!(decision, AfterPayment::RetryFunding(_));
    let mut also_ran = false;
    match decision {
        AfterPayment::Record(mut batch)
        | AfterPayment::NeedsReview(mut batch)
        | AfterPayment::Pending(mut batch)
        | AfterPayment::RetryFunding(mut batch)
        | AfterPayment::Fail(mut batch) => {
            batch.extend(also.iter().cloned());
            match ledger_flow::run_guarded(fx, &batch).await {
                Ok(ran) => also_ran = ran,
                // Money may have moved: leave the order confirming for the
                // reconciler rather than guess.
                Err(e) => fx.log(&format!("recording order {} failed: {e:?}", order.id)),
            }
        }
        AfterPayment::AlreadyPaid => {
            // Captured before without the payment attached to the answer:
            // find it at the provider and record it as paid with its
            // original transaction id.
            if let Err(e) = fx.run(&vec![trace]).await {
                fx.log(&format!("capture {}: trace not written: {e:?}", order.id));
            }
            if let Err(e) = settle::settle(fx, site, order, false).await {
                fx.log(&format!(
                    "order {}: already paid, not settled yet: {e:?}",
                    order.id
                ));
            }
        }
    }
    let captured = if choose_funding {
        Captured::ChooseFunding
    } else {
        Captured::Done
    };
    Ok((captured, also_ran))
}

/// The buyer canceled at the provider: `reference` proves the request
/// comes from this order's checkout. `None` when it does not.
pub async fn cancel<E: Effects>(
    fx: &E,
    order_id: &str,
    reference: &str,
) -> Result<Option<String>, FlowError> {
    let results = fx.run(&vec![purchase::order_by_id(order_id)]).await?;
    let Some(order) = row_at::<OrderState>(&results, 0)? else {
        return Ok(None);
    };
    if order.psp_token.as_deref() != Some(reference) {
        return Ok(None);
    }
    run_guarded(fx, &purchase::cancel(&order.id, &fx.now().to_string())).await?;
    Ok(Some(order.id))
}
