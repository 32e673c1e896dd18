//! A seller's PayPal account refused by PayPal (10002: credentials broken
//! or nothing granted to the platform; 10007: a permission he granted was
//! revoked): the account version is marked refused, so that his titles
//! cannot be bought until he fixes it, and he is told once per version,
//! whether it happened when an order started or when it was to be paid.

use super::state::OrderState;
use crate::core::psp::{self, ProviderId, SealedAccount};
use crate::core::sql::{outbox, Batch, Param, Stmt};

/// Whether `code`, answered by the order's provider to a payment call,
/// refuses the seller's account itself (not this one payment).
pub fn refuses_account(order: &OrderState, code: &str) -> bool {
    psp::refuses_account(order.provider(), code)
}

/// The seller's e-mail: (subject, body), both languages, by how the
/// account is called for.
pub(super) fn refused_mail(account: SealedAccount<'_>) -> (&'static str, &'static str) {
    if !account.by_permission() {
        return (
            "PayBook: PayPal refuses your API credentials / PayPal refuse vos identifiants API",
            "PayPal answered 10002 (security error) to your stored API credentials: buyers cannot pay you, \
             so your titles cannot be bought until you update your credentials on your account page (/account).\n\n\
             PayPal a répondu 10002 (erreur de sécurité) à vos identifiants API enregistrés : les acheteurs ne peuvent \
             pas vous payer, donc vos titres ne peuvent pas être achetés tant que vous n'avez pas mis à jour vos \
             identifiants sur votre page de compte (/account).\n",
        );
    }
    (
            "PayBook: PayPal refuses PayBook's access to your account / PayPal refuse l'accès de PayBook à votre compte",
            "PayPal refused a call PayBook made on your behalf: a permission you granted PayBook's API username \
             is missing or was revoked. No money moved. Buyers cannot pay you, so your titles cannot be bought \
             until you grant the permissions again (Express Checkout, refund, transaction details, balance) and \
             save your PayPal account again on your account page (/account).\n\n\
             PayPal a refusé un appel que PayBook a fait pour votre compte : une autorisation que vous aviez \
             accordée au nom d'utilisateur API de PayBook manque ou a été révoquée. Aucun argent n'a bougé. Les \
             acheteurs ne peuvent pas vous payer, donc vos titres ne peuvent pas être achetés tant que vous n'avez \
             pas accordé de nouveau les autorisations (Express Checkout, remboursement, détails des transactions, \
             solde) et enregistré de nouveau votre compte PayPal sur votre page de compte (/account).\n",
    )
}

/// Marks `account` (the current version only) refused and mails its seller
/// at `to`, once per version.
pub(super) fn mark_refused(
    account: SealedAccount<'_>,
    provider: ProviderId,
    to: &str,
    now: &str,
    delivered_on_write: bool,
) -> Batch {
    let key = format!(
        "credentials-refused:{}:{}:{}",
        provider.as_str(),
        account.client_id,
        account.version
    );
    let (subject, body) = refused_mail(account);
    vec![
        Stmt::new(
            "UPDATE psp_accounts SET status = 'refused' WHERE client_id = ?1 AND provider = ?3 \
             AND version = ?2 AND replaced_at IS NULL",
            vec![
                Param::Int(account.client_id),
                Param::Int(account.version),
                Param::from(provider.as_str()),
            ],
        ),
        outbox::insert(&outbox::Mail {
            event_key: &key,
            to,
            subject,
            body,
            now,
            delivered_on_write,
        }),
    ]
}

/// The payment call of `order` refused its seller's account: the order's
/// account version is marked refused and the seller told (the order
/// itself fails as any refused payment does).
pub fn account_refused_at_payment(
    order: &OrderState,
    now: &str,
    delivered_on_write: bool,
) -> Batch {
    let account = SealedAccount {
        client_id: order.seller_id,
        version: order.seller_credentials_version,
        public_ref: &order.seller_api_username,
        sealed_secret: &order.seller_sealed_secret,
    };
    mark_refused(
        account,
        order.provider(),
        &order.seller_email,
        now,
        delivered_on_write,
    )
}

#[cfg(test)]
mod tests {
    use super::super::decide::{after_payment, AfterPayment, PaymentAnswer};
    use super::super::fixture::{mail, order, trace};
    use crate::core::sql::Param;

    fn param_text(p: &Param) -> String {
        match p {
            Param::Text(t) => t.clone(),
            Param::Int(n) => n.to_string(),
            Param::Null => String::new(),
        }
    }

    fn refused(code: &str) -> PaymentAnswer {
        PaymentAnswer::Refused {
            code: code.into(),
            message: "You do not have permissions to make this API call".into(),
            retry_funding: false,
            already_paid: false,
        }
    }

    #[test]
    fn a_revoked_permission_at_payment_fails_the_order_and_marks_the_account_refused() {
        let mut by_permission = order();
        by_permission.seller_api_username = "alice@example.org".into();
        by_permission.seller_sealed_secret = String::new();
        let decision = after_payment(
            &by_permission,
            &refused("10007"),
            trace(),
            &mail(),
            "2026-11-22T10:05:00Z",
        );
        let AfterPayment::Fail(batch) = decision else {
            panic!("failed: {decision:?}")
        };
        assert!(batch[0].sql.contains("code = -2"));
        assert!(batch
            .iter()
            .any(|s| s.sql.contains("UPDATE psp_accounts SET status = 'refused'")));
        let mail = batch
            .iter()
            .find(|s| s.sql.contains("INSERT INTO outbox"))
            .expect("the seller is told");
        let texts: Vec<String> = mail.params.iter().map(param_text).collect();
        assert!(texts.iter().any(|t| t == "credentials-refused:paypal:1:1"));
        assert!(texts
            .iter()
            .any(|t| t.contains("PayPal refuses PayBook's access")));
    }

    #[test]
    fn another_refusal_fails_the_order_only() {
        let decision = after_payment(
            &order(),
            &refused("10417"),
            trace(),
            &mail(),
            "2026-11-22T10:05:00Z",
        );
        let AfterPayment::Fail(batch) = decision else {
            panic!("failed: {decision:?}")
        };
        assert!(!batch.iter().any(|s| s.sql.contains("psp_accounts")));
    }
}
