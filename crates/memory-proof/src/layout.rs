//! The circuit's layout constants, shared by the circuit and its witness: range-check
//! widths, column counts, the supported sizes `k` and the usable rows of a `2^k` domain.
//!
//! A leaf module: the circuit ([`crate::circuit`]) and the witness ([`crate::witness`]) both
//! read it, and it uses neither.

/// Bytes in the range check of the original table's time chain (64-bit quantities).
pub const TIME_BYTES: usize = 8;
/// Bytes in the range check of the sorted table's order chain (72-bit quantities: a key is
/// `space · 2^64 + address`).
pub const ORDER_BYTES: usize = 9;
/// Bytes in the range check of the sorted table's values (64-bit).
pub const VALUE_BYTES: usize = 8;

/// Smallest supported `k`: the 256-row byte table must fit in the usable rows.
pub const MIN_K: u32 = 9;
/// Largest supported `k` (BN254's two-adicity allows more, but memory does not).
pub const MAX_K: u32 = 24;

/// Rows at the end of the domain that halo2 fills with blinding values: this circuit
/// queries no advice column at more than two rotations, so halo2 uses
/// `max(3, 2) + 2 = 5` blinding rows plus the `l_last` row.
pub const UNUSABLE_ROWS: usize = 6;

/// The number of the last usable row, `C = 2^k − 7`. Rows `0..=C` hold the tables; row
/// `C` is always inactive, so at most `C` records fit.
pub fn last_row(k: u32) -> usize {
    (1usize << k) - UNUSABLE_ROWS - 1
}

/// The most records a circuit of size `2^k` can hold.
pub fn capacity(k: u32) -> usize {
    last_row(k)
}

/// Number of first-phase advice columns.
pub const NUM_COLUMNS: usize = 12 + BYTE_COLUMNS;
/// Number of range-check byte columns.
pub const BYTE_COLUMNS: usize = TIME_BYTES + ORDER_BYTES + VALUE_BYTES;

/// The smallest `k` whose circuit holds `records` records (at least [`MIN_K`]), or `None`
/// if even [`MAX_K`] is too small.
pub fn smallest_k(records: usize) -> Option<u32> {
    (MIN_K..=MAX_K).find(|&k| capacity(k) >= records)
}
