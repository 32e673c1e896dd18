//! The operator's back office (backoffice.md §2) as far as one order and
//! the disputed titles go: the pure decisions (`order`, `titles`) and the
//! statements reading everything an operator sees (`reads`). The flows
//! that ask the provider and write are in `flow::backoffice`.

pub mod order;
pub mod reads;
pub mod titles;
