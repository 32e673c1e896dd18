//! PayPal: the classic NVP wire format of Express Checkout (requests,
//! answers, statuses and the typed views the platform reads), shared by the
//! client and the built-in emulator so both speak exactly the same bytes.

pub mod adapter;
pub mod answers;
pub mod charset;
#[cfg(feature = "emulators")]
pub mod emulator;
#[cfg(feature = "emulators")]
pub mod emulator_ipn;
pub mod ipn;
pub mod listener;
pub mod nvp;
pub mod permission;
pub mod privacy;
pub mod receipts;
pub mod refund;

pub use nvp::{
    balance, checkout_details, decode, decode_request, encode_like_paypal, payment_info,
    set_express_checkout_answer, transaction_details, Ack, Balance, CheckoutDetails,
    CheckoutStatus, Credentials, ErrorItem, Method, NvpError, NvpRequest, NvpResponse, PaymentInfo,
    PaymentOutcome, PaymentStatus, PendingReason, SetExpressCheckoutAnswer, TransactionDetails,
    VERSION,
};
