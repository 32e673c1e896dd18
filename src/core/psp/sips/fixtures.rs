//! The public vectors and response shapes the Sips tests check, read from
//! `tests/fixtures/psp/sips/` (see the README there for their sources).

/// One Paypage seal vector: where it comes from, algorithm, key, Data, seal.
pub struct SealVector {
    pub source: &'static str,
    pub algorithm: &'static str,
    pub key: &'static str,
    pub data: &'static str,
    pub seal: &'static str,
}

const PAYPAGE_SEAL_VECTORS: &str =
    include_str!("../../../../tests/fixtures/psp/sips/paypage_seal_vectors.tsv");

/// The JSON (Paypage JSON and Office) seal vector of reference part B5.
pub const JSON_SEAL_VECTOR: &str =
    include_str!("../../../../tests/fixtures/psp/sips/json_seal_vector.json");

/// Every Paypage seal vector of the fixture file.
pub fn paypage_seal_vectors() -> Vec<SealVector> {
    PAYPAGE_SEAL_VECTORS
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            assert_eq!(cols.len(), 5, "five tab-separated columns: {line}");
            SealVector {
                source: cols[0],
                algorithm: cols[1],
                key: cols[2],
                data: cols[3],
                seal: cols[4],
            }
        })
        .collect()
}

/// An authorized automatic response in the shape of a real simulation
/// response (reference part B4), with our own values.
pub const AUTHORIZED_RESPONSE: &str =
    include_str!("../../../../tests/fixtures/psp/sips/response_authorized.data");

/// Its SHA-256 seal under `002001000000001_KEY1` (computed with Python).
pub const AUTHORIZED_RESPONSE_SHA256: &str =
    include_str!("../../../../tests/fixtures/psp/sips/response_authorized.sha256");
