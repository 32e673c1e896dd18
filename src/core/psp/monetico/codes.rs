//! Monetico's `code-retour` (reference A7) and what each means in the
//! seam's words. Every code maps by name, with no catch-all: an unknown
//! one is its own variant carrying the text, and is never taken for a
//! payment or a refusal (a person looks).

use crate::core::psp::notice::PaymentState;

/// The notification's `code-retour`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReturnCode {
    /// Authorized on the production server.
    Paiement,
    /// Authorized on the test server.
    Payetest,
    /// Refused ("an authorisation may still be delivered" later).
    Annulation,
    /// `paiement_pf2`..`paiement_pf4`: an instalment paid. PayBook never
    /// asks for instalments.
    PaiementInstalment(u8),
    /// `Annulation_pf2`..`Annulation_pf4`: an instalment refused.
    AnnulationInstalment(u8),
    /// Anything else, as received.
    Unknown(String),
}

/// What a notification says became of the payment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The card was authorized (nothing captured yet): claim, then capture.
    Authorized { test_server: bool },
    /// The bank refused: the order fails, `code` and `reason` shown.
    Refused { code: String, reason: String },
    /// A code PayBook does not expect: never guessed (needs review).
    Unrecognized { code: String },
}

impl ReturnCode {
    pub fn parse(text: &str) -> ReturnCode {
        let instalment = |prefix: &str| {
            text.strip_prefix(prefix)
                .and_then(|n| n.parse::<u8>().ok())
                .filter(|n| (2..=4).contains(n) && text.len() == prefix.len() + 1)
        };
        match text {
            "paiement" => ReturnCode::Paiement,
            "payetest" => ReturnCode::Payetest,
            "Annulation" => ReturnCode::Annulation,
            other => match (instalment("paiement_pf"), instalment("Annulation_pf")) {
                (Some(n), None) => ReturnCode::PaiementInstalment(n),
                (None, Some(n)) => ReturnCode::AnnulationInstalment(n),
                (Some(_), Some(_)) | (None, None) => ReturnCode::Unknown(other.to_string()),
            },
        }
    }

    /// The code as Monetico writes it.
    pub fn as_text(&self) -> String {
        match self {
            ReturnCode::Paiement => "paiement".to_string(),
            ReturnCode::Payetest => "payetest".to_string(),
            ReturnCode::Annulation => "Annulation".to_string(),
            ReturnCode::PaiementInstalment(n) => format!("paiement_pf{n}"),
            ReturnCode::AnnulationInstalment(n) => format!("Annulation_pf{n}"),
            ReturnCode::Unknown(text) => text.clone(),
        }
    }

    /// What the code means; `motifrefus` is the refusal's reason when the
    /// bank gives one (`-` or empty means none).
    pub fn verdict(&self, motifrefus: Option<&str>) -> Verdict {
        match self {
            ReturnCode::Paiement => Verdict::Authorized { test_server: false },
            ReturnCode::Payetest => Verdict::Authorized { test_server: true },
            ReturnCode::Annulation => Verdict::Refused {
                code: self.as_text(),
                reason: motifrefus
                    .map(str::trim)
                    .filter(|m| !m.is_empty() && *m != "-")
                    .unwrap_or("Annulation")
                    .to_string(),
            },
            // PayBook never asks for instalments: such a message is not
            // about a payment it made.
            ReturnCode::PaiementInstalment(_)
            | ReturnCode::AnnulationInstalment(_)
            | ReturnCode::Unknown(_) => Verdict::Unrecognized {
                code: self.as_text(),
            },
        }
    }
}

impl Verdict {
    /// The seam's word for the payment: an authorization moved no money
    /// yet (pending until captured), a refusal never will.
    pub fn payment_state(&self) -> PaymentState {
        match self {
            Verdict::Authorized { .. } => PaymentState::Pending,
            Verdict::Refused { .. } => PaymentState::Failed,
            Verdict::Unrecognized { .. } => PaymentState::Unknown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_code_is_read_and_written_back_the_same() {
        let codes = [
            ("paiement", ReturnCode::Paiement),
            ("payetest", ReturnCode::Payetest),
            ("Annulation", ReturnCode::Annulation),
            ("paiement_pf2", ReturnCode::PaiementInstalment(2)),
            ("paiement_pf4", ReturnCode::PaiementInstalment(4)),
            ("Annulation_pf3", ReturnCode::AnnulationInstalment(3)),
        ];
        for (text, code) in codes {
            assert_eq!(ReturnCode::parse(text), code, "{text}");
            assert_eq!(code.as_text(), text);
        }
    }

    #[test]
    fn an_unknown_code_is_kept_as_received() {
        for text in [
            "annulation",
            "PAIEMENT",
            "paiement_pf5",
            "paiement_pf1",
            "",
            "Annulation ",
        ] {
            assert_eq!(
                ReturnCode::parse(text),
                ReturnCode::Unknown(text.to_string())
            );
            assert_eq!(ReturnCode::parse(text).as_text(), text);
        }
    }

    #[test]
    fn paiement_and_payetest_are_authorizations_and_move_no_money_yet() {
        let prod = ReturnCode::Paiement.verdict(None);
        assert_eq!(prod, Verdict::Authorized { test_server: false });
        assert_eq!(
            ReturnCode::Payetest.verdict(Some("")),
            Verdict::Authorized { test_server: true }
        );
        assert_eq!(prod.payment_state(), PaymentState::Pending);
    }

    #[test]
    fn annulation_is_a_refusal_showing_motifrefus() {
        let refused = ReturnCode::Annulation.verdict(Some("Refus"));
        assert_eq!(
            refused,
            Verdict::Refused {
                code: "Annulation".into(),
                reason: "Refus".into()
            }
        );
        assert_eq!(refused.payment_state(), PaymentState::Failed);
        for none in [None, Some(""), Some("-")] {
            assert_eq!(
                ReturnCode::Annulation.verdict(none),
                Verdict::Refused {
                    code: "Annulation".into(),
                    reason: "Annulation".into()
                }
            );
        }
    }

    #[test]
    fn instalments_and_unknown_codes_are_never_guessed() {
        for code in [
            ReturnCode::PaiementInstalment(2),
            ReturnCode::AnnulationInstalment(2),
            ReturnCode::Unknown("paiement_pf9".into()),
        ] {
            let verdict = code.verdict(Some("Refus"));
            assert_eq!(
                verdict,
                Verdict::Unrecognized {
                    code: code.as_text()
                }
            );
            assert_eq!(verdict.payment_state(), PaymentState::Unknown);
        }
    }
}
