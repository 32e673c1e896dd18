//! What every e-mail carries besides its own text (spec: e-mails carry
//! `OPERATOR_NAME` and `CONTACT_EMAIL`): a footer naming who runs the
//! deployment and how to reach them. It is added once, where a message is
//! delivered (the mail API, or the emulator's mailbox), so that no e-mail
//! written anywhere in the code can go out without it.

/// The footer: the usual `-- ` signature separator, then the operator and
/// the contact address. Names and addresses need no translation, so one
/// footer serves both languages.
pub fn footer(operator_name: &str, contact_email: &str) -> String {
    format!("\n-- \n{operator_name}\n{contact_email}\n")
}

/// `body` as it is delivered: its text, then the footer.
pub fn with_footer(body: &str, operator_name: &str, contact_email: &str) -> String {
    format!(
        "{}\n{}",
        body.trim_end(),
        footer(operator_name, contact_email)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivered_body_ends_with_the_operator_and_the_contact() {
        let delivered = with_footer(
            "Your title was sold.\n\n",
            "PayBook demonstration",
            "operator@example.org",
        );
        assert_eq!(
            delivered,
            "Your title was sold.\n\n-- \nPayBook demonstration\noperator@example.org\n"
        );
    }
}
