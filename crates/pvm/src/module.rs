//! A program loaded once and instantiated many times: the shared code ([`Program`],
//! prepared lazily and kept across instances) and the memory image every instance starts
//! from. Creating an instance from a module costs the memory set-up only: no parsing, no
//! validation, no copy of the code or jump table.

use std::sync::Arc;

use crate::format::polkavm::{Container, Export, MemoryLayout};
use crate::format::{StandardProgram, ARGS_ADDRESS, MAX_ARGS_LEN, STACK_TOP};
use crate::memory::{page_align_up, Access};
use crate::{Engine, GpVersion, Instance, InstanceError, Program, HALT_ADDRESS};

/// A loaded program with its initial memory image, shareable between threads
/// (`Arc<Module>`); see [`Module::instantiate`].
#[derive(Debug)]
pub struct Module {
    program: Arc<Program>,
    image: Image,
}

/// Data segments at least this long are mapped copy-on-write from the module's image file
/// instead of being copied into each instance (below it, copying a few pages is cheaper
/// than the system calls).
const MAP_THRESHOLD: usize = 16 * 1024;

/// A module's data segments in one memory file (Linux `memfd`), each at a page-aligned
/// offset, so that instances map them copy-on-write instead of copying them: instantiating
/// costs the same for 4 KiB and 4 MiB of data, and untouched data pages are never read.
#[derive(Debug)]
struct ImageFile {
    file: std::fs::File,
    /// File offset of each segment, in the order given to [`ImageFile::new`].
    offsets: Vec<u64>,
}

impl ImageFile {
    /// The file holding `segments`, or `None` if none is long enough to be worth mapping or
    /// the system offers no memory file (then instances copy the data).
    fn new(segments: &[&[u8]]) -> Option<ImageFile> {
        if segments.iter().all(|segment| segment.len() < MAP_THRESHOLD) {
            return None;
        }
        ImageFile::create(segments).ok()
    }

    #[cfg(target_os = "linux")]
    fn create(segments: &[&[u8]]) -> std::io::Result<ImageFile> {
        use std::os::fd::FromRawFd;
        use std::os::unix::fs::FileExt;
        // SAFETY: a valid NUL-terminated name and flags; the result is checked.
        let fd = unsafe { libc::memfd_create(c"pvm-module-image".as_ptr(), libc::MFD_CLOEXEC) };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: `fd` is a fresh descriptor that nothing else owns.
        let file = unsafe { std::fs::File::from_raw_fd(fd) };
        let mut offsets = Vec::with_capacity(segments.len());
        let mut end = 0u64;
        for segment in segments {
            offsets.push(end);
            file.write_all_at(segment, end)?;
            end += page_align_up(segment.len() as u64);
        }
        // Every mapped page must lie inside the file (a page past its end faults).
        file.set_len(end)?;
        Ok(ImageFile { file, offsets })
    }

    #[cfg(not(target_os = "linux"))]
    fn create(_: &[&[u8]]) -> std::io::Result<ImageFile> {
        Err(std::io::ErrorKind::Unsupported.into())
    }
}

/// Puts `data` at `address` of `instance`'s memory (already mapped there): mapped from
/// segment `segment` of `image` if it is long enough to be in it, else copied.
fn place(
    instance: &mut Instance,
    address: u32,
    data: &[u8],
    image: Option<&ImageFile>,
    segment: usize,
) -> Result<(), InstanceError> {
    let memory = instance.memory_mut();
    match image {
        Some(image) if data.len() >= MAP_THRESHOLD => memory.map_image(
            address,
            page_align_up(data.len() as u64),
            &image.file,
            image.offsets[segment],
        )?,
        _ => memory.write_privileged(address, data)?,
    }
    Ok(())
}

/// What an instance's memory and registers start as.
#[derive(Debug)]
enum Image {
    /// A raw blob: no memory mapped, registers zero, pc 0.
    Bare,
    /// A PolkaVM `.polkavm` program: its data where PolkaVM 0.37 places it.
    Polkavm {
        layout: MemoryLayout,
        ro_data: Vec<u8>,
        rw_data: Vec<u8>,
        exports: Vec<Export>,
        /// RO data (segment 0) and RW data (segment 1), when large.
        file: Option<ImageFile>,
    },
    /// A JAM standard program (GP A.7); argument data comes with each instance.
    Standard {
        ro_address: u32,
        ro_data: Vec<u8>,
        rw_address: u32,
        rw_data: Vec<u8>,
        heap_end: u32,
        stack_bottom: u32,
        /// RO data (segment 0) and RW data (segment 1), when large.
        file: Option<ImageFile>,
    },
}

