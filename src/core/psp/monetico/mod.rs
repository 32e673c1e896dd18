//! CM-CIC Monetico Paiement 3.0 (successor of CyberMUT / P@iement CIC): the
//! pure wire format, shared by the adapter and the emulator so both speak
//! the same bytes (`shared/reference/monetico-sips.md` part A). Nothing
//! here does I/O.
//!
//! - `key`: the usable key derived from the 40-character clé de sécurité;
//!   `account`: a typed receiving account checked for format.
//! - `mac`: the sorted MAC of version 3.0 and the legacy positional ones.
//! - `amount`, `paris`: `12.34EUR` amounts and Europe/Paris dates.
//! - `form`: the `paiement.cgi` form; `notification` and `codes`: the CGI2
//!   notification, its `code-retour` and its acknowledgement; `capture`:
//!   capture, release and recredit calls and their answers.
//! - `adapter`: Monetico behind the provider seam; `privacy`: what each
//!   party sees of its traces.
//! - `emulator`: the built-in emulated bank (its rules and `serve`).

pub mod account;
pub mod adapter;
pub mod amount;
pub mod capture;
pub mod codes;
#[cfg(feature = "emulators")]
pub mod emulator;
pub mod form;
pub mod key;
pub mod mac;
pub mod notification;
pub mod paris;
pub mod privacy;
pub mod refund;

#[cfg(test)]
mod test_vectors;
