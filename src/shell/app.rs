//! The isolate's state: configuration, secrets and the once-generated
//! settings, read on the first request of an isolate and kept while it
//! lives. A database that is behind or a deployment without its secrets is
//! not cached, so the next request looks again.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

#[cfg(feature = "emulators")]
use worker::D1DatabaseSession;
use worker::{D1Database, D1SessionConstraint, Env};

use super::db;
use crate::core::config::{Config, PspMode, Secrets, SellerAuth};
use crate::core::psp::PlatformCredentials as Credentials;
use crate::core::sealing::{Keyring, SealingKey};
use crate::core::sql::{self, boot, SCHEMA_VERSION};
use crate::core::time::UtcTime;

/// Everything a request needs to know about the deployment.
pub struct App {
    pub config: Config,
    pub session_secret: String,
    /// `CREDENTIALS_KEY` (seals) and `CREDENTIALS_KEY_PREVIOUS` (opens only).
    pub keyring: Keyring,
    /// `PASSWORD_PEPPER`: HMAC key applied to passwords before PBKDF2.
    pub password_pepper: String,
    pub mail_api_key: Option<String>,
    /// `EMULATOR_TOKEN`: opens `/_emulator/*` on a non-local host.
    pub emulator_token: Option<String>,
    /// Random, made once; part of every PayPal INVNUM.
    pub deployment_id: String,
    /// Emulator mode only: how far `/_emulator/clock` moved time forward.
    pub clock_offset_seconds: Cell<i64>,
    /// The platform's own PayPal API credentials (`PAYPAL_PLATFORM_*`; in
    /// emulator mode the emulated platform account made once), for the
    /// sellers who granted it permissions.
    pub paypal_platform: Option<Credentials>,
}

/// Why the worker cannot serve.
#[derive(Debug)]
pub enum Unavailable {
    /// Settings missing or malformed (sandbox/live without secrets, ...).
    Misconfigured {
        missing: Vec<&'static str>,
        invalid: Vec<&'static str>,
    },
    /// Fewer migrations applied than this build expects.
    DatabaseBehind { applied: i64 },
    /// The runtime failed us (no random source).
    Runtime(&'static str),
}

thread_local! {
    static APP: RefCell<Option<Rc<App>>> = const { RefCell::new(None) };
}

pub const SETTING_DEPLOYMENT_ID: &str = "deployment_id";
pub const SETTING_SESSION_SECRET: &str = "session_secret";
pub const SETTING_CREDENTIALS_KEY: &str = "credentials_key";
pub const SETTING_PASSWORD_PEPPER: &str = "password_pepper";
pub const SETTING_CLOCK_OFFSET: &str = "clock_offset_seconds";
pub const SETTING_PAYPAL_PLATFORM_USERNAME: &str = "paypal_platform_username";
pub const SETTING_PAYPAL_PLATFORM_PASSWORD: &str = "paypal_platform_password";
pub const SETTING_PAYPAL_PLATFORM_SIGNATURE: &str = "paypal_platform_signature";

/// The isolate's [`App`], booting it with one D1 batch when needed.
pub async fn get(env: &Env) -> Result<Rc<App>, Unavailable> {
    if let Some(app) = APP.with(|cell| cell.borrow().clone()) {
        return Ok(app);
    }
    let app = Rc::new(boot(env).await?);
    APP.with(|cell| *cell.borrow_mut() = Some(app.clone()));
    Ok(app)
}

fn read_var(env: &Env, name: &str) -> Option<String> {
    env.var(name).ok().map(|v| v.to_string())
}

fn read_secret(env: &Env, name: &str) -> Option<String> {
    // A secret set with `wrangler secret put` (or `.dev.vars`).
    env.secret(name)
        .ok()
        .map(|v| v.to_string())
        .filter(|v| !v.trim().is_empty())
}

/// The wrangler configuration this Worker was built with.
const WRANGLER_TOML: &str = include_str!("../../wrangler.toml");

/// Secrets set as plain `[vars]`: refused (misconfigured), since a plain var
/// is shown in the dashboard and committed with `wrangler.toml`. A binding
/// does not say at run time whether it is a secret: `env.secret()` and
/// `env.var()` both read a JS string, and wrangler dev hands `plain_text`
/// (`[vars]`, `--var`) and `secret_text` (`.dev.vars`) to miniflare in one
/// `bindings` object (`buildMiniflareBindingOptions` in wrangler-dist). So
/// this reads the configuration compiled in.
fn plain_vars_named_as_secrets(_env: &Env) -> Vec<&'static str> {
    crate::core::config::secrets_in_plain_vars(WRANGLER_TOML)
}

