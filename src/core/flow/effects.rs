//! What a flow may do besides computing: the effects. The shell implements
//! them on D1, `fetch` and the Workers runtime; the simulation implements
//! them on SQLite, an in-process emulator and its own clock, and may stop a
//! flow between any two of them (a crash) or answer late or never.

use crate::core::sql::{Batch, StmtResult};
use crate::core::time::UtcTime;

/// Why a batch did not apply; either way nothing in it was applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// One of the batch's guards refused it: a row changed meanwhile.
    Guard,
    /// The database failed or refused the batch for another reason.
    Failed(String),
}

/// Where a provider call goes. The shell maps each to its configured URL,
/// or, in emulator mode, to the built-in emulator in-process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// PayPal's NVP API (`PAYPAL_NVP_URL`).
    PaypalNvp,
    /// PayPal's IPN postback (`PAYPAL_IPN_VERIFY_URL`).
    PaypalIpnVerify,
    /// Sips Office (`SIPS_OFFICE_URL` + `path`): a JSON body.
    SipsOffice { path: &'static str },
    /// Monetico's capture and recredit (`MONETICO_API_URL` + `script`): a
    /// form body.
    MoneticoApi { script: &'static str },
}

/// How long a call may take before its outcome counts as unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Patience {
    /// A call that moves money (spec §10: 30 s).
    Payment,
    /// Any other call that decides something (20 s).
    Default,
    /// A page only shows what it reads (5 s).
    Glance,
    /// A notification's postback: the provider resends an unacknowledged
    /// message, so a short wait loses nothing (10 s).
    Postback,
}

impl Patience {
    pub fn seconds(self) -> u64 {
        match self {
            Patience::Payment => 30,
            Patience::Default => 20,
            Patience::Glance => 5,
            Patience::Postback => 10,
        }
    }
}

/// One provider call in its wire format: a form body POSTed to an endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireRequest {
    pub endpoint: Endpoint,
    pub patience: Patience,
    pub body: Vec<u8>,
}

/// What came back over the wire, before the provider module reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireAnswer {
    pub status: u16,
    pub body: Vec<u8>,
}

/// Why no answer can be believed: the outcome of the call is unknown,
/// never a refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoAnswer {
    Timeout,
    /// Connection refused or broken.
    Network(String),
    /// An HTTP status the provider does not answer with on success.
    Status(u16),
    /// A body the provider module cannot read.
    Unreadable(String),
}

impl NoAnswer {
    pub fn describe(&self) -> String {
        match self {
            NoAnswer::Timeout => "timeout".into(),
            NoAnswer::Network(m) => format!("network: {m}"),
            NoAnswer::Status(s) => format!("HTTP {s}"),
            NoAnswer::Unreadable(m) => format!("unreadable answer: {m}"),
        }
    }
}

/// The platform's CSPRNG failed: never continue with predictable bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RandomUnavailable;

/// Why a flow stopped before its end. Whatever it wrote before stays
/// consistent (each write is one batch); the reconciler takes it up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlowError {
    Store(StoreError),
    Random,
    /// Rows that do not decode, credentials that do not open: a bug or
    /// a broken deployment, never the user's input.
    Internal(String),
}

impl From<StoreError> for FlowError {
    fn from(e: StoreError) -> Self {
        FlowError::Store(e)
    }
}

impl From<RandomUnavailable> for FlowError {
    fn from(_: RandomUnavailable) -> Self {
        FlowError::Random
    }
}

/// The effects a flow may have. `&self` everywhere: a flow may run beside
/// others (the simulation interleaves them; the Worker runs one per
/// request), so implementations keep their state in cells.
#[allow(async_fn_in_trait)] // Workers futures are not Send; neither are these.
pub trait Effects {
    /// Runs one batch as one transaction (one D1 round trip).
    async fn run(&self, batch: &Batch) -> Result<Vec<StmtResult>, StoreError>;
    /// Sends one provider call; `Err` when its outcome is unknown.
    async fn send(&self, request: &WireRequest) -> Result<WireAnswer, NoAnswer>;
    /// The clock.
    fn now(&self) -> UtcTime;
    /// Fills `out` from a CSPRNG.
    fn fill_random(&self, out: &mut [u8]) -> Result<(), RandomUnavailable>;
    /// A line for the operator's log (never a secret).
    fn log(&self, line: &str);
    /// Entries were appended to the ledger unsealed: seal them after the
    /// answer (the Worker: `waitUntil`). A hint only: the next request that
    /// appends, the next `/ledger` read and the cron seal them anyway.
    fn seal_later(&self) {}
}

impl<E: Effects> Effects for &E {
    async fn run(&self, batch: &Batch) -> Result<Vec<StmtResult>, StoreError> {
        (**self).run(batch).await
    }
    async fn send(&self, request: &WireRequest) -> Result<WireAnswer, NoAnswer> {
        (**self).send(request).await
    }
    fn now(&self) -> UtcTime {
        (**self).now()
    }
    fn fill_random(&self, out: &mut [u8]) -> Result<(), RandomUnavailable> {
        (**self).fill_random(out)
    }
    fn log(&self, line: &str) {
        (**self).log(line)
    }
    fn seal_later(&self) {
        (**self).seal_later()
    }
}

/// Runs a guarded batch: `Ok(false)` when a guard refused it.
pub async fn run_guarded<E: Effects>(fx: &E, batch: &Batch) -> Result<bool, StoreError> {
    match fx.run(batch).await {
        Ok(_) => Ok(true),
        Err(StoreError::Guard) => Ok(false),
        Err(e) => Err(e),
    }
}

/// `N` random bytes.
pub fn random_bytes<const N: usize, E: Effects>(fx: &E) -> Result<[u8; N], RandomUnavailable> {
    let mut out = [0u8; N];
    fx.fill_random(&mut out)?;
    Ok(out)
}
