//! Third-party permissions (paypal-nvp.md §8): the permissions a seller
//! grants the platform's API username so that it calls PayPal for him with
//! its own credentials and `SUBJECT` = his e-mail, which NVP method needs
//! which one, and the check made before such a seller is saved: one call
//! per permission, with `SUBJECT`, each read as granted or missing, so
//! that the seller is told exactly which one he still has to grant.

use super::adapter::{self, on_behalf_of};
use super::nvp::{Credentials, Method, NvpRequest, NvpResponse};
use crate::core::flow::{Effects, NoAnswer, Patience};
use crate::core::psp::Called;
use crate::core::sql::traces::Trace;

/// A permission a seller grants (PayPal's Permissions service scope names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    ExpressCheckout,
    Refund,
    TransactionDetails,
    AccountBalance,
}

impl Scope {
    /// Every scope PayBook needs, in the order the seller ticks them.
    pub const ALL: [Scope; 4] = [
        Scope::ExpressCheckout,
        Scope::Refund,
        Scope::TransactionDetails,
        Scope::AccountBalance,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::ExpressCheckout => "EXPRESS_CHECKOUT",
            Scope::Refund => "REFUND",
            Scope::TransactionDetails => "TRANSACTION_DETAILS",
            Scope::AccountBalance => "ACCOUNT_BALANCE",
        }
    }

    pub fn parse(text: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.as_str() == text.trim())
    }

    /// The scope an NVP method needs when called with `SUBJECT`.
    pub fn of(method: Method) -> Scope {
        match method {
            Method::SetExpressCheckout
            | Method::GetExpressCheckoutDetails
            | Method::DoExpressCheckoutPayment => Scope::ExpressCheckout,
            Method::RefundTransaction => Scope::Refund,
            Method::GetTransactionDetails => Scope::TransactionDetails,
            Method::GetBalance => Scope::AccountBalance,
        }
    }

    /// The call that shows whether the scope is granted without changing
    /// anything at PayPal: a read, or a refund of a transaction that does
    /// not exist (refused for its id only once the permission is there).
    fn probe(self, credentials: &Credentials) -> NvpRequest {
        match self {
            Scope::ExpressCheckout => {
                NvpRequest::new(Method::GetExpressCheckoutDetails, credentials)
                    .field("TOKEN", "EC-00000000000000000")
            }
            Scope::Refund => NvpRequest::new(Method::RefundTransaction, credentials)
                .field("TRANSACTIONID", "00000000000000000")
                .field("REFUNDTYPE", "Full"),
            Scope::TransactionDetails => {
                NvpRequest::new(Method::GetTransactionDetails, credentials)
                    .field("TRANSACTIONID", "00000000000000000")
            }
            Scope::AccountBalance => {
                NvpRequest::new(Method::GetBalance, credentials).field("RETURNALLCURRENCIES", "0")
            }
        }
    }
}

/// Whether the platform may act for a seller, as PayPal answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantCheck {
    /// Every permission PayBook needs is granted.
    Granted,
    /// The seller granted nothing to the platform's API username (PayPal
    /// 10002), or PayPal knows no account by this e-mail.
    NothingGranted,
    /// These permissions are missing (PayPal 10007), in [`Scope::ALL`]'s
    /// order.
    Missing(Vec<Scope>),
    /// An answer could not be had: nothing is saved.
    Unknown(NoAnswer),
}

/// The e-mail of the emulated platform account whose API username is
/// `api_username` (`platform-…_api1.paybook.emulator`).
pub fn platform_email(api_username: &str) -> String {
    let local = api_username.split("_api1").next().unwrap_or(api_username);
    format!("{local}@paybook.emulator")
}

/// How one probe's answer reads.
enum Probe {
    Granted,
    NothingGranted,
    Missing,
}

fn read_probe(response: &NvpResponse) -> Probe {
    if response.is_success() {
        return Probe::Granted;
    }
    let code = response.first_error().map(|e| e.code).unwrap_or_default();
    if code == "10002" {
        Probe::NothingGranted
    } else if adapter::refuses_account(&code) {
        Probe::Missing
    } else {
        // Refused for the probe's own made-up token or transaction: the
        // permission let the call through.
        Probe::Granted
    }
}

