//! The providers' settings (spec `providers.md` §4): which providers this
//! deployment offers (`PSPS`, in the order buyers see them), Sips'
//! `captureDay` (`CAPTURE_DAYS`) and the card providers' endpoints. In
//! emulator mode every endpoint is the built-in emulator (a real one set
//! there would move real money behind the emulator's open tools: refused);
//! in sandbox and live mode each defaults to the provider's own host for
//! that mode and may be set to any compatible endpoint.

use super::ProviderId;
use crate::core::config::PspMode;

/// The providers' part of the configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderSettings {
    /// Enabled providers, in `PSPS` order (never empty, no repeats).
    pub enabled: Vec<ProviderId>,
    /// Days Sips keeps an authorization open for `validate` (its
    /// `captureDay`).
    pub capture_days: i64,
    /// `None`: the built-in emulator (emulator mode).
    pub sips_paypage_url: Option<String>,
    pub sips_office_url: Option<String>,
    pub monetico_payment_url: Option<String>,
    /// Base of `capture_paiement.cgi` and `recredit_paiement.cgi`.
    pub monetico_api_url: Option<String>,
}

/// The endpoint settings, with their sandbox and live defaults.
const ENDPOINTS: [(&str, &str, &str); 4] = [
    (
        "SIPS_PAYPAGE_URL",
        "https://payment-webinit.simu.sips-services.com/paymentInit",
        "https://payment-webinit.sips-services.com/paymentInit",
    ),
    (
        "SIPS_OFFICE_URL",
        "https://office-server.simu.sips-services.com/",
        "https://office-server.sips-services.com/",
    ),
    (
        "MONETICO_PAYMENT_URL",
        "https://p.monetico-services.com/test/paiement.cgi",
        "https://p.monetico-services.com/paiement.cgi",
    ),
    (
        "MONETICO_API_URL",
        "https://payment-api.e-i.com/test/",
        "https://payment-api.e-i.com/",
    ),
];

/// Sips accepts a `captureDay` of at most 99.
const CAPTURE_DAYS_MAX: i64 = 99;

impl ProviderSettings {
    /// Reads the settings through `text` (trimmed, empty is unset), with
    /// the names of those present but malformed (read as their default).
    pub fn read(
        mode: PspMode,
        text: impl Fn(&str) -> Option<String>,
    ) -> (ProviderSettings, Vec<&'static str>) {
        let mut bad = Vec::new();
        let enabled = match text("PSPS") {
            None => ProviderId::ALL.to_vec(),
            Some(list) => parse_list(&list).unwrap_or_else(|| {
                bad.push("PSPS");
                ProviderId::ALL.to_vec()
            }),
        };
        let capture_days = match text("CAPTURE_DAYS") {
            None => 6,
            Some(v) => match v.parse::<i64>() {
                Ok(days) if (1..=CAPTURE_DAYS_MAX).contains(&days) => days,
                Ok(_) | Err(_) => {
                    bad.push("CAPTURE_DAYS");
                    6
                }
            },
        };
        let mut urls = ENDPOINTS.iter().map(|(name, sandbox, live)| {
            let set = text(name);
            match mode {
                PspMode::Emulator => {
                    if set.is_some() {
                        bad.push(name);
                    }
                    None
                }
                PspMode::Sandbox => Some(set.unwrap_or_else(|| (*sandbox).to_string())),
                PspMode::Live => Some(set.unwrap_or_else(|| (*live).to_string())),
            }
        });
        let (sips_paypage_url, sips_office_url, monetico_payment_url, monetico_api_url) =
            (urls.next(), urls.next(), urls.next(), urls.next());
        drop(urls);
        let settings = ProviderSettings {
            enabled,
            capture_days,
            sips_paypage_url: sips_paypage_url.flatten(),
            sips_office_url: sips_office_url.flatten(),
            monetico_payment_url: monetico_payment_url.flatten(),
            monetico_api_url: monetico_api_url.flatten(),
        };
        (settings, bad)
    }

    /// Whether `provider` is offered by this deployment.
    pub fn offers(&self, provider: ProviderId) -> bool {
        self.enabled.contains(&provider)
    }
}

/// `paypal,sips`: known names, at least one, none twice.
fn parse_list(list: &str) -> Option<Vec<ProviderId>> {
    let mut enabled = Vec::new();
    for name in list.split(',').map(str::trim) {
        let provider = ProviderId::parse(name)?;
        if enabled.contains(&provider) {
            return None;
        }
        enabled.push(provider);
    }
    (!enabled.is_empty()).then_some(enabled)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(mode: PspMode, pairs: &[(&str, &str)]) -> Result<ProviderSettings, Vec<&'static str>> {
        let (settings, bad) = ProviderSettings::read(mode, |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.trim().to_string())
                .filter(|v| !v.is_empty())
        });
        if bad.is_empty() {
            Ok(settings)
        } else {
            Err(bad)
        }
    }

    #[test]
    fn every_provider_is_offered_by_default_in_the_spec_order_with_six_capture_days() {
        let s = read(PspMode::Emulator, &[]).expect("defaults");
        assert_eq!(s.enabled, ProviderId::ALL.to_vec());
        assert_eq!(s.capture_days, 6);
        assert_eq!(s.sips_office_url, None, "the emulator in-process");
    }

    #[test]
    fn psps_keeps_its_order_and_refuses_unknown_repeated_or_empty_lists() {
        let s = read(PspMode::Emulator, &[("PSPS", "monetico, paypal")]).expect("parses");
        assert_eq!(s.enabled, vec![ProviderId::Monetico, ProviderId::Paypal]);
        for list in ["stripe", "sips,sips", ",", "paypal,"] {
            assert_eq!(
                read(PspMode::Emulator, &[("PSPS", list)]),
                Err(vec!["PSPS"]),
                "{list}"
            );
        }
    }

    #[test]
    fn capture_days_outside_one_to_ninety_nine_is_refused() {
        for days in ["0", "100", "-1", "six"] {
            assert_eq!(
                read(PspMode::Emulator, &[("CAPTURE_DAYS", days)]),
                Err(vec!["CAPTURE_DAYS"])
            );
        }
        let s = read(PspMode::Emulator, &[("CAPTURE_DAYS", "99")]).expect("parses");
        assert_eq!(s.capture_days, 99);
    }

    #[test]
    fn a_real_endpoint_in_emulator_mode_is_refused_and_sandbox_defaults_to_the_simulation_hosts() {
        assert_eq!(
            read(
                PspMode::Emulator,
                &[("SIPS_OFFICE_URL", "https://x.example/")]
            ),
            Err(vec!["SIPS_OFFICE_URL"])
        );
        let s = read(
            PspMode::Sandbox,
            &[("MONETICO_API_URL", "http://127.0.0.1:9/")],
        )
        .expect("ok");
        assert_eq!(
            s.sips_paypage_url.as_deref(),
            Some("https://payment-webinit.simu.sips-services.com/paymentInit")
        );
        assert_eq!(s.monetico_api_url.as_deref(), Some("http://127.0.0.1:9/"));
    }
}
