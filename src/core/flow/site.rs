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
        }
    }
}
