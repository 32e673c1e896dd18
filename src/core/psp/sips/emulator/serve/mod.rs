//! The Sips emulator at work, written once over [`Effects`] (the Worker
//! runs it with `shell::emulator::EmulatorFx` on its own tables; a
//! simulation may run it on SQLite): merchants (`accounts`), the Paypage
//! (`paypage`: `paymentInit`, the card page's decision), Office
//! (`office`), the automatic responses' queue and delivery (`responses`)
//! and the one-shot faults (`controls`). `fx.now()` is the emulator's
//! clock: every batch that loads a transaction also reads the persisted
//! clock offset, which the Worker's effects adopt (see the PayPal
//! emulator's `serve`).

pub mod accounts;
pub mod controls;
pub mod office;
pub mod paypage;
pub mod responses;

pub use accounts::{create_merchant, merchant_by_email};
pub use controls::{clear_faults, list_faults, set_fault};
pub use office::office_answer;
pub use paypage::{card_page, payment_init, submit_card, CardOutcome, CardProblem, InitOutcome};
pub use responses::{deliver, deliver_undelivered, list_responses, QueuedResponse, ResponseSink};

use crate::core::flow::effects::random_bytes;
use crate::core::flow::{Effects, RandomUnavailable};

/// `N` random characters of `alphabet`.
fn random_text<const N: usize, E: Effects>(
    fx: &E,
    alphabet: &[u8],
) -> Result<String, RandomUnavailable> {
    Ok(random_bytes::<N, E>(fx)?
        .iter()
        .filter_map(|b| alphabet.get(usize::from(*b) % alphabet.len().max(1)))
        .map(|c| char::from(*c))
        .collect())
}

const DIGITS: &[u8] = b"0123456789";
const KEY_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// The SQLite effects the emulators' unit tests run on (PayPal's).
#[cfg(test)]
pub(in crate::core::psp::sips) use crate::core::psp::paypal::emulator::serve::tests as test_fx;
#[cfg(test)]
mod refund_tests;
#[cfg(test)]
mod tests;
