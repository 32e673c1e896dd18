//! The words of PayPal's permission mode (`PAYPAL_SELLER_AUTH=permission`)
//! in both languages: the step-by-step guide to granting PayBook's API
//! username the permissions, the e-mail field, the move from stored
//! credentials, and the exact messages when a permission is missing.

use super::Lang;
use crate::core::psp::PermissionScope as Scope;

/// Permission mode's words.
pub struct PermissionTexts {
    pub field_paypal_email: &'static str,
    pub guide_title: &'static str,
    /// Before PayBook's API username.
    pub guide_intro: &'static str,
    pub guide_steps: [&'static str; 5],
    pub emulator_hint: &'static str,
    pub emulator_link: &'static str,
    pub move_title: &'static str,
    pub move_note: &'static str,
    pub move_submit: &'static str,
    pub move_done: &'static str,
    /// PayPal knows no grant from this e-mail to PayBook.
    pub nothing_granted: &'static str,
    /// Before the missing permissions' names.
    pub missing_intro: &'static str,
    pub missing_outro: &'static str,
    pub scope_express_checkout: &'static str,
    pub scope_refund: &'static str,
    pub scope_transaction_details: &'static str,
    pub scope_balance: &'static str,
    /// Registering by e-mail on a deployment that takes API credentials.
    pub not_offered: &'static str,
    pub emulator_title: &'static str,
    pub emulator_note: &'static str,
    pub emulator_email: &'static str,
    pub emulator_api_username: &'static str,
    pub emulator_scopes: &'static str,
    pub emulator_grant: &'static str,
    pub emulator_revoke: &'static str,
    pub emulator_grants_of: &'static str,
    pub emulator_no_grant: &'static str,
    pub emulator_unknown_account: &'static str,
}

pub const EN: PermissionTexts = PermissionTexts {
    field_paypal_email: "Your PayPal account's e-mail address",
    guide_title: "Grant PayBook the permissions first",
    guide_intro: "PayBook never asks for your PayPal password or API credentials: it calls PayPal with its own, on your behalf, within the permissions you grant to its API username:",
    guide_steps: [
        "Log in to your PayPal business account (sandbox accounts: www.sandbox.paypal.com).",
        "Open Account Settings, then API access, then \"Grant API permission\" (third-party permissions).",
        "Type PayBook's API username shown above as the third party's API username, then look up.",
        "Tick exactly these four permissions: \"Use Express Checkout to process payments\", \"Issue a refund for a specific transaction\", \"Obtain information about a single transaction\", \"Obtain your PayPal account balance\"; then Add.",
        "Come back here and type the e-mail address of that PayPal account: PayBook checks each permission before saving it.",
    ],
    emulator_hint: "Emulated PayPal: grant the permissions on the emulator's page.",
    emulator_link: "Grant permissions",
    move_title: "Stop storing your API credentials",
    move_note: "Once you granted PayBook's API username the four permissions (steps above), type your PayPal account's e-mail: PayBook checks the grant, then deletes your stored API password and signature.",
    move_submit: "Check the grant and delete my stored credentials",
    move_done: "The grant was checked: PayBook now calls PayPal on your behalf, and your stored API credentials were deleted.",
    nothing_granted: "PayPal says this account has granted no permission to PayBook's API username. Follow the steps above with this e-mail's PayPal account, then try again.",
    missing_intro: "Your PayPal account has not granted PayBook's API username this permission:",
    missing_outro: "Add it on PayPal (steps above), then try again.",
    scope_express_checkout: "Use Express Checkout to process payments",
    scope_refund: "Issue a refund for a specific transaction",
    scope_transaction_details: "Obtain information about a single transaction",
    scope_balance: "Obtain your PayPal account balance",
    not_offered: "This deployment takes PayPal API credentials, not an e-mail address.",
    emulator_title: "PayPal emulator: third-party permissions",
    emulator_note: "An emulated account grants (or revokes) API permissions to another account's API username; PayBook's is filled in.",
    emulator_email: "The granting account's e-mail",
    emulator_api_username: "The third party's API username",
    emulator_scopes: "Permissions (none ticked: all)",
    emulator_grant: "Grant",
    emulator_revoke: "Revoke",
    emulator_grants_of: "Permissions granted by",
    emulator_no_grant: "None.",
    emulator_unknown_account: "No emulated account has this e-mail.",
};

pub const FR: PermissionTexts = PermissionTexts {
    field_paypal_email: "L'adresse e-mail de votre compte PayPal",
    guide_title: "Accordez d'abord les autorisations à PayBook",
    guide_intro: "PayBook ne demande jamais votre mot de passe PayPal ni vos identifiants API : il appelle PayPal avec les siens, pour votre compte, dans les limites des autorisations que vous accordez à son nom d'utilisateur API :",
    guide_steps: [
        "Connectez-vous à votre compte PayPal professionnel (comptes de test : www.sandbox.paypal.com).",
        "Ouvrez Paramètres du compte, puis Accès API, puis « Accorder une autorisation API » (autorisations de tiers).",
        "Saisissez le nom d'utilisateur API de PayBook indiqué ci-dessus comme nom d'utilisateur API du tiers, puis lancez la recherche.",
        "Cochez exactement ces quatre autorisations : « Utiliser Express Checkout pour traiter les paiements », « Rembourser une transaction donnée », « Obtenir les informations d'une transaction », « Obtenir le solde de votre compte PayPal » ; puis Ajouter.",
        "Revenez ici et saisissez l'adresse e-mail de ce compte PayPal : PayBook vérifie chaque autorisation avant de l'enregistrer.",
    ],
    emulator_hint: "PayPal émulé : accordez les autorisations sur la page de l'émulateur.",
    emulator_link: "Accorder les autorisations",
    move_title: "Ne plus conserver vos identifiants API",
    move_note: "Une fois les quatre autorisations accordées au nom d'utilisateur API de PayBook (étapes ci-dessus), saisissez l'e-mail de votre compte PayPal : PayBook vérifie l'autorisation, puis supprime votre mot de passe et votre signature API enregistrés.",
    move_submit: "Vérifier l'autorisation et supprimer mes identifiants enregistrés",
    move_done: "L'autorisation a été vérifiée : PayBook appelle désormais PayPal pour votre compte, et vos identifiants API enregistrés ont été supprimés.",
    nothing_granted: "PayPal indique que ce compte n'a accordé aucune autorisation au nom d'utilisateur API de PayBook. Suivez les étapes ci-dessus avec le compte PayPal de cet e-mail, puis réessayez.",
    missing_intro: "Votre compte PayPal n'a pas accordé cette autorisation au nom d'utilisateur API de PayBook :",
    missing_outro: "Ajoutez-la sur PayPal (étapes ci-dessus), puis réessayez.",
    scope_express_checkout: "Utiliser Express Checkout pour traiter les paiements",
    scope_refund: "Rembourser une transaction donnée",
    scope_transaction_details: "Obtenir les informations d'une transaction",
    scope_balance: "Obtenir le solde de votre compte PayPal",
    not_offered: "Ce site demande des identifiants API PayPal, pas une adresse e-mail.",
    emulator_title: "Émulateur PayPal : autorisations de tiers",
    emulator_note: "Un compte émulé accorde (ou révoque) des autorisations API au nom d'utilisateur API d'un autre compte ; celui de PayBook est prérempli.",
    emulator_email: "L'e-mail du compte qui accorde",
    emulator_api_username: "Le nom d'utilisateur API du tiers",
    emulator_scopes: "Autorisations (aucune cochée : toutes)",
    emulator_grant: "Accorder",
    emulator_revoke: "Révoquer",
    emulator_grants_of: "Autorisations accordées par",
    emulator_no_grant: "Aucune.",
    emulator_unknown_account: "Aucun compte émulé n'a cet e-mail.",
};

impl PermissionTexts {
    /// How PayPal names the permission on its "Grant API permission" page.
    pub fn scope(&self, scope: Scope) -> &'static str {
        match scope {
            Scope::ExpressCheckout => self.scope_express_checkout,
            Scope::Refund => self.scope_refund,
            Scope::TransactionDetails => self.scope_transaction_details,
            Scope::AccountBalance => self.scope_balance,
        }
    }

