//! `GET /admin/orders/{id}`: everything about one order for an operator
//! (`core::backoffice::reads`), and `POST` the actions on it (`recheck`,
//! `resolve`, `keep_trade`, `undo_trade`, `flow::backoffice`), each with a
//! required reason, shown on the same page with what the provider said.
//!
//! Round trips: the page costs two (the session, then one batch of seven
//! reads); a POST costs its flow's (see `flow::backoffice`) plus those two.

use askama::Template;
use serde_json::{json, Map, Value};
use worker::{Request, Response};

use super::operator;
use super::view::{outcome, section, Outcome, Section};
use crate::core::backoffice::order::{Action, Stated};
use crate::core::backoffice::reads;
use crate::core::flow::backoffice::{self as flow, Done, Operator};
use crate::core::i18n::admin_orders::{texts, AdminOrderTexts};
use crate::core::psp::ProviderId;
use crate::core::purchase::OrderState;
use crate::core::sql::{self, Row};
use crate::shell::effects::site;
use crate::shell::pages::Layout;
use crate::shell::web::{html, json_response, read_form, Ctx, WebError};

#[derive(Template)]
#[template(path = "admin_order.html")]
pub struct AdminOrderPage {
    pub layout: Layout,
    pub a: &'static AdminOrderTexts,
    pub id: String,
    pub sections: Vec<Section>,
    pub message: Option<Outcome>,
    pub reason: String,
    pub can_resolve: bool,
    pub needs_stated: bool,
    pub can_keep_or_undo: bool,
}

/// `GET /admin/orders/{id}`.
pub async fn page(ctx: &Ctx, id: &str) -> Result<Response, WebError> {
    operator(ctx).await?;
    show(ctx, id, None, String::new()).await
}

/// The page, with an action's result when there is one.
async fn show(
    ctx: &Ctx,
    id: &str,
    message: Option<Outcome>,
    reason: String,
) -> Result<Response, WebError> {
    let results = ctx.run(&reads::order_page(id)).await?;
    let mut parts: Vec<Vec<Row>> = Vec::new();
    for r in results.iter().take(reads::SECTIONS.len()) {
        parts.push(sql::rows(r).map_err(|e| WebError::Internal(e.to_string()))?);
    }
    let Some(order) = parts.first().and_then(|rows| rows.first()).cloned() else {
        return Err(WebError::NotFound);
    };
    let status = message.as_ref().map_or(200, |m| m.status);
    if ctx.wants_json {
        let mut body = Map::new();
        for (name, rows) in reads::SECTIONS.iter().zip(&parts) {
            body.insert((*name).to_string(), json!(rows));
        }
        body.insert("order".into(), Value::Object(order));
        body.insert("csrf_token".into(), json!(ctx.csrf_token()?));
        if let Some(m) = &message {
            body.insert("result".into(), m.json());
        }
        return json_response(status, &Value::Object(body));
    }
    let a = texts(ctx.lang);
    let text = |name: &str| {
        order
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let code = order.get("code").and_then(Value::as_i64);
    let in_review = text("substate") == "needs_review";
    let provider = ProviderId::parse(&text("psp"));
    let headings = [
        a.section_order,
        a.section_traces,
        a.section_notifications,
        a.section_receipts,
        a.section_trade,
        a.section_titles,
        a.section_audit,
    ];
    let sections = reads::SECTIONS
        .iter()
        .zip(headings)
        .zip(&parts)
        .map(|((id, heading), rows)| section(id, heading, rows))
        .collect();
    let page = AdminOrderPage {
        layout: ctx.layout()?,
        a,
        id: id.to_string(),
        sections,
        message,
        reason,
        can_resolve: in_review && code == Some(0),
        needs_stated: provider.is_some_and(|p| !p.capabilities().read_call),
        can_keep_or_undo: in_review && code == Some(2),
    };
    html(status, page.render()?)
}

/// `POST /admin/orders/{id}`: `action`, `reason` (required), `csrf_token`,
/// and `outcome` for a provider without a read call.
pub async fn post(ctx: &Ctx, req: &mut Request, id: &str) -> Result<Response, WebError> {
    let who = operator(ctx).await?;
    let form = read_form(req).await?;
    ctx.check_csrf(&form)?;
    let a = texts(ctx.lang);
    let reason = form.get("reason").trim().to_string();
    let action = match (Action::parse(form.get("action")), reason.is_empty()) {
        (None, _) => {
            let m = Outcome::refused("unknown_action", a.unknown_action);
            return show(ctx, id, Some(m), reason).await;
        }
        (Some(_), true) => {
            let m = Outcome::refused("reason_required", a.reason_required);
            return show(ctx, id, Some(m), reason).await;
        }
        (Some(action), false) => action,
    };
    let base = ctx.base_url();
    let site = site(ctx, &base);
    let op = Operator {
        email: &who.email,
        client_id: who.client_id,
        reason: &reason,
    };
    let done = match action {
        Action::Recheck => flow::recheck(ctx, &site, &load(ctx, id).await?, &op).await?,
        Action::Resolve => {
            let order = load(ctx, id).await?;
            let stated = Stated::parse(form.get("outcome"));
            if flow::needs_stated(&order) && stated.is_none() {
                let m = Outcome::refused("outcome_required", a.outcome_required);
                return show(ctx, id, Some(m), reason).await;
            }
            flow::resolve(ctx, &site, &order, stated, &op).await?
        }
        Action::KeepTrade => flow::keep_trade(ctx, id, &op).await?,
        Action::UndoTrade => flow::undo_trade(ctx, &site, id, &op).await?,
    };
    if done == Done::NotFound {
        return Err(WebError::NotFound);
    }
    show(ctx, id, Some(outcome(a, done)), String::new()).await
}

async fn load(ctx: &Ctx, id: &str) -> Result<OrderState, WebError> {
    flow::order(ctx, id).await?.ok_or(WebError::NotFound)
}
