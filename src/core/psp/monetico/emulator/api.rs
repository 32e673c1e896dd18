//! `capture_paiement.cgi` and `recredit_paiement.cgi` at the emulated
//! bank: the request's authentication (TPE, MAC with the merchant's key,
//! société), what a capture, release or recredit does to a payment in
//! each state, and the `key=value` answer lines exactly as
//! `core::psp::monetico::capture` reads them.
//!
//! `cdr` values (the full table is not public, reference A8 "?"): `1` done
//! (the published fixture), `0` refused with nothing moved, `2` already
//! done (a repeated capture, a repeated release, a recredit of a payment
//! with nothing left to recredit), `-1` a request the
//! bank cannot take (unknown TPE, bad MAC, missing or malformed field).
//! `0`, `2` and `-1` and every `lib` text are the emulator's conventions.

use crate::core::psp::monetico::amount::WireAmount;
use crate::core::psp::monetico::capture::{CAPTURE_PATH, RECREDIT_PATH};
use crate::core::psp::monetico::form::valid_reference;
use crate::core::psp::monetico::key::UsableKey;
use crate::core::psp::monetico::mac::{Layout, VERSION};
use crate::core::psp::monetico::notification::Received;
use crate::core::sql::emulator::monetico::Merchant;

use super::State;

/// The `version` line of every answer (the published fixture's).
pub const ANSWER_VERSION: &str = "1.0";

/// Done.
pub const CDR_DONE: &str = "1";
/// Already done before: a repeated capture or release.
pub const CDR_ALREADY_DONE: &str = "2";
/// Refused: nothing moved.
pub const CDR_REFUSED: &str = "0";
/// The request itself is refused: unknown TPE, bad MAC, bad field.
pub const CDR_INVALID: &str = "-1";

/// One answer of the bank's API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiAnswer {
    pub cdr: String,
    pub lib: String,
    pub aut: Option<String>,
}

impl ApiAnswer {
    pub fn new(cdr: &str, lib: &str) -> ApiAnswer {
        ApiAnswer {
            cdr: cdr.to_string(),
            lib: lib.to_string(),
            aut: None,
        }
    }

    fn with_aut(mut self, aut: Option<&str>) -> ApiAnswer {
        self.aut = aut.filter(|a| !a.is_empty()).map(str::to_string);
        self
    }

    /// The answer's lines: `version`, `reference`, `cdr`, `lib`, and `aut`
    /// when there is an authorization number.
    pub fn body(&self, reference: &str) -> String {
        let mut body = format!(
            "version={ANSWER_VERSION}\nreference={reference}\ncdr={}\nlib={}\n",
            self.cdr, self.lib
        );
        if let Some(aut) = &self.aut {
            body.push_str(&format!("aut={aut}\n"));
        }
        body
    }
}

/// The two scripts of the bank's API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Script {
    Capture,
    Recredit,
}

impl Script {
    /// The script named by the last part of a path.
    pub fn parse(path: &str) -> Option<Script> {
        let name = path.rsplit('/').next().unwrap_or(path);
        if name == CAPTURE_PATH {
            Some(Script::Capture)
        } else if name == RECREDIT_PATH {
            Some(Script::Recredit)
        } else {
            None
        }
    }
}

/// Checks who calls: a known TPE, the MAC under its key (sorted layout),
/// version 3.0, its société and a well-formed reference.
pub fn authenticate(received: &Received, merchant: Option<&Merchant>) -> Result<(), ApiAnswer> {
    let invalid = |lib: &str| Err(ApiAnswer::new(CDR_INVALID, lib));
    let Some(merchant) = merchant else {
        return invalid("TPE inconnu");
    };
    let Ok(key) = UsableKey::derive(&merchant.cle) else {
        return invalid("commande non authentifiee");
    };
    if !received.mac_valid(&key, Layout::Sorted) {
        return invalid("commande non authentifiee");
    }
    if received.field("version") != Some(VERSION) {
        return invalid("version incorrecte");
    }
    if received.field("societe") != Some(merchant.societe.as_str()) {
        return invalid("societe incorrecte");
    }
    if !received.field("reference").is_some_and(valid_reference) {
        return invalid("reference incorrecte");
    }
    Ok(())
}

/// What the bank knows of a payment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentFacts<'a> {
    pub state: State,
    pub amount: WireAmount,
    pub captured_cents: i64,
    pub recredited_cents: i64,
    pub numauto: Option<&'a str>,
}

/// A field read as an amount in the payment's currency.
fn amount_field(
    received: &Received,
    name: &'static str,
    facts: &PaymentFacts<'_>,
) -> Result<i64, ApiAnswer> {
    match received.field(name).map(WireAmount::parse) {
        Some(Ok(a)) if a.currency == facts.amount.currency => Ok(a.cents),
        Some(Ok(_)) | Some(Err(_)) | None => {
            Err(ApiAnswer::new(CDR_INVALID, &format!("{name} incorrect")))
        }
    }
}

