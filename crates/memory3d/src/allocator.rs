//! Placement of allocations in the 3D address space. Knows nothing of contents or gas.
//!
//! Every X region holds allocations of one [`RegionType`]. Within a region an allocation
//! occupies the linear bytes `start..start + size` (linear = `Y · PLANE_SIZE + Z`). An
//! allocation of at most one plane never crosses a plane boundary; a larger one starts at
//! Z = 0 and spans consecutive planes (Y-promotion). Allocations never overlap.

use std::collections::BTreeMap;

use crate::address::{Address3D, MAX_X_REGIONS, PLANE_SIZE, REGION_SIZE};
use crate::error::VmError;
use crate::types::{AllocFlags, RegionType};

/// One live allocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocation {
    /// Identifier, unique over the VM's lifetime.
    pub id: u64,
    /// Region (X).
    pub x: u64,
    /// Linear start offset within the region.
    pub start: u64,
    /// Size in bytes (> 0).
    pub size: u64,
    /// Type of the region it lives in.
    pub region_type: RegionType,
    /// Modifier flags.
    pub flags: AllocFlags,
}

impl Allocation {
    /// Address of the first byte.
    pub fn address(&self) -> Address3D {
        Address3D::from_linear(self.x, self.start)
    }
    /// One past the last linear offset.
    pub fn end(&self) -> u64 {
        self.start + self.size
    }
    /// True when the allocation spans more than one plane.
    pub fn is_promoted(&self) -> bool {
        self.size > PLANE_SIZE
    }
    /// True when compaction may move it.
    pub fn movable(&self) -> bool {
        !self.flags.contains(AllocFlags::PROTECTED)
    }
}

/// A region's allocations: `start -> (id, end)`.
type Spans = BTreeMap<u64, (u64, u64)>;

/// The placement state of all regions.
#[derive(Debug, Clone, Default)]
pub struct Allocator {
    /// Per region: its type and `start -> (id, end)` of its allocations.
    regions: BTreeMap<u64, (RegionType, Spans)>,
    allocs: BTreeMap<u64, Allocation>,
    next_id: u64,
    used: u64,
    capacity: u64,
}

/// Where a new allocation would go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    /// Region.
    pub x: u64,
    /// Linear start.
    pub start: u64,
}

/// First offset `>= from` where `size` bytes fit by the plane rule.
pub fn align_for(from: u64, size: u64) -> u64 {
    if size > PLANE_SIZE {
        from.div_ceil(PLANE_SIZE) * PLANE_SIZE
    } else if from / PLANE_SIZE != (from + size - 1) / PLANE_SIZE {
        (from / PLANE_SIZE + 1) * PLANE_SIZE
    } else {
        from
    }
}

impl Allocator {
    /// An empty allocator that hands out at most `capacity` bytes in total.
    pub fn new(capacity: u64) -> Self {
        Self {
            capacity,
            next_id: 1,
            ..Self::default()
        }
    }

    /// Bytes currently allocated.
    pub fn used(&self) -> u64 {
        self.used
    }

    /// Number of live allocations.
    pub fn len(&self) -> usize {
        self.allocs.len()
    }

    /// True when nothing is allocated.
    pub fn is_empty(&self) -> bool {
        self.allocs.is_empty()
    }

    /// Live allocations in id order.
    pub fn iter(&self) -> impl Iterator<Item = &Allocation> {
        self.allocs.values()
    }

    /// The allocation with this id.
    pub fn get(&self, id: u64) -> Option<&Allocation> {
        self.allocs.get(&id)
    }