/// Checks, with the platform's credentials and `SUBJECT` = `email`, every
/// permission PayBook needs: one call each (four), stopping early when
/// PayPal says nothing at all is granted.
pub async fn check_grant<E: Effects>(
    fx: &E,
    platform: &Credentials,
    email: &str,
) -> Called<GrantCheck> {
    let credentials = on_behalf_of(platform, email);
    let mut traces: Vec<Trace> = Vec::new();
    let mut missing = Vec::new();
    for scope in Scope::ALL {
        let (answer, trace) =
            adapter::traced(fx, &scope.probe(&credentials), Patience::Default).await;
        traces.push(trace);
        let outcome = match answer {
            Err(no_answer) => GrantCheck::Unknown(no_answer),
            Ok(response) => match read_probe(&response) {
                Probe::Granted => continue,
                Probe::Missing => {
                    missing.push(scope);
                    continue;
                }
                Probe::NothingGranted => GrantCheck::NothingGranted,
            },
        };
        return Called { outcome, traces };
    }
    let outcome = if missing.is_empty() {
        GrantCheck::Granted
    } else {
        GrantCheck::Missing(missing)
    };
    Called { outcome, traces }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_method_needs_one_scope_and_scopes_read_back() {
        for method in Method::ALL {
            let scope = Scope::of(method);
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
        }
        assert_eq!(Scope::of(Method::RefundTransaction), Scope::Refund);
        assert_eq!(Scope::parse("BALANCE"), None);
    }

    #[test]
    fn a_probe_refused_for_its_made_up_id_proves_the_permission() {
        let read = |body: &str| read_probe(&NvpResponse::parse(body).expect("nvp"));
        assert!(matches!(
            read("ACK=Failure&L_ERRORCODE0=10004&L_LONGMESSAGE0=The%20transaction%20id%20is%20not%20valid"),
            Probe::Granted
        ));
        assert!(matches!(
            read("ACK=Failure&L_ERRORCODE0=10410"),
            Probe::Granted
        ));
        assert!(matches!(
            read("ACK=Failure&L_ERRORCODE0=10007"),
            Probe::Missing
        ));
        assert!(matches!(
            read("ACK=Failure&L_ERRORCODE0=10002"),
            Probe::NothingGranted
        ));
        assert!(matches!(read("ACK=Success"), Probe::Granted));
    }

    #[test]
    fn a_seller_by_permission_is_called_with_the_platforms_credentials_and_his_subject() {
        use crate::core::config::Config;
        use crate::core::flow::Site;
        use crate::core::psp::SealedAccount;
        use crate::core::sealing::{Keyring, SealingKey};
        let config = Config::from_vars(|_| None).expect("defaults");
        let keyring = Keyring {
            current: SealingKey::new("the permission tests' credentials key").expect("a key"),
            previous: None,
        };
        let platform = Credentials {
            username: "platform_api1.paybook.example".into(),
            password: "PLATFORMPWD".into(),
            signature: "PLATFORMSIG".into(),
            subject: None,
        };
        let mut site = Site {
            config: &config,
            keyring: &keyring,
            deployment_id: "d1",
            base_url: "http://localhost",
            paypal_platform: Some(&platform),
        };
        // Stored without a secret: his e-mail is all PayBook keeps.
        let granted = SealedAccount {
            client_id: 1,
            version: 2,
            public_ref: "seller@example.org",
            sealed_secret: "",
        };
        let credentials = adapter::open(&site, granted).expect("opened");
        // Any call built with them, one added later included.
        let request = NvpRequest::new(Method::RefundTransaction, &credentials);
        let body = request.encode();
        assert!(body.starts_with(
            "USER=platform_api1.paybook.example&PWD=PLATFORMPWD&SIGNATURE=PLATFORMSIG&SUBJECT=seller%40example.org&"
        ));
        let kept = request.encode_redacted();
        assert!(kept.contains("SUBJECT=seller%40example.org"));
        assert!(!kept.contains("PLATFORMPWD") && !kept.contains("PLATFORMSIG"));
        assert_eq!(
            adapter::StoredAuth::of(granted),
            adapter::StoredAuth::Granted {
                email: "seller@example.org"
            }
        );
        site.paypal_platform = None;
        assert!(
            adapter::open(&site, granted).is_err(),
            "never without the platform's"
        );
    }

    #[test]
    fn the_emulated_platform_email_follows_its_api_username() {
        assert_eq!(
            platform_email("platform-0a1b2c3d_api1.paybook.emulator"),
            "platform-0a1b2c3d@paybook.emulator"
        );
    }
}
