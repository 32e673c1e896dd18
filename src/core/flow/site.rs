//! What the flows need to know about the deployment they run in: its
//! settings, its keyring for sealed provider secrets, its id (part of every
//! provider reference) and its public address (return and notify URLs).

use crate::core::config::{Config, PspMode};
use crate::core::psp::PlatformCredentials as Credentials;
use crate::core::purchase::MailSetting;
use crate::core::sealing::Keyring;

/// The deployment, borrowed for one flow.
pub struct Site<'a> {
    pub config: &'a Config,
    pub keyring: &'a Keyring,
    pub deployment_id: &'a str,
    /// `https://host` without a trailing slash.
    pub base_url: &'a str,
    /// The platform's own PayPal API credentials (`PAYPAL_PLATFORM_*`, or
    /// the emulated platform account), for sellers who granted permissions.
    pub paypal_platform: Option<&'a Credentials>,
}

impl Site<'_> {
    /// Emulator mode without a mail API: the outbox is the mailbox.
    pub fn mail_is_local(&self) -> bool {
        self.config.psp_mode == PspMode::Emulator && self.config.mail_api_url.is_none()
    }

    /// How e-mails are written for this deployment.
    pub fn mail(&self) -> MailSetting {
        MailSetting {
            delivered_on_write: self.mail_is_local(),
            operator_email: Some(self.config.contact_email.clone()),
            site_url: known_url(self.base_url).map(str::to_string),
        }
    }
}

/// The public address, when it is one: a request's origin or `BASE_URL`.
/// The cron without `BASE_URL` runs under a synthetic request on the
/// reserved `.invalid` domain (RFC 2606), which no reader can open, so its
/// e-mails give paths instead of links.
fn known_url(base_url: &str) -> Option<&str> {
    let host = base_url.split("://").nth(1).unwrap_or(base_url);
    let host = host.split([':', '/']).next().unwrap_or(host);
    (!host.ends_with(".invalid")).then_some(base_url)
}

#[cfg(test)]
mod tests {
    use super::known_url;

    #[test]
    fn the_crons_synthetic_origin_is_no_address_for_links() {
        assert_eq!(known_url("https://cron.invalid"), None);
        assert_eq!(
            known_url("http://localhost:8787"),
            Some("http://localhost:8787")
        );
        assert_eq!(
            known_url("https://pay.example.org"),
            Some("https://pay.example.org")
        );
    }
}
