//! `POST /api/v1/spends` and `GET /api/v1/spends/{spend_id}` (api.md §3):
//! the spend read at the edge, one batch that takes its `spend_id` (or
//! finds it taken, or takes over one its dead request left `started`) and
//! reads the title's holder, then the same purchase flow as `POST /buy` (a
//! zero spend: a test order, no provider call), whose order batch also
//! stores the first answer under the id: an order is never made without
//! its `spend_id` knowing it.

use serde_json::{json, Value};
use worker::Request;

use crate::core::api::error::{ApiError, ErrorKind};
use crate::core::api::idempotency::{decide, Decision, StoredSpend, SPEND_LEASE_SECONDS};
use crate::core::api::spend::{check_payer, parse_spend, SpendAmount, SpendContext, SpendRequest};
use crate::core::api::sql::{self as api_sql, HeldSpend, KeyClient, KeyedSpend, TestOrder};
use crate::core::api::{self, Format};
use crate::core::flow::effects::random_bytes;
use crate::core::flow::purchase::{self as flow, PurchaseInput, Start};
use crate::core::i18n::Lang;
use crate::core::order::{OrderStatus, Substate};
use crate::core::orders::OrderRow;
use crate::core::psp::ProviderId;
use crate::core::purchase::{title_for_sale, BuyProblem, Buyer, TitleForSale};
use crate::core::sql::{Stmt, StmtResult};
use crate::shell::body::read_capped;
use crate::shell::effects::site;
use crate::shell::web::{row_at, Ctx, WebError};

use super::reads::{api_order, approval_url};
use super::{Answer, Key};

fn refused(ctx: &Ctx, problem: BuyProblem) -> ApiError {
    let base = ctx.base_url();
    let message = problem.message(Lang::En, &flow::limits(&site(ctx, &base)));
    let error = match problem {
        BuyProblem::IsinInvalid => ApiError::on(ErrorKind::FieldInvalid, "isin"),
        BuyProblem::RateMalformed => ApiError::on(ErrorKind::FieldInvalid, "profit_rate"),
        BuyProblem::AmountRequired | BuyProblem::AmountMalformed => {
            ApiError::on(ErrorKind::AmountMalformed, "amount")
        }
        BuyProblem::AmountTooSmall | BuyProblem::AmountTooLarge => {
            ApiError::on(ErrorKind::AmountOutOfBounds, "amount")
        }
        BuyProblem::OtherCurrency => ApiError::on(ErrorKind::CurrencyRefused, "currency"),
        BuyProblem::ProviderNotAccepted => ApiError::on(ErrorKind::ProviderNotAccepted, "psp"),
        BuyProblem::TitleUnknown
        | BuyProblem::TitleVoided
        | BuyProblem::OwnTitle
        | BuyProblem::SamePspAccount
        | BuyProblem::OtherEnvironment
        | BuyProblem::SellerCredentialsRefused
        | BuyProblem::TitleBeingPaid => ApiError::on(ErrorKind::TitleUnavailable, "isin"),
    };
    error.with_message(message)
}

/// The provider asked for, checked against the deployment's.
fn chosen(ctx: &Ctx, request: &SpendRequest) -> Result<Option<ProviderId>, ApiError> {
    let enabled = &ctx.app.config.providers.enabled;
    match request.psp.as_deref() {
        None => Ok(None),
        Some(typed) => ProviderId::parse(typed)
            .filter(|p| enabled.contains(p))
            .map(Some)
            .ok_or_else(|| ApiError::on(ErrorKind::ProviderNotAccepted, "psp")),
    }
}

/// The body read and checked into a spend, with the provider asked for.
/// (`payer` is checked against the key once the key is read.)
async fn read_request(
    ctx: &Ctx,
    req: &mut Request,
) -> Result<(SpendRequest, Option<ProviderId>), ApiError> {
    let content_type = req.headers().get("Content-Type").map_err(WebError::from)?;
    let body = read_capped(req).await?;
    let Some(body_format) = Format::from_content_type(content_type.as_deref()) else {
        return Err(ApiError::new(ErrorKind::UnsupportedMediaType));
    };
    let fields = api::read_fields(&body, body_format, "spend")?;
    let config = &ctx.app.config;
    let cx = SpendContext {
        payer_email: None,
        currency: config.currency.as_str(),
        decimals: 2,
        now: ctx.now(),
    };
    let request = parse_spend(&fields, &cx)?;
    let chosen = chosen(ctx, &request)?;
    let out_of_bounds = match request.amount {
        SpendAmount::Cents(cents) => {
            cents < config.min_amount.cents() || cents > config.max_amount.cents()
        }
        SpendAmount::Huge => true,
        SpendAmount::Zero => false,
    };
    if out_of_bounds {
        return Err(ApiError::on(ErrorKind::AmountOutOfBounds, "amount"));
    }
    Ok((request, chosen))
}