    /// Region ids with their types.
    pub fn regions(&self) -> impl Iterator<Item = (u64, RegionType)> + '_ {
        self.regions.iter().map(|(x, (t, _))| (*x, *t))
    }

    /// Allocations of region `x` in address order.
    pub fn region_allocs(&self, x: u64) -> Vec<&Allocation> {
        self.regions
            .get(&x)
            .map(|(_, m)| m.values().map(|(id, _)| &self.allocs[id]).collect())
            .unwrap_or_default()
    }

    /// The allocation containing `addr`, if any.
    pub fn find(&self, addr: Address3D) -> Option<&Allocation> {
        let (_, m) = self.regions.get(&addr.x)?;
        let lin = addr.linear();
        let (_, (id, end)) = m.range(..=lin).next_back()?;
        (lin < *end).then(|| &self.allocs[id])
    }

    /// The allocation containing all of `addr .. addr + len` (`len` ≥ 1), or the error to report.
    pub fn find_range(&self, addr: Address3D, len: u64) -> Result<&Allocation, VmError> {
        if !addr.is_valid() {
            return Err(VmError::InvalidAddress);
        }
        let a = self.find(addr).ok_or(VmError::AddressNotAllocated)?;
        if addr.linear().checked_add(len).is_none_or(|e| e > a.end()) {
            return Err(VmError::InvalidAddress);
        }
        Ok(a)
    }

    fn check_capacity(&self, size: u64) -> Result<(), VmError> {
        if size == 0 || size > REGION_SIZE {
            return Err(VmError::AllocationFailed);
        }
        if self
            .used
            .checked_add(size)
            .is_none_or(|u| u > self.capacity)
        {
            return Err(VmError::InsufficientMemory);
        }
        Ok(())
    }

    fn fit_in(m: &Spans, size: u64) -> Option<u64> {
        let mut gap_start = 0u64;
        for (start, (_, end)) in m {
            let c = align_for(gap_start, size);
            if c + size <= *start {
                return Some(c);
            }
            gap_start = *end;
        }
        let c = align_for(gap_start, size);
        (c + size <= REGION_SIZE).then_some(c)
    }

    /// Where `size` bytes of `region_type` would be placed (first fit, new region if needed).
    pub fn plan(&self, size: u64, region_type: RegionType) -> Result<Placement, VmError> {
        self.check_capacity(size)?;
        for (x, (t, m)) in &self.regions {
            if *t == region_type {
                if let Some(start) = Self::fit_in(m, size) {
                    return Ok(Placement { x: *x, start });
                }
            }
        }
        let x = (0..MAX_X_REGIONS)
            .find(|x| !self.regions.contains_key(x))
            .ok_or(VmError::InsufficientMemory)?;
        Ok(Placement { x, start: 0 })
    }

    /// Checks that `size` bytes can be allocated exactly at `addr` (auto-allocation).
    pub fn plan_at(&self, addr: Address3D, size: u64) -> Result<Placement, VmError> {
        if !addr.is_valid() {
            return Err(VmError::InvalidAddress);
        }
        self.check_capacity(size)?;
        let start = addr.linear();
        if start + size > REGION_SIZE {
            return Err(VmError::InvalidAddress);
        }
        if let Some((_, m)) = self.regions.get(&addr.x) {
            if let Some((_, (_, end))) = m.range(..start + size).next_back() {
                if *end > start {
                    return Err(VmError::AllocationFailed);
                }
            }
        }
        Ok(Placement { x: addr.x, start })
    }

    /// Records an allocation at a placement from [`Allocator::plan`] or [`Allocator::plan_at`].
    pub fn commit(
        &mut self,
        p: Placement,
        size: u64,
        region_type: RegionType,
        flags: AllocFlags,
    ) -> Allocation {
        let id = self.next_id;
        self.next_id += 1;
        let region = self
            .regions
            .entry(p.x)
            .or_insert_with(|| (region_type, BTreeMap::new()));
        region.1.insert(p.start, (id, p.start + size));
        let a = Allocation {
            id,
            x: p.x,
            start: p.start,
            size,
            region_type: region.0,
            flags,
        };
        self.allocs.insert(id, a.clone());
        self.used += size;
        a
    }

    /// Removes an allocation; an emptied region is released.
    pub fn remove(&mut self, id: u64) -> Option<Allocation> {
        let a = self.allocs.remove(&id)?;
        if let Some((_, m)) = self.regions.get_mut(&a.x) {
            m.remove(&a.start);
            if m.is_empty() {
                self.regions.remove(&a.x);
            }
        }
        self.used -= a.size;
        Some(a)
    }

    /// Moves an allocation within its region to `new_start` (caller guarantees no overlap).
    pub fn relocate(&mut self, id: u64, new_start: u64) {
        let a = self
            .allocs
            .get_mut(&id)
            .expect("relocate of a live allocation");
        let m = &mut self
            .regions
            .get_mut(&a.x)
            .expect("region of a live allocation")
            .1;
        m.remove(&a.start);
        m.insert(new_start, (id, new_start + a.size));
        a.start = new_start;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alloc(al: &mut Allocator, size: u64) -> Allocation {
        let p = al.plan(size, RegionType::Heap).unwrap();
        al.commit(p, size, RegionType::Heap, AllocFlags::default())
    }

    #[test]
    fn first_fit_reuses_gaps_and_respects_planes() {
        let mut al = Allocator::new(u64::MAX);
        let a = alloc(&mut al, 100);
        let b = alloc(&mut al, 100);
        assert_eq!((a.start, b.start), (0, 100));
        al.remove(a.id);
        assert_eq!(alloc(&mut al, 50).start, 0);
        let big = alloc(&mut al, PLANE_SIZE - 100);
        assert_eq!(big.start, PLANE_SIZE, "does not cross a plane");
        let promoted = alloc(&mut al, PLANE_SIZE + 1);
        assert!(promoted.is_promoted());
        assert_eq!(promoted.start % PLANE_SIZE, 0);
    }

    #[test]
    fn capacity_and_overlap() {
        let mut al = Allocator::new(150);
        alloc(&mut al, 100);
        assert_eq!(
            al.plan(51, RegionType::Heap),
            Err(VmError::InsufficientMemory)
        );
        assert_eq!(al.plan(0, RegionType::Heap), Err(VmError::AllocationFailed));
        assert_eq!(
            al.plan_at(Address3D::new(0, 0, 99), 10),
            Err(VmError::AllocationFailed)
        );
        assert!(al.plan_at(Address3D::new(0, 0, 100), 10).is_ok());
    }

    #[test]
    fn region_types_get_their_own_regions() {
        let mut al = Allocator::new(u64::MAX);
        alloc(&mut al, 8);
        let p = al.plan(8, RegionType::Stack).unwrap();
        assert_eq!(p, Placement { x: 1, start: 0 });
    }
}
