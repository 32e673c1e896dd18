//! The purchase over the web: the buy form and its preview, the order and
//! SetExpressCheckout, the buyer's return from PayPal (claim, then
//! DoExpressCheckoutPayment, then record: the core's step machine decides,
//! this module runs its batches and calls) and the cancel route. The orders
//! pages are in `orders`.

use askama::Template;
use serde_json::json;
use worker::{Request, Response};

use crate::core::isin::Isin;
use crate::core::order::Substate;
use crate::core::psp::paypal::nvp::{self, Method, NvpRequest};
use crate::core::purchase::{
    self, after_payment, classify, on_return, AfterPayment, BuyField, BuyProblem, Buyer, Limits,
    NewOrder, OrderState, ReturnStep, TitleForSale,
};
use crate::core::rules::Outcome;
use crate::core::sql::{self, traces};
use crate::shell::app::random_bytes;
use crate::shell::pages::{money, BuyPage, BuyPreview, Errors};
use crate::shell::paypal;
use crate::shell::web::{
    html, json_response, read_form, row_at, see_other, url_encode, Ctx, WebError,
};

/// How long a PayPal token lives (PayPal's rule): "continue to PayPal"
/// is offered within it.
pub(super) const TOKEN_LIFETIME_SECONDS: i64 = 3 * 3_600;

fn limits(ctx: &Ctx) -> Limits {
    let c = &ctx.app.config;
    Limits {
        currency: c.currency,
        min_amount: c.min_amount,
        max_amount: c.max_amount,
    }
}

/// Where buyers are sent to approve a payment.
pub(super) fn checkout_url(ctx: &Ctx, token: &str) -> String {
    let base = match &ctx.app.config.paypal_checkout_url {
        Some(url) => url.clone(),
        None => format!("{}/_emulator/paypal/checkout", ctx.base_url()),
    };
    format!(
        "{base}?cmd=_express-checkout&token={}&useraction=commit",
        url_encode(token)
    )
}

// ---------------------------------------------------------------- /buy

