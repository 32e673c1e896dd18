//! The built-in CM-CIC Monetico emulator's rules, pure: a payment's states
//! (`State`), the check of a form posted to `paiement.cgi` and the CGI2
//! notification it leads to (`paiement`), the card page's choices and
//! texts (`card`), the capture and recredit calls and their `key=value`
//! answers (`api`), one-shot faults (`fault`). The emulator at work
//! (loading rows, deciding in guarded batches, queuing and delivering
//! notifications) is `serve`, written over the flows' effects; the shell
//! only parses HTTP and renders. The wire itself (MAC, key, amounts,
//! dates, the notification's fields) is the adapter's own
//! (`core::psp::monetico`), so both speak the same bytes.
//!
//! Where Monetico's documentation is not available the emulator follows
//! conventions of its own, listed in `docs/monetico-emulator.md`: the
//! capture and recredit `cdr` values (1 done, 2 already done, 0 refused,
//! -1 request not authenticated or malformed), their `lib` texts, and the
//! `motifrefus` of a buyer who cancels.

pub mod api;
pub mod card;
pub mod fault;
pub mod paiement;
pub mod serve;

/// Where a payment stands at the emulated bank.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// `paiement.cgi` accepted the form; the buyer is on the card page.
    Pending,
    /// The card was authorized; nothing captured yet (deferred capture).
    Authorized,
    /// The card was refused or the buyer cancelled (`Annulation`).
    Refused,
    /// The whole amount was captured and settled to the merchant.
    Captured,
    /// The authorization was released (a capture of `0EUR`).
    Released,
    /// Part or all of a captured payment was refunded.
    Recredited,
}

impl State {
    const ALL: [State; 6] = [
        State::Pending,
        State::Authorized,
        State::Refused,
        State::Captured,
        State::Released,
        State::Recredited,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Authorized => "authorized",
            State::Refused => "refused",
            State::Captured => "captured",
            State::Released => "released",
            State::Recredited => "recredited",
        }
    }

    /// A stored state; `None` for a row naming another (a bug).
    pub fn parse(text: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_reads_back_its_name() {
        for state in State::ALL {
            assert_eq!(State::parse(state.as_str()), Some(state));
        }
        assert_eq!(State::parse("paid"), None);
    }
}
