//! Registration: the form, and the account it opens once the receiving
//! account's provider accepts it (PayPal: GetBalance; Sips: Office;
//! Monetico: its format) and the terms are accepted.

use askama::Template;
use worker::{Request, Response};

use crate::core::account::{safe_next, Field, FormErrors, Problem, RegisterInput, Registration};
use crate::core::isin::Isin;
use crate::core::receiving::{self, AccountInput};
use crate::core::sql::{self, clients, sessions, titles, traces, Batch};
use crate::shell::app::random_bytes;
use crate::shell::credentials;
use crate::shell::db::DbError;
use crate::shell::pages::{Errors, Layout, ReceivingForm, RegisterPage};
use crate::shell::passwords::{self};
use crate::shell::web::{html, read_form, see_other, url_encode, Ctx, WebError};

use super::{csrf_json, rate_limit, verify_account, CredentialCheck, REGISTER_ATTEMPTS};

fn register_page(
    ctx: &Ctx,
    status: u16,
    input: &RegisterInput,
    errors: Errors,
    next: &str,
) -> Result<Response, WebError> {
    let a = &input.account;
    // What was typed, secrets excepted (they are never sent back).
    let typed = |name: &str| match name {
        "psp" => a.psp.clone(),
        "api_username" => a.api_username.clone(),
        "sips_merchant_id" => a.sips_merchant_id.clone(),
        "sips_key_version" => a.sips_key_version.clone(),
        "monetico_tpe" => a.monetico_tpe.clone(),
        "monetico_societe" => a.monetico_societe.clone(),
        "paypal_email" => a.paypal_email.clone(),
        _ => String::new(),
    };
    let page = page(
        ctx,
        ctx.layout()?,
        errors,
        &typed,
        input.email.clone(),
        input.accept_terms,
        next,
    );
    html(status, page.render()?)
}

/// The registration page with what `typed` gives (a form's value by name).
pub fn page(
    ctx: &Ctx,
    layout: Layout,
    errors: Errors,
    typed: &dyn Fn(&str) -> String,
    email: String,
    accept_terms: bool,
    next: &str,
) -> RegisterPage {
    let next_query = if next.is_empty() {
        String::new()
    } else {
        format!("?next={}", url_encode(next))
    };
    let mut receiving = ReceivingForm::new(
        &layout,
        &ctx.app.config.providers.enabled,
        typed,
        errors.clone(),
    );
    if let Some(platform) = ctx.app.paypal_by_permission() {
        receiving = receiving.by_permission(platform);
    }
    RegisterPage {
        layout,
        errors,
        email,
        receiving,
        accept_terms,
        next: next.to_string(),
        next_query,
    }
}

pub async fn register_get(ctx: &Ctx) -> Result<Response, WebError> {
    if ctx.wants_json {
        return csrf_json(ctx);
    }
    register_page(
        ctx,
        200,
        &RegisterInput::default(),
        Errors::default(),
        &ctx.param("next").unwrap_or_default(),
    )
}

