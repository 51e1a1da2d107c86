//! The harness's error type.

use std::path::PathBuf;

/// Anything that stops a benchmark run.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// Bad command line.
    #[error("{0}")]
    Usage(String),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A line of a corpus file is malformed.
    #[error("{path}:{line}: {message}")]
    Corpus {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A program has no native build (it is missing from `guests/programs.txt`).
    #[error("{program}: no native build of export `{export}` (is it in guests/programs.txt?)")]
    NoNativeBuild {
        /// The program.
        program: String,
        /// The export.
        export: String,
    },
    /// A program does not export the function a case calls.
    #[error("{program}: no export named `{export}`")]
    UnknownExport {
        /// The program.
        program: String,
        /// The export.
        export: String,
    },
    /// This engine rejected the program or could not set it up.
    #[error("{program}: pvm: {source}")]
    Ours {
        /// The program.
        program: String,
        /// The cause.
        source: pvm::InstanceError,
    },
    /// This engine could not parse the `.polkavm` container.
    #[error("{program}: pvm: {source}")]
    Container {
        /// The program.
        program: String,
        /// The cause.
        source: pvm::container::ContainerError,
    },
    /// PolkaVM failed (engine, module, instance or run).
    #[error("{context}: PolkaVM: {message}")]
    PolkaVm {
        /// Which engine / program / step.
        context: String,
        /// PolkaVM's message.
        message: String,
    },
    /// A VM stopped other than by returning from the export.
    #[error("{engine}: {program}: unexpected exit {exit}")]
    UnexpectedExit {
        /// The engine.
        engine: &'static str,
        /// The program.
        program: String,
        /// The exit, as debug text.
        exit: String,
    },
    /// A child process (memory, whole-process or instances measurement) failed.
    #[error("child process `{args}`: {message}")]
    Child {
        /// The child's arguments.
        args: String,
        /// What went wrong.
        message: String,
    },
}

impl BenchError {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> BenchError {
        BenchError::Io {
            path: path.into(),
            source,
        }
    }

    /// A PolkaVM error with its context.
    pub fn polkavm(context: impl Into<String>, error: impl std::fmt::Display) -> BenchError {
        BenchError::PolkaVm {
            context: context.into(),
            message: error.to_string(),
        }
    }
}
