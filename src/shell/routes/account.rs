//! Accounts: register (credentials checked with PayPal's GetBalance at once,
//! sealed with AES-GCM, initiation title issued), log in and out, the account
//! page (password, credentials), password reset by e-mail, and the terms.

use askama::Template;
use serde_json::json;
use worker::{Request, Response};

use crate::core::account::{
    parse_credentials, safe_next, ApiCredentials, Email, Field, FormErrors, Password, Problem,
    RegisterInput,
};
use crate::core::crypto::{self, PasswordHash};
use crate::core::isin::Isin;
use crate::core::psp::paypal::nvp::{Credentials, Method, NvpRequest, NvpResponse};
use crate::core::sql::{self, clients, outbox, resets, sessions, titles, traces, Batch};
use crate::core::time::UtcTime;
use crate::shell::app::{random_bytes, random_hex};
use crate::shell::pages::{
    AccountPage, Errors, LoginPage, PasswordResetNewPage, PasswordResetPage, RegisterPage,
    TermsPage,
};
use crate::shell::paypal::{self, NoAnswer};
use crate::shell::web::{
    html, json_response, read_form, see_other, url_encode, Ctx, Form, WebError,
};
use crate::shell::{db::DbError, webcrypto};

/// Salt length for new password hashes.
const SALT_BYTES: usize = 16;

fn csrf_json(ctx: &Ctx) -> Result<Response, WebError> {
    json_response(200, &json!({ "csrf_token": ctx.csrf_token()? }))
}

/// Counts one attempt of `action` by `key`; 429 past `limit` per window.
pub(super) async fn rate_limit(
    ctx: &Ctx,
    action: &str,
    key: &str,
    limit: i64,
    window_seconds: i64,
) -> Result<(), WebError> {
    let now = ctx.now().unix_seconds();
    let window_start = UtcTime::from_unix_seconds(now - now.rem_euclid(window_seconds)).to_string();
    let bucket = format!("{action}:{key}");
    let results = ctx
        .run(&vec![sql::rate_limits::hit(&bucket, &window_start)])
        .await?;
    #[derive(serde::Deserialize)]
    struct Hits {
        hits: i64,
    }
    let hits = results
        .first()
        .and_then(|r| sql::first::<Hits>(r).ok().flatten())
        .map_or(0, |h| h.hits);
    if hits > limit {
        Err(WebError::RateLimited)
    } else {
        Ok(())
    }
}

/// A new PBKDF2-SHA256 hash with `PBKDF2_ITERATIONS`, stored with its
/// parameters, computed by WebCrypto.
async fn hash_password(ctx: &Ctx, password: &Password) -> Result<String, WebError> {
    let salt = random_bytes::<SALT_BYTES>()?;
    let iterations = ctx.app.config.pbkdf2_iterations;
    let hash = webcrypto::pbkdf2_sha256(password.as_str(), &salt, iterations)
        .await
        .map_err(WebError::Internal)?;
    Ok(PasswordHash {
        iterations,
        salt: salt.to_vec(),
        hash,
    }
    .to_stored())
}

/// Whether `password` matches a stored hash (its own iterations and salt).
async fn password_matches(stored: &str, password: &str) -> Result<bool, WebError> {
    let Some(parsed) = PasswordHash::parse(stored) else {
        return Err(WebError::Internal(
            "stored password hash does not parse".into(),
        ));
    };
    let derived = webcrypto::pbkdf2_sha256(password, &parsed.salt, parsed.iterations)
        .await
        .map_err(WebError::Internal)?;
    Ok(parsed.matches(&derived))
}

/// Runs a dummy derivation so that an unknown e-mail takes as long as a
/// wrong password.
async fn waste_password_time(ctx: &Ctx, password: &str) {
    let _ = webcrypto::pbkdf2_sha256(
        password,
        &[0u8; SALT_BYTES],
        ctx.app.config.pbkdf2_iterations,
    )
    .await;
}

/// The API password and signature sealed for storage (AES-GCM).
fn seal_credentials(ctx: &Ctx, credentials: &ApiCredentials) -> Result<String, WebError> {
    let secret =
        json!({ "password": credentials.password, "signature": credentials.signature }).to_string();
    crypto::seal(
        &ctx.app.credentials_key,
        random_bytes::<12>()?,
        secret.as_bytes(),
    )
    .map_err(|e| WebError::Internal(format!("seal: {e}")))
}

