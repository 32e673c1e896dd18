//! PSP wire formats, one module per provider; sans-IO: requests are values,
//! answers are parsed from bytes. The shell sends the bytes (or, with the
//! emulator, hands them over in-process); nothing here does I/O.

pub mod paypal;
