//! The orders pages: my orders (as buyer or seller), one order with what
//! each party may see of its PSP trace (`core::privacy`) and its refund
//! (the seller's form while he may refund: `refund`), and the buyer's
//! cancel of a pending order.

use askama::Template;
use serde_json::json;
use worker::{Request, Response};

use super::purchase::{checkout_url, TOKEN_LIFETIME_SECONDS};
use crate::core::browse::Page;
use crate::core::flow::effects::run_guarded;
use crate::core::i18n::{Lang, Texts};
use crate::core::order::{OrderStatus, Substate};
use crate::core::orders::{self, OrderRow, TraceRow};
use crate::core::privacy::Role;
use crate::core::psp::ProviderId;
use crate::core::purchase;
use crate::core::refund::{self, RefundState};
use crate::core::sql;
use crate::core::time::UtcTime;
use crate::shell::pages::{
    money, OrderLine, OrderPage, OrdersPage, Pager, RefundBlock, TraceLine,
};
use crate::shell::web::{html, json_response, read_form, row_at, see_other, Ctx, WebError};

fn order_line(ctx: &Ctx, o: &OrderRow) -> OrderLine {
    let t = ctx.lang.texts();
    OrderLine {
        id: o.id.clone(),
        role: if o.role == "buyer" {
            t.role_buyer
        } else {
            t.role_seller
        },
        isin: o.isin.clone(),
        amount: money(o.amount_cents, &o.currency, ctx.lang),
        profit_rate: o.profit_rate,
        status: status_name(o.code, ctx.lang),
        code: o.code.code(),
        substate: match o.substate {
            Substate::Done => String::new(),
            Substate::AwaitingBuyer
            | Substate::Confirming
            | Substate::PspPending
            | Substate::NeedsReview => o.substate.as_str().to_string(),
        },
        created_at: UtcTime::parse(&o.created_at)
            .map_or(o.created_at.clone(), |at| at.format(ctx.lang)),
    }
}

fn status_name(status: OrderStatus, lang: Lang) -> &'static str {
    let t = lang.texts();
    match status {
        OrderStatus::Processed => t.status_name_processed,
        OrderStatus::Test => t.status_name_test,
        OrderStatus::Pending => t.status_name_pending,
        OrderStatus::Canceled => t.status_name_canceled,
        OrderStatus::Failed => t.status_name_failed,
        OrderStatus::Chargeback => t.status_name_chargeback,
    }
}

pub async fn orders_list(ctx: &Ctx) -> Result<Response, WebError> {
    let Some(token_hash) = ctx.session_token_hash() else {
        return Err(WebError::LoginRequired(ctx.path_and_query()));
    };
    let Some(page_number) = Page::parse(ctx.param("page").as_deref()) else {
        return json_response(422, &json!({ "error": "invalid_page" }));
    };
    let results = ctx
        .run(&vec![orders::mine(&token_hash, page_number)])
        .await?;
    ctx.require_session().await?;
    let rows: Vec<OrderRow> = match results.first() {
        Some(r) => sql::rows(r).map_err(|e| WebError::Internal(e.to_string()))?,
        None => Vec::new(),
    };
    let (rows, next) = page_number.split(rows);
    if ctx.wants_json {
        return json_response(
            200,
            &json!({ "orders": rows.iter().map(orders::order_json).collect::<Vec<_>>(), "next_page": next }),
        );
    }
    let page = OrdersPage {
        layout: ctx.layout()?,
        orders: rows.iter().map(|o| order_line(ctx, o)).collect(),
        pager: Pager {
            base: "/orders?".into(),
            previous: (page_number.number() > 1).then(|| page_number.number() - 1),
            next,
        },
    };
    html(200, page.render()?)
}