pub async fn register_post(ctx: &Ctx, req: &mut Request) -> Result<Response, WebError> {
    let form = read_form(req).await?;
    ctx.check_csrf(&form)?;
    rate_limit(ctx, "register", &ctx.client_ip, 20, 3_600).await?;
    let next = if form.has("next") {
        form.get("next").to_string()
    } else {
        ctx.param("next").unwrap_or_default()
    };
    let mut account = AccountInput::read(|name| form.get(name).to_string());
    account.paypal_auth = ctx.app.config.paypal_seller_auth;
    let input = RegisterInput {
        email: form.get("email").to_string(),
        password: form.get("password").to_string(),
        account,
        accept_terms: matches!(form.get("accept_terms"), "on" | "1" | "true" | "yes"),
    };
    let registration = match input.parse(&ctx.app.config.providers.enabled) {
        Ok(r) => r,
        Err(errors) => {
            return register_page(ctx, 422, &input, Errors::new(&errors, ctx.lang), &next)
        }
    };
    // The provider first: whether an e-mail or account is taken is told
    // only to someone holding a working account (no enumeration; Monetico
    // can only be checked for format).
    let now = ctx.now().to_string();
    let trace = match verify_account(ctx, &registration.account, &now).await {
        CredentialCheck::Accepted(traces) => traces,
        CredentialCheck::Refused(message) => {
            let errors = Errors::default().with_form_message(message);
            return register_page(ctx, 422, &input, errors, &next);
        }
        CredentialCheck::Unreachable(message) => {
            let errors = Errors::default().with_form_message(message);
            return register_page(ctx, 503, &input, errors, &next);
        }
    };
    let account = NewAccount {
        registration: &registration,
        password_hash: passwords::hash_new(ctx, &registration.password).await?,
        session_hash: ctx.new_session_cookie()?,
        trace,
        now,
    };
    for attempt in 0..REGISTER_ATTEMPTS {
        let (errors, next_id) = conflicts_and_next_id(ctx, &registration).await?;
        if !errors.is_empty() {
            ctx.end_session_cookie();
            return register_page(ctx, 422, &input, Errors::new(&errors, ctx.lang), &next);
        }
        // Registrations at the same moment all read the same next id: after
        // a collision each skips a random few, so that they part instead of
        // colliding again (ids may have gaps).
        let skip = match attempt {
            0 => 0,
            _ => i64::from(random_bytes::<1>()?[0]) % (8 * attempt as i64),
        };
        let client_id = next_id + skip;
        match ctx.run(&account.batch(ctx, client_id)?).await {
            Ok(_) => return see_other(safe_next(&next).unwrap_or("/claims")),
            // Someone registered meanwhile (same e-mail or credentials: the
            // next round says so; same new id: the next round takes another).
            Err(WebError::Db(DbError::D1(message))) if message.contains("UNIQUE") => continue,
            Err(e) => return Err(e),
        }
    }
    // Still colliding: a busy moment, not a fault; what was typed is kept.
    ctx.end_session_cookie();
    let errors = Errors::default().with_form_message(ctx.lang.texts().register_busy.to_string());
    register_page(ctx, 503, &input, errors, &next)
}

/// What a registration writes, once the provider accepted its account.
struct NewAccount<'a> {
    registration: &'a Registration,
    password_hash: String,
    session_hash: String,
    trace: Vec<traces::Trace>,
    now: String,
}

impl NewAccount<'_> {
    /// The client with id `client_id`, its sealed credentials, its
    /// initiation title (when configured), the trace and the session.
    fn batch(&self, ctx: &Ctx, client_id: i64) -> Result<Batch, WebError> {
        let r = self.registration;
        let (email, now) = (r.email.as_str(), self.now.as_str());
        let sealed = credentials::seal(ctx, client_id, 1, &r.account)?;
        let mut batch: Batch = clients::insert_with_id(
            client_id,
            &clients::NewClient {
                email,
                password_hash: &self.password_hash,
                language: ctx.lang.code(),
                psp_environment: ctx.app.config.psp_mode.as_str(),
                provider: r.account.provider().as_str(),
                api_username: r.account.public_ref(),
                sealed_secret: &sealed,
                now,
            },
        );
        let initial = ctx.app.config.initial_title_value;
        if initial.cents() > 0 {
            let isin = Isin::issue(random_bytes::<9>()?);
            batch.push(titles::reserve_isin(isin.as_str(), now));
            batch.push(titles::issue_initiation(
                isin.as_str(),
                initial.cents(),
                ctx.app.config.currency.as_str(),
                email,
                now,
            ));
        }
        for trace in &self.trace {
            batch.push(traces::insert_for_email(email, trace));
        }
        batch.push(sessions::create_for_email(&self.session_hash, email, now));
        Ok(batch)
    }
}

/// Whether the e-mail or the account's public name is taken already, and
/// the id the new client would get.
async fn conflicts_and_next_id(
    ctx: &Ctx,
    registration: &Registration,
) -> Result<(FormErrors, i64), WebError> {
    let results = ctx
        .run(&vec![
            clients::conflicts(
                registration.email.as_str(),
                registration.account.provider().as_str(),
                registration.account.public_ref(),
                0,
            ),
            clients::next_id(),
        ])
        .await?;
    let mut errors = FormErrors::default();
    let conflicts = results
        .first()
        .and_then(|r| sql::first::<clients::Conflicts>(r).ok().flatten());
    if let Some(conflicts) = conflicts {
        if conflicts.email_taken != 0 {
            errors.add(Field::Email, Problem::EmailTaken);
        }
        if conflicts.public_ref_taken != 0 {
            let account = &registration.account;
            errors.add(receiving::public_field(account), receiving::taken(account));
        }
    }
    let client_id = results
        .get(1)
        .and_then(|r| sql::first::<clients::NextId>(r).ok().flatten())
        .map_or(1, |n| n.next_id);
    Ok((errors, client_id))
}