impl Module {
    /// A raw program blob under `version`'s rules.
    pub fn from_blob(bytes: &[u8], version: GpVersion) -> Result<Module, InstanceError> {
        Ok(Module {
            program: Arc::new(Program::from_blob_bytes(bytes, version)?),
            image: Image::Bare,
        })
    }

    /// An already loaded program with no memory image (pc 0, nothing mapped).
    pub fn from_program(program: Arc<Program>) -> Module {
        Module {
            program,
            image: Image::Bare,
        }
    }

    /// A parsed `.polkavm` program (always GP 0.8 / JamV1).
    pub fn from_container(container: &Container) -> Result<Module, InstanceError> {
        Module::polkavm(
            container,
            container.ro_data.clone(),
            container.rw_data.clone(),
            container.exports.clone(),
        )
    }

    /// `.polkavm` bytes: [`Container::parse`] + [`Module::from_container`] (the parsed data
    /// moves into the module instead of being copied).
    pub fn from_polkavm_bytes(bytes: &[u8]) -> Result<Module, InstanceError> {
        let mut container = Container::parse(bytes)?;
        let ro_data = std::mem::take(&mut container.ro_data);
        let rw_data = std::mem::take(&mut container.rw_data);
        let exports = std::mem::take(&mut container.exports);
        Module::polkavm(&container, ro_data, rw_data, exports)
    }

    fn polkavm(
        container: &Container,
        ro_data: Vec<u8>,
        rw_data: Vec<u8>,
        exports: Vec<Export>,
    ) -> Result<Module, InstanceError> {
        let layout = container.memory_layout()?;
        let program = Program::from_parts(
            &container.code,
            &container.bitmask,
            &container.jump_table,
            GpVersion::V0_8,
        )?;
        let file = ImageFile::new(&[&ro_data, &rw_data]);
        Ok(Module {
            program: Arc::new(program),
            image: Image::Polkavm {
                layout,
                ro_data,
                rw_data,
                exports,
                file,
            },
        })
    }

    /// A parsed JAM standard program under `version`'s rules.
    pub fn from_standard(
        standard: &StandardProgram,
        version: GpVersion,
    ) -> Result<Module, InstanceError> {
        Ok(Module {
            program: Arc::new(Program::new(&standard.blob, version)?),
            image: Image::Standard {
                ro_address: standard.ro_address(),
                ro_data: standard.ro_data.clone(),
                rw_address: standard.rw_address(),
                rw_data: standard.rw_data.clone(),
                heap_end: standard.heap_end(),
                stack_bottom: standard.stack_bottom(),
                file: ImageFile::new(&[&standard.ro_data, &standard.rw_data]),
            },
        })
    }

    /// The shared code.
    pub fn program(&self) -> &Arc<Program> {
        &self.program
    }

    /// The `.polkavm` exports (empty for other formats), in container order.
    pub fn exports(&self) -> &[Export] {
        match &self.image {
            Image::Polkavm { exports, .. } => exports,
            _ => &[],
        }
    }

    /// The first export called `name` (PolkaVM also keeps the first of duplicates).
    pub fn export(&self, name: &str) -> Option<&Export> {
        self.exports().iter().find(|export| export.name == name)
    }

    /// The `.polkavm` memory layout, if this is a `.polkavm` program.
    pub fn memory_layout(&self) -> Option<MemoryLayout> {
        match &self.image {
            Image::Polkavm { layout, .. } => Some(*layout),
            _ => None,
        }
    }

    /// Bytes this module keeps (code, bitmask, jump table, pre-decoding tables, data):
    /// what a cache counts against its bound.
    pub fn footprint(&self) -> usize {
        let data = match &self.image {
            Image::Bare => 0,
            Image::Polkavm {
                ro_data, rw_data, ..
            }
            | Image::Standard {
                ro_data, rw_data, ..
            } => ro_data.len() + rw_data.len(),
        };
        self.program.footprint() + data
    }

