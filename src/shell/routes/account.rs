//! Accounts: register (credentials checked with PayPal's GetBalance at once,
//! sealed with AES-GCM, initiation title issued), log in and out, the account
//! page (password, credentials), password reset by e-mail, and the terms.
//! Password hashing is `shell::passwords`, sealing `shell::credentials`,
//! rate limits `shell::ratelimit`.

use askama::Template;
use serde_json::json;
use worker::{Request, Response};

use crate::core::account::{
    parse_credentials, safe_next, ApiCredentials, Email, Field, FormErrors, Password, Problem,
    RegisterInput,
};
use crate::core::crypto;
use crate::core::isin::Isin;
use crate::core::psp::paypal::nvp::{Credentials, Method, NvpRequest, NvpResponse};
use crate::core::sql::{self, clients, outbox, resets, sessions, titles, traces, Batch};
use crate::shell::app::{random_bytes, random_hex};
use crate::shell::credentials;
use crate::shell::db::DbError;
use crate::shell::pages::{
    AccountPage, Errors, LoginPage, PasswordResetNewPage, PasswordResetPage, RegisterPage,
    TermsPage,
};
use crate::shell::passwords::{self, Checked};
use crate::shell::paypal::{self, NoAnswer};
use crate::shell::ratelimit;
use crate::shell::web::{
    html, json_response, read_form, see_other, url_encode, Ctx, Form, WebError, LANG_COOKIE,
};

/// Kept under its old name for the other routes (`/buy`).
pub(super) use crate::shell::ratelimit::hit as rate_limit;

/// Credential changes per client per hour: each asks PayPal (GetBalance),
/// so an account is no unlimited oracle for testing stolen credentials.
const CREDENTIAL_CHANGES_PER_HOUR: i64 = 5;
/// Registrations tried again when another one took the same new id.
const REGISTER_ATTEMPTS: usize = 3;

fn csrf_json(ctx: &Ctx) -> Result<Response, WebError> {
    json_response(200, &json!({ "csrf_token": ctx.csrf_token()? }))
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
    // PayPal first: whether an e-mail or API username is taken is told only
    // to someone holding working credentials (no enumeration).
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
    let password_hash = passwords::hash_new(ctx, &registration.password).await?;
    let session_hash = ctx.new_session_cookie()?;
    for _ in 0..REGISTER_ATTEMPTS {
        let results = ctx
            .run(&vec![
                clients::conflicts(&email, &api_username, 0),
                clients::next_id(),
            ])
            .await?;
        let conflicts = results
            .first()
            .and_then(|r| sql::first::<clients::Conflicts>(r).ok().flatten());
        let errors = conflicts.map(|c| taken(&c)).unwrap_or_default();
        if !errors.is_empty() {
            ctx.end_session_cookie();
            return register_page(ctx, 422, &input, Errors::new(&errors, ctx.lang), &next);
        }
        let client_id = results
            .get(1)
            .and_then(|r| sql::first::<clients::NextId>(r).ok().flatten())
            .map_or(1, |n| n.next_id);
        let sealed = credentials::seal(ctx, client_id, 1, &registration.credentials)?;
        let mut batch: Batch = clients::insert_with_id(
            client_id,
            &clients::NewClient {
                email: &email,
                password_hash: &password_hash,
                language: ctx.lang.code(),
                psp_environment: ctx.app.config.psp_mode.as_str(),
                api_username: &api_username,
                sealed_secret: &sealed,
                now: &now,
            },
        );
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
            Ok(_) => return see_other(safe_next(&next).unwrap_or("/claims")),
            // Someone registered meanwhile (same e-mail or credentials: the
            // next round says so; same new id: the next round takes another).
            Err(WebError::Db(DbError::D1(message))) if message.contains("UNIQUE") => continue,
            Err(e) => return Err(e),
        }
    }
    Err(WebError::Internal(
        "registration kept colliding on the new client id".into(),
    ))
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
    ratelimit::account_and_ip(ctx, &ratelimit::LOGIN, email.as_str()).await?;
    let results = ctx.run(&vec![clients::by_email(email.as_str())]).await?;
    let row = results
        .first()
        .and_then(|r| sql::first::<clients::LoginRow>(r).ok().flatten());
    let checked = match &row {
        Some(row) => passwords::check(ctx, &row.password_hash, password).await?,
        None => {
            passwords::waste_time(ctx, password).await;
            Checked::Wrong
        }
    };
    let (Some(row), Checked::Right { rehash }) = (row, checked) else {
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
    if let Some(new_hash) = &rehash {
        // Made with older parameters (no pepper, fewer iterations).
        batch.push(clients::rehash_password(
            row.id,
            &row.password_hash,
            new_hash,
        ));
    }
    // A language chosen in this browser (`?lang=` now or the switch before)
    // becomes the client's; otherwise the browser takes the client's.
    let chosen = ctx.lang_chosen || ctx.cookie(LANG_COOKIE).is_some();
    if chosen && row.language != ctx.lang.code() {
        batch.push(clients::set_language(row.id, ctx.lang.code()));
    } else if !chosen {
        ctx.set_cookie(LANG_COOKIE, &row.language, 365 * 86_400);
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
        Some(row) => passwords::matches(ctx, &row.password_hash, current).await?,
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
    let hash = passwords::hash_new(ctx, &new_password).await?;
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
    // Before anything else: each attempt may cost a password derivation and
    // a PayPal call.
    rate_limit(
        ctx,
        "credentials",
        &client_id.to_string(),
        CREDENTIAL_CHANGES_PER_HOUR,
        3_600,
    )
    .await?;
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
    // PayPal first, as for registration: a taken username is told only to
    // someone holding working credentials.
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
    let me = ctx.require_session().await?;
    // The new version is sealed for its own number; the guard refuses the
    // batch if a concurrent change took that number first.
    let version = me.credentials_version + 1;
    let sealed = credentials::seal(ctx, client_id, version, &credentials)?;
    let mut batch = vec![
        clients::expect_credentials_version(client_id, me.credentials_version),
        sql::guard_one_row_changed(),
    ];
    batch.extend(clients::replace_credentials(
        client_id,
        &credentials.username,
        &sealed,
        &now,
    ));
    batch.push(traces::insert_for_email(&me.email, &trace));
    match ctx.run(&batch).await {
        Ok(_) => {}
        Err(WebError::Db(e)) if e.guard().is_some() => {
            let message = Problem::PspUnavailable.message(ctx.lang).to_string();
            return account_page(ctx, 409, fail(Errors::default().with_form_message(message)))
                .await;
        }
        Err(e) => return Err(e),
    }
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
    ratelimit::account_and_ip(ctx, &ratelimit::RESET, email.as_str()).await?;
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
    let hash = passwords::hash_new(ctx, &password).await?;
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
