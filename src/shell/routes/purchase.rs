//! The purchase over the web: the buy form and its preview, the start
//! (`flow::purchase::start`: the order and the provider's checkout), the
//! buyer's return from the provider (`flow::purchase::returned`: claim,
//! capture, record) and the cancel route. Handlers read the form, call the
//! flow and render; the orders pages are in `orders`.

use askama::Template;
use serde_json::json;
use worker::{Request, Response};

use crate::core::flow::purchase::{self as flow, PurchaseInput, Returned, Start};
use crate::core::psp::{self, ProviderId};
use crate::core::purchase::{BuyField, BuyProblem, Buyer, Limits};
use crate::core::rules::Outcome;
use crate::shell::effects::site;
use crate::shell::pages::{money, BuyPage, BuyPreview, CheckoutFormPage, Errors, PayChoice};
use crate::shell::web::{html, json_response, read_form, see_other, url_encode, Ctx, WebError};

/// How long a PayPal token lives (PayPal's rule): "continue to PayPal"
/// is offered within it.
pub(super) const TOKEN_LIFETIME_SECONDS: i64 = 3 * 3_600;

pub(super) fn limits(ctx: &Ctx) -> Limits {
    let base = ctx.base_url();
    flow::limits(&site(ctx, &base))
}

/// Where buyers are sent to approve a payment again (`None`: a provider
/// whose checkout cannot be resumed).
pub(super) fn checkout_url(ctx: &Ctx, provider: ProviderId, reference: &str) -> Option<String> {
    let base = ctx.base_url();
    psp::checkout_url(&site(ctx, &base), provider, reference)
}

// ---------------------------------------------------------------- /buy

struct BuyForm {
    isin: String,
    amount: String,
    profit_rate: Option<String>,
    /// `psp` as posted (the button pressed); empty: the default.
    psp: String,
}

fn buy_page(
    ctx: &Ctx,
    status: u16,
    form: &BuyForm,
    errors: Errors,
    preview: Option<BuyPreview>,
) -> Result<Response, WebError> {
    let page = BuyPage {
        layout: ctx.layout()?,
        errors,
        isin: form.isin.clone(),
        amount: form.amount.clone(),
        profit_rate: form.profit_rate.clone().unwrap_or_default(),
        preview,
        limits: limits(ctx),
    };
    html(status, page.render()?)
}

fn problem_page(ctx: &Ctx, form: &BuyForm, problem: BuyProblem) -> Result<Response, WebError> {
    let status = if problem.is_not_found() { 404 } else { 422 };
    let message = problem.message(ctx.lang, &limits(ctx));
    if ctx.wants_json {
        return json_response(
            status,
            &json!({ "error": format!("{problem:?}"), "message": message }),
        );
    }
    let field = match problem.field() {
        BuyField::Isin => crate::core::account::Field::Isin,
        BuyField::Amount => crate::core::account::Field::Amount,
        BuyField::ProfitRate => crate::core::account::Field::ProfitRate,
    };
    let mut errors = Errors::default();
    errors.push(field.name(), message);
    buy_page(ctx, status, form, errors, None)
}

/// The signed-in buyer (the session is loaded by then: no round trip).
async fn buyer(ctx: &Ctx) -> Result<Buyer, WebError> {
    let me = ctx.require_session().await?;
    Ok(Buyer {
        client_id: me.client_id,
        psp_environment: me.psp_environment,
        api_username: me.api_username,
    })
}

fn input(form: &BuyForm) -> PurchaseInput<'_> {
    PurchaseInput {
        isin: &form.isin,
        amount: &form.amount,
        profit_rate: form.profit_rate.as_deref(),
        provider: Some(form.psp.as_str()),
    }
}

/// The pay buttons: the provider checked first, then the others the
/// holder accepts, in `PSPS` order.
fn choices(ctx: &Ctx, checked: &flow::Checked) -> Vec<PayChoice> {
    let t = ctx.lang.texts();
    let accepted = checked.title.accepted(&ctx.app.config.providers.enabled);
    std::iter::once(checked.provider)
        .chain(accepted.into_iter().filter(|p| *p != checked.provider))
        .map(|p| PayChoice {
            psp: p.as_str(),
            label: match p {
                ProviderId::Paypal => t.buy_confirm_submit.to_string(),
                ProviderId::Sips => format!("{} (Sips)", t.buy_pay_card),
                ProviderId::Monetico => format!("{} (Monetico)", t.buy_pay_card),
            },
        })
        .collect()
}

fn preview(ctx: &Ctx, checked: &flow::Checked) -> BuyPreview {
    let plan = &checked.plan;
    let currency = ctx.app.config.currency.as_str();
    let lang = ctx.lang;
    let (split, seller_value) = match plan.outcome {
        Outcome::Split { seller_value, .. } => (true, money(seller_value.cents(), currency, lang)),
        Outcome::Transfer { .. } => (false, String::new()),
    };
    BuyPreview {
        current_value: money(plan.title_value.cents(), currency, lang),
        amount: money(plan.amount.cents(), currency, lang),
        split,
        new_value: money(plan.outcome.new_value().cents(), currency, lang),
        seller_value,
        choices: choices(ctx, checked),
    }
}