async fn boot(env: &Env) -> Result<App, Unavailable> {
    let (config, secrets) = read_settings(env)?;
    let database = env.d1("DB").map_err(|_| Unavailable::Misconfigured {
        missing: vec!["DB"],
        invalid: vec![],
    })?;
    // The boot writes the generated settings: on the primary.
    let database = database
        .with_session_constraint(D1SessionConstraint::FirstPrimary)
        .map_err(|e| {
            worker::console_warn!("boot: no D1 session: {e}");
            Unavailable::DatabaseBehind { applied: 0 }
        })?;
    let results = db::run(&database, &boot_batch(&config)?)
        .await
        .map_err(|e| {
            worker::console_warn!("boot: database not ready: {e}");
            Unavailable::DatabaseBehind { applied: 0 }
        })?;
    let settings = stored_settings(&results)?;
    let app = app(config, secrets, &settings)?;
    #[cfg(feature = "emulators")]
    if emulated_platform(&app.config, &settings) {
        if let Some(platform) = &app.paypal_platform {
            ensure_emulated_platform(&database, &app.config, platform).await?;
        }
    }
    Ok(app)
}

/// Emulator mode in permission mode without `PAYPAL_PLATFORM_*`: the
/// platform calls PayPal with an emulated account of its own.
#[cfg(feature = "emulators")]
fn emulated_platform(config: &Config, settings: &[Setting]) -> bool {
    config.psp_mode == PspMode::Emulator
        && config.paypal_seller_auth == SellerAuth::Permission
        && settings
            .iter()
            .any(|s| s.key == SETTING_PAYPAL_PLATFORM_USERNAME)
}

/// The emulated platform account with the generated credentials, made
/// once (the emulator's own table, in a batch of its own).
#[cfg(feature = "emulators")]
async fn ensure_emulated_platform(
    database: &D1DatabaseSession,
    config: &Config,
    platform: &Credentials,
) -> Result<(), Unavailable> {
    let email = crate::core::psp::emulated_platform_email(&platform.username);
    // A payer id as PayPal's: 13 upper-case letters and digits.
    const ALPHANUMERIC: &[u8; 36] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let payer_id: String = random_bytes::<13>()
        .map_err(|_| Unavailable::Runtime("no random source"))?
        .iter()
        .filter_map(|b| ALPHANUMERIC.get(usize::from(*b) % ALPHANUMERIC.len()))
        .map(|c| char::from(*c))
        .collect();
    let now = UtcTime::from_unix_seconds(
        i64::try_from(worker::Date::now().as_millis() / 1000).unwrap_or(0),
    )
    .to_string();
    let account = sql::emulator::NewAccount {
        email: &email,
        payer_id: &payer_id,
        api_username: &platform.username,
        api_password: &platform.password,
        api_signature: &platform.signature,
        balance_cents: 0,
        currency: config.currency.as_str(),
        now: &now,
    };
    db::run(database, &vec![sql::emulator::create(&account)])
        .await
        .map(|_| ())
        .map_err(|e| {
            worker::console_warn!("boot: emulated PayPal platform account: {e}");
            Unavailable::DatabaseBehind { applied: 0 }
        })
}

