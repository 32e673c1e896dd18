//! The deployment's configuration (spec §7), parsed once from `[vars]` and
//! secrets through a lookup function, so that it is tested natively. A value
//! that does not parse is reported by name; the shell answers 503 then.

use super::money::{Amount, Currency};
use crate::core::flow::cron::{ORDERS_PER_RUN, ORDERS_PER_RUN_MAX};

/// Whether this build has the built-in emulators (cargo feature
/// `emulators`, on by default); without them `PSP_MODE=emulator` is refused.
pub const EMULATORS_BUILT_IN: bool = cfg!(feature = "emulators");

/// Why `PSP_MODE` is refused in a build without the emulators, for the
/// operator (the 503 answer and the log).
pub const NO_EMULATORS: &str = "PSP_MODE is emulator (the default), but this build has no emulators \
     (built with --no-default-features): set PSP_MODE to sandbox or live, or deploy the default build";

/// Which PSP world this deployment talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PspMode {
    Emulator,
    Sandbox,
    Live,
}

impl PspMode {
    pub fn as_str(self) -> &'static str {
        match self {
            PspMode::Emulator => "emulator",
            PspMode::Sandbox => "sandbox",
            PspMode::Live => "live",
        }
    }

    pub fn parse(text: &str) -> Option<PspMode> {
        match text.trim() {
            "emulator" => Some(PspMode::Emulator),
            "sandbox" => Some(PspMode::Sandbox),
            "live" => Some(PspMode::Live),
            _ => None,
        }
    }
}

/// How PayBook calls PayPal for its sellers (`PAYPAL_SELLER_AUTH`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SellerAuth {
    /// Each seller's own API credentials, sealed at rest (the default).
    #[default]
    Credentials,
    /// The platform's own API credentials plus `SUBJECT` = the seller's
    /// PayPal e-mail, within the permissions he granted: nothing of his is
    /// secret. Sellers who registered with credentials keep them until
    /// they move.
    Permission,
}

impl SellerAuth {
    pub fn parse(text: &str) -> Option<SellerAuth> {
        match text.trim() {
            "credentials" => Some(SellerAuth::Credentials),
            "permission" => Some(SellerAuth::Permission),
            _ => None,
        }
    }
}

/// Where the PayPal NVP client sends requests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NvpEndpoint {
    /// Handed to the built-in emulator in-process (a deployed Worker cannot
    /// fetch itself).
    InProcess,
    Url(String),
}

/// Every setting the worker reads. Secrets are kept apart in [`Secrets`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub psp_mode: PspMode,
    pub paypal_nvp: NvpEndpoint,
    /// `None` in emulator mode: the emulator's own checkout page on this site.
    pub paypal_checkout_url: Option<String>,
    /// `None` in emulator mode: the postback is answered in-process.
    pub paypal_ipn_verify_url: Option<String>,
    /// Taken from the request when unset.
    pub base_url: Option<String>,
    pub currency: Currency,
    pub min_amount: Amount,
    pub max_amount: Amount,
    /// `Amount::ZERO` issues no initiation title.
    pub initial_title_value: Amount,
    pub pending_ttl_hours: i64,
    /// Orders the cron resolves per run at most (`CRON_ORDERS_PER_RUN`).
    pub cron_orders_per_run: i64,
    pub pbkdf2_iterations: u32,
    /// After this, an order whose payment is still Pending at PayPal goes
    /// to review (`PENDING_MAX_DAYS`).
    pub pending_max_days: i64,
    pub operator_name: String,
    pub contact_email: String,
    pub source_url: String,
    pub mail_api_url: Option<String>,
    pub mail_from: Option<String>,
    /// Raw PSP notifications and trace fields older than this are blanked
    /// by the cron (`core::retention`).
    pub retention_days: i64,
    /// `ADMIN_EMAILS`: the operators (backoffice.md §1), lower-cased.
    pub admin_emails: Vec<String>,
    /// `REFUND_DAYS`: how long after a trade its seller may refund it.
    pub refund_days: i64,
    /// `PSPS`, `CAPTURE_DAYS` and the card providers' endpoints.
    pub providers: crate::core::psp::settings::ProviderSettings,
    /// `PAYPAL_SELLER_AUTH`: how new PayPal sellers are called for.
    pub paypal_seller_auth: SellerAuth,
}

