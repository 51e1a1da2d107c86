//! Conversion of 256-bit stack operands to memory offsets.

use crate::MemoryError;

/// Converts a 256-bit operand given as little-endian 64-bit limbs (the layout of
/// `ruint::Uint::as_limbs`) to a `usize`, or [`MemoryError::Overflow`] if it does not fit.
#[inline]
pub fn to_usize(limbs: &[u64; 4]) -> Result<usize, MemoryError> {
    if limbs[1] | limbs[2] | limbs[3] != 0 {
        return Err(MemoryError::Overflow);
    }
    usize::try_from(limbs[0]).map_err(|_| MemoryError::Overflow)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_and_rejects() {
        assert_eq!(to_usize(&[5, 0, 0, 0]), Ok(5));
        assert_eq!(to_usize(&[u64::MAX, 0, 0, 0]), Ok(usize::MAX));
        assert_eq!(to_usize(&[0, 0, 0, 1 << 63]), Err(MemoryError::Overflow));
        assert_eq!(to_usize(&[0, 1, 0, 0]), Err(MemoryError::Overflow));
    }
}
