//! The automation API over HTTP (`/api/v1`, api.md): Bearer key, rate
//! limit and the primitive's reads in one round trip (`Key::read`); every
//! answer in the
//! caller's format (JSON or XML) with the version block, every failure a
//! numbered error (`core::api::error`). The decisions are `core::api`'s;
//! the spend is `spend`, the reads are `reads`.

mod reads;
mod refund;
mod spend;

use worker::{Method, Request, Response};

use crate::core::api::error::{ApiError, ErrorKind};
use crate::core::api::sql::{self as api_sql, KeyClient};
use crate::core::api::{self, keys, Format};
use crate::core::sql::{rate_limits, Stmt, StmtResult};
use crate::core::time::UtcTime;
use crate::shell::web::{row_at, Ctx, WebError};

/// The OpenAPI document (api.md §1), served as is.
const OPENAPI: &str = include_str!("../../../../static/openapi.json");

impl From<WebError> for ApiError {
    fn from(e: WebError) -> ApiError {
        match e {
            WebError::PayloadTooLarge => ApiError::new(ErrorKind::TooLarge),
            WebError::UnsupportedMediaType => ApiError::new(ErrorKind::UnsupportedMediaType),
            WebError::BadRequest => ApiError::new(ErrorKind::Malformed),
            WebError::NotFound => ApiError::new(ErrorKind::NotFound),
            other => {
                // The detail is logged, never answered.
                worker::console_error!("api: {other:?}");
                ApiError::new(ErrorKind::Unavailable)
            }
        }
    }
}

/// An answer of the API: status, body in the caller's format, and
/// whether it replays a stored one.
pub(super) struct Answer {
    status: u16,
    body: String,
    replayed: bool,
}

impl Answer {
    fn new(status: u16, body: String) -> Answer {
        Answer {
            status,
            body,
            replayed: false,
        }
    }
}

/// Seconds until the current rate-limit minute ends.
fn retry_after_seconds(now: UtcTime) -> i64 {
    60 - now.unix_seconds().rem_euclid(60)
}

fn respond(
    ctx: &Ctx,
    format: Format,
    result: Result<Answer, ApiError>,
) -> Result<Response, WebError> {
    let (answer, retry) = match result {
        Ok(answer) => (answer, None),
        Err(error) => {
            let retry =
                (error.kind == ErrorKind::RateLimited).then(|| retry_after_seconds(ctx.now()));
            (
                Answer::new(error.status(), api::render_error(format, &error)),
                retry,
            )
        }
    };
    let mut response = Response::ok(answer.body)?.with_status(answer.status);
    let headers = response.headers_mut();
    headers.set(
        "Content-Type",
        &format!("{}; charset=utf-8", format.content_type()),
    )?;
    headers.set("Cache-Control", "no-store")?;
    if answer.replayed {
        headers.set("Idempotent-Replayed", "true")?;
    }
    if let Some(seconds) = retry {
        headers.set("Retry-After", &seconds.to_string())?;
    }
    Ok(response)
}

/// `/api/v1/...`: the document, else a key, then the primitive.
pub async fn route(
    ctx: &Ctx,
    req: &mut Request,
    method: &Method,
    segments: &[&str],
) -> Result<Response, WebError> {
    let format = Format::from_accept(req.headers().get("Accept")?.as_deref());
    if let (Method::Get, ["api", "v1", "openapi.json"]) = (method, segments) {
        let mut response = Response::ok(OPENAPI)?;
        response
            .headers_mut()
            .set("Content-Type", "application/json")?;
        return Ok(response);
    }
    let result = match (Key::of(ctx, req), method, segments) {
        (Err(e), _, _) => Err(e),
        // The spend authenticates in its first batch (one round trip less).
        (Ok(key), Method::Post, ["api", "v1", "spends"]) => {
            spend::post(ctx, req, &key, format).await
        }
        (Ok(key), _, _) => primitive(ctx, method, segments, &key, format).await,
    };
    respond(ctx, format, result)
}

/// A request's key as read from `Authorization`, and its rate-limit
/// window: what the first batch of a request needs to authenticate it.
pub(super) struct Key {
    pub hash: String,
    pub bucket: String,
    pub window: String,
    pub limit: i64,
}

impl Key {
    /// The key of `Authorization: Bearer` (401 without one).
    fn of(ctx: &Ctx, req: &Request) -> Result<Key, ApiError> {
        let header = req.headers().get("Authorization").map_err(WebError::from)?;
        let Some(secret) = keys::from_authorization(header.as_deref()) else {
            return Err(ApiError::new(ErrorKind::KeyInvalid));
        };
        let hash = keys::hash(secret);
        let now = ctx.now().unix_seconds();
        let window = UtcTime::from_unix_seconds(now - now.rem_euclid(60)).to_string();
        let setting = ctx
            .env
            .var("API_RATE_PER_MINUTE")
            .ok()
            .map(|v| v.to_string());
        Ok(Key {
            bucket: format!("api:{hash}"),
            hash,
            window,
            limit: api_sql::rate_per_minute(setting.as_deref()),
        })
    }

