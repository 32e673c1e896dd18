//! Ids as the emulator issues them: Express Checkout tokens and transaction
//! ids, drawn from random bytes, and the checks of their shape.

const ALPHANUMERIC: &[u8; 36] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// Random bytes as upper-case alphanumerics, one character per byte.
pub fn alphanumeric(random: &[u8]) -> String {
    random
        .iter()
        .map(|b| char::from(ALPHANUMERIC[usize::from(*b) % ALPHANUMERIC.len()]))
        .collect()
}

/// An Express Checkout token: `EC-` + 17 upper-case alphanumerics.
pub fn ec_token(random: &[u8; 17]) -> String {
    format!("EC-{}", alphanumeric(random))
}

/// A transaction id: 17 upper-case alphanumerics.
pub fn transaction_id(random: &[u8; 17]) -> String {
    alphanumeric(random)
}

fn is_upper_alphanumeric(text: &str) -> bool {
    text.bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// Whether `text` has the shape of a token the emulator issues.
pub fn is_ec_token(text: &str) -> bool {
    text.len() == 20 && text.starts_with("EC-") && text.get(3..).is_some_and(is_upper_alphanumeric)
}

/// Whether `text` has the shape of a transaction id.
pub fn is_transaction_id(text: &str) -> bool {
    text.len() == 17 && is_upper_alphanumeric(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_transaction_ids_have_paypals_shape() {
        let token = ec_token(&[255; 17]);
        assert_eq!(token.len(), 20);
        assert!(is_ec_token(&token), "{token}");
        assert!(is_ec_token("EC-9J76236023054520Y"));
        assert!(!is_ec_token("EC-9J7623602305452"));
        assert!(!is_ec_token("EC-9j76236023054520Y"));
        let id = transaction_id(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 35, 36, 37, 100, 200, 255]);
        assert_eq!(id.len(), 17);
        assert!(is_transaction_id(&id), "{id}");
        assert!(id.starts_with("ABCDEFGHIJK9AB"), "{id}");
        assert!(is_transaction_id("17G53960CL6245248"));
        assert!(!is_transaction_id("17G53960CL624524"));
    }
}
