//! Guest memory rules: mapping, faults at the lowest failing address, straddling and
//! wrapping accesses, `sbrk`, the reservation pool.
use super::*;

#[test]
fn unmapped_memory_faults_and_low_memory_panics() {
    let memory = Memory::new().unwrap();
    assert_eq!(memory.load::<4>(0x2_0000), Err(Fault::PageFault(0x2_0000)));
    assert_eq!(memory.load::<1>(0x1234), Err(Fault::Panic));
    assert_eq!(memory.load::<1>(0xFFFF), Err(Fault::Panic));
}

#[test]
fn read_only_pages_fault_on_store() {
    let mut memory = Memory::new().unwrap();
    memory.map_zeroed(0x2_0000, 4096, Access::Read).unwrap();
    assert_eq!(memory.load::<8>(0x2_0000), Ok([0; 8]));
    assert_eq!(
        memory.store(0x2_0010, [1u8; 2]),
        Err(Fault::PageFault(0x2_0000))
    );
}

#[test]
fn straddling_store_is_atomic_and_reports_the_lowest_failing_page() {
    let mut memory = Memory::new().unwrap();
    memory.map_zeroed(0x2_0000, 4096, Access::Write).unwrap();
    assert_eq!(
        memory.store(0x2_0FFE, [1u8; 4]),
        Err(Fault::PageFault(0x2_1000))
    );
    assert_eq!(memory.load::<2>(0x2_0FFE), Ok([0, 0]));
    memory.map_zeroed(0x2_1000, 4096, Access::Write).unwrap();
    memory.store(0x2_0FFE, [1, 2, 3, 4]).unwrap();
    assert_eq!(memory.load::<4>(0x2_0FFE), Ok([1, 2, 3, 4]));
}

#[test]
fn wrapping_access_faults_on_the_last_page_or_panics_in_low_memory() {
    let mut memory = Memory::new().unwrap();
    // Last page unmapped: its bytes are the lowest failing indices.
    assert_eq!(
        memory.load::<4>(0xFFFF_FFFE),
        Err(Fault::PageFault(0xFFFF_F000))
    );
    // Last page mapped: only the wrapped bytes in low memory fail.
    memory.map_zeroed(0xFFFF_F000, 4096, Access::Write).unwrap();
    assert_eq!(memory.load::<4>(0xFFFF_FFFE), Err(Fault::Panic));
}

#[test]
fn unmap_forgets_contents_and_map_checks_ranges() {
    let mut memory = Memory::new().unwrap();
    memory.map_zeroed(0x3_0000, 8192, Access::Write).unwrap();
    memory.write(0x3_0005, &[9, 9]).unwrap();
    assert_eq!(memory.mapped_page_count(), 2);
    memory.unmap(0x3_0000, 4096).unwrap();
    assert_eq!(memory.mapped_page_count(), 1);
    memory.map_zeroed(0x3_0000, 4096, Access::Read).unwrap();
    assert_eq!(memory.read_vec(0x3_0005, 2).unwrap(), [0, 0]);
    assert!(matches!(
        memory.map_zeroed(0x3_0001, 4096, Access::Read),
        Err(MemoryError::Unaligned { .. })
    ));
    assert!(matches!(
        memory.map_zeroed(0, 4096, Access::Read),
        Err(MemoryError::Reserved { .. })
    ));
    assert!(matches!(
        memory.map_zeroed(0xFFFF_F000, 8192, Access::Read),
        Err(MemoryError::OutOfRange { .. })
    ));
    assert!(matches!(
        memory.write(0x3_0000, &[1]),
        Err(MemoryError::Inaccessible { .. })
    ));
}

#[test]
fn absurd_lengths_are_out_of_range_not_wrapped() {
    let mut memory = Memory::new().unwrap();
    let length = page_align_up(u64::MAX);
    assert_eq!(length % u64::from(PAGE_SIZE), 0);
    assert!(matches!(
        memory.map_zeroed(0x2_0000, length, Access::Write),
        Err(MemoryError::OutOfRange { .. })
    ));
    assert_eq!(memory.mapped_page_count(), 0);
}

