//! `NvpError`: why bytes are not a usable NVP message or answer, or an
//! answer lacks what a typed view needs.

use std::fmt;

/// Why bytes are not a usable NVP message or answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NvpError {
    /// A `%` not followed by two hex digits, at this byte offset of the body.
    MalformedEscape { offset_bytes: usize },
    /// A decoded name or value is not UTF-8; the pair starts at this byte
    /// offset of the body.
    InvalidUtf8 { offset_bytes: usize },
    /// A field a typed view needs is absent or empty.
    MissingField(String),
    /// A field that should hold an amount does not.
    InvalidAmount { field: String, value: String },
}

impl fmt::Display for NvpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NvpError::MalformedEscape { offset_bytes } => {
                write!(f, "malformed percent escape at byte {offset_bytes}")
            }
            NvpError::InvalidUtf8 { offset_bytes } => {
                write!(f, "field at byte {offset_bytes} is not UTF-8")
            }
            NvpError::MissingField(name) => write!(f, "missing field {name}"),
            NvpError::InvalidAmount { field, value } => {
                write!(f, "field {field} is not an amount: {value:?}")
            }
        }
    }
}

impl std::error::Error for NvpError {}
