//! Sending the outbox through an HTTP mail API (`MAIL_API_URL`, `MAIL_FROM`,
//! secret `MAIL_API_KEY`): JSON `{from, to, subject, text}` with a bearer
//! key, and the outbox id as idempotency key so that a retry after a lost
//! answer never sends twice. Failures are retried with backoff and given up
//! after a limit. Every message goes out with the operator's footer
//! (`core::mail`), and its body leaves the outbox once sent. In emulator
//! mode without a mail API, mail is delivered on write to the emulator's
//! mailbox (a table of its own) and nothing is sent.

use serde_json::json;
use worker::{Fetch, Headers, Method, Request, RequestInit};

use super::web::Ctx;
use crate::core::sql::{self, outbox};

/// E-mails sent per cron run at most.
const MAILS_PER_RUN: i64 = 20;

pub async fn send_due(ctx: &Ctx) {
    if ctx.mail_is_local() {
        return;
    }
    let (Some(url), Some(from), Some(key)) = (
        ctx.app.config.mail_api_url.clone(),
        ctx.app.config.mail_from.clone(),
        ctx.app.mail_api_key.clone(),
    ) else {
        // Not configured: e-mails wait (the backlog shows in /healthz).
        return;
    };
    let now = ctx.now();
    let due: Vec<outbox::Due> = match ctx
        .run(&vec![outbox::due(&now.to_string(), MAILS_PER_RUN)])
        .await
    {
        Ok(results) => results
            .first()
            .and_then(|r| sql::rows(r).ok())
            .unwrap_or_default(),
        Err(e) => {
            worker::console_error!("mail: {e:?}");
            return;
        }
    };
    for mail in due {
        let text = crate::core::mail::with_footer(
            &mail.body,
            &ctx.app.config.operator_name,
            &ctx.app.config.contact_email,
        );
        let outcome = post(&url, &from, &key, &ctx.app.deployment_id, &mail, &text).await;
        let stmt = match outcome {
            Ok(()) => outbox::mark_sent(mail.id, &ctx.now().to_string()),
            Err(error) => {
                let next = outbox::retry_after_seconds(mail.attempts + 1)
                    .map(|s| now.plus_seconds(s).to_string());
                worker::console_warn!("mail {}: {error}", mail.id);
                outbox::mark_failed_attempt(mail.id, next.as_deref(), &error)
            }
        };
        if let Err(e) = ctx.run(&vec![stmt]).await {
            worker::console_error!("mail {}: recording the attempt: {e:?}", mail.id);
        }
    }
}

async fn post(
    url: &str,
    from: &str,
    key: &str,
    deployment_id: &str,
    mail: &outbox::Due,
    text: &str,
) -> Result<(), String> {
    let headers = Headers::new();
    headers
        .set("Content-Type", "application/json")
        .map_err(|e| e.to_string())?;
    headers
        .set("Authorization", &format!("Bearer {key}"))
        .map_err(|e| e.to_string())?;
    headers
        .set(
            "Idempotency-Key",
            &format!("paybook-{deployment_id}-{}", mail.id),
        )
        .map_err(|e| e.to_string())?;
    let body =
        json!({ "from": from, "to": [mail.to_email], "subject": mail.subject, "text": text })
            .to_string();
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(body.into()));
    let request = Request::new_with_init(url, &init).map_err(|e| e.to_string())?;
    let response = Fetch::Request(request)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    match response.status_code() {
        200..=299 => Ok(()),
        status => Err(format!("mail API answered {status}")),
    }
}