pub async fn buy_get(ctx: &Ctx) -> Result<Response, WebError> {
    if ctx.wants_json {
        return json_response(200, &json!({ "csrf_token": ctx.csrf_token()? }));
    }
    ctx.require_session().await?;
    let form = BuyForm {
        isin: ctx.param("isin").unwrap_or_default(),
        amount: ctx.param("amount").unwrap_or_default(),
        profit_rate: ctx.param("profit_rate"),
        psp: ctx.param("psp").unwrap_or_default(),
    };
    // The preview needs both an amount and a rate; the form has no
    // pre-selected rate.
    if form.amount.is_empty() || form.profit_rate.is_none() {
        return buy_page(ctx, 200, &form, Errors::default(), None);
    }
    let buyer = buyer(ctx).await?;
    let base = ctx.base_url();
    match flow::check(ctx, &site(ctx, &base), &buyer, &input(&form)).await? {
        Ok(checked) => {
            let p = preview(ctx, &checked);
            buy_page(ctx, 200, &form, Errors::default(), Some(p))
        }
        Err(problem) => problem_page(ctx, &form, problem),
    }
}

pub async fn buy_post(ctx: &Ctx, req: &mut Request) -> Result<Response, WebError> {
    let posted = read_form(req).await?;
    ctx.check_csrf(&posted)?;
    let form = BuyForm {
        isin: posted.get("isin").to_string(),
        amount: posted.get("amount").to_string(),
        profit_rate: posted
            .has("profit_rate")
            .then(|| posted.get("profit_rate").to_string()),
        psp: posted.get("psp").to_string(),
    };
    // The rate limit's batch also carries the session lookup (one round
    // trip for both); the limit is per session, or per address without one.
    let Some(session) = ctx.session_token_hash() else {
        return Err(WebError::LoginRequired(format!(
            "/buy?isin={}",
            url_encode(&form.isin)
        )));
    };
    super::account::rate_limit(ctx, "buy", &session, 30, 600).await?;
    let buyer = buyer(ctx).await?;
    let base = ctx.base_url();
    let started = flow::start(ctx, &site(ctx, &base), &buyer, &input(&form), ctx.lang).await?;
    let t = ctx.lang.texts();
    let detail = |code: &str, message: &str| {
        if code.is_empty() && message.is_empty() {
            String::new()
        } else {
            format!(" ({} {code}: {message})", t.psp_code)
        }
    };
    let (status, error, message) = match started {
        Start::Redirect { url, .. } => return see_other(&url),
        Start::Form { order_id, form } => return checkout_page(ctx, order_id, form),
        Start::Problem(problem) => return problem_page(ctx, &form, problem),
        Start::AccountRefused { code, message } => (
            422,
            "seller_credentials_refused",
            format!(
                "{}{}",
                BuyProblem::SellerCredentialsRefused.message(ctx.lang, &limits(ctx)),
                detail(&code, &message)
            ),
        ),
        Start::Refused { code, message } => (
            422,
            "psp_refused",
            format!("{}{}", t.buy_psp_refused, detail(&code, &message)),
        ),
        Start::Unreachable => (503, "psp_refused", t.buy_psp_unreachable.to_string()),
    };
    if ctx.wants_json {
        return json_response(status, &json!({ "error": error, "message": message }));
    }
    buy_page(
        ctx,
        status,
        &form,
        Errors::default().with_form_message(message),
        None,
    )
}

/// The card provider's sealed form, posted by the buyer's browser (JSON:
/// the order, the form's action and fields, for a client that posts it).
fn checkout_page(
    ctx: &Ctx,
    order_id: String,
    form: psp::CheckoutForm,
) -> Result<Response, WebError> {
    if ctx.wants_json {
        let fields: serde_json::Map<String, serde_json::Value> = form
            .fields
            .into_iter()
            .map(|(k, v)| (k, serde_json::Value::String(v)))
            .collect();
        return json_response(
            200,
            &json!({ "order_id": order_id, "action": form.action, "fields": fields }),
        );
    }
    let page = CheckoutFormPage {
        layout: ctx.layout()?,
        order_id,
        action: form.action,
        fields: form.fields,
    };
    html(200, page.render()?)
}

// ---------------------------------------------------------------- return

/// `GET /psp/paypal/return?token=&PayerID=`: the buyer is back from PayPal.
pub async fn paypal_return(ctx: &Ctx) -> Result<Response, WebError> {
    let token = ctx.param("token").unwrap_or_default();
    let payer_id = ctx.param("PayerID").unwrap_or_default();
    let base = ctx.base_url();
    match flow::returned(
        ctx,
        &site(ctx, &base),
        ProviderId::Paypal,
        &token,
        &payer_id,
    )
    .await?
    {
        Returned::NotFound => Err(WebError::NotFound),
        Returned::Show { order_id } => see_other(&format!("/orders/{order_id}")),
        Returned::ChooseFunding { url, .. } => see_other(&url),
    }
}

/// `GET /psp/paypal/cancel?order=&token=`: the buyer canceled at PayPal.
pub async fn paypal_cancel(ctx: &Ctx) -> Result<Response, WebError> {
    let order_id = ctx.param("order").unwrap_or_default();
    let token = ctx.param("token").unwrap_or_default();
    match flow::cancel(ctx, &order_id, &token).await? {
        Some(id) => see_other(&format!("/orders/{id}")),
        None => Err(WebError::NotFound),
    }
}