/// Asks PayPal (GetBalance) whether these credentials work.
async fn check_credentials(
    ctx: &Ctx,
    credentials: &ApiCredentials,
) -> (NvpRequest, Result<NvpResponse, NoAnswer>) {
    let request = NvpRequest::new(
        Method::GetBalance,
        &Credentials {
            username: credentials.username.clone(),
            password: credentials.password.clone(),
            signature: credentials.signature.clone(),
        },
    )
    .field("RETURNALLCURRENCIES", "0");
    let answer = paypal::call(ctx, &request, paypal::DEFAULT_TIMEOUT).await;
    (request, answer)
}

/// Our words for a refusal, followed by PayPal's code and long message
/// verbatim.
fn refusal_message(ctx: &Ctx, problem: Problem, response: Option<&NvpResponse>) -> String {
    let ours = problem.message(ctx.lang);
    match response.and_then(NvpResponse::first_error) {
        Some(e) => format!(
            "{ours} ({} {}: {})",
            ctx.lang.texts().psp_code,
            e.code,
            e.long_message
        ),
        None => ours.to_string(),
    }
}

/// What the credential check concluded.
enum CredentialCheck {
    Accepted(traces::Trace),
    /// PayPal said no (e.g. 10002): a 422 with PayPal's words.
    Refused(String),
    /// No answer: nothing is saved, the user may retry.
    Unreachable(String),
}

async fn verify_with_paypal(ctx: &Ctx, credentials: &ApiCredentials, at: &str) -> CredentialCheck {
    let (request, answer) = check_credentials(ctx, credentials).await;
    match &answer {
        Ok(response) if response.is_success() => {
            CredentialCheck::Accepted(paypal::trace(&request, &answer, at))
        }
        Ok(response) => CredentialCheck::Refused(refusal_message(
            ctx,
            Problem::PspRefusedCredentials,
            Some(response),
        )),
        Err(no_answer) => {
            worker::console_warn!("GetBalance: no answer: {}", no_answer.describe());
            CredentialCheck::Unreachable(Problem::PspUnavailable.message(ctx.lang).to_string())
        }
    }
}

// ---------------------------------------------------------------- register