#[test]
fn host_ptr_checks_rights_and_reads_overlapping_buffers() {
    let mut memory = Memory::new().unwrap();
    memory.map_zeroed(0x2_0000, 4096, Access::Write).unwrap();
    memory.write(0x2_0000, &[1, 2, 3, 4]).unwrap();
    let ptr = memory.host_ptr(0x2_0000, 4, true).unwrap();
    // A host buffer that is itself guest memory (a zero-copy view): memmove semantics.
    // SAFETY: the four bytes at `ptr` are mapped; the slice is dropped before any
    // other use of `memory`'s contents except the `read` into it.
    let view = unsafe { std::slice::from_raw_parts_mut(ptr.as_ptr().add(1), 3) };
    memory.read(0x2_0000, view).unwrap();
    assert_eq!(memory.read_vec(0x2_0000, 4).unwrap(), [1, 1, 2, 3]);
    assert!(memory.host_ptr(0x3_0000, 1, false).is_err());
    memory.set_access(0x2_0000, 4096, Access::Read).unwrap();
    assert!(memory.host_ptr(0x2_0000, 1, true).is_err());
}

#[test]
fn sbrk_maps_new_pages() {
    let mut memory = Memory::new().unwrap();
    memory.set_heap_end(0x2_0000);
    assert_eq!(memory.sbrk(10), Some(0x2_0000));
    assert_eq!(memory.heap_end(), 0x2_000A);
    memory.store(0x2_0009, [1u8]).unwrap();
    assert_eq!(memory.sbrk(0), Some(0x2_000A));
    assert_eq!(memory.sbrk(u64::MAX), None);
}

#[test]
fn a_reused_reservation_is_as_clean_as_a_fresh_one() {
    // Dirty several memories (few ranges: pooled on drop; many ranges: unmapped), then
    // check that new memories, which may reuse those reservations, read zeros everywhere
    // the old ones wrote and map nothing.
    let pages: Vec<u32> = (0..12).map(|i| 0x10_0000 + i * 0x2_0000).collect();
    for ranges in [3usize, 12] {
        let mut dirty = Vec::new();
        for _ in 0..4 {
            let mut memory = Memory::new().unwrap();
            for &page in &pages[..ranges] {
                memory.map_zeroed(page, 4096, Access::Write).unwrap();
                memory.write(page + 8, &[0xAB; 16]).unwrap();
            }
            dirty.push(memory);
        }
        drop(dirty);
        for _ in 0..8 {
            let mut memory = Memory::new().unwrap();
            assert_eq!(memory.mapped_page_count(), 0);
            for &page in &pages {
                assert_eq!(memory.access(page), Access::None);
                memory.map_zeroed(page, 4096, Access::Read).unwrap();
                assert_eq!(memory.page(page).unwrap(), &[0u8; 4096][..], "{page:#x}");
            }
        }
    }
}

/// The host permissions (`r`, `w` of `/proc/self/maps`) of the page holding `pointer`.
#[cfg(target_os = "linux")]
fn host_permissions(pointer: *const u8) -> String {
    let address = pointer as usize;
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    for line in maps.lines() {
        let mut fields = line.split_whitespace();
        let (start, end) = fields.next().unwrap().split_once('-').unwrap();
        let start = usize::from_str_radix(start, 16).unwrap();
        let end = usize::from_str_radix(end, 16).unwrap();
        if (start..end).contains(&address) {
            return fields.next().unwrap()[..2].to_string();
        }
    }
    panic!("{address:#x} is not mapped");
}

