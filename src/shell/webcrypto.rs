//! PBKDF2-HMAC-SHA256 through the Worker runtime's WebCrypto
//! (`crypto.subtle.deriveBits`). The runtime computes it natively, far faster
//! than PBKDF2 compiled to wasm, which keeps password hashing at a strong
//! iteration count within the Worker's CPU limit. Its output is the same as
//! the native reference `crate::core::crypto::pbkdf2_sha256`, which the
//! tests use; the stored format lives in `crate::core::crypto::PasswordHash`.
//!
//! This module only runs in the Worker (wasm32); it compiles on the host so
//! that `cargo test` can build the crate, but is never called there.

use worker::js_sys::{Array, ArrayBuffer, Uint8Array};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::web_sys::{CryptoKey, Pbkdf2Params, SubtleCrypto, WorkerGlobalScope};

/// Length of the derived key in bits (one SHA-256 block).
const DERIVED_BITS: u32 = 256;

/// A readable message for a JS error value, prefixed with what was being done.
fn js_error(context: &str, error: JsValue) -> String {
    let detail = error
        .dyn_ref::<worker::js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| format!("{error:?}"));
    format!("{context}: {detail}")
}

/// The runtime's `crypto.subtle`.
fn subtle() -> Result<SubtleCrypto, String> {
    let global = worker::js_sys::global().unchecked_into::<WorkerGlobalScope>();
    let crypto = global
        .crypto()
        .map_err(|e| js_error("WebCrypto is unavailable", e))?;
    Ok(crypto.subtle())
}

/// PBKDF2-HMAC-SHA256 of `password` with `salt` and `iterations`, giving 32
/// bytes, computed by WebCrypto. Every JS failure becomes an `Err` message.
pub async fn pbkdf2_sha256(
    password: &[u8],
    salt: &[u8],
    iterations: u32,
) -> Result<[u8; 32], String> {
    let subtle = subtle()?;

    let password_bytes = Uint8Array::from(password);
    let usages = Array::of1(&JsValue::from_str("deriveBits"));
    let import = subtle
        .import_key_with_str("raw", &password_bytes, "PBKDF2", false, &usages)
        .map_err(|e| js_error("importKey failed", e))?;
    let key = JsFuture::from(import)
        .await
        .map_err(|e| js_error("importKey rejected", e))?
        .dyn_into::<CryptoKey>()
        .map_err(|_| "importKey did not return a CryptoKey".to_string())?;

    let salt_bytes = Uint8Array::from(salt);
    let params = Pbkdf2Params::new(
        "PBKDF2",
        &JsValue::from_str("SHA-256"),
        iterations,
        &salt_bytes,
    );
    let derive = subtle
        .derive_bits_with_object(&params, &key, DERIVED_BITS)
        .map_err(|e| js_error("deriveBits failed", e))?;
    let buffer = JsFuture::from(derive)
        .await
        .map_err(|e| js_error("deriveBits rejected", e))?
        .dyn_into::<ArrayBuffer>()
        .map_err(|_| "deriveBits did not return an ArrayBuffer".to_string())?;

    let bytes = Uint8Array::new(&buffer).to_vec();
    let length = bytes.len();
    <[u8; 32]>::try_from(bytes)
        .map_err(|_| format!("deriveBits returned {length} bytes instead of 32"))
}
