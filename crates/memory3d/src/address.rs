//! Three-dimensional addresses: X region (u64), Y plane (u32), Z offset (u16).

use std::fmt;

/// Number of X regions (valid X is `0..MAX_X_REGIONS`).
pub const MAX_X_REGIONS: u64 = 256;
/// Number of Y planes per region (valid Y is `0..MAX_Y_PLANES`).
pub const MAX_Y_PLANES: u32 = 65_535;
/// Bytes in one plane: every `u16` Z offset is a byte of the plane.
pub const PLANE_SIZE: u64 = 65_536;
/// Bytes in one region.
pub const REGION_SIZE: u64 = MAX_Y_PLANES as u64 * PLANE_SIZE;

/// A memory address in three dimensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Address3D {
    /// Region.
    pub x: u64,
    /// Plane within the region.
    pub y: u32,
    /// Byte offset within the plane.
    pub z: u16,
}

impl Address3D {
    /// Builds an address.
    pub const fn new(x: u64, y: u32, z: u16) -> Self {
        Self { x, y, z }
    }

    /// True when the address lies in the addressable space (X < 256, Y < 65535).
    pub fn is_valid(&self) -> bool {
        self.x < MAX_X_REGIONS && self.y < MAX_Y_PLANES
    }

    /// 14-byte big-endian serialisation: X(8) Y(4) Z(2).
    pub fn to_bytes(&self) -> [u8; 14] {
        let mut b = [0u8; 14];
        b[..8].copy_from_slice(&self.x.to_be_bytes());
        b[8..12].copy_from_slice(&self.y.to_be_bytes());
        b[12..].copy_from_slice(&self.z.to_be_bytes());
        b
    }

    /// Inverse of [`Address3D::to_bytes`].
    pub fn from_bytes(b: &[u8; 14]) -> Self {
        let mut x = [0u8; 8];
        x.copy_from_slice(&b[..8]);
        let mut y = [0u8; 4];
        y.copy_from_slice(&b[8..12]);
        Self::new(
            u64::from_be_bytes(x),
            u32::from_be_bytes(y),
            u16::from_be_bytes([b[12], b[13]]),
        )
    }

    /// Same X and Y, Z advanced by `offset` (wrapping within the plane, as the reference).
    pub fn add_z(&self, offset: u16) -> Self {
        Self::new(self.x, self.y, self.z.wrapping_add(offset))
    }

    /// Start of the next plane (Y + 1, Z = 0), wrapping Y like the reference.
    pub fn next_y(&self) -> Self {
        Self::new(self.x, self.y.wrapping_add(1), 0)
    }

    /// Weighted Manhattan distance of the reference: `100·|ΔX| + 10·|ΔY| + |ΔZ|` (saturating).
    pub fn manhattan_distance(&self, other: &Self) -> u64 {
        let dx = self.x.abs_diff(other.x);
        let dy = u64::from(self.y.abs_diff(other.y));
        let dz = u64::from(self.z.abs_diff(other.z));
        dx.saturating_mul(100)
            .saturating_add(dy * 10)
            .saturating_add(dz)
    }

    /// Byte offset within the region: `Y · PLANE_SIZE + Z`.
    pub fn linear(&self) -> u64 {
        u64::from(self.y) * PLANE_SIZE + u64::from(self.z)
    }

    /// The address of byte `linear` of region `x`.
    pub fn from_linear(x: u64, linear: u64) -> Self {
        Self::new(
            x,
            (linear / PLANE_SIZE) as u32,
            (linear % PLANE_SIZE) as u16,
        )
    }
}

impl fmt::Display for Address3D {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[X:{},Y:{},Z:{}]", self.x, self.y, self.z)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_big_endian_and_roundtrip() {
        let a = Address3D::new(0x0102030405060708, 0x090a0b0c, 0x0d0e);
        assert_eq!(
            a.to_bytes(),
            [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]
        );
        assert_eq!(Address3D::from_bytes(&a.to_bytes()), a);
    }

    #[test]
    fn display_validity_ops() {
        let a = Address3D::new(1, 2, 3);
        assert_eq!(a.to_string(), "[X:1,Y:2,Z:3]");
        assert!(a.is_valid());
        assert!(!Address3D::new(256, 0, 0).is_valid());
        assert!(!Address3D::new(0, 65_535, 0).is_valid());
        assert_eq!(a.add_z(10), Address3D::new(1, 2, 13));
        assert_eq!(a.next_y(), Address3D::new(1, 3, 0));
        assert_eq!(a.manhattan_distance(&Address3D::new(0, 0, 0)), 100 + 20 + 3);
        assert!(Address3D::new(0, 9, 9) < Address3D::new(1, 0, 0));
        assert!(Address3D::new(0, 1, 0) > Address3D::new(0, 0, 65_535));
        assert_eq!(
            Address3D::from_linear(1, PLANE_SIZE + 5),
            Address3D::new(1, 1, 5)
        );
    }
}
