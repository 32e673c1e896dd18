//! The words of a seller's refund (backoffice.md §3): the form and state
//! on the order page, why a request is refused, and the e-mails to both
//! parties, in both languages. A struct of their own beside
//! [`Texts`](super::Texts), so that a missing translation is a compile
//! error.

use super::Lang;

/// The refund's words.
pub struct RefundTexts {
    pub heading: &'static str,
    pub note: &'static str,
    pub field_password: &'static str,
    pub submit: &'static str,
    pub state_requested: &'static str,
    pub state_refunded: &'static str,
    pub state_refused: &'static str,
    pub done: &'static str,
    pub not_seller: &'static str,
    pub not_processed: &'static str,
    pub in_review: &'static str,
    pub window_closed: &'static str,
    pub already_requested: &'static str,
    pub not_offered: &'static str,
    pub password_required: &'static str,
    pub password_incorrect: &'static str,
    pub mail_subject: &'static str,
    pub mail_seller: &'static str,
    pub mail_buyer: &'static str,
    pub titles_transfer_undone: &'static str,
    pub titles_split_undone: &'static str,
    pub titles_disputed: &'static str,
    pub titles_already: &'static str,
}

impl Lang {
    pub fn refund(self) -> &'static RefundTexts {
        match self {
            Lang::En => &EN,
            Lang::Fr => &FR,
        }
    }
}

// Mail texts: `{amount}`, `{isin}`, `{new_isin}`, `{value}` and `{titles}`
// are filled by `core::refund::mails`.
pub static EN: RefundTexts = RefundTexts {
    heading: "Refund this payment",
    note: "Sends the whole payment back to the buyer from your account at the provider, then undoes the trade. This cannot be reversed.",
    field_password: "Your current password",
    submit: "Refund the buyer",
    state_requested: "Refund asked; waiting for the provider's answer (it is asked again automatically).",
    state_refunded: "Refunded: the whole payment went back to the buyer.",
    state_refused: "Refund refused by the provider:",
    done: "Refund sent.",
    not_seller: "Only the seller of this order can refund it.",
    not_processed: "Only a paid trade can be refunded.",
    in_review: "This order is being reviewed by an operator; it cannot be refunded now.",
    window_closed: "The refund period of this trade is over.",
    already_requested: "A refund was already asked for this order; it cannot be asked twice.",
    not_offered: "This provider does not offer refunds.",
    password_required: "Type your current password.",
    password_incorrect: "This password is not correct.",
    mail_subject: "PayBook: the payment of {amount} for {isin} was refunded",
    mail_seller: "You refunded the payment of {amount} you received for {isin}: the whole amount went back to the buyer. {titles}\n",
    mail_buyer: "The seller refunded your payment of {amount} for {isin}: the whole amount is back in your account at the provider. {titles}\n",
    titles_transfer_undone: "The trade was undone: {isin} is back with the seller at its former value of {value}.",
    titles_split_undone: "The trade was undone: the new title {new_isin} is voided, and {isin} has its former value of {value} again.",
    titles_disputed: "The titles had changed since the trade, so they are now marked as disputed until an operator looks.",
    titles_already: "The trade had already been undone.",
};

pub static FR: RefundTexts = RefundTexts {
    heading: "Rembourser ce paiement",
    note: "Renvoie tout le paiement à l'acheteur depuis votre compte chez le prestataire, puis défait l'échange. C'est irréversible.",
    field_password: "Votre mot de passe actuel",
    submit: "Rembourser l'acheteur",
    state_requested: "Remboursement demandé ; en attente de la réponse du prestataire (redemandée automatiquement).",
    state_refunded: "Remboursé : tout le paiement est revenu à l'acheteur.",
    state_refused: "Remboursement refusé par le prestataire :",
    done: "Remboursement envoyé.",
    not_seller: "Seul le vendeur de cette commande peut la rembourser.",
    not_processed: "Seul un échange payé peut être remboursé.",
    in_review: "Cette commande est en cours d'examen par un opérateur ; elle ne peut pas être remboursée maintenant.",
    window_closed: "Le délai de remboursement de cet échange est passé.",
    already_requested: "Un remboursement a déjà été demandé pour cette commande ; il ne peut pas l'être deux fois.",
    not_offered: "Ce prestataire ne permet pas de rembourser.",
    password_required: "Saisissez votre mot de passe actuel.",
    password_incorrect: "Ce mot de passe n'est pas le bon.",
    mail_subject: "PayBook : le paiement de {amount} pour {isin} a été remboursé",
    mail_seller: "Vous avez remboursé le paiement de {amount} reçu pour {isin} : tout le montant est revenu à l'acheteur. {titles}\n",
    mail_buyer: "Le vendeur vous a remboursé votre paiement de {amount} pour {isin} : tout le montant est revenu sur votre compte chez le prestataire. {titles}\n",
    titles_transfer_undone: "L'échange a été défait : {isin} revient au vendeur à son ancienne valeur de {value}.",
    titles_split_undone: "L'échange a été défait : le nouveau titre {new_isin} est annulé, et {isin} retrouve son ancienne valeur de {value}.",
    titles_disputed: "Les titres avaient changé depuis l'échange : ils sont désormais marqués comme contestés jusqu'à l'examen d'un opérateur.",
    titles_already: "L'échange avait déjà été défait.",
};
