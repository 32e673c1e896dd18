//! `GET /healthz`: whether this deployment can serve, for monitors and for
//! the test harness.

use serde_json::json;
use worker::Response;

use crate::core::ledger::view::{self, HeadRow};
use crate::core::sql::{self, health, SCHEMA_VERSION};
use crate::shell::app::Unavailable;
use crate::shell::web::{json_response, rows_at, Ctx, WebError};

/// Health with what the reconciler left: when the cron last ran, how many
/// orders await an outcome, how many e-mails wait to be sent, and the
/// ledger's head (one round trip).
pub async fn get(ctx: &Ctx) -> Result<Response, WebError> {
    let results = ctx
        .run(&vec![health::summary(), crate::core::ledger::sealed_head()])
        .await?;
    let head: Option<HeadRow> = rows_at(&results, 1)?.into_iter().next();
    let summary: Option<health::Summary> = results
        .first()
        .map(sql::first)
        .transpose()
        .map_err(|e| WebError::Internal(e.to_string()))?
        .flatten();
    let summary = summary.unwrap_or_default();
    json_response(
        200,
        &json!({
            "status": "ok",
            "schema_version": SCHEMA_VERSION,
            "psp_mode": ctx.app.config.psp_mode.as_str(),
            "commit": crate::core::seo::commit(),
            "last_cron_at": summary.last_cron_at,
            "orders_unresolved": summary.orders_unresolved,
            "outbox_backlog": summary.outbox_backlog,
            "notifications_unresolved": summary.notifications_unresolved,
            "ledger_head": view::head_json(head.as_ref()),
        }),
    )
}

/// The 503 answer when the worker cannot serve.
pub fn unavailable(why: &Unavailable) -> worker::Result<Response> {
    let body = match why {
        Unavailable::Misconfigured { missing, invalid } => {
            let mut body =
                json!({ "status": "misconfigured", "missing": missing, "invalid": invalid });
            if !crate::core::config::EMULATORS_BUILT_IN && invalid.contains(&"PSP_MODE") {
                body["detail"] = crate::core::config::NO_EMULATORS.into();
            }
            body
        }
        Unavailable::DatabaseBehind { applied } => json!({
            "status": "database_behind",
            "schema_version": applied,
            "expected_schema_version": SCHEMA_VERSION,
        }),
        Unavailable::Runtime(what) => json!({ "status": "unavailable", "reason": what }),
    };
    let mut response = Response::from_json(&body)?.with_status(503);
    response.headers_mut().set("Cache-Control", "no-store")?;
    Ok(response)
}