/// Secrets as configured; in emulator mode the missing ones are generated
/// once and kept in D1 by the shell.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secrets {
    pub session_secret: Option<String>,
    pub credentials_key: Option<String>,
    pub mail_api_key: Option<String>,
    /// The key before the last rotation: values sealed under it still open
    /// (and the cron re-seals them under `CREDENTIALS_KEY`).
    pub credentials_key_previous: Option<String>,
    /// HMAC key applied to passwords before PBKDF2.
    pub password_pepper: Option<String>,
    /// Opens `/_emulator/*` on a host that is not local (emulator mode).
    pub emulator_token: Option<String>,
    /// `PAYPAL_PLATFORM_USERNAME`, `_PASSWORD`, `_SIGNATURE`: the
    /// platform's own PayPal API credentials (permission mode).
    pub paypal_platform_username: Option<String>,
    pub paypal_platform_password: Option<String>,
    pub paypal_platform_signature: Option<String>,
}

impl std::fmt::Debug for Secrets {
    // Secrets never reach a log, not even through `{:?}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets { .. }")
    }
}

/// Cloudflare's production maximum for PBKDF2 in WebCrypto.
pub const PBKDF2_ITERATIONS_MAX: u32 = 100_000;

const SANDBOX_NVP: &str = "https://api-3t.sandbox.paypal.com/nvp";
const LIVE_NVP: &str = "https://api-3t.paypal.com/nvp";
const SANDBOX_CHECKOUT: &str = "https://www.sandbox.paypal.com/cgi-bin/webscr";
const LIVE_CHECKOUT: &str = "https://www.paypal.com/cgi-bin/webscr";
const SANDBOX_IPN: &str = "https://ipnpb.sandbox.paypal.com/cgi-bin/webscr";
const LIVE_IPN: &str = "https://ipnpb.paypal.com/cgi-bin/webscr";
/// The PayPal endpoints, set in sandbox and live mode only.
const PAYPAL_URL_VARS: [&str; 3] = [
    "PAYPAL_NVP_URL",
    "PAYPAL_CHECKOUT_URL",
    "PAYPAL_IPN_VERIFY_URL",
];

/// The settings read by name through a lookup, with the names of those
/// present but malformed, in the order they were read.
struct Vars<F> {
    var: F,
    bad: Vec<&'static str>,
}

