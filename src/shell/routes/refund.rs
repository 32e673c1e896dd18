//! `POST /orders/{id}/refund`: the seller refunds a paid order in full
//! (backoffice.md §3). Read the form (CSRF token, `current_password`,
//! checked as the account's forms check it), run the flow
//! (`core::flow::refund`), then show the order: its page says the refund's
//! state to both parties; a refusal is shown on it with a 4xx.

use worker::{Request, Response};

use super::account::check_current_password;
use super::orders::render_order;
use crate::core::account::FormErrors;
use crate::core::flow::refund::{self, Asked};
use crate::core::refund::Refusal;
use crate::shell::effects::site;
use crate::shell::web::{read_form, see_other, Ctx, WebError};

pub async fn order_refund(ctx: &Ctx, req: &mut Request, id: &str) -> Result<Response, WebError> {
    let form = read_form(req).await?;
    ctx.check_csrf(&form)?;
    let me = ctx.require_session().await?;
    let t = ctx.lang.refund();
    let mut errors = FormErrors::default();
    check_current_password(ctx, &form, me.client_id, &mut errors).await?;
    if !errors.is_empty() {
        let why = if form.get("current_password").is_empty() {
            t.password_required
        } else {
            t.password_incorrect
        };
        return render_order(ctx, id, 422, why).await;
    }
    let base = ctx.base_url();
    match refund::request(ctx, &site(ctx, &base), id, me.client_id).await? {
        Asked::NotFound => Err(WebError::NotFound),
        Asked::Refused(refusal) => {
            let status = match refusal {
                Refusal::NotSeller => 403,
                Refusal::AlreadyRequested(_) => 409,
                Refusal::NotProcessed
                | Refusal::InReview
                | Refusal::WindowClosed
                | Refusal::NotOffered => 422,
            };
            render_order(ctx, id, status, refusal.text(ctx.lang)).await
        }
        // The page says how it ended (refunded, refused, or asked again).
        Asked::Done(_) => see_other(&format!("/orders/{id}")),
    }
}
