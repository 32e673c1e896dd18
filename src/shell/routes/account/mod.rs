//! Accounts: register (credentials checked with PayPal's GetBalance at once,
//! sealed with AES-GCM, initiation title issued), log in and out, the account
//! page (password, credentials), password reset by e-mail, and the terms.
//! Password hashing is `shell::passwords`, sealing `shell::credentials`,
//! rate limits `shell::ratelimit`.

mod login;
mod register;
mod reset;
mod settings;
mod terms;

pub use login::{login_get, login_post, logout_post};
pub use register::{register_get, register_post};
pub use reset::{reset_get, reset_post, reset_token_get, reset_token_post};
pub use settings::{account_get, account_post};
pub use terms::terms;

use serde_json::json;
use worker::Response;

use crate::core::account::{ApiCredentials, Problem};
use crate::core::psp::paypal::nvp::{Credentials, Method, NvpRequest, NvpResponse};
use crate::core::sql::traces;
use crate::shell::paypal::{self, NoAnswer};
use crate::shell::web::{json_response, Ctx, WebError};

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
