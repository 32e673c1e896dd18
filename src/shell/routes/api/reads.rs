//! The API's other primitives (api.md §3), thin reads of what the pages
//! read, by the key instead of a session and in the key's own batch (one
//! round trip): orders (`order/1`),
//! the cancel of an order awaiting the buyer, the balance (`balance/1`,
//! like `/claims`), the history (`history/1`) and a title (`title/1`).

use serde_json::{json, Value};

use crate::core::api::error::{ApiError, ErrorKind};
use crate::core::api::sql as api_sql;
use crate::core::api::{self, Format};
use crate::core::browse::{self, ClaimRow, CredentialRow, Page, TitleRow, TradeRow};
use crate::core::flow::effects::run_guarded;
use crate::core::isin::Isin;
use crate::core::money::plain_cents;
use crate::core::order::{OrderStatus, Substate};
use crate::core::orders::{self, OrderRow};
use crate::core::psp::ProviderId;
use crate::core::purchase;
use crate::shell::routes::browse::psp_balance;
use crate::shell::routes::purchase::checkout_url;
use crate::shell::web::{row_at, rows_at, Ctx, WebError};

use super::{Answer, Key};

/// An order as `/orders/{id}` shows it (with its provider and
/// description), without its PSP trace.
pub(super) fn api_order(row: &OrderRow) -> Value {
    let mut value = orders::detail_json(row, &[]);
    if let Value::Object(map) = &mut value {
        map.remove("trace");
    }
    value
}

/// Where the buyer approves an order still awaiting him (PayPal's
/// checkout; a card provider's form cannot be resumed: null).
pub(super) fn approval_url(ctx: &Ctx, row: &OrderRow) -> Option<String> {
    let awaiting = row.code == OrderStatus::Pending && row.substate == Substate::AwaitingBuyer;
    match (
        awaiting,
        ProviderId::parse(&row.psp),
        row.psp_token.as_deref(),
    ) {
        (true, Some(provider), Some(token)) => checkout_url(ctx, provider, token),
        _ => None,
    }
}

fn page(ctx: &Ctx) -> Result<Page, ApiError> {
    Page::parse(ctx.param("page").as_deref())
        .ok_or_else(|| ApiError::on(ErrorKind::FieldInvalid, "page"))
}

fn ok(format: Format, root: &str, primitive: &str, value: Value) -> Answer {
    Answer::new(200, api::render(format, root, primitive, value))
}

/// `GET /api/v1/orders?page=`.
pub(super) async fn orders(ctx: &Ctx, key: &Key, format: Format) -> Result<Answer, ApiError> {
    let (_, page_number, results) = key
        .read_parsed(ctx, page(ctx), |p| vec![api_sql::orders_of(&key.hash, *p)])
        .await?;
    let (rows, next) = page_number.split(rows_at::<OrderRow>(&results, 0)?);
    let list: Vec<Value> = rows.iter().map(api_order).collect();
    Ok(ok(
        format,
        "orders",
        "order",
        json!({ "orders": list, "next_page": next }),
    ))
}

/// The key's order `id`, read in the key's batch.
async fn read_order(ctx: &Ctx, key: &Key, id: &str) -> Result<OrderRow, ApiError> {
    let (_, results) = key
        .read(ctx, vec![api_sql::order_of(&key.hash, id)])
        .await?;
    row_at::<OrderRow>(&results, 0)?.ok_or_else(|| ApiError::new(ErrorKind::NotFound))
}

fn order_answer(ctx: &Ctx, order: &OrderRow, format: Format) -> Answer {
    let mut value = api_order(order);
    if let Value::Object(map) = &mut value {
        map.insert("approval_url".into(), json!(approval_url(ctx, order)));
    }
    ok(format, "order", "order", value)
}

/// `GET /api/v1/orders/{id}`.
pub(super) async fn order(
    ctx: &Ctx,
    key: &Key,
    id: &str,
    format: Format,
) -> Result<Answer, ApiError> {
    let order = read_order(ctx, key, id).await?;
    Ok(order_answer(ctx, &order, format))
}

