//! The PayPal NVP wire format (classic Express Checkout API, VERSION 204):
//! building and form-encoding requests, decoding answers, PayPal's own
//! answer encoding (lower-case hex escapes, used by the emulator), the ACK,
//! error list, payment/pending/checkout statuses, and typed views of the
//! answers the platform reads. Sans-IO: values in, values out; every
//! malformed input is an `NvpError`, never a panic.
//! See `shared/reference/paypal-nvp.md` for the sources of every name here.

mod codec;
mod error;
mod request;
mod response;
mod status;
mod views;

pub use codec::{decode, decode_request, encode_like_paypal};
pub use error::NvpError;
pub use request::{Credentials, Method, NvpRequest};
pub use response::{Ack, ErrorItem, NvpResponse};
pub use status::{CheckoutStatus, PaymentOutcome, PaymentStatus, PendingReason};
pub use views::{
    balance, checkout_details, payment_info, set_express_checkout_answer, transaction_details,
    Balance, CheckoutDetails, PaymentInfo, SetExpressCheckoutAnswer, TransactionDetails,
};

/// The API version sent with every call (spec §10). PayPal echoes it back.
pub const VERSION: &str = "204";

#[cfg(test)]
mod test_support;