/// The configuration and the secrets, refused (503) when one is missing,
/// malformed or weak.
fn read_settings(env: &Env) -> Result<(Config, Secrets), Unavailable> {
    let config = Config::from_vars(|name| read_var(env, name)).map_err(|invalid| {
        Unavailable::Misconfigured {
            missing: vec![],
            invalid,
        }
    })?;
    if let Some(name) = config.mode_not_built() {
        worker::console_error!("{}", crate::core::config::NO_EMULATORS);
        return Err(Unavailable::Misconfigured {
            missing: vec![],
            invalid: vec![name],
        });
    }
    let secrets = Secrets {
        session_secret: read_secret(env, "SESSION_SECRET"),
        credentials_key: read_secret(env, "CREDENTIALS_KEY"),
        mail_api_key: read_secret(env, "MAIL_API_KEY"),
        credentials_key_previous: read_secret(env, "CREDENTIALS_KEY_PREVIOUS"),
        password_pepper: read_secret(env, "PASSWORD_PEPPER"),
        emulator_token: read_secret(env, "EMULATOR_TOKEN"),
        paypal_platform_username: read_secret(env, "PAYPAL_PLATFORM_USERNAME"),
        paypal_platform_password: read_secret(env, "PAYPAL_PLATFORM_PASSWORD"),
        paypal_platform_signature: read_secret(env, "PAYPAL_PLATFORM_SIGNATURE"),
    };
    let missing = config.missing(&secrets);
    let mut invalid = config.weak_secrets(&secrets);
    invalid.extend(plain_vars_named_as_secrets(env));
    if !missing.is_empty() || !invalid.is_empty() {
        return Err(Unavailable::Misconfigured { missing, invalid });
    }
    Ok((config, secrets))
}

/// The boot's one round trip: the schema version, the deployment id (and
/// in emulator mode the generated secrets) made once, then every setting.
fn boot_batch(config: &Config) -> Result<sql::Batch, Unavailable> {
    let random = |_| Unavailable::Runtime("no random source");
    let mut batch = vec![
        boot::schema_version(),
        boot::ensure_setting(SETTING_DEPLOYMENT_ID, random_hex::<6>().map_err(random)?),
    ];
    if config.psp_mode == PspMode::Emulator {
        // Emulator mode needs no secrets from the operator: made once, kept.
        for key in [
            SETTING_SESSION_SECRET,
            SETTING_CREDENTIALS_KEY,
            SETTING_PASSWORD_PEPPER,
        ] {
            batch.push(boot::ensure_setting(
                key,
                random_hex::<32>().map_err(random)?,
            ));
        }
        if config.paypal_seller_auth == SellerAuth::Permission {
            batch.extend(emulated_platform_settings().map_err(random)?);
        }
    }
    batch.push(boot::read_settings());
    Ok(batch)
}

/// The emulated platform account's credentials, made once and kept like
/// the other generated secrets.
fn emulated_platform_settings() -> Result<Vec<sql::Stmt>, RandomUnavailable> {
    Ok(vec![
        boot::ensure_setting(
            SETTING_PAYPAL_PLATFORM_USERNAME,
            format!("platform-{}_api1.paybook.emulator", random_hex::<4>()?),
        ),
        boot::ensure_setting(SETTING_PAYPAL_PLATFORM_PASSWORD, random_hex::<16>()?),
        boot::ensure_setting(SETTING_PAYPAL_PLATFORM_SIGNATURE, random_hex::<28>()?),
    ])
}

/// A row of the `settings` table.
#[derive(serde::Deserialize)]
struct Setting {
    key: String,
    value: String,
}

/// The settings [`boot_batch`] read, once the schema is at
/// [`SCHEMA_VERSION`].
fn stored_settings(results: &[sql::StmtResult]) -> Result<Vec<Setting>, Unavailable> {
    #[derive(serde::Deserialize)]
    struct Applied {
        applied: i64,
    }
    let applied = results
        .first()
        .and_then(|r| sql::first::<Applied>(r).ok().flatten())
        .map_or(0, |a| a.applied);
    if applied < SCHEMA_VERSION {
        return Err(Unavailable::DatabaseBehind { applied });
    }
    Ok(results
        .last()
        .and_then(|r| sql::rows(r).ok())
        .unwrap_or_default())
}