/// Why the order stands where it does, in the page's words.
fn explanation(t: &'static Texts, order: &OrderRow) -> &'static str {
    match (order.code, order.substate, order.failure_reason.as_deref()) {
        // A trade partly refunded at PayPal stands, in review
        // (`core::partial`).
        (OrderStatus::Processed, Substate::NeedsReview, _) => t.order_partly_returned,
        (OrderStatus::Processed, _, _) => t.order_processed,
        (OrderStatus::Canceled, _, _) => t.order_canceled,
        (OrderStatus::Chargeback, _, _) => t.order_chargeback,
        (OrderStatus::Failed, _, Some("title_unavailable")) => t.order_title_unavailable,
        (OrderStatus::Failed, _, _) => t.order_failed,
        (OrderStatus::Pending, Substate::Confirming, _) => t.order_confirming,
        (OrderStatus::Pending, Substate::PspPending, _) => t.order_psp_pending,
        (OrderStatus::Pending, Substate::NeedsReview, Some(purchase::REVIEW_PARTLY_RETURNED)) => {
            t.order_partly_returned_open
        }
        (OrderStatus::Pending, Substate::NeedsReview, _) => t.order_needs_review,
        (OrderStatus::Pending, Substate::AwaitingBuyer | Substate::Done, _)
        | (OrderStatus::Test, _, _) => "",
    }
}

pub async fn order_detail(ctx: &Ctx, id: &str) -> Result<Response, WebError> {
    render_order(ctx, id, 200, "").await
}

/// The order page with `status`; `refund_error` says why a refund request
/// was refused (empty otherwise).
pub(super) async fn render_order(
    ctx: &Ctx,
    id: &str,
    status: u16,
    refund_error: &str,
) -> Result<Response, WebError> {
    let Some(token_hash) = ctx.session_token_hash() else {
        return Err(WebError::LoginRequired(ctx.path_and_query()));
    };
    let results = ctx
        .run(&vec![
            orders::one_of_mine(&token_hash, id),
            orders::traces_of_mine(&token_hash, id),
            refund::shown(id),
        ])
        .await?;
    ctx.require_session().await?;
    // Someone else's order is as unknown as a missing one.
    let Some(order) = row_at::<OrderRow>(&results, 0)? else {
        return Err(WebError::NotFound);
    };
    let traces: Vec<TraceRow> = match results.get(1) {
        Some(r) => sql::rows(r).map_err(|e| WebError::Internal(e.to_string()))?,
        None => Vec::new(),
    };
    let shown: refund::Shown = row_at(&results, 2)?.unwrap_or_default();
    if ctx.wants_json {
        let mut value = orders::detail_json(&order, &traces);
        if let serde_json::Value::Object(map) = &mut value {
            map.insert("refund".into(), shown.json(&order.id));
            if !refund_error.is_empty() {
                map.insert("refund_error".into(), json!(refund_error));
            }
        }
        return json_response(status, &value);
    }
    let t = ctx.lang.texts();
    let awaiting = order.code == OrderStatus::Pending && order.substate == Substate::AwaitingBuyer;
    let fresh = UtcTime::parse(&order.created_at)
        .is_some_and(|at| at.plus_seconds(TOKEN_LIFETIME_SECONDS) > ctx.now());
    let explanation = explanation(t, &order);
    let psp_error = match (&order.psp_error_code, &order.psp_error_message) {
        (Some(code), message) => format!(
            "{} {code}: {}",
            t.psp_code,
            message.clone().unwrap_or_default()
        ),
        (None, _) => String::new(),
    };
    let role = Role::parse(&order.role);
    let is_buyer = role == Role::Buyer;
    // A checkout resumed where the provider allows it (PayPal's token).
    let continue_url = match (ProviderId::parse(&order.psp), order.psp_token.as_deref()) {
        (Some(provider), Some(token)) => checkout_url(ctx, provider, token),
        (None, _) | (_, None) => None,
    };
    let page = OrderPage {
        layout: ctx.layout()?,
        o: order_line(ctx, &order),
        transaction_id: order.psp_transaction_id.clone(),
        new_isin: order
            .new_isin
            .clone()
            .filter(|_| order.code == OrderStatus::Processed),
        explanation,
        psp_error,
        can_continue: is_buyer && awaiting && fresh && continue_url.is_some(),
        continue_url: continue_url.unwrap_or_default(),
        can_cancel: is_buyer && awaiting,
        description: order.description.clone(),
        refund: refund_block(ctx, &order, &shown, refund_error),
        traces: traces
            .iter()
            .map(|tr| TraceLine {
                at: UtcTime::parse(&tr.at).map_or(tr.at.clone(), |at| at.format(ctx.lang)),
                method: tr.method.clone(),
                ack: tr.ack.clone().unwrap_or_default(),
                error_codes: tr.error_codes.clone().unwrap_or_default(),
                correlation_id: tr.correlation_id.clone().unwrap_or_default(),
                fields: orders::visible_answer_text(tr, role),
            })
            .collect(),
    };
    html(status, page.render()?)
}

/// The order page's refund part.
fn refund_block(ctx: &Ctx, order: &OrderRow, shown: &refund::Shown, error: &str) -> RefundBlock {
    let t = ctx.lang.refund();
    let is_seller = Role::parse(&order.role) == Role::Seller;
    let days = ctx.app.config.refund_days;
    let state_text = match shown.state {
        None => String::new(),
        Some(RefundState::Requested) => t.state_requested.to_string(),
        Some(RefundState::Refunded) => t.state_refunded.to_string(),
        Some(RefundState::Refused) => format!(
            "{} {}: {}",
            t.state_refused,
            shown.refusal_code.clone().unwrap_or_default(),
            shown.refusal_message.clone().unwrap_or_default()
        ),
    };
    RefundBlock {
        t,
        offered: shown.offered(is_seller, order.code, order.substate, ctx.now(), days),
        state_text,
        error: error.to_string(),
    }
}

/// `POST /orders/{id}/cancel`: the buyer gives up a pending order.
pub async fn order_cancel(ctx: &Ctx, req: &mut Request, id: &str) -> Result<Response, WebError> {
    let form = read_form(req).await?;
    ctx.check_csrf(&form)?;
    let Some(token_hash) = ctx.session_token_hash() else {
        return Err(WebError::LoginRequired(format!("/orders/{id}")));
    };
    let results = ctx.run(&vec![orders::one_of_mine(&token_hash, id)]).await?;
    ctx.require_session().await?;
    let Some(order) = row_at::<OrderRow>(&results, 0)? else {
        return Err(WebError::NotFound);
    };
    if order.role != "buyer" {
        return Err(WebError::NotFound);
    }
    // A guard refusal means it changed meanwhile: the page shows what it is.
    let _ = run_guarded(ctx, &purchase::cancel(&order.id, &ctx.now().to_string())).await?;
    see_other(&format!("/orders/{}", order.id))
}
