//! Accounts: register (a receiving account at one of the enabled providers,
//! checked where the provider allows it, sealed with AES-GCM, initiation
//! title issued), log in and out, the account page (password, receiving
//! accounts), password reset by e-mail, and the terms.
//! Password hashing is `shell::passwords`, sealing `shell::credentials`,
//! rate limits `shell::ratelimit`.

mod api_keys;
mod login;
mod page;
// The refund's form asks for the password as the account's forms do.
pub(super) use page::check_current_password;
mod receiving_accounts;
mod register;
mod reset;
mod settings;
mod terms;

pub use login::{login_get, login_post, logout_post};
pub use page::account_page_body;
pub use register::{page as register_page_view, register_get, register_post};
pub use reset::{reset_get, reset_post, reset_token_get, reset_token_post};
pub use settings::{account_get, account_post};
pub use terms::terms;

use serde_json::json;
use worker::Response;

use crate::core::psp::{self, AccountCheck};
use crate::core::receiving;
use crate::core::sql::traces;
use crate::shell::web::{json_response, Ctx, WebError};

/// Kept under its old name for the other routes (`/buy`).
pub(super) use crate::shell::ratelimit::hit as rate_limit;

/// Credential changes per client per hour: each asks PayPal (GetBalance),
/// so an account is no unlimited oracle for testing stolen credentials.
const CREDENTIAL_CHANGES_PER_HOUR: i64 = 5;
/// Registrations tried again when another one took the same new id.
const REGISTER_ATTEMPTS: usize = 6;

fn csrf_json(ctx: &Ctx) -> Result<Response, WebError> {
    json_response(200, &json!({ "csrf_token": ctx.csrf_token()? }))
}

/// Our words for a refusal, followed by the provider's code and message
/// verbatim ("PayPal error 10002: ...", "Sips error 34: ...").
fn refusal_message(ctx: &Ctx, provider: psp::ProviderId, code: &str, message: &str) -> String {
    let ours = receiving::refused(provider).message(ctx.lang);
    if code.is_empty() && message.is_empty() {
        return ours.to_string();
    }
    let label = match provider {
        psp::ProviderId::Paypal => ctx.lang.texts().psp_code.to_string(),
        psp::ProviderId::Sips | psp::ProviderId::Monetico => ctx
            .lang
            .receiving()
            .error_label
            .replace("{provider}", receiving::display_name(provider)),
    };
    format!("{ours} ({label} {code}: {message})")
}

/// What the check of a receiving account concluded.
enum CredentialCheck {
    /// Accepted, with the traces of the provider calls it made (none for a
    /// provider checked for format only: Monetico).
    Accepted(Vec<traces::Trace>),
    /// The provider said no (e.g. PayPal 10002): a 422 with its words.
    Refused(String),
    /// No answer: nothing is saved, the user may retry.
    Unreachable(String),
}

/// Asks the account's provider (PayPal: GetBalance; Sips: an Office
/// call; Monetico: the format only) whether it works.
async fn verify_account(ctx: &Ctx, account: &psp::TypedAccount, at: &str) -> CredentialCheck {
    let base = ctx.base_url();
    let provider = account.provider();
    let called = psp::check_account(ctx, &crate::shell::effects::site(ctx, &base), account).await;
    match called.outcome {
        AccountCheck::Accepted => {
            // The traces of the calls made (none for Monetico, checked for
            // format only), stored with the new account.
            let mut traces = called.traces;
            for trace in &mut traces {
                trace.at = at.to_string();
            }
            CredentialCheck::Accepted(traces)
        }
        AccountCheck::Refused { code, message } => {
            CredentialCheck::Refused(refusal_message(ctx, provider, &code, &message))
        }
        AccountCheck::NothingGranted => {
            CredentialCheck::Refused(ctx.lang.permission().nothing_granted.to_string())
        }
        AccountCheck::PermissionsMissing(scopes) => {
            CredentialCheck::Refused(ctx.lang.permission().missing(&scopes))
        }
        AccountCheck::Unknown(no_answer) => {
            worker::console_warn!("account check: no answer: {}", no_answer.describe());
            CredentialCheck::Unreachable(unreachable_message(ctx, provider))
        }
    }
}

fn unreachable_message(ctx: &Ctx, provider: psp::ProviderId) -> String {
    receiving::unreachable(provider)
        .message(ctx.lang)
        .to_string()
}