/// The running app: each secret the operator's, else the generated one.
fn app(config: Config, secrets: Secrets, settings: &[Setting]) -> Result<App, Unavailable> {
    let setting = |key: &str| {
        settings
            .iter()
            .find(|s| s.key == key)
            .map(|s| s.value.clone())
    };
    let generated = |key: &str| {
        setting(key).ok_or(Unavailable::Misconfigured {
            missing: vec!["settings"],
            invalid: vec![],
        })
    };
    let paypal_platform = platform_credentials(&secrets, &setting);
    let session_secret = match secrets.session_secret {
        Some(s) => s,
        None => generated(SETTING_SESSION_SECRET)?,
    };
    let credentials_key = match secrets.credentials_key {
        Some(s) => s,
        None => generated(SETTING_CREDENTIALS_KEY)?,
    };
    let password_pepper = match secrets.password_pepper {
        Some(s) => s,
        None => generated(SETTING_PASSWORD_PEPPER)?,
    };
    let bad_key = || Unavailable::Misconfigured {
        missing: vec![],
        invalid: vec!["CREDENTIALS_KEY"],
    };
    let keyring = Keyring {
        current: SealingKey::new(&credentials_key).ok_or_else(bad_key)?,
        previous: secrets
            .credentials_key_previous
            .as_deref()
            .and_then(SealingKey::new),
    };
    let clock_offset_seconds = match config.psp_mode {
        PspMode::Emulator => setting(SETTING_CLOCK_OFFSET)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
        PspMode::Sandbox | PspMode::Live => 0,
    };
    Ok(App {
        paypal_platform,
        deployment_id: generated(SETTING_DEPLOYMENT_ID)?,
        session_secret,
        keyring,
        password_pepper,
        mail_api_key: secrets.mail_api_key,
        emulator_token: secrets.emulator_token,
        clock_offset_seconds: Cell::new(clock_offset_seconds),
        config,
    })
}

/// The operator's `PAYPAL_PLATFORM_*` when all three are set, else the
/// generated emulated platform account's (emulator mode), else none.
fn platform_credentials(
    secrets: &Secrets,
    setting: &dyn Fn(&str) -> Option<String>,
) -> Option<Credentials> {
    let configured = (
        secrets.paypal_platform_username.clone(),
        secrets.paypal_platform_password.clone(),
        secrets.paypal_platform_signature.clone(),
    );
    let (username, password, signature) = match configured {
        (Some(u), Some(p), Some(s)) => (u, p, s),
        _ => (
            setting(SETTING_PAYPAL_PLATFORM_USERNAME)?,
            setting(SETTING_PAYPAL_PLATFORM_PASSWORD)?,
            setting(SETTING_PAYPAL_PLATFORM_SIGNATURE)?,
        ),
    };
    Some(Credentials {
        username,
        password,
        signature,
        subject: None,
    })
}

impl App {
    /// PayBook's PayPal API username when new PayPal sellers grant it
    /// permissions (`PAYPAL_SELLER_AUTH=permission`) and it has one.
    pub fn paypal_by_permission(&self) -> Option<&str> {
        match self.config.paypal_seller_auth {
            SellerAuth::Permission => self.paypal_platform.as_ref().map(|c| c.username.as_str()),
            SellerAuth::Credentials => None,
        }
    }

    /// The time as the platform sees it: the real clock, moved forward by the
    /// emulator's clock in emulator mode.
    pub fn now(&self) -> UtcTime {
        let millis = worker::Date::now().as_millis();
        let seconds = i64::try_from(millis / 1000).unwrap_or(i64::MAX);
        UtcTime::from_unix_seconds(seconds + self.clock_offset_seconds.get())
    }
}

/// The platform's CSPRNG (WebCrypto's getRandomValues) failed: never
/// continue with predictable bytes.
#[derive(Debug)]
pub struct RandomUnavailable;

/// `N` random bytes from the platform's CSPRNG.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], RandomUnavailable> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|_| RandomUnavailable)?;
    Ok(bytes)
}

/// A random token of 16 or 32 bytes as lower-case hex.
pub fn random_hex<const N: usize>() -> Result<String, RandomUnavailable> {
    Ok(random_bytes::<N>()?
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// The D1 binding (checked at boot).
pub fn database(env: &Env) -> worker::Result<D1Database> {
    env.d1("DB")
}
