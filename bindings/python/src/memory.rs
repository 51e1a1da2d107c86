//! `pvm.VM` guest-memory methods: reads and writes (raw and typed little-endian), and
//! mapping, protecting and unmapping pages.

use pvm::memory::{page_align_up, PAGE_SIZE};
use pvm::{Access, Instance};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::convert;
use crate::errors::{Error, Result};
use crate::vm::Vm;

/// Reads `N` readable bytes at `address`.
fn read_array<const N: usize>(instance: &Instance, address: u32) -> Result<[u8; N]> {
    let mut out = [0; N];
    instance.memory().read(address, &mut out)?;
    Ok(out)
}

/// Writes `bytes` at `address`: to writable memory, or with `privileged` to any mapped
/// memory (read-only pages included).
fn write_bytes(
    instance: &mut Instance,
    address: u32,
    bytes: &[u8],
    privileged: bool,
) -> Result<()> {
    let memory = instance.memory_mut();
    if privileged {
        Ok(memory.write_privileged(address, bytes)?)
    } else {
        Ok(memory.write(address, bytes)?)
    }
}

/// `length` rounded up to whole pages, as `map`/`protect`/`unmap` take it. Lengths past
/// 4 GiB are capped (still out of range for the engine) so that rounding cannot overflow.
fn page_length(length: u64) -> u64 {
    page_align_up(length.min(1 << 33))
}

#[pymethods]
impl Vm {
    /// `length` bytes of readable guest memory at `address`; `MemoryAccessError` (with
    /// the first unreadable `address`) if any byte is not readable.
    fn read<'py>(
        &self,
        py: Python<'py>,
        address: u32,
        length: usize,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let slice = self
            .engine
            .memory()
            .slice(address, length, false)
            .map_err(Error::from)?;
        Ok(PyBytes::new(py, slice))
    }

    /// Writes `data` (bytes-like) to guest memory at `address`. Pages must be writable,
    /// or, with `privileged=True`, mapped (read-only pages included); nothing is written
    /// if any byte is refused (`MemoryAccessError`).
    #[pyo3(signature = (address, data, *, privileged = false))]
    fn write(&mut self, address: u32, data: &Bound<'_, PyAny>, privileged: bool) -> PyResult<()> {
        let engine = &mut self.engine;
        convert::with_bytes(data, |bytes| {
            write_bytes(engine, address, bytes, privileged)
        })??;
        Ok(())
    }

    /// The byte at `address`.
    fn read_u8(&self, address: u32) -> PyResult<u8> {
        Ok(u8::from_le_bytes(read_array(&self.engine, address)?))
    }

    /// The little-endian u16 at `address`.
    fn read_u16(&self, address: u32) -> PyResult<u16> {
        Ok(u16::from_le_bytes(read_array(&self.engine, address)?))
    }

    /// The little-endian u32 at `address`.
    fn read_u32(&self, address: u32) -> PyResult<u32> {
        Ok(u32::from_le_bytes(read_array(&self.engine, address)?))
    }

    /// The little-endian u64 at `address`.
    fn read_u64(&self, address: u32) -> PyResult<u64> {
        Ok(u64::from_le_bytes(read_array(&self.engine, address)?))
    }

    /// Writes the byte `value` (0..2**8) at `address`; `privileged` as in `write`.
    #[pyo3(signature = (address, value, *, privileged = false))]
    fn write_u8(&mut self, address: u32, value: u8, privileged: bool) -> PyResult<()> {
        let bytes = value.to_le_bytes();
        Ok(write_bytes(&mut self.engine, address, &bytes, privileged)?)
    }

    /// Writes `value` (0..2**16) little-endian at `address`; `privileged` as in `write`.
    #[pyo3(signature = (address, value, *, privileged = false))]
    fn write_u16(&mut self, address: u32, value: u16, privileged: bool) -> PyResult<()> {
        let bytes = value.to_le_bytes();
        Ok(write_bytes(&mut self.engine, address, &bytes, privileged)?)
    }

    /// Writes `value` (0..2**32) little-endian at `address`; `privileged` as in `write`.
    #[pyo3(signature = (address, value, *, privileged = false))]
    fn write_u32(&mut self, address: u32, value: u32, privileged: bool) -> PyResult<()> {
        let bytes = value.to_le_bytes();
        Ok(write_bytes(&mut self.engine, address, &bytes, privileged)?)
    }

    /// Writes `value` (0..2**64) little-endian at `address`; `privileged` as in `write`.
    #[pyo3(signature = (address, value, *, privileged = false))]
    fn write_u64(&mut self, address: u32, value: u64, privileged: bool) -> PyResult<()> {
        let bytes = value.to_le_bytes();
        Ok(write_bytes(&mut self.engine, address, &bytes, privileged)?)
    }

    /// Maps zero-filled pages over `[address, address + length)` with `access` `"rw"` or
    /// `"r"` (replacing what was there). `address` must be page-aligned (4096); `length`
    /// is rounded up to whole pages. The low 64 KiB can never be mapped.
    #[pyo3(signature = (address, length, access = "rw"))]
    fn map(&mut self, address: u32, length: u64, access: &str) -> PyResult<()> {
        let access = match convert::access(access)? {
            Access::None => {
                return Err(Error::Value("map needs access \"rw\" or \"r\"".into()).into())
            }
            access => access,
        };
        self.engine
            .memory_mut()
            .map_zeroed(address, page_length(length), access)
            .map_err(Error::from)?;
        Ok(())
    }

    /// Changes the access of mapped or unmapped pages to `"rw"`, `"r"` or `"none"`,
    /// keeping the contents of pages that stay accessible.
    fn protect(&mut self, address: u32, length: u64, access: &str) -> PyResult<()> {
        let access = convert::access(access)?;
        self.engine
            .memory_mut()
            .set_access(address, page_length(length), access)
            .map_err(Error::from)?;
        Ok(())
    }

    /// Unmaps the pages of `[address, address + length)` and forgets their contents.
    fn unmap(&mut self, address: u32, length: u64) -> PyResult<()> {
        self.engine
            .memory_mut()
            .unmap(address, page_length(length))
            .map_err(Error::from)?;
        Ok(())
    }

    /// `(address, access)` of every mapped page, ascending; access is `"r"` or `"rw"`.
    fn mapped_pages(&self) -> Vec<(u32, &'static str)> {
        self.engine
            .memory()
            .mapped_pages()
            .map(|(page, access)| (page, convert::access_name(access)))
            .collect()
    }

    /// The page size, 4096.
    #[classattr]
    const PAGE_SIZE: u32 = PAGE_SIZE;
}