/// What the `spend_id` says: go on (`None`), or the answer already due
/// (a replay, a conflict, in progress, a probe's state).
async fn idempotent(
    ctx: &Ctx,
    key: &Key,
    request: &SpendRequest,
    results: &[StmtResult],
    format: Format,
) -> Result<Option<Answer>, ApiError> {
    let Some(id) = &request.spend_id else {
        return Ok(None);
    };
    // After the key's three statements and the title.
    let inserted = results.get(4).is_some_and(|r| r.changes == 1);
    let stored = row_at::<StoredSpend>(results, 5)?;
    let zero = request.amount == SpendAmount::Zero;
    match decide(inserted, stored.as_ref(), &request.fingerprint(), zero) {
        Decision::FirstUse => Ok(None),
        Decision::Replay { answer } => {
            let value: Value = serde_json::from_str(&answer).unwrap_or(Value::Null);
            Ok(Some(Answer {
                status: 200,
                body: api::render(format, "spend", "spend", value),
                replayed: true,
            }))
        }
        Decision::Conflict { fields } => {
            Err(ApiError::on(ErrorKind::SpendIdReused, &fields.join(",")))
        }
        Decision::InProgress => Err(ApiError::new(ErrorKind::SpendInProgress)),
        Decision::Probe { .. } => {
            let results = ctx.run(&state_reads(&key.hash, id)).await?;
            let mut answer = state_answer(ctx, id, &results, format)?;
            answer.replayed = true;
            Ok(Some(answer))
        }
    }
}

pub(super) async fn post(
    ctx: &Ctx,
    req: &mut Request,
    key: &Key,
    format: Format,
) -> Result<Answer, ApiError> {
    let (request, chosen) = match read_request(ctx, req).await {
        Ok(read) => read,
        // An unknown key hears 401 whatever it sent.
        Err(error) => return Err(key.read(ctx, Vec::new()).await.err().unwrap_or(error)),
    };
    // One round trip: the key (its client, its rate limit), the title as
    // it stands, and the spend_id taken or found taken. The insert is
    // guarded by the key's primary key (concurrent twins change one row
    // between them), and takes the id only for a live key within its
    // limit whose client is `payer`.
    let enabled = &ctx.app.config.providers.enabled;
    let now = ctx.now();
    let taken_at = now.to_string();
    let mut batch = key.statements(ctx);
    batch.push(title_for_sale(&request.isin, chosen, enabled));
    if let Some(id) = &request.spend_id {
        let fields = request.fingerprint().to_string();
        let stale_before = now.plus_seconds(-SPEND_LEASE_SECONDS).to_string();
        batch.push(api_sql::reserve_spend_of_key(&KeyedSpend {
            key_hash: &key.hash,
            payer: &request.payer,
            bucket: &key.bucket,
            window: &key.window,
            limit: key.limit,
            spend_id: id,
            fields: &fields,
            now: &taken_at,
            stale_before: &stale_before,
        }));
        batch.push(api_sql::stored_spend_of_key(&key.hash, id));
    }
    let results = ctx.run(&batch).await?;
    let who = &key.client(&results)?;
    check_payer(&request.payer, &who.email)?;
    let title = row_at::<TitleForSale>(&results, 3)?;
    if let Some(answer) = idempotent(ctx, key, &request, &results, format).await? {
        return Ok(answer);
    }
    let held = request.spend_id.as_deref().map(|spend_id| HeldSpend {
        client_id: who.client_id,
        spend_id,
        taken_at: &taken_at,
    });
    let spend = Spend {
        ctx,
        who,
        request: &request,
        held,
    };
    let made = match title {
        None => Err(refused(ctx, BuyProblem::TitleUnknown)),
        Some(title) => spend.make(&title, chosen).await,
    };
    match made {
        Ok(answer) => Ok(Answer::new(
            201,
            api::render(format, "spend", "spend", answer),
        )),
        Err(error) => {
            if let Some(held) = &held {
                // No order: the id goes free, so that a retry may make it.
                if let Err(e) = ctx.run(&vec![api_sql::release_spend(held)]).await {
                    worker::console_error!("api: spend id not released: {e:?}");
                }
            }
            Err(error)
        }
    }
}