/// `POST /api/v1/orders/{id}/cancel`: the buyer gives up an order still
/// awaiting him (as the order page's button); the order as it stands.
pub(super) async fn cancel(
    ctx: &Ctx,
    key: &Key,
    id: &str,
    format: Format,
) -> Result<Answer, ApiError> {
    let order = read_order(ctx, key, id).await?;
    if order.role != "buyer" {
        return Err(ApiError::new(ErrorKind::NotFound));
    }
    if order.code != OrderStatus::Pending || order.substate != Substate::AwaitingBuyer {
        return Err(ApiError::new(ErrorKind::NotCancelable));
    }
    let done = run_guarded(ctx, &purchase::cancel(&order.id, &ctx.now().to_string()))
        .await
        .map_err(WebError::from)?;
    if !done {
        return Err(ApiError::new(ErrorKind::NotCancelable));
    }
    // The key's client is known now: the order as it stands, without a
    // second rate-limit hit.
    let results = ctx.run(&vec![api_sql::order_of(&key.hash, id)]).await?;
    let order =
        row_at::<OrderRow>(&results, 0)?.ok_or_else(|| ApiError::new(ErrorKind::NotFound))?;
    Ok(order_answer(ctx, &order, format))
}

/// `GET /api/v1/balance`: as `/claims` (the PSP balance or why not).
pub(super) async fn balance(ctx: &Ctx, key: &Key, format: Format) -> Result<Answer, ApiError> {
    let read_after = ctx.now().plus_seconds(-60).to_string();
    let (who, results) = key
        .read(
            ctx,
            vec![
                api_sql::titles_of(&key.hash),
                api_sql::credentials_of(&key.hash, &read_after),
            ],
        )
        .await?;
    let titles: Vec<ClaimRow> = rows_at(&results, 0)?;
    let credentials: Option<CredentialRow> = row_at(&results, 1)?;
    let currency = ctx.app.config.currency.as_str();
    // Only a PayPal account has a balance to show.
    let (psp, psp_error) = match credentials {
        Some(row) => psp_balance(ctx, row).await,
        None => (None, None),
    };
    let value = json!({
        "email": who.email,
        "isin_balance": plain_cents(browse::isin_balance_cents(&titles, currency)),
        "currency": currency,
        "psp_balance": psp.as_ref().map(|(a, _)| a.to_plain()),
        "psp_currency": psp.as_ref().map(|(_, c)| c.clone()),
        "psp_error": psp_error.map(|(code, message)| json!({ "code": code, "message": message })),
        "titles": titles.iter().map(|t| json!({
            "isin": t.isin,
            "value": plain_cents(t.value_cents),
            "currency": t.currency,
            "claimed": t.claimed != 0,
            "disputed": t.disputed != 0,
        })).collect::<Vec<_>>(),
    });
    Ok(ok(format, "balance", "balance", value))
}

/// `GET /api/v1/history?page=`.
pub(super) async fn history(ctx: &Ctx, key: &Key, format: Format) -> Result<Answer, ApiError> {
    let (_, page_number, results) = key
        .read_parsed(ctx, page(ctx), |p| vec![browse::history(*p)])
        .await?;
    let (trades, next) = page_number.split(rows_at::<TradeRow>(&results, 0)?);
    let value = json!({
        "trades": trades.iter().map(browse::trade_json).collect::<Vec<_>>(),
        "next_page": next,
    });
    Ok(ok(format, "history", "history", value))
}

/// `GET /api/v1/titles/{isin}?page=`.
pub(super) async fn title(
    ctx: &Ctx,
    key: &Key,
    code: &str,
    format: Format,
) -> Result<Answer, ApiError> {
    let parsed = Isin::parse(code)
        .map_err(|_| ApiError::on(ErrorKind::FieldInvalid, "isin"))
        .and_then(|isin| Ok((isin, page(ctx)?)));
    let (_, (_, page_number), results) = key
        .read_parsed(ctx, parsed, |(isin, page_number)| {
            vec![
                browse::title(isin.as_str()),
                browse::trades_of(isin.as_str(), *page_number),
            ]
        })
        .await?;
    let Some(title) = row_at::<TitleRow>(&results, 0)? else {
        return Err(ApiError::new(ErrorKind::NotFound));
    };
    let (trades, next) = page_number.split(rows_at::<TradeRow>(&results, 1)?);
    Ok(ok(
        format,
        "title",
        "title",
        browse::title_json(&title, &trades, next),
    ))
}
