//! The words of the ledger's head on `/history` (backoffice.md §4), in
//! both languages, beside [`Texts`](super::Texts) as a struct of their own.

use super::Lang;

/// The ledger's words.
pub struct LedgerTexts {
    pub head_title: &'static str,
    /// Before the head's entry number.
    pub head_entries: &'static str,
    pub head_hash: &'static str,
    pub head_note: &'static str,
}

pub const EN: LedgerTexts = LedgerTexts {
    head_title: "Ledger",
    head_entries: "Entries",
    head_hash: "Last hash",
    head_note: "Every trade recorded, undone or re-applied is an entry of a hash-chained ledger (/ledger, checked by /ledger/verify). Keep a copy of this hash: if the history were ever rewritten, it would no longer match.",
};

pub const FR: LedgerTexts = LedgerTexts {
    head_title: "Registre",
    head_entries: "Entrées",
    head_hash: "Dernière empreinte",
    head_note: "Chaque échange enregistré, défait ou rétabli est une entrée d'un registre chaîné par empreintes (/ledger, vérifié par /ledger/verify). Gardez une copie de cette empreinte : si l'historique était un jour réécrit, elle ne correspondrait plus.",
};

impl Lang {
    /// The ledger's words in this language.
    pub fn ledger(self) -> &'static LedgerTexts {
        match self {
            Lang::En => &EN,
            Lang::Fr => &FR,
        }
    }
}