fn register_page(
    ctx: &Ctx,
    status: u16,
    input: &RegisterInput,
    errors: Errors,
    next: &str,
) -> Result<Response, WebError> {
    let next_query = if next.is_empty() {
        String::new()
    } else {
        format!("?next={}", url_encode(next))
    };
    let page = RegisterPage {
        layout: ctx.layout()?,
        errors,
        email: input.email.clone(),
        api_username: input.api_username.clone(),
        accept_terms: input.accept_terms,
        next: next.to_string(),
        next_query,
    };
    html(status, page.render()?)
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
    let input = RegisterInput {
        email: form.get("email").to_string(),
        password: form.get("password").to_string(),
        api_username: form.get("api_username").to_string(),
        api_password: form.get("api_password").to_string(),
        api_signature: form.get("api_signature").to_string(),
        accept_terms: matches!(form.get("accept_terms"), "on" | "1" | "true" | "yes"),
    };
    let registration = match input.parse() {
        Ok(r) => r,
        Err(errors) => {
            return register_page(ctx, 422, &input, Errors::new(&errors, ctx.lang), &next)
        }
    };
    let email = registration.email.as_str().to_string();
    let api_username = registration.credentials.username.clone();

    let taken = |conflicts: &clients::Conflicts| {
        let mut errors = FormErrors::default();
        if conflicts.email_taken != 0 {
            errors.add(Field::Email, Problem::EmailTaken);
        }
        if conflicts.api_username_taken != 0 {
            errors.add(Field::ApiUsername, Problem::ApiUsernameTaken);
        }
        errors
    };
    let results = ctx
        .run(&vec![clients::conflicts(&email, &api_username, 0)])
        .await?;
    if let Some(conflicts) = results
        .first()
        .and_then(|r| sql::first::<clients::Conflicts>(r).ok().flatten())
    {
        let errors = taken(&conflicts);
        if !errors.is_empty() {
            return register_page(ctx, 422, &input, Errors::new(&errors, ctx.lang), &next);
        }
    }

    let now = ctx.now().to_string();
    let trace = match verify_with_paypal(ctx, &registration.credentials, &now).await {
        CredentialCheck::Accepted(trace) => trace,
        CredentialCheck::Refused(message) => {
            let errors = Errors::default().with_form_message(message);
            return register_page(ctx, 422, &input, errors, &next);
        }
        CredentialCheck::Unreachable(message) => {
            let errors = Errors::default().with_form_message(message);
            return register_page(ctx, 503, &input, errors, &next);
        }
    };

    let password_hash = hash_password(ctx, &registration.password).await?;
    let sealed = seal_credentials(ctx, &registration.credentials)?;
    let session_hash = ctx.new_session_cookie()?;
    let psp_environment = ctx.app.config.psp_mode.as_str();
    let mut batch: Batch = clients::insert(&clients::NewClient {
        email: &email,
        password_hash: &password_hash,
        language: ctx.lang.code(),
        psp_environment,
        api_username: &api_username,
        sealed_secret: &sealed,
        now: &now,
    });
    let initial = ctx.app.config.initial_title_value;
    if initial.cents() > 0 {
        let isin = Isin::issue(random_bytes::<9>()?);
        batch.push(titles::reserve_isin(isin.as_str(), &now));
        batch.push(titles::issue_initiation(
            isin.as_str(),
            initial.cents(),
            ctx.app.config.currency.as_str(),
            &email,
            &now,
        ));
    }
    batch.push(traces::insert_for_email(&email, &trace));
    batch.push(sessions::create_for_email(&session_hash, &email, &now));
    match ctx.run(&batch).await {
        Ok(_) => {}
        Err(WebError::Db(DbError::D1(message))) if message.contains("UNIQUE") => {
            // Someone registered the same e-mail or credentials meanwhile.
            let results = ctx
                .run(&vec![clients::conflicts(&email, &api_username, 0)])
                .await?;
            let conflicts = results
                .first()
                .and_then(|r| sql::first::<clients::Conflicts>(r).ok().flatten());
            let errors = conflicts.map(|c| taken(&c)).unwrap_or_default();
            ctx.end_session_cookie();
            return register_page(ctx, 422, &input, Errors::new(&errors, ctx.lang), &next);
        }
        Err(e) => return Err(e),
    }
    see_other(safe_next(&next).unwrap_or("/claims"))
}

// ---------------------------------------------------------------- login

fn login_page(
    ctx: &Ctx,
    status: u16,
    email: &str,
    errors: Errors,
    next: &str,
) -> Result<Response, WebError> {
    let page = LoginPage {
        layout: ctx.layout()?,
        errors,
        email: email.to_string(),
        next: next.to_string(),
    };
    html(status, page.render()?)
}

pub async fn login_get(ctx: &Ctx) -> Result<Response, WebError> {
    if ctx.wants_json {
        return csrf_json(ctx);
    }
    login_page(
        ctx,
        200,
        "",
        Errors::default(),
        &ctx.param("next").unwrap_or_default(),
    )
}

pub async fn login_post(ctx: &Ctx, req: &mut Request) -> Result<Response, WebError> {
    let form = read_form(req).await?;
    ctx.check_csrf(&form)?;
    let typed_email = form.get("email");
    let next = form.get("next").to_string();
    let mut errors = FormErrors::default();
    let email = errors.check(Field::Email, Email::parse(typed_email));
    let password = form.get("password");
    if password.is_empty() {
        errors.add(Field::Password, Problem::Required);
    }
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return login_page(ctx, 422, typed_email, Errors::new(&errors, ctx.lang), &next);
    };
    rate_limit(ctx, "login-ip", &ctx.client_ip, 30, 600).await?;
    rate_limit(ctx, "login-email", email.as_str(), 10, 600).await?;
    let results = ctx.run(&vec![clients::by_email(email.as_str())]).await?;
    let row = results
        .first()
        .and_then(|r| sql::first::<clients::LoginRow>(r).ok().flatten());
    let ok = match &row {
        Some(row) => password_matches(&row.password_hash, password).await?,
        None => {
            waste_password_time(ctx, password).await;
            false
        }
    };
    let Some(row) = row.filter(|_| ok) else {
        let mut errors = FormErrors::default();
        errors.add(Field::Form, Problem::LoginFailed);
        return login_page(ctx, 422, typed_email, Errors::new(&errors, ctx.lang), &next);
    };
    let now = ctx.now().to_string();
    let session_hash = ctx.new_session_cookie()?;
    let mut batch = vec![sessions::create_for_email(
        &session_hash,
        email.as_str(),
        &now,
    )];
    if row.language != ctx.lang.code() && ctx.lang_chosen {
        batch.push(clients::set_language(row.id, ctx.lang.code()));
    }
    ctx.run(&batch).await?;
    see_other(safe_next(&next).unwrap_or("/claims"))
}