    /// Three statements to put first in the request's first batch: one
    /// hit on the key's rate limit, the key marked used, its client.
    pub fn statements(&self, ctx: &Ctx) -> Vec<Stmt> {
        let now = ctx.now();
        vec![
            rate_limits::hit(&self.bucket, &self.window),
            api_sql::touch_key(
                &self.hash,
                &now.to_string(),
                &now.plus_seconds(-60).to_string(),
            ),
            api_sql::key_client(&self.hash),
        ]
    }

    /// The key's client from those statements' results: 401 for a key
    /// unknown or revoked, 429 past the limit.
    pub fn client(&self, results: &[StmtResult]) -> Result<KeyClient, ApiError> {
        let Some(who) = row_at::<KeyClient>(results, 2)? else {
            return Err(ApiError::new(ErrorKind::KeyInvalid));
        };
        #[derive(serde::Deserialize)]
        struct Hits {
            hits: i64,
        }
        let hits = row_at::<Hits>(results, 0)?.map_or(0, |h| h.hits);
        if hits > self.limit {
            return Err(ApiError::new(ErrorKind::RateLimited));
        }
        Ok(who)
    }
}

impl Key {
    /// The key's client and the results of `reads`, run after the key's
    /// own statements in one batch: one round trip authenticates and
    /// reads. The reads name the key by its hash, so a key unknown or
    /// revoked reads nothing; for a key past its limit their rows are
    /// dropped unread.
    pub async fn read(
        &self,
        ctx: &Ctx,
        reads: Vec<Stmt>,
    ) -> Result<(KeyClient, Vec<StmtResult>), ApiError> {
        let mut batch = self.statements(ctx);
        let own = batch.len();
        batch.extend(reads);
        let mut results = ctx.run(&batch).await?;
        let who = self.client(&results)?;
        Ok((who, results.split_off(own.min(results.len()))))
    }

    /// As [`Key::read`], for reads that depend on a parsed request: when
    /// the request does not parse, the key is still checked first (a bad
    /// key is 401 whatever else is wrong), then the parse error answers.
    pub async fn read_parsed<T>(
        &self,
        ctx: &Ctx,
        parsed: Result<T, ApiError>,
        reads: impl FnOnce(&T) -> Vec<Stmt>,
    ) -> Result<(KeyClient, T, Vec<StmtResult>), ApiError> {
        let statements = parsed.as_ref().map_or_else(|_| Vec::new(), reads);
        let (who, results) = self.read(ctx, statements).await?;
        Ok((who, parsed?, results))
    }
}

async fn primitive(
    ctx: &Ctx,
    method: &Method,
    segments: &[&str],
    key: &Key,
    format: Format,
) -> Result<Answer, ApiError> {
    if let Some(version) = ctx.param("primitive_version") {
        if version != "1" {
            key.read(ctx, Vec::new()).await?;
            return Err(ApiError::on(ErrorKind::VersionUnknown, "primitive_version"));
        }
    }
    match (method, segments) {
        (Method::Get, ["api", "v1", "spends", id]) => spend::get(ctx, key, id, format).await,
        (Method::Get, ["api", "v1", "orders"]) => reads::orders(ctx, key, format).await,
        (Method::Get, ["api", "v1", "orders", id]) => reads::order(ctx, key, id, format).await,
        (Method::Post, ["api", "v1", "orders", id, "cancel"]) => {
            reads::cancel(ctx, key, id, format).await
        }
        (Method::Post, ["api", "v1", "orders", id, "refund"]) => {
            refund::post(ctx, key, id, format).await
        }
        (Method::Get, ["api", "v1", "balance"]) => reads::balance(ctx, key, format).await,
        (Method::Get, ["api", "v1", "history"]) => reads::history(ctx, key, format).await,
        (Method::Get, ["api", "v1", "titles", isin]) => reads::title(ctx, key, isin, format).await,
        _ => {
            key.read(ctx, Vec::new()).await?;
            Err(ApiError::new(ErrorKind::NoRoute))
        }
    }
}

/// Whether a request may skip the cross-site check: an API call that
/// carries a Bearer key (a browser never adds one by itself, and the key,
/// not a cookie, authenticates it).
pub fn bearer_api_call(segments: &[&str], authorization: Option<&str>) -> bool {
    matches!(segments, ["api", "v1", ..]) && keys::from_authorization(authorization).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_api_call_with_a_bearer_key_skips_the_cross_site_check() {
        assert!(bearer_api_call(
            &["api", "v1", "spends"],
            Some("Bearer pbk_X")
        ));
        assert!(!bearer_api_call(&["api", "v1", "spends"], None));
        assert!(!bearer_api_call(&["api", "v1", "spends"], Some("Basic x")));
        assert!(!bearer_api_call(&["buy"], Some("Bearer pbk_X")));
        assert!(!bearer_api_call(&["account"], Some("Bearer pbk_X")));
    }

    #[test]
    fn retry_after_is_the_rest_of_the_minute() {
        assert_eq!(retry_after_seconds(UtcTime::from_unix_seconds(120)), 60);
        assert_eq!(retry_after_seconds(UtcTime::from_unix_seconds(179)), 1);
    }
}
