//! Accounts: register (credentials checked with PayPal's GetBalance at once,
//! sealed with AES-GCM, initiation title issued), log in and out, the account
//! page (password, credentials), password reset by e-mail, and the terms.
//! Password hashing is `shell::passwords`, sealing `shell::credentials`,
//! rate limits `shell::ratelimit`.

mod api_keys;
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
use crate::core::psp::{self, AccountCheck};
use crate::core::sql::traces;
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

/// Our words for a refusal, followed by the provider's code and message
/// verbatim.
fn refusal_message(ctx: &Ctx, problem: Problem, code: &str, message: &str) -> String {
    let ours = problem.message(ctx.lang);
    if code.is_empty() && message.is_empty() {
        return ours.to_string();
    }
    format!("{ours} ({} {code}: {message})", ctx.lang.texts().psp_code)
}

/// What the credential check concluded.
enum CredentialCheck {
    Accepted(traces::Trace),
    /// PayPal said no (e.g. 10002): a 422 with PayPal's words.
    Refused(String),
    /// No answer: nothing is saved, the user may retry.
    Unreachable(String),
}

/// Asks the provider (PayPal: GetBalance) whether these credentials work.
async fn verify_with_paypal(ctx: &Ctx, credentials: &ApiCredentials, at: &str) -> CredentialCheck {
    let base = ctx.base_url();
    let account = psp::TypedAccount::Paypal(credentials.clone());
    let called = psp::check_account(ctx, &crate::shell::effects::site(ctx, &base), &account).await;
    match called.outcome {
        AccountCheck::Accepted => match called.traces.into_iter().next() {
            Some(mut trace) => {
                trace.at = at.to_string();
                CredentialCheck::Accepted(trace)
            }
            None => {
                CredentialCheck::Unreachable(Problem::PspUnavailable.message(ctx.lang).to_string())
            }
        },
        AccountCheck::Refused { code, message } => CredentialCheck::Refused(refusal_message(
            ctx,
            Problem::PspRefusedCredentials,
            &code,
            &message,
        )),
        AccountCheck::Unknown(no_answer) => {
            worker::console_warn!("account check: no answer: {}", no_answer.describe());
            CredentialCheck::Unreachable(Problem::PspUnavailable.message(ctx.lang).to_string())
        }
    }
}