/// What a capture call does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CaptureStep {
    /// Capture the whole amount: settle it to the merchant.
    Capture { cents: i64 },
    /// Release the authorization: nothing moves.
    Release,
    /// Nothing to do: answer this.
    Answer(ApiAnswer),
}

/// Decides a capture call (authenticated) about a payment. Only the whole
/// amount (`montant_restant=0EUR`) or nothing (a release) are taken:
/// PayBook never captures in parts.
pub fn decide_capture(received: &Received, facts: &PaymentFacts<'_>) -> CaptureStep {
    let read = |name| amount_field(received, name, facts);
    let parts = (|| {
        let total = read("montant")?;
        let split = (
            read("montant_a_capturer")?,
            read("montant_deja_capture")?,
            read("montant_restant")?,
        );
        Ok::<_, ApiAnswer>((total, split))
    })();
    let (total, split) = match parts {
        Ok(parts) => parts,
        Err(answer) => return CaptureStep::Answer(answer),
    };
    let refused = |lib: &str| CaptureStep::Answer(ApiAnswer::new(CDR_REFUSED, lib));
    if total != facts.amount.cents {
        return refused("montant incorrect");
    }
    let whole = split == (total, 0, 0);
    let release = split == (0, 0, 0);
    if !whole && !release {
        return refused("capture partielle non geree");
    }
    let again = |lib: &str| {
        CaptureStep::Answer(ApiAnswer::new(CDR_ALREADY_DONE, lib).with_aut(facts.numauto))
    };
    match (facts.state, whole) {
        (State::Authorized, true) => CaptureStep::Capture { cents: total },
        (State::Authorized, false) => CaptureStep::Release,
        (State::Captured | State::Recredited, true) => again("paiement deja capture"),
        (State::Captured | State::Recredited, false) => refused("paiement deja capture"),
        (State::Released, true) => refused("autorisation annulee"),
        (State::Released, false) => again("autorisation deja annulee"),
        (State::Pending | State::Refused, true | false) => refused("paiement non autorise"),
    }
}

/// The answer once a capture or a release was done.
pub fn captured_answer(step: &CaptureStep, numauto: Option<&str>) -> ApiAnswer {
    match step {
        CaptureStep::Capture { .. } => {
            ApiAnswer::new(CDR_DONE, "paiement accepte").with_aut(numauto)
        }
        CaptureStep::Release => ApiAnswer::new(CDR_DONE, "annulation acceptee"),
        CaptureStep::Answer(answer) => answer.clone(),
    }
}

/// What a recredit call does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecreditStep {
    /// Refund these cents: the merchant's balance gives them back.
    Recredit {
        cents: i64,
    },
    Answer(ApiAnswer),
}

/// Decides a recredit call (authenticated): at most what was captured and
/// not refunded yet, and never more than the request's own
/// `montant_possible`. A payment with nothing left to recredit answers
/// `cdr=2` (already done, the emulator's convention, as for a repeated
/// capture): a recredit repeated after its answer was lost moves nothing.
pub fn decide_recredit(received: &Received, facts: &PaymentFacts<'_>) -> RecreditStep {
    let read = |name| amount_field(received, name, facts);
    let parts = (|| {
        let total = read("montant")?;
        Ok::<_, ApiAnswer>((total, read("montant_recredit")?, read("montant_possible")?))
    })();
    let (total, cents, possible) = match parts {
        Ok(parts) => parts,
        Err(answer) => return RecreditStep::Answer(answer),
    };
    let refused = |lib: &str| RecreditStep::Answer(ApiAnswer::new(CDR_REFUSED, lib));
    if total != facts.amount.cents || cents <= 0 {
        return refused("montant incorrect");
    }
    if cents > possible {
        return refused("montant trop eleve");
    }
    match facts.state {
        State::Captured | State::Recredited => {
            let left = facts.captured_cents - facts.recredited_cents;
            if left <= 0 {
                RecreditStep::Answer(ApiAnswer::new(CDR_ALREADY_DONE, "recredit deja effectue"))
            } else if cents > left {
                refused("montant trop eleve")
            } else {
                RecreditStep::Recredit { cents }
            }
        }
        State::Pending | State::Authorized | State::Refused | State::Released => {
            refused("paiement non capture")
        }
    }
}

/// The answer once a recredit was done.
pub fn recredited_answer() -> ApiAnswer {
    ApiAnswer::new(CDR_DONE, "recredit accepte")
}

#[cfg(test)]
#[path = "api_tests.rs"]
mod tests;