    /// The exact message for the missing permissions: each one named, in
    /// quotes, as PayPal's page names it.
    pub fn missing(&self, scopes: &[Scope]) -> String {
        let names: Vec<String> = scopes
            .iter()
            .map(|s| format!("\u{201c}{}\u{201d}", self.scope(*s)))
            .collect();
        format!(
            "{} {}. {}",
            self.missing_intro,
            names.join(", "),
            self.missing_outro
        )
    }
}

impl Lang {
    /// Permission mode's words in this language.
    pub fn permission(self) -> &'static PermissionTexts {
        match self {
            Lang::En => &EN,
            Lang::Fr => &FR,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_permission_is_named_as_paypal_names_it_in_both_languages() {
        assert_eq!(
            Lang::En.permission().missing(&[Scope::Refund]),
            "Your PayPal account has not granted PayBook's API username this permission: \
             \u{201c}Issue a refund for a specific transaction\u{201d}. Add it on PayPal (steps above), then try again."
        );
        assert_eq!(
            Lang::Fr.permission().missing(&[Scope::Refund]),
            "Votre compte PayPal n'a pas accordé cette autorisation au nom d'utilisateur API de PayBook : \
             \u{201c}Rembourser une transaction donnée\u{201d}. Ajoutez-la sur PayPal (étapes ci-dessus), puis réessayez."
        );
    }
}