    /// A fresh instance with `gas`: for a `.polkavm` program its data and stack mapped
    /// (call an export with [`Instance::prepare_call`]); for a standard program the
    /// GP A.7 image with empty argument data; for a raw blob no memory and pc 0. It runs
    /// on [`Engine::default`] (the recompiler where it is supported: the module's program
    /// is compiled by its first such instance and shared by the rest); name the engine
    /// with [`Module::instantiate_on`].
    pub fn instantiate(&self, gas: u64) -> Result<Instance, InstanceError> {
        self.instantiate_inner(&[], gas, None)
    }

    /// [`Module::instantiate`] on `engine` (with the typed errors of
    /// [`Instance::with_engine`]; an interpreter instance compiles nothing).
    pub fn instantiate_on(&self, gas: u64, engine: Engine) -> Result<Instance, InstanceError> {
        self.instantiate_inner(&[], gas, Some(engine))
    }

    /// As [`Module::instantiate`], with argument data for a JAM standard program
    /// (GP A.7: mapped read-only at [`ARGS_ADDRESS`], a0 = its address, a1 = its length;
    /// ignored by other formats).
    pub fn instantiate_with_args(&self, args: &[u8], gas: u64) -> Result<Instance, InstanceError> {
        self.instantiate_inner(args, gas, None)
    }

    /// [`Module::instantiate_with_args`] on `engine`.
    pub fn instantiate_with_args_on(
        &self,
        args: &[u8],
        gas: u64,
        engine: Engine,
    ) -> Result<Instance, InstanceError> {
        self.instantiate_inner(args, gas, Some(engine))
    }

    /// An instance on `engine`, or on [`Engine::default`] (not chosen) without one.
    fn instantiate_inner(
        &self,
        args: &[u8],
        gas: u64,
        engine: Option<Engine>,
    ) -> Result<Instance, InstanceError> {
        let mut instance = Instance::create(self.program.clone(), gas, engine)?;
        match &self.image {
            Image::Bare => {}
            Image::Polkavm {
                layout,
                ro_data,
                rw_data,
                file,
                ..
            } => {
                let length = |(start, end): (u32, u32)| u64::from(end - start);
                let memory = instance.memory_mut();
                memory.map_zeroed(layout.ro_data.0, length(layout.ro_data), Access::Read)?;
                memory.map_zeroed(layout.rw_data.0, length(layout.rw_data), Access::Write)?;
                memory.set_heap_end(layout.heap_base);
                memory.map_zeroed(layout.stack.0, length(layout.stack), Access::Write)?;
                place(&mut instance, layout.ro_data.0, ro_data, file.as_ref(), 0)?;
                place(&mut instance, layout.rw_data.0, rw_data, file.as_ref(), 1)?;
                instance.set_layout(*layout);
            }
            Image::Standard {
                ro_address,
                ro_data,
                rw_address,
                rw_data,
                heap_end,
                stack_bottom,
                file,
            } => {
                if args.len() > MAX_ARGS_LEN as usize {
                    return Err(InstanceError::ArgumentsTooLarge(args.len()));
                }
                let memory = instance.memory_mut();
                let ro_len = page_align_up(ro_data.len() as u64);
                memory.map_zeroed(*ro_address, ro_len, Access::Read)?;
                memory.map_zeroed(*rw_address, u64::from(heap_end - rw_address), Access::Write)?;
                memory.set_heap_end(*heap_end);
                memory.map_zeroed(
                    *stack_bottom,
                    u64::from(STACK_TOP - stack_bottom),
                    Access::Write,
                )?;
                memory.map_zeroed(ARGS_ADDRESS, page_align_up(args.len() as u64), Access::Read)?;
                memory.write_privileged(ARGS_ADDRESS, args)?;
                place(&mut instance, *ro_address, ro_data, file.as_ref(), 0)?;
                place(&mut instance, *rw_address, rw_data, file.as_ref(), 1)?;
                instance.set_reg(0, u64::from(HALT_ADDRESS));
                instance.set_reg(1, u64::from(STACK_TOP));
                instance.set_reg(7, u64::from(ARGS_ADDRESS));
                instance.set_reg(8, args.len() as u64);
            }
        }
        Ok(instance)
    }
}
