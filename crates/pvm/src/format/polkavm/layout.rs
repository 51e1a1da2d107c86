//! The guest memory layout PolkaVM 0.37 gives a `.polkavm` program (its
//! `MemoryMapBuilder::build` for page size 4096).

use super::{
    ContainerError, ADDRESS_SPACE_TOP, MAX_PAGE_SIZE, POLKAVM_PAGE_SIZE, POLKAVM_RETURN_TO_HOST,
};

/// Where PolkaVM places each region. Every range is [start, end) in guest addresses, page-aligned ends.
///
/// Regions not listed (guard zones, the space between heap and stack) are
/// inaccessible. The RW range grows upwards by `sbrk` from [`MemoryLayout::heap_base`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryLayout {
    /// Read-only region: starts at 0x10000, `ro_data_size` rounded up to 4 KiB.
    pub ro_data: (u32, u32),
    /// Read-write region: `rw_data_size` rounded up to 4 KiB (includes BSS; the
    /// heap starts at the unrounded end, see [`MemoryLayout::heap_base`]).
    pub rw_data: (u32, u32),
    /// Read-write stack region: `stack_size` rounded up to 4 KiB, ending at `stack_pointer`.
    pub stack: (u32, u32),
    /// initial stack pointer for an export call
    pub stack_pointer: u32,
    /// address to put in RA so that returning halts (0xFFFF0000)
    pub return_address: u32,
    /// First heap byte: `rw_data.0 + rw_data_size` (not page aligned); the
    /// pointer returned by PolkaVM's first `sbrk`/heap-base query.
    pub heap_base: u32,
    /// Maximum total heap size (`sbrk` beyond it fails), as in PolkaVM's `MemoryMap::max_heap_size`.
    pub max_heap_size: u32,
    /// Auxiliary data region; always empty `(0xFFFF0000, 0xFFFF0000)` with
    /// PolkaVM's default `ModuleConfig` (aux_data_size = 0).
    pub aux_data: (u32, u32),
}

/// Rounds `value` up to a multiple of `page` (a power of two), `None` on overflow.
fn align_up(page: u64, value: u64) -> Option<u64> {
    let mask = page.checked_sub(1)?;
    value.checked_add(mask).map(|sum| sum & !mask)
}

/// PolkaVM's `MemoryMapBuilder::build` for page size 4096.
pub(super) fn compute_layout(
    ro_data_size: u32,
    rw_data_size: u32,
    stack_size: u32,
    aux_data_size: u32,
) -> Result<MemoryLayout, ContainerError> {
    let page = u64::from(POLKAVM_PAGE_SIZE);
    let max_u32 = u64::from(u32::MAX);
    // Rounds to the page size; the result must still fit in a u32.
    let page_len = |value: u32, message: &'static str| {
        align_up(page, u64::from(value))
            .filter(|&len| len <= max_u32)
            .ok_or(ContainerError::InvalidMemoryConfig(message))
    };
    let space = |value: u32, message: &'static str| {
        align_up(MAX_PAGE_SIZE, u64::from(value))
            .ok_or(ContainerError::InvalidMemoryConfig(message))
    };

    let ro_space = space(ro_data_size, "the size of read-only data is too big")?;
    let ro_len = page_len(ro_data_size, "the size of read-only data is too big")?;
    let rw_space = space(rw_data_size, "the size of read-write data is too big")?;
    let rw_len = page_len(rw_data_size, "the size of read-write data is too big")?;
    let stack_space = space(stack_size, "the size of the stack is too big")?;
    let stack_len = page_len(stack_size, "the size of the stack is too big")?;
    let aux_space = space(aux_data_size, "the size of the aux data is too big")?;
    let aux_len = page_len(aux_data_size, "the size of the aux data is too big")?;

    let exceeded = || ContainerError::InvalidMemoryConfig("maximum memory size exceeded");
    // All values below are sums of at most a few u32-sized terms: no u64 overflow.
    let ro_address = MAX_PAGE_SIZE;
    let rw_address = ro_address + ro_space + MAX_PAGE_SIZE;
    let heap_base = rw_address + u64::from(rw_data_size);
    let rw_space_end = rw_address + rw_space;
    let heap_slack = rw_space_end - heap_base;
    let address_low = rw_space_end + MAX_PAGE_SIZE;

    let aux_address = ADDRESS_SPACE_TOP
        .checked_sub(aux_space)
        .ok_or_else(exceeded)?;
    let stack_high = aux_address
        .checked_sub(MAX_PAGE_SIZE)
        .ok_or_else(exceeded)?;
    let address_high = stack_high.checked_sub(stack_space).ok_or_else(exceeded)?;
    if address_low > address_high {
        return Err(exceeded());
    }
    let max_heap_size = address_high - address_low + heap_slack;

    let to_u32 = |value: u64| u32::try_from(value).map_err(|_| exceeded());
    let stack_low = stack_high.checked_sub(stack_len).ok_or_else(exceeded)?;
    Ok(MemoryLayout {
        ro_data: (to_u32(ro_address)?, to_u32(ro_address + ro_len)?),
        rw_data: (to_u32(rw_address)?, to_u32(rw_address + rw_len)?),
        stack: (to_u32(stack_low)?, to_u32(stack_high)?),
        stack_pointer: to_u32(stack_high)?,
        return_address: POLKAVM_RETURN_TO_HOST,
        heap_base: to_u32(heap_base)?,
        max_heap_size: to_u32(max_heap_size)?,
        aux_data: (to_u32(aux_address)?, to_u32(aux_address + aux_len)?),
    })
}