impl<F: Fn(&str) -> Option<String>> Vars<F> {
    /// The trimmed value of `name`; an empty one is unset.
    fn text(&self, name: &str) -> Option<String> {
        (self.var)(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    /// `name` read by `parse`, `default` when unset; when present but
    /// refused by `parse`, noted as bad and `default`.
    fn parsed<T>(
        &mut self,
        name: &'static str,
        default: T,
        parse: impl Fn(&str) -> Option<T>,
    ) -> T {
        match self.text(name) {
            None => default,
            Some(v) => parse(&v).unwrap_or_else(|| {
                self.bad.push(name);
                default
            }),
        }
    }

    /// An integer setting that `valid` accepts.
    fn number<T: std::str::FromStr>(
        &mut self,
        name: &'static str,
        default: T,
        valid: impl Fn(&T) -> bool,
    ) -> T {
        self.parsed(name, default, |v| v.parse::<T>().ok().filter(|n| valid(n)))
    }

    /// `CRON_ORDERS_PER_RUN`: each order costs up to two provider calls, and
    /// at most [`ORDERS_PER_RUN_MAX`] keep a run of slow calls inside the
    /// cron's lease (`flow::cron::LEASE_SECONDS`).
    fn cron_orders_per_run(&mut self) -> i64 {
        self.number("CRON_ORDERS_PER_RUN", ORDERS_PER_RUN, |n| {
            (1..=ORDERS_PER_RUN_MAX).contains(n)
        })
    }

    /// An amount setting (`10000.00`); a malformed one reads as zero.
    fn amount(&mut self, name: &'static str, default: Amount) -> Amount {
        match self.text(name) {
            None => default,
            Some(_) => self.parsed(name, Amount::ZERO, Amount::parse_decimal),
        }
    }

    /// PayPal's endpoints for `mode`: the mode's own unless set. Emulator
    /// mode with a real PayPal endpoint would move real money behind the
    /// emulator's open tools: each one set is bad, so nothing is served.
    fn paypal_endpoints(&mut self, mode: PspMode) -> (NvpEndpoint, Option<String>, Option<String>) {
        let (nvp_default, checkout_default, ipn_default) = match mode {
            PspMode::Emulator => (None, None, None),
            PspMode::Sandbox => (Some(SANDBOX_NVP), Some(SANDBOX_CHECKOUT), Some(SANDBOX_IPN)),
            PspMode::Live => (Some(LIVE_NVP), Some(LIVE_CHECKOUT), Some(LIVE_IPN)),
        };
        let nvp = match self
            .text("PAYPAL_NVP_URL")
            .or(nvp_default.map(String::from))
        {
            Some(url) => NvpEndpoint::Url(url),
            None => NvpEndpoint::InProcess,
        };
        let checkout = self
            .text("PAYPAL_CHECKOUT_URL")
            .or(checkout_default.map(String::from));
        let ipn_verify = self
            .text("PAYPAL_IPN_VERIFY_URL")
            .or(ipn_default.map(String::from));
        if mode == PspMode::Emulator {
            for name in PAYPAL_URL_VARS {
                if self.text(name).is_some() {
                    self.bad.push(name);
                }
            }
        }
        (nvp, checkout, ipn_verify)
    }

    /// MIN_AMOUNT, MAX_AMOUNT and INITIAL_TITLE_VALUE; a minimum of zero or
    /// above the maximum is bad (once both parsed).
    fn amounts(&mut self) -> (Amount, Amount, Amount) {
        // The defaults are constants, never negative: ZERO is never taken.
        let cents = |c: i64| Amount::from_cents(c).unwrap_or(Amount::ZERO);
        let min_amount = self.amount("MIN_AMOUNT", cents(100));
        let max_amount = self.amount("MAX_AMOUNT", cents(1_000_000));
        let initial_title_value = self.amount("INITIAL_TITLE_VALUE", cents(100));
        let amounts_parsed = !self
            .bad
            .iter()
            .any(|b| *b == "MIN_AMOUNT" || *b == "MAX_AMOUNT");
        if amounts_parsed && (min_amount > max_amount || min_amount == Amount::ZERO) {
            self.bad.push("MIN_AMOUNT");
        }
        (min_amount, max_amount, initial_title_value)
    }
}

impl Config {
    /// `PSP_MODE` when this build cannot serve its mode: emulator mode (also
    /// the default) in a build without the emulators would answer provider
    /// calls with nothing, so the shell refuses it by name.
    pub fn mode_not_built(&self) -> Option<&'static str> {
        (self.psp_mode == PspMode::Emulator && !EMULATORS_BUILT_IN).then_some("PSP_MODE")
    }

    /// Whether the client with this e-mail is an operator.
    pub fn is_operator(&self, email: &str) -> bool {
        self.admin_emails
            .iter()
            .any(|a| a.eq_ignore_ascii_case(email.trim()))
    }

    /// Reads every setting through `var`; returns the names of the settings
    /// that are present but malformed.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Config, Vec<&'static str>> {
        let mut vars = Vars {
            var,
            bad: Vec::new(),
        };
        let psp_mode = vars.parsed("PSP_MODE", PspMode::Emulator, PspMode::parse);
        let (paypal_nvp, paypal_checkout_url, paypal_ipn_verify_url) =
            vars.paypal_endpoints(psp_mode);
        let currency = vars.parsed("CURRENCY", Currency::EUR, Currency::parse);
        let (min_amount, max_amount, initial_title_value) = vars.amounts();
        let pending_ttl_hours = vars.number("PENDING_TTL_HOURS", 24, |h| *h >= 1);
        let pending_max_days = vars.number("PENDING_MAX_DAYS", 10, |d| *d >= 1);
        let cron_orders_per_run = vars.cron_orders_per_run();
        // Fewer iterations only in emulator mode (fast tests).
        let pbkdf2_iterations = vars.number("PBKDF2_ITERATIONS", PBKDF2_ITERATIONS_MAX, |n| {
            (1_000..=PBKDF2_ITERATIONS_MAX).contains(n)
                && (*n >= PBKDF2_ITERATIONS_MAX || psp_mode == PspMode::Emulator)
        });
        let retention_days = vars.number("RETENTION_DAYS", 400, |d| (1..=36_500).contains(d));
        let refund_days = vars.number("REFUND_DAYS", 60, |d| (1..=3_650).contains(d));
        let admin_emails = vars
            .text("ADMIN_EMAILS")
            .map(|list| {
                list.split(',')
                    .map(|e| e.trim().to_ascii_lowercase())
                    .filter(|e| !e.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let paypal_seller_auth = vars.parsed(
            "PAYPAL_SELLER_AUTH",
            SellerAuth::Credentials,
            SellerAuth::parse,
        );
        let (providers, bad) =
            crate::core::psp::settings::ProviderSettings::read(psp_mode, |n| vars.text(n));
        vars.bad.extend(bad);
        let config = Config {
            psp_mode,
            paypal_nvp,
            paypal_checkout_url,
            paypal_ipn_verify_url,
            base_url: vars
                .text("BASE_URL")
                .map(|u| u.trim_end_matches('/').to_string()),
            currency,
            min_amount,
            max_amount,
            initial_title_value,
            pending_ttl_hours,
            cron_orders_per_run,
            pbkdf2_iterations,
            pending_max_days,
            operator_name: vars
                .text("OPERATOR_NAME")
                .unwrap_or_else(|| "PayBook operator".into()),
            contact_email: vars
                .text("CONTACT_EMAIL")
                .unwrap_or_else(|| "operator@example.org".into()),
            source_url: vars
                .text("SOURCE_URL")
                .unwrap_or_else(|| "https://example.org/paybook.git".into()),
            mail_api_url: vars.text("MAIL_API_URL"),
            mail_from: vars.text("MAIL_FROM"),
            retention_days,
            admin_emails,
            refund_days,
            providers,
            paypal_seller_auth,
        };
        if vars.bad.is_empty() {
            Ok(config)
        } else {
            Err(vars.bad)
        }
    }

    /// The names of required settings that are missing: sandbox and live
    /// refuse to serve without their secrets (emulator mode generates them).
    pub fn missing(&self, secrets: &Secrets) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.psp_mode == PspMode::Emulator {
            return missing;
        }
        if secrets.session_secret.is_none() {
            missing.push("SESSION_SECRET");
        }
        if secrets.credentials_key.is_none() {
            missing.push("CREDENTIALS_KEY");
        }
        if secrets.password_pepper.is_none() {
            missing.push("PASSWORD_PEPPER");
        }
        if self.mail_api_url.is_some() && secrets.mail_api_key.is_none() {
            missing.push("MAIL_API_KEY");
        }
        if self.mail_api_url.is_some() && self.mail_from.is_none() {
            missing.push("MAIL_FROM");
        }
        if self.paypal_seller_auth == SellerAuth::Permission {
            for (name, value) in [
                (
                    "PAYPAL_PLATFORM_USERNAME",
                    &secrets.paypal_platform_username,
                ),
                (
                    "PAYPAL_PLATFORM_PASSWORD",
                    &secrets.paypal_platform_password,
                ),
                (
                    "PAYPAL_PLATFORM_SIGNATURE",
                    &secrets.paypal_platform_signature,
                ),
            ] {
                if value.is_none() {
                    missing.push(name);
                }
            }
        }
        missing
    }
}

/// Secrets that must not be set as plain `[vars]` (wrangler.toml or
/// `--var`): a plain var is shown in the dashboard and tends to be committed.
pub const SECRET_NAMES: [&str; 8] = [
    "SESSION_SECRET",
    "CREDENTIALS_KEY",
    "CREDENTIALS_KEY_PREVIOUS",
    "PASSWORD_PEPPER",
    "MAIL_API_KEY",
    "EMULATOR_TOKEN",
    "PAYPAL_PLATFORM_PASSWORD",
    "PAYPAL_PLATFORM_SIGNATURE",
];

/// Shortest accepted length of the secrets PayBook defines, outside emulator
/// mode (`openssl rand -hex 32` gives 64). `MAIL_API_KEY` is the mail
/// provider's and keeps its own length.
pub const MIN_SECRET_CHARS: usize = 32;

impl Config {
    /// The names of the secrets that are set but shorter than
    /// [`MIN_SECRET_CHARS`] (outside emulator mode, where they are generated).
    pub fn weak_secrets(&self, secrets: &Secrets) -> Vec<&'static str> {
        if self.psp_mode == PspMode::Emulator {
            return Vec::new();
        }
        [
            ("SESSION_SECRET", &secrets.session_secret),
            ("CREDENTIALS_KEY", &secrets.credentials_key),
            (
                "CREDENTIALS_KEY_PREVIOUS",
                &secrets.credentials_key_previous,
            ),
            ("PASSWORD_PEPPER", &secrets.password_pepper),
        ]
        .into_iter()
        .filter(|(_, value)| {
            value
                .as_deref()
                .is_some_and(|v| v.chars().count() < MIN_SECRET_CHARS)
        })
        .map(|(name, _)| name)
        .collect()
    }
}

/// The [`SECRET_NAMES`] that a wrangler configuration sets as plain vars
/// (in `[vars]` or an environment's `[env.<name>.vars]`). The Worker cannot
/// tell a secret from a plain var at run time (both are JS strings), so the
/// shell checks the configuration it was built with.
pub fn secrets_in_plain_vars(wrangler_toml: &str) -> Vec<&'static str> {
    let mut in_vars = false;
    let mut found = Vec::new();
    for line in wrangler_toml.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            let section = line.trim_matches(|c| c == '[' || c == ']').trim();
            in_vars =
                section == "vars" || (section.starts_with("env.") && section.ends_with(".vars"));
            continue;
        }
        if !in_vars {
            continue;
        }
        let Some((key, _)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim().trim_matches('"');
        if let Some(name) = SECRET_NAMES.iter().find(|n| **n == key) {
            if !found.contains(name) {
                found.push(*name);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, Vec<&'static str>> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_vars(|name| map.get(name).cloned())
    }

    #[test]
    fn emulator_mode_is_refused_by_name_only_in_a_build_without_the_emulators() {
        let emulator = config(&[]).expect("defaults");
        let expected = if cfg!(feature = "emulators") {
            None
        } else {
            Some("PSP_MODE")
        };
        assert_eq!(emulator.mode_not_built(), expected);
        for mode in ["sandbox", "live"] {
            let c = config(&[("PSP_MODE", mode)]).expect("parses");
            assert_eq!(c.mode_not_built(), None, "{mode}");
        }
    }

    #[test]
    fn defaults_are_the_spec_defaults_in_emulator_mode() {
        let c = config(&[]).expect("defaults parse");
        assert_eq!(c.psp_mode, PspMode::Emulator);
        assert_eq!(c.paypal_nvp, NvpEndpoint::InProcess);
        assert_eq!(c.paypal_checkout_url, None);
        assert_eq!(c.currency.as_str(), "EUR");
        assert_eq!(c.min_amount.cents(), 100);
        assert_eq!(c.max_amount.cents(), 1_000_000);
        assert_eq!(c.initial_title_value.cents(), 100);
        assert_eq!(c.pending_ttl_hours, 24);
        assert_eq!(c.pending_max_days, 10);
        assert_eq!(c.pbkdf2_iterations, 100_000);
        assert_eq!(c.base_url, None);
        assert_eq!(c.retention_days, 400);
        assert_eq!(c.cron_orders_per_run, 20);
    }

    #[test]
    fn cron_orders_per_run_is_from_1_to_100() {
        let per_run =
            |v: &str| config(&[("CRON_ORDERS_PER_RUN", v)]).map(|c| c.cron_orders_per_run);
        assert_eq!(per_run("100"), Ok(100));
        assert_eq!(per_run("1"), Ok(1));
        assert!(per_run("0").is_err());
        assert!(per_run("101").is_err());
        assert!(per_run("lots").is_err());
    }

    #[test]
    fn retention_days_is_a_positive_number_of_days() {
        assert_eq!(
            config(&[("RETENTION_DAYS", "30")]).map(|c| c.retention_days),
            Ok(30)
        );
        assert!(config(&[("RETENTION_DAYS", "0")]).is_err());
        assert!(config(&[("RETENTION_DAYS", "a year")]).is_err());
    }

    #[test]
    fn sandbox_points_at_paypal_sandbox_unless_overridden() {
        let c = config(&[("PSP_MODE", "sandbox")]).expect("parses");
        assert_eq!(c.paypal_nvp, NvpEndpoint::Url(SANDBOX_NVP.into()));
        let c = config(&[
            ("PSP_MODE", "sandbox"),
            ("PAYPAL_NVP_URL", "http://127.0.0.1:9/nvp"),
        ])
        .expect("parses");
        assert_eq!(
            c.paypal_nvp,
            NvpEndpoint::Url("http://127.0.0.1:9/nvp".into())
        );
    }

    #[test]
    fn sandbox_and_live_without_secrets_are_misconfigured() {
        let c = config(&[("PSP_MODE", "live")]).expect("parses");
        assert_eq!(
            c.missing(&Secrets::default()),
            vec!["SESSION_SECRET", "CREDENTIALS_KEY", "PASSWORD_PEPPER"]
        );
        let emulator = config(&[]).expect("parses");
        assert!(emulator.missing(&Secrets::default()).is_empty());
    }

    #[test]
    fn malformed_values_are_named() {
        let err = config(&[
            ("PSP_MODE", "prod"),
            ("CURRENCY", "euro"),
            ("MAX_AMOUNT", "10,000"),
            ("PBKDF2_ITERATIONS", "200000"),
        ])
        .expect_err("refused");
        assert_eq!(
            err,
            vec!["PSP_MODE", "CURRENCY", "MAX_AMOUNT", "PBKDF2_ITERATIONS"]
        );
    }

    #[test]
    fn emulator_mode_refuses_every_paypal_url() {
        for name in PAYPAL_URL_VARS {
            let err = config(&[(name, "https://api-3t.paypal.com/nvp")]).expect_err(name);
            assert_eq!(err, vec![name]);
            let err = config(&[("PSP_MODE", "emulator"), (name, "http://127.0.0.1:9/x")])
                .expect_err(name);
            assert_eq!(err, vec![name]);
        }
        let c = config(&[("PSP_MODE", "live"), ("PAYPAL_NVP_URL", LIVE_NVP)]).expect("parses");
        assert_eq!(c.paypal_nvp, NvpEndpoint::Url(LIVE_NVP.into()));
    }

    #[test]
    fn initial_title_value_zero_is_allowed() {
        let c = config(&[("INITIAL_TITLE_VALUE", "0")]).expect("parses");
        assert_eq!(c.initial_title_value, Amount::ZERO);
    }

    #[test]
    fn fewer_than_100_000_iterations_are_refused_outside_emulator_mode() {
        for mode in ["sandbox", "live"] {
            let err =
                config(&[("PSP_MODE", mode), ("PBKDF2_ITERATIONS", "99999")]).expect_err("refused");
            assert_eq!(err, vec!["PBKDF2_ITERATIONS"], "{mode}");
            let c = config(&[("PSP_MODE", mode), ("PBKDF2_ITERATIONS", "100000")]).unwrap();
            assert_eq!(c.pbkdf2_iterations, 100_000);
        }
        let c = config(&[("PBKDF2_ITERATIONS", "1000")]).expect("emulator accepts");
        assert_eq!(c.pbkdf2_iterations, 1_000);
    }

    #[test]
    fn short_secrets_are_named_outside_emulator_mode() {
        let long = "x".repeat(MIN_SECRET_CHARS);
        let short = "x".repeat(MIN_SECRET_CHARS - 1);
        let secrets = Secrets {
            session_secret: Some(long.clone()),
            credentials_key: Some(short.clone()),
            mail_api_key: Some("short".into()),
            credentials_key_previous: Some(short.clone()),
            password_pepper: Some(long),
            emulator_token: None,
            ..Secrets::default()
        };
        let live = config(&[("PSP_MODE", "live")]).unwrap();
        assert_eq!(
            live.weak_secrets(&secrets),
            vec!["CREDENTIALS_KEY", "CREDENTIALS_KEY_PREVIOUS"]
        );
        assert!(config(&[]).unwrap().weak_secrets(&secrets).is_empty());
    }

    #[test]
    fn secrets_set_in_wrangler_vars_are_named() {
        let toml = "name = \"paybook\"\nSESSION_SECRET = \"top level, not a var\"\n\
                    [vars]\nPSP_MODE = \"live\"\nCREDENTIALS_KEY = \"oops\"\n\
                    [[d1_databases]]\nPASSWORD_PEPPER = \"not vars\"\n\
                    [env.prod.vars]\n\"MAIL_API_KEY\" = \"oops\"\n";
        assert_eq!(
            secrets_in_plain_vars(toml),
            vec!["CREDENTIALS_KEY", "MAIL_API_KEY"]
        );
        assert!(secrets_in_plain_vars(include_str!("../../wrangler.toml")).is_empty());
    }

    #[test]
    fn permission_mode_needs_the_platforms_credentials_outside_emulator_mode() {
        assert_eq!(
            config(&[]).unwrap().paypal_seller_auth,
            SellerAuth::Credentials
        );
        assert_eq!(
            config(&[("PAYPAL_SELLER_AUTH", "both")]).unwrap_err(),
            vec!["PAYPAL_SELLER_AUTH"]
        );
        let emulated = config(&[("PAYPAL_SELLER_AUTH", "permission")]).unwrap();
        assert!(
            emulated.missing(&Secrets::default()).is_empty(),
            "made once"
        );
        let live = config(&[("PSP_MODE", "live"), ("PAYPAL_SELLER_AUTH", "permission")]).unwrap();
        let secrets = Secrets {
            paypal_platform_username: Some("platform_api1.example.org".into()),
            ..Secrets::default()
        };
        let missing = live.missing(&secrets);
        assert!(missing.contains(&"PAYPAL_PLATFORM_PASSWORD"));
        assert!(missing.contains(&"PAYPAL_PLATFORM_SIGNATURE"));
        assert!(!missing.contains(&"PAYPAL_PLATFORM_USERNAME"));
        let credentials = config(&[("PSP_MODE", "live")]).unwrap();
        assert!(!credentials
            .missing(&Secrets::default())
            .contains(&"PAYPAL_PLATFORM_USERNAME"));
    }
}
