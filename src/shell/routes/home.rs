//! `GET /`: what PayBook is, the latest trades and the risk notice, from one
//! D1 round trip.

use askama::Template;
use serde::Deserialize;
use worker::Response;

use crate::core::money::Amount;
use crate::core::sql::{self, trades};
use crate::core::time::UtcTime;
use crate::shell::pages::{HomePage, TradeLine};
use crate::shell::web::{html, Ctx, WebError};

#[derive(Deserialize)]
struct TradeRow {
    at: String,
    isin: String,
    amount_cents: i64,
    currency: String,
    new_isin: String,
    new_value_cents: i64,
}

pub async fn get(ctx: &Ctx) -> Result<Response, WebError> {
    let results = ctx.run(&vec![trades::latest(10)]).await?;
    let rows: Vec<TradeRow> = results
        .first()
        .map(sql::rows)
        .transpose()
        .map_err(|e| WebError::Internal(e.to_string()))?
        .unwrap_or_default();
    let lang = ctx.lang;
    let money = |cents: i64, currency: &str| {
        format!(
            "{} {currency}",
            Amount::from_cents(cents).unwrap_or_default().format(lang)
        )
    };
    let trades = rows
        .into_iter()
        .map(|r| TradeLine {
            at: UtcTime::parse(&r.at).map_or(r.at.clone(), |t| t.to_string()),
            amount: money(r.amount_cents, &r.currency),
            new_value: money(r.new_value_cents, &r.currency),
            isin: r.isin,
            new_isin: r.new_isin,
        })
        .collect();
    let page = HomePage {
        layout: ctx.layout()?,
        trades,
    };
    html(200, page.render()?)
}