struct BuyForm {
    isin: String,
    amount: String,
    profit_rate: Option<String>,
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

/// Parses the typed purchase and checks it against the title as it
/// stands: one D1 round trip (with the session).
async fn check_purchase(
    ctx: &Ctx,
    form: &BuyForm,
) -> Result<Result<(Buyer, TitleForSale, purchase::PlannedPurchase), BuyProblem>, WebError> {
    let limits = limits(ctx);
    let isin = match Isin::parse(&form.isin) {
        Ok(isin) => isin,
        Err(_) => return Ok(Err(BuyProblem::IsinInvalid)),
    };
    let amount = match purchase::parse_amount(&form.amount, &limits) {
        Ok(a) => a,
        Err(p) => return Ok(Err(p)),
    };
    let rate = match purchase::parse_rate(form.profit_rate.as_deref()) {
        Ok(r) => r,
        Err(p) => return Ok(Err(p)),
    };
    let results = ctx
        .run(&vec![purchase::title_for_sale(isin.as_str())])
        .await?;
    let me = ctx.require_session().await?;
    let Some(title) = row_at::<TitleForSale>(&results, 0)? else {
        return Ok(Err(BuyProblem::TitleUnknown));
    };
    let buyer = Buyer {
        client_id: me.client_id,
        psp_environment: me.psp_environment,
        api_username: me.api_username,
    };
    Ok(purchase::plan(&buyer, &title, amount, rate, &limits).map(|plan| (buyer, title, plan)))
}

fn preview(ctx: &Ctx, plan: &purchase::PlannedPurchase) -> BuyPreview {
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
    };
    // The preview needs both an amount and a rate; the form has no
    // pre-selected rate.
    if form.amount.is_empty() || form.profit_rate.is_none() {
        return buy_page(ctx, 200, &form, Errors::default(), None);
    }
    match check_purchase(ctx, &form).await? {
        Ok((_, _, plan)) => {
            let p = preview(ctx, &plan);
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
    let me = ctx.require_session().await?;
    let (_buyer, title, plan) = match check_purchase(ctx, &form).await? {
        Ok(checked) => checked,
        Err(problem) => return problem_page(ctx, &form, problem),
    };
    let credentials = paypal::unseal(
        &ctx.app.keyring,
        title.holder_id,
        title.holder_credentials_version,
        &title.holder_api_username,
        &title.holder_sealed_secret,
    )
    .map_err(WebError::Internal)?;
    let order_id: String = random_bytes::<12>()?
        .iter()
        .map(|b| b"abcdefghijklmnopqrstuvwxyz0123456789"[usize::from(*b) % 36] as char)
        .collect();
    let new_isin = match plan.outcome {
        Outcome::Split { .. } => Some(Isin::issue(random_bytes::<9>()?)),
        Outcome::Transfer { .. } => None,
    };
    let base = ctx.base_url();
    let amount = plan.amount.to_plain();
    let currency = ctx.app.config.currency.as_str().to_string();
    let request = NvpRequest::new(Method::SetExpressCheckout, &credentials)
        .field("PAYMENTREQUEST_0_AMT", amount.clone())
        .field("PAYMENTREQUEST_0_CURRENCYCODE", currency.clone())
        .field("PAYMENTREQUEST_0_PAYMENTACTION", "Sale")
        .field(
            "PAYMENTREQUEST_0_INVNUM",
            purchase::invnum(&ctx.app.deployment_id, &order_id),
        )
        .field(
            "PAYMENTREQUEST_0_NOTIFYURL",
            format!("{base}/psp/paypal/ipn"),
        )
        .field("PAYMENTREQUEST_0_ITEMAMT", amount.clone())
        .field("L_PAYMENTREQUEST_0_NAME0", plan.isin.clone())
        .field("L_PAYMENTREQUEST_0_AMT0", amount)
        .field("L_PAYMENTREQUEST_0_QTY0", "1")
        .field("L_PAYMENTREQUEST_0_ITEMCATEGORY0", "Digital")
        .field("RETURNURL", format!("{base}/psp/paypal/return"))
        .field(
            "CANCELURL",
            format!("{base}/psp/paypal/cancel?order={order_id}"),
        )
        .field("LOCALECODE", ctx.lang.paypal_locale())
        .field("NOSHIPPING", "1");
    let answer = paypal::call(ctx, &request, paypal::DEFAULT_TIMEOUT).await;
    let token = match &answer {
        Ok(response) if response.is_success() => nvp::set_express_checkout_answer(response)
            .map(|a| a.token)
            .ok(),
        Ok(_) | Err(_) => None,
    };
    let Some(token) = token else {
        let t = ctx.lang.texts();
        if let Ok(response) = &answer {
            if response.has_error_code("10002") {
                // The seller's credentials stopped working: mark them, tell
                // the seller, and keep their titles out of reach until they
                // fix them on /account.
                let now = ctx.now().to_string();
                let batch = purchase::credentials_refused(&title, &now, ctx.mail_is_local());
                if let Err(e) = ctx.run(&batch).await {
                    worker::console_error!("marking refused credentials: {e:?}");
                }
                let message = format!(
                    "{}{}",
                    BuyProblem::SellerCredentialsRefused.message(ctx.lang, &limits(ctx)),
                    response
                        .first_error()
                        .map(|e| format!(" ({} {}: {})", t.psp_code, e.code, e.long_message))
                        .unwrap_or_default()
                );
                if ctx.wants_json {
                    return json_response(
                        422,
                        &json!({ "error": "seller_credentials_refused", "message": message }),
                    );
                }
                return buy_page(
                    ctx,
                    422,
                    &form,
                    Errors::default().with_form_message(message),
                    None,
                );
            }
        }
        let (status, message) = match &answer {
            Ok(response) => {
                let detail = response
                    .first_error()
                    .map(|e| format!(" ({} {}: {})", t.psp_code, e.code, e.long_message))
                    .unwrap_or_default();
                (422, format!("{}{detail}", t.buy_psp_refused))
            }
            Err(_) => (503, t.buy_psp_unreachable.to_string()),
        };
        if ctx.wants_json {
            return json_response(
                status,
                &json!({ "error": "psp_refused", "message": message }),
            );
        }
        return buy_page(
            ctx,
            status,
            &form,
            Errors::default().with_form_message(message),
            None,
        );
    };
    let now = ctx.now().to_string();
    let trace = paypal::trace(&request, &answer, &now);
    let mut batch = purchase::create_order(&NewOrder {
        id: &order_id,
        buyer_id: me.client_id,
        plan: &plan,
        new_isin: new_isin.as_ref(),
        currency: &currency,
        psp_environment: ctx.app.config.psp_mode.as_str(),
        buyer_language: ctx.lang,
        token: &token,
        now: &now,
    });
    batch.push(traces::insert_for_order(&order_id, &trace));
    ctx.run(&batch).await?;
    see_other(&checkout_url(ctx, &token))
}

// ---------------------------------------------------------------- return

/// `GET /psp/paypal/return?token=&PayerID=`: the buyer is back from PayPal.
/// At most one D1 read, two batches (claim, record) and one PSP call; a
/// refresh or a second return never pays or records twice.
pub async fn paypal_return(ctx: &Ctx) -> Result<Response, WebError> {
    let token = ctx.param("token").unwrap_or_default();
    let payer_id = ctx.param("PayerID").unwrap_or_default();
    if token.is_empty() {
        return Err(WebError::NotFound);
    }
    let results = ctx.run(&vec![purchase::order_by_token(&token)]).await?;
    let Some(order) = row_at::<OrderState>(&results, 0)? else {
        return Err(WebError::NotFound);
    };
    let shown = format!("/orders/{}", order.id);
    let now = ctx.now().to_string();
    let payer_id = if payer_id.is_empty() {
        order.psp_payer_id.clone().unwrap_or_default()
    } else {
        payer_id
    };
    let retried = matches!(on_return(&order, &payer_id, &now), ReturnStep::Execute);
    let order = match on_return(&order, &payer_id, &now) {
        ReturnStep::Show => return see_other(&shown),
        ReturnStep::FailUnavailable(batch) => {
            run_guarded(ctx, &batch).await?;
            return see_other(&shown);
        }
        ReturnStep::Claim(batch) => {
            if !run_guarded(ctx, &batch).await? {
                // Someone else claimed or changed the title meanwhile: fail
                // this order before any payment (no money moves).
                let results = ctx.run(&vec![purchase::order_by_id(&order.id)]).await?;
                if let Some(fresh) = row_at::<OrderState>(&results, 0)? {
                    if let ReturnStep::FailUnavailable(batch) = on_return(&fresh, &payer_id, &now) {
                        run_guarded(ctx, &batch).await?;
                    }
                }
                return see_other(&shown);
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
            // Another return of this order may be sending its payment right
            // now: only the holder of the payment lease sends it again.
            if !run_guarded(ctx, &purchase::take_payment_lease(&order, &now)).await? {
                return see_other(&shown);
            }
            purchase::lease_held(&order, &now)
        }
    };
    match execute_payment(ctx, &order, retried).await? {
        Executed::RetryFunding => {
            see_other(&checkout_url(ctx, order.psp_token.as_deref().unwrap_or("")))
        }
        Executed::Done => see_other(&shown),
    }
}

/// Runs a guarded batch; `false` when a guard refused it (nothing applied).
pub(super) async fn run_guarded(ctx: &Ctx, batch: &sql::Batch) -> Result<bool, WebError> {
    match ctx.run(batch).await {
        Ok(_) => Ok(true),
        Err(WebError::Db(e)) if e.guard().is_some() => Ok(false),
        Err(e) => Err(e),
    }
}

enum Executed {
    Done,
    RetryFunding,
}

/// DoExpressCheckoutPayment for an order that holds its title's claim, then
/// the batch the core decides on. A lost answer leaves the order
/// `confirming` for the reconciler; it is never failed on a guess.
/// `retried`: the order was already confirming when this request read it,
/// so an earlier call of the same attempt may have paid (see
/// `purchase::after_retried_payment`).
async fn execute_payment(
    ctx: &Ctx,
    order: &OrderState,
    retried: bool,
) -> Result<Executed, WebError> {
    let credentials = paypal::unseal(
        &ctx.app.keyring,
        order.seller_id,
        order.seller_credentials_version,
        &order.seller_api_username,
        &order.seller_sealed_secret,
    )
    .map_err(WebError::Internal)?;
    let request = NvpRequest::new(Method::DoExpressCheckoutPayment, &credentials)
        .field("TOKEN", order.psp_token.clone().unwrap_or_default())
        .field("PAYERID", order.psp_payer_id.clone().unwrap_or_default())
        .field("PAYMENTREQUEST_0_AMT", order.amount().to_plain())
        .field("PAYMENTREQUEST_0_CURRENCYCODE", order.currency.clone())
        .field("PAYMENTREQUEST_0_PAYMENTACTION", "Sale")
        .field(
            "PAYMENTREQUEST_0_INVNUM",
            purchase::invnum(&ctx.app.deployment_id, &order.id),
        )
        .field(
            "PAYMENTREQUEST_0_NOTIFYURL",
            format!("{}/psp/paypal/ipn", ctx.base_url()),
        )
        .field("MSGSUBID", order.msgsubid());
    let answer = paypal::call(ctx, &request, paypal::PAYMENT_TIMEOUT).await;
    let now = ctx.now().to_string();
    let trace = traces::insert_for_order(&order.id, &paypal::trace(&request, &answer, &now));
    let response = match answer {
        Ok(response) => response,
        Err(no_answer) => {
            worker::console_warn!(
                "DoExpressCheckoutPayment {}: no answer ({})",
                order.id,
                no_answer.describe()
            );
            // Keep the trace of the lost call; the order stays confirming.
            let _ = ctx.run(&vec![trace]).await;
            return Ok(Executed::Done);
        }
    };
    let answer = classify(&response);
    let mail = crate::shell::settle::mail_setting(ctx);
    let decision = if retried {
        purchase::after_retried_payment(order, &answer, trace.clone(), &mail, &now)
    } else {
        after_payment(order, &answer, trace.clone(), &mail, &now)
    };
    let retry = matches!(decision, AfterPayment::RetryFunding(_));
    match decision {
        AfterPayment::Record(batch)
        | AfterPayment::NeedsReview(batch)
        | AfterPayment::Pending(batch)
        | AfterPayment::RetryFunding(batch)
        | AfterPayment::Fail(batch) => {
            if let Err(e) = run_guarded(ctx, &batch).await {
                // Money may have moved: leave the order confirming for the
                // reconciler rather than guess.
                worker::console_error!("recording order {} failed: {e:?}", order.id);
            }
        }
        AfterPayment::AlreadyPaid => {
            // 10415/11607 without the payment attached: find it at PayPal
            // (GetExpressCheckoutDetails, GetTransactionDetails) and record
            // it as paid with its original transaction id.
            let _ = ctx.run(&vec![trace]).await;
            if let Err(e) = crate::shell::settle::settle(ctx, order, false).await {
                worker::console_warn!("order {}: already paid, not settled yet: {e:?}", order.id);
            }
        }
    }
    Ok(if retry {
        Executed::RetryFunding
    } else {
        Executed::Done
    })
}

/// `GET /psp/paypal/cancel?order=&token=`: the buyer canceled at PayPal.
pub async fn paypal_cancel(ctx: &Ctx) -> Result<Response, WebError> {
    let order_id = ctx.param("order").unwrap_or_default();
    let token = ctx.param("token").unwrap_or_default();
    let results = ctx.run(&vec![purchase::order_by_id(&order_id)]).await?;
    let Some(order) = row_at::<OrderState>(&results, 0)? else {
        return Err(WebError::NotFound);
    };
    // The token proves the request comes from this order's checkout.
    if order.psp_token.as_deref() != Some(token.as_str()) {
        return Err(WebError::NotFound);
    }
    let _ = run_guarded(ctx, &purchase::cancel(&order.id, &ctx.now().to_string())).await?;
    see_other(&format!("/orders/{}", order.id))
}