pub async fn logout_post(ctx: &Ctx, req: &mut Request) -> Result<Response, WebError> {
    let form = read_form(req).await?;
    ctx.check_csrf(&form)?;
    if let Some(token) = ctx.session_token() {
        let token_hash = crypto::sha256_hex(token.as_bytes());
        ctx.run(&vec![sessions::delete(&token_hash)]).await?;
    }
    ctx.end_session_cookie();
    see_other("/")
}

// ---------------------------------------------------------------- account

struct AccountView<'a> {
    action: &'static str,
    errors: Errors,
    new_api_username: &'a str,
    notice: &'static str,
}

async fn account_page(ctx: &Ctx, status: u16, view: AccountView<'_>) -> Result<Response, WebError> {
    let me = ctx.require_session().await?;
    let page = AccountPage {
        layout: ctx.layout()?,
        email: me.email.clone(),
        api_username: me.api_username.clone(),
        credentials_refused: me.credentials_status == "refused",
        action: view.action,
        errors: view.errors,
        new_api_username: view.new_api_username.to_string(),
        notice: view.notice,
    };
    html(status, page.render()?)
}

pub async fn account_get(ctx: &Ctx) -> Result<Response, WebError> {
    let me = ctx.require_session().await?;
    if ctx.wants_json {
        return json_response(
            200,
            &json!({
                "email": me.email,
                "api_username": me.api_username,
                "credentials_status": me.credentials_status,
                "language": me.language,
                "psp_environment": me.psp_environment,
            }),
        );
    }
    let view = AccountView {
        action: "",
        errors: Errors::default(),
        new_api_username: "",
        notice: "",
    };
    account_page(ctx, 200, view).await
}

pub async fn account_post(ctx: &Ctx, req: &mut Request) -> Result<Response, WebError> {
    let form = read_form(req).await?;
    ctx.check_csrf(&form)?;
    let me = ctx.require_session().await?;
    match form.get("action") {
        "password" => change_password(ctx, &form, me.client_id).await,
        "credentials" => change_credentials(ctx, &form, me.client_id).await,
        _ => {
            let view = AccountView {
                action: "",
                errors: Errors::default(),
                new_api_username: "",
                notice: "",
            };
            account_page(ctx, 422, view).await
        }
    }
}

/// Checks `current_password`, recording a problem when it is wrong.
async fn check_current_password(
    ctx: &Ctx,
    form: &Form,
    client_id: i64,
    errors: &mut FormErrors,
) -> Result<(), WebError> {
    let current = form.get("current_password");
    if current.is_empty() {
        errors.add(Field::CurrentPassword, Problem::Required);
        return Ok(());
    }
    let results = ctx.run(&vec![clients::password_of(client_id)]).await?;
    let row = results
        .first()
        .and_then(|r| sql::first::<clients::PasswordRow>(r).ok().flatten());
    let ok = match row {
        Some(row) => password_matches(&row.password_hash, current).await?,
        None => false,
    };
    if !ok {
        errors.add(Field::CurrentPassword, Problem::PasswordIncorrect);
    }
    Ok(())
}

async fn change_password(ctx: &Ctx, form: &Form, client_id: i64) -> Result<Response, WebError> {
    let mut errors = FormErrors::default();
    let new_password = errors.check(
        Field::NewPassword,
        Password::parse(form.get("new_password")),
    );
    check_current_password(ctx, form, client_id, &mut errors).await?;
    let Some(new_password) = new_password.filter(|_| errors.is_empty()) else {
        let view = AccountView {
            action: "password",
            errors: Errors::new(&errors, ctx.lang),
            new_api_username: "",
            notice: "",
        };
        return account_page(ctx, 422, view).await;
    };
    let hash = hash_password(ctx, &new_password).await?;
    let now = ctx.now().to_string();
    // Every session ends on a password change; this browser gets a new one.
    let session_hash = ctx.new_session_cookie()?;
    let me = ctx.require_session().await?;
    ctx.run(&vec![
        clients::set_password(client_id, &hash),
        sessions::delete_all(client_id),
        sessions::create_for_email(&session_hash, &me.email, &now),
    ])
    .await?;
    let view = AccountView {
        action: "",
        errors: Errors::default(),
        new_api_username: "",
        notice: ctx.lang.texts().account_password_done,
    };
    account_page(ctx, 200, view).await
}

