//! The account page's "Automation" section (api.md §2): API keys created
//! with a name (the secret shown once, only its SHA-256 kept), listed
//! without their secret, revoked. At most 10 live keys per client.

use serde_json::{json, Value};
use worker::Response;

use crate::core::api::keys::{self, NAME_MAX_CHARS};
use crate::core::api::sql as api_sql;
use crate::shell::app;
use crate::shell::pages::Errors;
use crate::shell::web::{html, json_response, row_at, see_other, Ctx, Form, WebError};

use super::page::{keys, section, session_hash};

/// `api_keys` of `GET /account` (JSON).
pub async fn list(ctx: &Ctx) -> Result<Vec<Value>, WebError> {
    Ok(keys(ctx)
        .await?
        .iter()
        .map(|k| {
            json!({
                "id": k.id, "name": k.name, "prefix": k.prefix,
                "created_at": k.created_at, "last_used_at": k.last_used_at,
            })
        })
        .collect())
}

/// The page with the section's outcome (a new key or an error).
async fn page(
    ctx: &Ctx,
    status: u16,
    new_key: String,
    error: &'static str,
) -> Result<Response, WebError> {
    let mut automation = section(ctx).await?;
    automation.new_key = new_key;
    automation.error = error;
    let body = super::page::account_page_body_with(
        ctx,
        ctx.layout()?,
        ("", Errors::default(), None, ""),
        automation,
    )
    .await?;
    html(status, body)
}

/// `action=api_key_create`, `name`: the secret, shown once.
pub async fn create(ctx: &Ctx, form: &Form) -> Result<Response, WebError> {
    let t = ctx.lang.texts();
    let name = form.get("name").trim();
    if name.is_empty() || name.chars().count() > NAME_MAX_CHARS {
        if ctx.wants_json {
            return json_response(
                422,
                &json!({ "error": "name_invalid", "message": t.account_api_key_name_invalid }),
            );
        }
        return page(ctx, 422, String::new(), t.account_api_key_name_invalid).await;
    }
    let secret = keys::secret(app::random_bytes::<20>()?);
    let hash = session_hash(ctx)?;
    let now = ctx.now().to_string();
    let results = ctx
        .run(&vec![api_sql::create_key(
            &hash,
            &keys::hash(&secret),
            &keys::prefix(&secret),
            name,
            &now,
        )])
        .await?;
    #[derive(serde::Deserialize)]
    struct Created {
        id: i64,
        name: String,
        created_at: String,
    }
    let Some(created) = row_at::<Created>(&results, 0)? else {
        if ctx.wants_json {
            return json_response(
                422,
                &json!({ "error": "too_many_keys", "message": t.account_api_key_limit }),
            );
        }
        return page(ctx, 422, String::new(), t.account_api_key_limit).await;
    };
    if ctx.wants_json {
        return json_response(
            201,
            &json!({ "id": created.id, "name": created.name, "key": secret, "created_at": created.created_at }),
        );
    }
    page(ctx, 200, secret, "").await
}

/// `action=api_key_revoke`, `id`.
pub async fn revoke(ctx: &Ctx, form: &Form) -> Result<Response, WebError> {
    let Ok(id) = form.get("id").trim().parse::<i64>() else {
        return Err(WebError::BadRequest);
    };
    let hash = session_hash(ctx)?;
    let results = ctx
        .run(&vec![api_sql::revoke_key(
            &hash,
            id,
            &ctx.now().to_string(),
        )])
        .await?;
    let revoked = results.first().is_some_and(|r| r.changes == 1);
    if ctx.wants_json {
        return json_response(
            if revoked { 200 } else { 404 },
            &json!({ "id": id, "revoked": revoked }),
        );
    }
    see_other("/account")
}
