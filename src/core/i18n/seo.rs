//! The words search engines and link previews read (meta description and
//! Open Graph tags, one per public page) and those of `/source` naming the
//! commit that runs, in both languages: a struct of their own beside
//! [`Texts`](super::Texts), so that a missing translation is still a
//! compile error.

use super::Lang;

/// The descriptions of the pages, and `/source`'s words about the commit.
pub struct SeoTexts {
    /// Open Graph's `og:locale` of this language (`language_TERRITORY`).
    pub og_locale: &'static str,
    /// The description of a page with none of its own.
    pub site_description: &'static str,
    pub home_description: &'static str,
    pub market_description: &'static str,
    /// Of a title's page; `{isin}` stands for its ISIN.
    pub title_description: &'static str,
    pub buy_description: &'static str,
    pub history_description: &'static str,
    pub isin_description: &'static str,
    pub register_description: &'static str,
    pub login_description: &'static str,
    pub terms_description: &'static str,
    pub contact_description: &'static str,
    pub docs_description: &'static str,
    pub source_description: &'static str,
    /// Before the commit's hash on `/source`.
    pub source_commit: &'static str,
    /// The link to the archive of that commit.
    pub source_archive: &'static str,
    /// Where the repository is, when no archive link can be made.
    pub source_repository: &'static str,
    /// A build made outside a git checkout does not know its commit.
    pub source_commit_unknown: &'static str,
}

pub const EN: SeoTexts = SeoTexts {
    og_locale: "en_US",
    site_description: "PayBook: a peer-to-peer trading platform for titles, paid directly to the seller through a payment provider. Free software.",
    home_description: "Trade titles peer to peer: the buyer pays the seller directly through PayPal or a card provider; every trade is in the public history.",
    market_description: "The titles on the market, their declared values, and how to buy one.",
    title_description: "Title {isin}: its declared value, its holder, how its value moved and every trade of it.",
    buy_description: "Buy a title: preview the case that applies and the values on both sides before paying the seller.",
    history_description: "Every trade made on this PayBook, newest first, and the head of its hash-chained ledger.",
    isin_description: "Check an ISIN code: its length, characters and check digit, and whether this PayBook issued it.",
    register_description: "Open a PayBook account with the payment account buyers will pay you on.",
    login_description: "Log in to your PayBook account.",
    terms_description: "The terms of use of this PayBook deployment, the risk notice and what it keeps about you.",
    contact_description: "Who runs this PayBook deployment and how to reach them.",
    docs_description: "How a purchase works on PayBook, the rules of a trade and what each order status means.",
    source_description: "PayBook is free software under the GNU GPL: the exact source code this deployment runs.",
    source_commit: "This deployment runs commit",
    source_archive: "Download the source code of this commit",
    source_repository: "Repository:",
    source_commit_unknown: "unknown (built outside a git checkout)",
};

pub const FR: SeoTexts = SeoTexts {
    og_locale: "fr_FR",
    site_description: "PayBook : une plateforme d'échange de titres de pair à pair, payés directement au vendeur par un prestataire de paiement. Logiciel libre.",
    home_description: "Échangez des titres de pair à pair : l'acheteur paie le vendeur directement par PayPal ou par carte ; chaque échange figure dans l'historique public.",
    market_description: "Les titres du marché, leurs valeurs déclarées, et comment en acheter un.",
    title_description: "Titre {isin} : sa valeur déclarée, son détenteur, l'évolution de sa valeur et chacun de ses échanges.",
    buy_description: "Acheter un titre : voyez le cas qui s'applique et les valeurs de part et d'autre avant de payer le vendeur.",
    history_description: "Tous les échanges faits sur ce PayBook, du plus récent au plus ancien, et la tête de son registre chaîné.",
    isin_description: "Vérifiez un code ISIN : sa longueur, ses caractères et son chiffre de contrôle, et si ce PayBook l'a émis.",
    register_description: "Ouvrez un compte PayBook avec le compte de paiement sur lequel les acheteurs vous paieront.",
    login_description: "Connectez-vous à votre compte PayBook.",
    terms_description: "Les conditions d'utilisation de ce site PayBook, l'avertissement sur les risques et ce qu'il conserve de vous.",
    contact_description: "Qui exploite ce site PayBook et comment le joindre.",
    docs_description: "Comment se passe un achat sur PayBook, les règles d'un échange et ce que signifie chaque statut de commande.",
    source_description: "PayBook est un logiciel libre sous licence GNU GPL : le code source exact que ce site exécute.",
    source_commit: "Ce site exécute le commit",
    source_archive: "Télécharger le code source de ce commit",
    source_repository: "Dépôt :",
    source_commit_unknown: "inconnu (construit hors d'un dépôt git)",
};

impl Lang {
    /// The search engines' and previews' words in this language.
    pub fn seo(self) -> &'static SeoTexts {
        match self {
            Lang::En => &EN,
            Lang::Fr => &FR,
        }
    }
}
