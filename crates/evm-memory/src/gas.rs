//! The memory expansion cost function `C(w) = 3*w + floor(w*w / 512)`.

/// Words covered by the lookup table (`0..=TABLE_WORDS`, i.e. up to 32 KiB of memory).
pub const TABLE_WORDS: usize = 1024;

/// `C(w)` by the formula, with revm's saturating arithmetic.
#[inline]
const fn formula(words: u64) -> u64 {
    3u64.saturating_mul(words)
        .saturating_add(words.saturating_mul(words) / 512)
}

const fn build_table() -> [u64; TABLE_WORDS + 1] {
    let mut table = [0u64; TABLE_WORDS + 1];
    let mut w = 0;
    while w <= TABLE_WORDS {
        table[w] = formula(w as u64);
        w += 1;
    }
    table
}

static TABLE: [u64; TABLE_WORDS + 1] = build_table();

/// Total cost of a memory of `words` 32-byte words: `3*w + floor(w*w / 512)`.
///
/// O(1): a table lookup up to [`TABLE_WORDS`], the formula above it. Bit for bit equal to
/// revm's `GasParams::memory_cost`, including its saturation: `w*w` saturates at
/// `u64::MAX` for `w >= 2^32`, so from there on the quadratic part is the constant
/// `u64::MAX / 512` and the whole cost is `3*w + (2^55 - 1)` (itself saturating at
/// `u64::MAX`). No real gas limit comes near those sizes.
#[inline]
pub fn memory_gas(words: u64) -> u64 {
    match TABLE.get(words as usize) {
        Some(&cost) if words <= TABLE_WORDS as u64 => cost,
        _ => formula(words),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        assert_eq!(memory_gas(0), 0);
        assert_eq!(memory_gas(1), 3);
        assert_eq!(memory_gas(32), 98);
        assert_eq!(memory_gas(1024), 3 * 1024 + 2048);
        assert_eq!(memory_gas(1025), 3 * 1025 + 1025 * 1025 / 512);
        assert_eq!(memory_gas(1 << 32), 3 * (1 << 32) + u64::MAX / 512);
        assert_eq!(memory_gas(u64::MAX), u64::MAX);
    }

    #[test]
    fn table_matches_formula() {
        for w in 0..=TABLE_WORDS as u64 + 10 {
            assert_eq!(memory_gas(w), formula(w));
        }
    }
}