/// An order just made, as the answer shows it.
struct Made {
    id: String,
    amount_cents: i64,
    code: OrderStatus,
    substate: Substate,
    approval_url: Option<String>,
    checkout: Value,
}

/// A spend being made by `who`, holding its `spend_id` if it has one.
struct Spend<'a> {
    ctx: &'a Ctx,
    who: &'a KeyClient,
    request: &'a SpendRequest,
    held: Option<HeldSpend<'a>>,
}

impl Spend<'_> {
    /// Makes the spend's order (a test order for zero, else the purchase
    /// flow) and answers it.
    async fn make(
        &self,
        title: &TitleForSale,
        chosen: Option<ProviderId>,
    ) -> Result<Value, ApiError> {
        if let Some(payee) = &self.request.payee {
            if !title.holder_email.eq_ignore_ascii_case(payee) {
                return Err(ApiError::on(ErrorKind::PayeeChanged, "payee"));
            }
        }
        let provider = chosen
            .or(title.holder_provider)
            .unwrap_or(ProviderId::Paypal);
        let lang = Lang::parse(&self.who.language).unwrap_or(self.ctx.lang);
        let now = self.ctx.now().to_string();
        let answered = Answered {
            request: self.request,
            title,
            provider,
            now: &now,
        };
        let made = if self.request.amount == SpendAmount::Zero {
            self.test_order(&answered, lang).await?
        } else {
            self.purchase(&answered, lang).await?
        };
        Ok(answered.answer(&made))
    }

    /// What the order's batch writes besides the order: the description
    /// and the spend's stored answer, so that an order is never made
    /// without its `spend_id` knowing it.
    fn kept_with(&self, answered: &Answered<'_>, made: &Made) -> Vec<Stmt> {
        let mut also = Vec::new();
        if let (Some(description), false) = (
            &self.request.description,
            self.request.amount == SpendAmount::Zero,
        ) {
            also.push(api_sql::describe_order(&made.id, description));
        }
        if let Some(held) = &self.held {
            let answer = answered.answer(made).to_string();
            also.push(api_sql::finish_spend(held, &made.id, &answer, answered.now));
        }
        also
    }

    /// A zero spend: an order with code 1 (`test`), no provider called,
    /// nothing moved.
    async fn test_order(&self, answered: &Answered<'_>, lang: Lang) -> Result<Made, ApiError> {
        let (ctx, title) = (self.ctx, answered.title);
        if title.status != "active" {
            return Err(refused(ctx, BuyProblem::TitleVoided));
        }
        let made = Made {
            id: order_id(ctx)?,
            amount_cents: 0,
            code: OrderStatus::Test,
            substate: Substate::Done,
            approval_url: None,
            checkout: Value::Null,
        };
        let mut batch = vec![api_sql::insert_test_order(&TestOrder {
            id: &made.id,
            buyer_id: self.who.client_id,
            title_id: title.title_id,
            profit_rate: self.request.profit_rate,
            psp: answered.provider.as_str(),
            psp_environment: ctx.app.config.psp_mode.as_str(),
            buyer_language: lang.code(),
            description: self.request.description.as_deref(),
            now: answered.now,
        })];
        batch.extend(self.kept_with(answered, &made));
        ctx.run(&batch).await?;
        Ok(made)
    }

    /// A spend of money: the same flow as `POST /buy`, with the stored
    /// answer in the order's batch.
    async fn purchase(&self, answered: &Answered<'_>, lang: Lang) -> Result<Made, ApiError> {
        let (ctx, request) = (self.ctx, self.request);
        let buyer = Buyer {
            client_id: self.who.client_id,
            psp_environment: self.who.psp_environment.clone(),
            api_username: self.who.api_username.clone(),
        };
        let amount = request.flow_amount();
        let rate = request.profit_rate.to_string();
        let input = PurchaseInput {
            isin: &request.isin,
            amount: &amount,
            profit_rate: Some(&rate),
            provider: Some(answered.provider.as_str()),
        };
        let base = ctx.base_url();
        let site = site(ctx, &base);
        let also = |start: &Start| match made_of(start, request) {
            Some(made) => self.kept_with(answered, &made),
            None => Vec::new(),
        };
        let started = flow::start_with(ctx, &site, &buyer, &input, lang, also)
            .await
            .map_err(WebError::from)?;
        match started {
            Start::Problem(problem) => Err(refused(ctx, problem)),
            Start::AccountRefused { .. } => Err(refused(ctx, BuyProblem::SellerCredentialsRefused)),
            Start::Refused { code, message } => {
                let message = format!("the provider refused the checkout ({code}: {message})");
                Err(ApiError::new(ErrorKind::ProviderRefused).with_message(message))
            }
            Start::Unreachable => Err(ApiError::new(ErrorKind::ProviderUnreachable)),
            Start::Redirect { .. } | Start::Form { .. } => {
                made_of(&started, request).ok_or_else(|| ApiError::new(ErrorKind::Unavailable))
            }
        }
    }
}