async fn change_credentials(ctx: &Ctx, form: &Form, client_id: i64) -> Result<Response, WebError> {
    let mut errors = FormErrors::default();
    let typed_username = form.get("api_username");
    let credentials = parse_credentials(
        &mut errors,
        typed_username,
        form.get("api_password"),
        form.get("api_signature"),
    );
    check_current_password(ctx, form, client_id, &mut errors).await?;
    let fail = |errors: Errors| AccountView {
        action: "credentials",
        errors,
        new_api_username: typed_username,
        notice: "",
    };
    let Some(credentials) = credentials.filter(|_| errors.is_empty()) else {
        return account_page(ctx, 422, fail(Errors::new(&errors, ctx.lang))).await;
    };
    let results = ctx
        .run(&vec![clients::conflicts(
            "",
            &credentials.username,
            client_id,
        )])
        .await?;
    let taken = results
        .first()
        .and_then(|r| sql::first::<clients::Conflicts>(r).ok().flatten())
        .is_some_and(|c| c.api_username_taken != 0);
    if taken {
        errors.add(Field::ApiUsername, Problem::ApiUsernameTaken);
        return account_page(ctx, 422, fail(Errors::new(&errors, ctx.lang))).await;
    }
    let now = ctx.now().to_string();
    let trace = match verify_with_paypal(ctx, &credentials, &now).await {
        CredentialCheck::Accepted(trace) => trace,
        CredentialCheck::Refused(message) => {
            return account_page(ctx, 422, fail(Errors::default().with_form_message(message))).await
        }
        CredentialCheck::Unreachable(message) => {
            return account_page(ctx, 503, fail(Errors::default().with_form_message(message))).await
        }
    };
    let sealed = seal_credentials(ctx, &credentials)?;
    let me = ctx.require_session().await?;
    let mut batch = clients::replace_credentials(client_id, &credentials.username, &sealed, &now);
    batch.push(traces::insert_for_email(&me.email, &trace));
    ctx.run(&batch).await?;
    // The page reads the session again to show the new username.
    let view = AccountView {
        action: "",
        errors: Errors::default(),
        new_api_username: "",
        notice: ctx.lang.texts().account_credentials_done,
    };
    let page = AccountPage {
        layout: ctx.layout()?,
        email: me.email.clone(),
        api_username: credentials.username.clone(),
        credentials_refused: false,
        action: view.action,
        errors: view.errors,
        new_api_username: String::new(),
        notice: view.notice,
    };
    html(200, page.render()?)
}

// ---------------------------------------------------------------- password reset

pub async fn reset_get(ctx: &Ctx) -> Result<Response, WebError> {
    let page = PasswordResetPage {
        layout: ctx.layout()?,
        errors: Errors::default(),
        email: String::new(),
        sent: false,
    };
    html(200, page.render()?)
}

