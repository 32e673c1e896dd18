//! The terms of use page.

use askama::Template;
use worker::Response;

use crate::shell::pages::TermsPage;
use crate::shell::web::{html, Ctx, WebError};

pub fn terms(ctx: &Ctx) -> Result<Response, WebError> {
    let page = TermsPage {
        layout: ctx.layout()?,
        operator_name: ctx.app.config.operator_name.clone(),
        contact_email: ctx.app.config.contact_email.clone(),
    };
    html(200, page.render()?)
}
