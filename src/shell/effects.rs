//! The Worker's effects for the core's flows (`core::flow::Effects`): D1
//! for batches (counted for `Server-Timing`, with the session lookup the
//! request context folds into its first batch), `fetch` with a timeout or the
//! in-process emulator for provider calls, the (emulator-shifted) clock,
//! WebCrypto's CSPRNG and the Workers console.

use crate::core::config::NvpEndpoint;
use crate::core::flow::{
    Effects, Endpoint, FlowError, NoAnswer, RandomUnavailable, StoreError, WireAnswer, WireRequest,
};
use crate::core::sql::{Batch, StmtResult};
use crate::core::time::UtcTime;
use crate::shell::web::{Ctx, WebError};

/// The postback's prefix: the emulator is handed the message after it.
#[cfg(feature = "emulators")]
const POSTBACK_PREFIX: &[u8] = b"cmd=_notify-validate&";

impl From<FlowError> for WebError {
    fn from(e: FlowError) -> Self {
        match e {
            FlowError::Store(StoreError::Guard) => WebError::Internal("guard refused".into()),
            FlowError::Store(StoreError::Failed(m)) | FlowError::Internal(m) => {
                WebError::Internal(m)
            }
            FlowError::Random => crate::shell::app::RandomUnavailable.into(),
        }
    }
}

impl Effects for Ctx {
    async fn run(&self, batch: &Batch) -> Result<Vec<StmtResult>, StoreError> {
        Ctx::run(self, batch).await.map_err(StoreError::from)
    }

    async fn send(&self, request: &WireRequest) -> Result<WireAnswer, NoAnswer> {
        self.count_psp_call();
        let timeout = std::time::Duration::from_secs(request.patience.seconds());
        let config = &self.app.config;
        let (status, text) = match request.endpoint {
            Endpoint::PaypalNvp => match &config.paypal_nvp {
                NvpEndpoint::InProcess => in_process(self, request).await?,
                NvpEndpoint::Url(url) => {
                    crate::shell::transport::post(url, &request.body, timeout).await?
                }
            },
            Endpoint::PaypalIpnVerify => {
                match (&config.paypal_nvp, &config.paypal_ipn_verify_url) {
                    (NvpEndpoint::InProcess, None) => in_process(self, request).await?,
                    (_, Some(url)) => {
                        crate::shell::transport::post(url, &request.body, timeout).await?
                    }
                    (NvpEndpoint::Url(_), None) => {
                        return Err(NoAnswer::Network("no PAYPAL_IPN_VERIFY_URL".into()))
                    }
                }
            }
            Endpoint::SipsOffice { path } => match &config.providers.sips_office_url {
                None => in_process(self, request).await?,
                Some(base) => {
                    let url = join_url(base, path);
                    let json = crate::shell::transport::JSON;
                    crate::shell::transport::post_as(&url, json, &request.body, timeout).await?
                }
            },
            Endpoint::MoneticoApi { script } => match &config.providers.monetico_api_url {
                None => in_process(self, request).await?,
                Some(base) => {
                    let url = join_url(base, script);
                    crate::shell::transport::post(&url, &request.body, timeout).await?
                }
            },
        };
        Ok(WireAnswer {
            status,
            body: text.into_bytes(),
        })
    }

    fn now(&self) -> UtcTime {
        Ctx::now(self)
    }

    fn fill_random(&self, out: &mut [u8]) -> Result<(), RandomUnavailable> {
        getrandom::fill(out).map_err(|_| RandomUnavailable)
    }

    fn log(&self, line: &str) {
        worker::console_log!("{line}");
    }

    fn seal_later(&self) {
        self.seal_due.set(true);
    }
}

/// `base` and `path` joined by exactly one `/`.
fn join_url(base: &str, path: &str) -> String {
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

/// A provider call answered in process by the built-in emulator of its
/// endpoint (emulator mode: no provider URL set).
#[cfg(feature = "emulators")]
async fn in_process(ctx: &Ctx, request: &WireRequest) -> Result<(u16, String), NoAnswer> {
    use crate::shell::emulator;
    Ok(match request.endpoint {
        Endpoint::PaypalNvp => {
            let body = String::from_utf8_lossy(&request.body);
            emulator::nvp_answer(ctx, &body).await
        }
        Endpoint::PaypalIpnVerify => {
            let message = request
                .body
                .strip_prefix(POSTBACK_PREFIX)
                .unwrap_or(&request.body);
            emulator::verify_ipn(ctx, message).await
        }
        Endpoint::SipsOffice { path } => {
            emulator::sips::office_answer(ctx, path, &request.body).await
        }
        Endpoint::MoneticoApi { script } => {
            emulator::monetico::api_answer(ctx, script, &request.body).await
        }
    })
}

/// A build without the emulators has no in-process provider: the
/// configuration refuses emulator mode there, so only a provider URL left
/// unset could lead here, and the call then has no answer.
#[cfg(not(feature = "emulators"))]
async fn in_process(_ctx: &Ctx, request: &WireRequest) -> Result<(u16, String), NoAnswer> {
    Err(NoAnswer::Network(format!(
        "{:?}: no provider URL, and this build has no emulator",
        request.endpoint
    )))
}

/// The built-in emulators' effects (their own tables), in `shell::emulator`
/// so that the emulator's routes need not import this module.
#[cfg(feature = "emulators")]
pub use super::emulator::EmulatorFx;

/// The deployment as the flows see it; `base_url` is `ctx.base_url()`,
/// kept by the caller for the flow's lifetime.
pub fn site<'a>(ctx: &'a Ctx, base_url: &'a str) -> crate::core::flow::Site<'a> {
    crate::core::flow::Site {
        config: &ctx.app.config,
        keyring: &ctx.app.keyring,
        deployment_id: &ctx.app.deployment_id,
        base_url,
        paypal_platform: ctx.app.paypal_platform.as_ref(),
    }
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        FlowError::Store(e).into()
    }
}