pub async fn reset_post(ctx: &Ctx, req: &mut Request) -> Result<Response, WebError> {
    let form = read_form(req).await?;
    ctx.check_csrf(&form)?;
    let typed = form.get("email");
    let email = match Email::parse(typed) {
        Ok(email) => email,
        Err(problem) => {
            let mut errors = FormErrors::default();
            errors.add(Field::Email, problem);
            let page = PasswordResetPage {
                layout: ctx.layout()?,
                errors: Errors::new(&errors, ctx.lang),
                email: typed.to_string(),
                sent: false,
            };
            return html(422, page.render()?);
        }
    };
    rate_limit(ctx, "reset-ip", &ctx.client_ip, 10, 3_600).await?;
    rate_limit(ctx, "reset-email", email.as_str(), 5, 3_600).await?;
    let results = ctx.run(&vec![clients::by_email(email.as_str())]).await?;
    if let Some(client) = results
        .first()
        .and_then(|r| sql::first::<clients::LoginRow>(r).ok().flatten())
    {
        let token = random_hex::<32>()?;
        let token_hash = crypto::sha256_hex(token.as_bytes());
        let now = ctx.now();
        let expires = now.plus_seconds(resets::VALID_SECONDS).to_string();
        let lang = crate::core::i18n::Lang::parse(&client.language).unwrap_or_default();
        let t = lang.texts();
        let link = format!("{}/password-reset/{token}", ctx.base_url());
        let body = format!(
            "{}\n\n{link}\n\n{}\n",
            t.reset_mail_body, t.reset_mail_ignore
        );
        let event_key = format!("password-reset:{token_hash}");
        let now_text = now.to_string();
        ctx.run(&vec![
            resets::create(&token_hash, client.id, &now_text, &expires),
            outbox::insert(&outbox::Mail {
                event_key: &event_key,
                to: email.as_str(),
                subject: t.reset_mail_subject,
                body: &body,
                now: &now_text,
                delivered_on_write: ctx.mail_is_local(),
            }),
        ])
        .await?;
    }
    // The same answer whether or not the address has an account.
    let page = PasswordResetPage {
        layout: ctx.layout()?,
        errors: Errors::default(),
        email: String::new(),
        sent: true,
    };
    html(200, page.render()?)
}

async fn usable_reset(ctx: &Ctx, token: &str) -> Result<Option<i64>, WebError> {
    let token_hash = crypto::sha256_hex(token.as_bytes());
    let results = ctx
        .run(&vec![resets::usable(&token_hash, &ctx.now().to_string())])
        .await?;
    Ok(results
        .first()
        .and_then(|r| sql::first::<resets::UsableReset>(r).ok().flatten())
        .map(|r| r.client_id))
}

fn reset_new_page(
    ctx: &Ctx,
    status: u16,
    token: &str,
    usable: bool,
    errors: &FormErrors,
) -> Result<Response, WebError> {
    let page = PasswordResetNewPage {
        layout: ctx.layout()?,
        errors: Errors::new(errors, ctx.lang),
        token: token.to_string(),
        usable,
    };
    html(status, page.render()?)
}

fn invalid_link() -> FormErrors {
    let mut errors = FormErrors::default();
    errors.add(Field::Form, Problem::ResetLinkInvalid);
    errors
}

pub async fn reset_token_get(ctx: &Ctx, token: &str) -> Result<Response, WebError> {
    match usable_reset(ctx, token).await? {
        Some(_) => reset_new_page(ctx, 200, token, true, &FormErrors::default()),
        None => reset_new_page(ctx, 404, token, false, &invalid_link()),
    }
}

pub async fn reset_token_post(
    ctx: &Ctx,
    req: &mut Request,
    token: &str,
) -> Result<Response, WebError> {
    let form = read_form(req).await?;
    ctx.check_csrf(&form)?;
    let Some(client_id) = usable_reset(ctx, token).await? else {
        return reset_new_page(ctx, 404, token, false, &invalid_link());
    };
    let password = match Password::parse(form.get("new_password")) {
        Ok(p) => p,
        Err(problem) => {
            let mut errors = FormErrors::default();
            errors.add(Field::NewPassword, problem);
            return reset_new_page(ctx, 422, token, true, &errors);
        }
    };
    let hash = hash_password(ctx, &password).await?;
    let token_hash = crypto::sha256_hex(token.as_bytes());
    let now = ctx.now().to_string();
    let used = ctx
        .run(&vec![
            resets::mark_used(&token_hash, &now),
            sql::guard_one_row_changed(),
            clients::set_password(client_id, &hash),
            sessions::delete_all(client_id),
        ])
        .await;
    match used {
        Ok(_) => {}
        // The link was used by a concurrent request: nothing changed.
        Err(WebError::Db(e)) if e.guard().is_some() => {
            return reset_new_page(ctx, 404, token, false, &invalid_link())
        }
        Err(e) => return Err(e),
    }
    ctx.end_session_cookie();
    see_other("/login")
}

// ---------------------------------------------------------------- terms

pub fn terms(ctx: &Ctx) -> Result<Response, WebError> {
    let page = TermsPage {
        layout: ctx.layout()?,
        operator_name: ctx.app.config.operator_name.clone(),
        contact_email: ctx.app.config.contact_email.clone(),
    };
    html(200, page.render()?)
}
