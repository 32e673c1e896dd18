//! CM-CIC Monetico Paiement 3.0 (successor of CyberMUT / P@iement CIC): the
//! pure wire format, shared by the adapter and the emulator so both speak
//! the same bytes (`shared/reference/monetico-sips.md` part A). The key
//! derivation, the MACs, the outgoing payment form, the CGI2 notification
//! and its acknowledgement, the capture / release / recredit requests and
//! their answers. Nothing here does I/O.

pub mod account;
pub mod amount;
pub mod capture;
pub mod codes;
pub mod form;
pub mod key;
pub mod mac;
pub mod notification;
pub mod paris;

#[cfg(test)]
mod test_vectors;
