//! Calls on behalf of another account (`SUBJECT`, paypal-nvp.md §8): the
//! account a call acts for, allowed only within the scopes that account
//! granted to the caller's API username, with PayPal's errors otherwise
//! (10002 when it granted nothing or is unknown, 10007 when the method's
//! scope is missing).

use super::refusal::Refusal;
use crate::core::psp::paypal::nvp::Method;
use crate::core::psp::paypal::permission::Scope;
use crate::core::sql::emulator::grants::Grant;
use crate::core::sql::emulator::Account;

/// The account `method` acts for when called with `SUBJECT` naming
/// `subject`, which granted the caller `grants`.
pub fn acting_for<'a>(
    method: Method,
    subject: Option<&'a Account>,
    grants: &[Grant],
) -> Result<&'a Account, Refusal> {
    let subject = subject.ok_or(Refusal::NoPermissionGranted)?;
    if grants.is_empty() {
        return Err(Refusal::NoPermissionGranted);
    }
    let needed = Scope::of(method).as_str();
    if grants.iter().any(|g| g.scope == needed) {
        Ok(subject)
    } else {
        Err(Refusal::PermissionDenied)
    }
}

/// The scopes a grant or revoke names: `scopes` (comma or space
/// separated), every scope when empty; `Err` names the first unknown one.
pub fn scopes_named(text: &str) -> Result<Vec<Scope>, String> {
    let named: Vec<&str> = text
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if named.is_empty() {
        return Ok(Scope::ALL.to_vec());
    }
    named
        .into_iter()
        .map(|s| Scope::parse(&s.to_ascii_uppercase()).ok_or_else(|| s.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seller() -> Account {
        Account {
            id: 7,
            email: "seller@example.org".into(),
            payer_id: "SELLERPAYERID".into(),
            api_username: "seller_api1.example.org".into(),
            api_password: "p".into(),
            api_signature: "s".into(),
            balance_cents: 0,
            currency: "EUR".into(),
        }
    }

    fn granted(scopes: &[&str]) -> Vec<Grant> {
        scopes
            .iter()
            .map(|s| Grant {
                scope: (*s).to_string(),
            })
            .collect()
    }

    #[test]
    fn a_call_for_another_account_needs_its_grant_of_the_methods_scope() {
        let seller = seller();
        let all = granted(&[
            "ACCOUNT_BALANCE",
            "EXPRESS_CHECKOUT",
            "REFUND",
            "TRANSACTION_DETAILS",
        ]);
        for method in Method::ALL {
            assert_eq!(acting_for(method, Some(&seller), &all).map(|a| a.id), Ok(7));
        }
        let no_refund = granted(&["ACCOUNT_BALANCE", "EXPRESS_CHECKOUT", "TRANSACTION_DETAILS"]);
        assert_eq!(
            acting_for(Method::RefundTransaction, Some(&seller), &no_refund).map(|a| a.id),
            Err(Refusal::PermissionDenied)
        );
        assert_eq!(
            acting_for(Method::SetExpressCheckout, Some(&seller), &[]).map(|a| a.id),
            Err(Refusal::NoPermissionGranted)
        );
        assert_eq!(
            acting_for(Method::GetBalance, None, &all).map(|a| a.id),
            Err(Refusal::NoPermissionGranted)
        );
        assert_eq!(Refusal::PermissionDenied.texts().0, "10007");
        assert_eq!(
            Refusal::NoPermissionGranted.texts(),
            (
                "10002",
                "Authentication/Authorization Failed",
                "You do not have permission(s) to make this API call"
            )
        );
    }

    #[test]
    fn scopes_default_to_all_and_an_unknown_one_is_named() {
        assert_eq!(scopes_named(""), Ok(Scope::ALL.to_vec()));
        assert_eq!(
            scopes_named("refund, express_checkout"),
            Ok(vec![Scope::Refund, Scope::ExpressCheckout])
        );
        assert_eq!(scopes_named("REFUND,FLY"), Err("FLY".to_string()));
    }
}
