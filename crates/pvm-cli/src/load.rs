//! Loading a program file in any supported format into a ready-to-run instance.

use std::path::Path;
use std::sync::Arc;

use pvm::container::Container;
use pvm::format::{FormatError, StandardProgram};
use pvm::{Engine, GpVersion, Instance, InstanceError, Module, Program};

/// The file formats `pvm` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Detect: `.polkavm` by its magic, otherwise a raw blob.
    Auto,
    /// Raw program blob (jump table, code, bitmask), as in the test vectors.
    Raw,
    /// JAM standard program (RO/RW data, heap, stack, code blob).
    Jam,
    /// PolkaVM `.polkavm` container.
    Polkavm,
}

/// Why a program file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The bytes are not a valid program.
    #[error(transparent)]
    Format(#[from] FormatError),
    /// The program or its memory was rejected.
    #[error(transparent)]
    Instance(#[from] InstanceError),
    /// `--export` names no export.
    #[error("no export named `{name}`; exports: {available}")]
    NoSuchExport {
        /// The requested name.
        name: String,
        /// The names there are.
        available: String,
    },
    /// `--export` used with a format that has no exports.
    #[error("--export needs a .polkavm program")]
    ExportNeedsContainer,
}

/// What to run and how.
#[derive(Clone, Debug, Default)]
pub struct RunRequest {
    /// Exported function to call (`.polkavm` only).
    pub export: Option<String>,
    /// Entry pc (default 0).
    pub entry: Option<u32>,
    /// Arguments: in a0.. (r7..) for exports; argument data bytes for JAM programs.
    pub args: Vec<u64>,
    /// Initial gas.
    pub gas: u64,
    /// Gray Paper version.
    pub version: GpVersion,
    /// The engine, or `None` for [`Engine::default`] (the recompiler where it is
    /// supported; tracing such an instance takes the interpreter). A named engine that
    /// cannot run is an error.
    pub engine: Option<Engine>,
}

/// An instance of `module` on the engine `request` names (or the default).
fn instantiate(
    module: &Module,
    args: &[u8],
    request: &RunRequest,
) -> Result<Instance, InstanceError> {
    match request.engine {
        Some(engine) => module.instantiate_with_args_on(args, request.gas, engine),
        None => module.instantiate_with_args(args, request.gas),
    }
}

/// Reads and prepares `path` for running.
pub fn load(path: &Path, format: Format, request: &RunRequest) -> Result<Instance, LoadError> {
    let bytes = std::fs::read(path).map_err(|source| LoadError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let format = match format {
        Format::Auto if pvm::container::is_polkavm(&bytes) => Format::Polkavm,
        Format::Auto => Format::Raw,
        other => other,
    };
    if request.export.is_some() && format != Format::Polkavm {
        return Err(LoadError::ExportNeedsContainer);
    }
    let mut vm = match format {
        Format::Polkavm => return load_container(&bytes, request),
        Format::Jam => {
            let standard = StandardProgram::parse(&bytes)?;
            let args: Vec<u8> = request.args.iter().flat_map(|a| a.to_le_bytes()).collect();
            instantiate(
                &Module::from_standard(&standard, request.version)?,
                &args,
                request,
            )?
        }
        Format::Raw | Format::Auto => {
            let program =
                Program::from_blob_bytes(&bytes, request.version).map_err(InstanceError::from)?;
            let mut vm = instantiate(&Module::from_program(Arc::new(program)), &[], request)?;
            for (i, arg) in request.args.iter().enumerate() {
                vm.set_reg(7 + i, *arg);
            }
            vm
        }
    };
    if let Some(entry) = request.entry {
        vm.set_pc(entry);
    }
    Ok(vm)
}

fn load_container(bytes: &[u8], request: &RunRequest) -> Result<Instance, LoadError> {
    let container = Container::parse(bytes).map_err(InstanceError::from)?;
    let mut vm = instantiate(&Module::from_container(&container)?, &[], request)?;
    let pc = match (&request.export, request.entry) {
        (Some(name), _) => {
            container
                .export(name)
                .ok_or_else(|| LoadError::NoSuchExport {
                    name: name.clone(),
                    available: container
                        .exports
                        .iter()
                        .map(|e| e.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                })?
                .pc
        }
        (None, Some(entry)) => entry,
        (None, None) => 0,
    };
    vm.prepare_call(pc, &request.args)?;
    Ok(vm)
}
