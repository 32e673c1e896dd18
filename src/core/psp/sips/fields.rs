//! The fields of a received `Data`, taken out one by one as they are
//! typed: empty values and the literal `null` are absent, numbers are ASCII
//! digits only (no sign, no fraction), amounts integer cents.

use std::collections::BTreeMap;

use super::data::{split_pairs, DataError};
use crate::core::money::Amount;

/// Most digits an amount in cents may have (a thousand billion).
const MAX_AMOUNT_DIGITS: usize = 12;

/// The received fields, taken out one by one as they are typed.
pub(super) struct Fields(BTreeMap<String, String>);

impl Fields {
    /// The pairs of `data` (see `data::split_pairs`).
    pub(super) fn parse(data: &str) -> Result<Fields, DataError> {
        let pairs = split_pairs(data)?;
        Ok(Fields(
            pairs
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        ))
    }

    /// The fields not taken yet, as sent.
    pub(super) fn rest(self) -> BTreeMap<String, String> {
        self.0
    }

    /// Field `key`'s value, unless empty or `null`.
    pub(super) fn take(&mut self, key: &str) -> Option<String> {
        self.0
            .remove(key)
            .filter(|value| !value.is_empty() && value != "null")
    }

    pub(super) fn required(&mut self, key: &'static str) -> Result<String, DataError> {
        self.take(key).ok_or(DataError::Missing(key))
    }

    /// Field `key` as a number of at most `max_digits` digits.
    pub(super) fn digits(
        &mut self,
        key: &'static str,
        max_digits: usize,
    ) -> Result<Option<u64>, DataError> {
        let Some(text) = self.take(key) else {
            return Ok(None);
        };
        if text.len() > max_digits || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DataError::NotANumber {
                field: key,
                value: text,
            });
        }
        text.parse::<u64>()
            .map(Some)
            .map_err(|_| DataError::NotANumber {
                field: key,
                value: text,
            })
    }

    pub(super) fn amount(&mut self, key: &'static str) -> Result<Option<Amount>, DataError> {
        let Some(cents) = self.digits(key, MAX_AMOUNT_DIGITS)? else {
            return Ok(None);
        };
        i64::try_from(cents)
            .ok()
            .and_then(Amount::from_cents)
            .map(Some)
            .ok_or(DataError::NotANumber {
                field: key,
                value: cents.to_string(),
            })
    }

    pub(super) fn small(&mut self, key: &'static str) -> Result<Option<u32>, DataError> {
        let Some(n) = self.digits(key, 9)? else {
            return Ok(None);
        };
        u32::try_from(n)
            .map(Some)
            .map_err(|_| DataError::NotANumber {
                field: key,
                value: n.to_string(),
            })
    }
}