#[test]
#[cfg(target_os = "linux")]
fn native_protection_mirrors_the_table_and_host_writes_still_work() {
    let mut memory = Memory::new().unwrap();
    memory.map_zeroed(0x2_0000, 4096, Access::Read).unwrap();
    memory.map_zeroed(0x2_1000, 4096, Access::Write).unwrap();
    assert!(memory.enable_native_protection());
    assert!(memory.native_protection());
    let at = |address: u32| memory.base.as_ptr().wrapping_add(address as usize) as *const u8;
    assert_eq!(host_permissions(at(0x2_0000)), "r-");
    assert_eq!(host_permissions(at(0x2_1000)), "rw");
    assert_eq!(host_permissions(at(0x2_2000)), "--");
    assert_eq!(host_permissions(at(0x0)), "--");
    // The guard after the 4 GiB space.
    let end = memory.base.as_ptr().wrapping_add(1 << 32) as *const u8;
    assert_eq!(host_permissions(end), "--");

    // Loading read-only data lifts the protection for the write only.
    memory
        .write_privileged(0x2_0FFC, &[1, 2, 3, 4, 5, 6])
        .unwrap();
    assert_eq!(memory.read_vec(0x2_0FFC, 6).unwrap(), [1, 2, 3, 4, 5, 6]);
    let at = |address: u32| memory.base.as_ptr().wrapping_add(address as usize) as *const u8;
    assert_eq!(host_permissions(at(0x2_0000)), "r-");
    // Unmapped pages read as zero words without touching them.
    assert_eq!(memory.word(0x3_0000), 0);
    assert_eq!(memory.word(0x2_0FF8), 0x0403_0201_0000_0000);

    // Changing access changes the host protection; unmapping zeroes.
    memory.set_access(0x2_0000, 4096, Access::Write).unwrap();
    memory.unmap(0x2_1000, 4096).unwrap();
    let at = |address: u32| memory.base.as_ptr().wrapping_add(address as usize) as *const u8;
    assert_eq!(host_permissions(at(0x2_0000)), "rw");
    assert_eq!(host_permissions(at(0x2_1000)), "--");
    memory.map_zeroed(0x2_1000, 4096, Access::Read).unwrap();
    assert_eq!(memory.read_vec(0x2_1000, 2).unwrap(), [0, 0]);
    assert_eq!(memory.sbrk(0), Some(0));
}

#[test]
#[cfg(target_os = "linux")]
fn a_protected_reservation_comes_back_from_the_pool_read_write_and_clean() {
    for _ in 0..4 {
        let mut memory = Memory::new().unwrap();
        let at = memory.base.as_ptr().wrapping_add(0x5_0000) as *const u8;
        assert_eq!(
            host_permissions(at),
            "rw",
            "a fresh reservation is read-write"
        );
        assert_eq!(memory.mapped_page_count(), 0);
        memory.map_zeroed(0x5_0000, 8192, Access::Write).unwrap();
        assert_eq!(memory.read_vec(0x5_0000, 4).unwrap(), [0; 4]);
        memory.write(0x5_0000, &[9; 4]).unwrap();
        assert!(memory.enable_native_protection());
        drop(memory);
    }
}

#[test]
fn mapped_pages_lists_every_mapped_page_once_in_order_with_its_access() {
    let mut memory = Memory::new().unwrap();
    // Scattered ranges: inside one 8-entry group, across groups, the very last page, and
    // a range unmapped again in the middle.
    memory
        .map_zeroed(0x1_0000, 3 * 4096, Access::Write)
        .unwrap();
    memory.map_zeroed(0x1_5000, 5 * 4096, Access::Read).unwrap();
    memory
        .map_zeroed(0x80_0000, 20 * 4096, Access::Write)
        .unwrap();
    memory.unmap(0x80_3000, 2 * 4096).unwrap();
    memory.map_zeroed(0xFFFF_F000, 4096, Access::Read).unwrap();
    let expected: Vec<(u32, Access)> = (0..PAGE_COUNT as u32)
        .map(|page| page * PAGE_SIZE)
        .filter(|&address| memory.access(address) != Access::None)
        .map(|address| (address, memory.access(address)))
        .collect();
    assert_eq!(expected.len(), 3 + 5 + 18 + 1);
    assert_eq!(memory.mapped_pages().collect::<Vec<_>>(), expected);
    assert_eq!(memory.mapped_page_count(), expected.len());
    assert_eq!(expected.last(), Some(&(0xFFFF_F000, Access::Read)));
}