/// The order a purchase start wrote, as the answer shows it (`None`: it
/// wrote none).
fn made_of(start: &Start, request: &SpendRequest) -> Option<Made> {
    let (id, approval_url, checkout) = match start {
        Start::Redirect { order_id, url } => (order_id, Some(url.clone()), Value::Null),
        Start::Form { order_id, form } => {
            let fields: serde_json::Map<String, Value> = form
                .fields
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            let checkout = json!({ "action": form.action, "fields": fields });
            (order_id, None, checkout)
        }
        Start::Problem(_)
        | Start::AccountRefused { .. }
        | Start::Refused { .. }
        | Start::Unreachable => return None,
    };
    Some(Made {
        id: id.clone(),
        amount_cents: match request.amount {
            SpendAmount::Cents(c) => c,
            SpendAmount::Zero | SpendAmount::Huge => 0,
        },
        code: OrderStatus::Pending,
        substate: Substate::AwaitingBuyer,
        approval_url,
        checkout,
    })
}

/// What a spend's answer is made of besides its order.
struct Answered<'a> {
    request: &'a SpendRequest,
    title: &'a TitleForSale,
    provider: ProviderId,
    now: &'a str,
}

impl Answered<'_> {
    /// The spend's first answer (stored with the order, and sent).
    fn answer(&self, made: &Made) -> Value {
        let row = OrderRow {
            id: made.id.clone(),
            role: "buyer".into(),
            isin: self.title.isin.clone(),
            amount_cents: made.amount_cents,
            currency: self.title.currency.clone(),
            profit_rate: self.request.profit_rate,
            code: made.code,
            substate: made.substate,
            created_at: self.now.to_string(),
            psp: self.provider.as_str().to_string(),
            psp_transaction_id: None,
            psp_token: None,
            failure_reason: None,
            psp_error_code: None,
            psp_error_message: None,
            new_isin: None,
            description: self.request.description.clone(),
        };
        json!({
            "spend_id": self.request.spend_id, "order": api_order(&row),
            "approval_url": made.approval_url, "checkout": made.checkout,
        })
    }
}

/// An order reference as the flow makes them: 12 of `[a-z0-9]`.
fn order_id(ctx: &Ctx) -> Result<String, ApiError> {
    let bytes = random_bytes::<12, Ctx>(ctx).map_err(|_| ApiError::new(ErrorKind::Unavailable))?;
    Ok(bytes
        .iter()
        .map(|b| {
            char::from(
                b"abcdefghijklmnopqrstuvwxyz0123456789"
                    .get(usize::from(*b) % 36)
                    .copied()
                    .unwrap_or(b'a'),
            )
        })
        .collect())
}

/// The reads of [`state_answer`]: the spend stored under `spend_id` and
/// its order as it stands now.
fn state_reads(key_hash: &str, spend_id: &str) -> Vec<Stmt> {
    vec![
        api_sql::stored_spend_of_key(key_hash, spend_id),
        api_sql::order_of_spend(key_hash, spend_id),
    ]
}

/// The spend's state from [`state_reads`]' results.
fn state_answer(
    ctx: &Ctx,
    spend_id: &str,
    results: &[StmtResult],
    format: Format,
) -> Result<Answer, ApiError> {
    let Some(stored) = row_at::<StoredSpend>(results, 0)? else {
        return Err(ApiError::new(ErrorKind::NotFound));
    };
    let order = row_at::<OrderRow>(results, 1)?;
    let answer = json!({
        "spend_id": spend_id,
        "state": stored.state,
        "order": order.as_ref().map(api_order),
        "approval_url": order.as_ref().and_then(|o| approval_url(ctx, o)),
    });
    Ok(Answer::new(
        200,
        api::render(format, "spend", "spend", answer),
    ))
}

/// `GET /api/v1/spends/{spend_id}`: in the key's batch.
pub(super) async fn get(
    ctx: &Ctx,
    key: &Key,
    spend_id: &str,
    format: Format,
) -> Result<Answer, ApiError> {
    let (_, results) = key.read(ctx, state_reads(&key.hash, spend_id)).await?;
    state_answer(ctx, spend_id, &results, format)
}
