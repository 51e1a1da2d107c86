//! `pvm.Exit`: why `VM.run` returned.

use pyo3::prelude::*;

/// Why a run stopped.
///
/// `kind` is one of `"halt"`, `"panic"`, `"out-of-gas"`, `"page-fault"` (then `address`
/// is the faulting page) or `"host-call"` (then `host_id` is the `ecalli` immediate).
#[pyclass(module = "pvm", name = "Exit", frozen, eq, hash)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Exit {
    /// The engine's exit.
    pub inner: pvm::Exit,
}

impl From<pvm::Exit> for Exit {
    fn from(inner: pvm::Exit) -> Exit {
        Exit { inner }
    }
}

/// The `kind` string of an engine exit.
pub fn kind_name(exit: pvm::Exit) -> &'static str {
    match exit {
        pvm::Exit::Halt => "halt",
        pvm::Exit::Panic => "panic",
        pvm::Exit::OutOfGas => "out-of-gas",
        pvm::Exit::PageFault { .. } => "page-fault",
        pvm::Exit::HostCall { .. } => "host-call",
    }
}

impl Exit {
    /// A short description, e.g. `host-call 3`.
    pub fn describe(&self) -> String {
        match self.inner {
            pvm::Exit::HostCall { id } => format!("host-call {id}"),
            pvm::Exit::PageFault { address } => format!("page-fault at {address:#x}"),
            other => kind_name(other).to_string(),
        }
    }
}

#[pymethods]
impl Exit {
    /// `"halt"`, `"panic"`, `"out-of-gas"`, `"page-fault"` or `"host-call"`.
    #[getter]
    fn kind(&self) -> &'static str {
        kind_name(self.inner)
    }

    /// The faulting page's address for `"page-fault"`, else `None`.
    #[getter]
    fn address(&self) -> Option<u32> {
        match self.inner {
            pvm::Exit::PageFault { address } => Some(address),
            _ => None,
        }
    }

    /// The host-call id (the `ecalli` immediate) for `"host-call"`, else `None`.
    #[getter]
    fn host_id(&self) -> Option<u32> {
        match self.inner {
            pvm::Exit::HostCall { id } => Some(id),
            _ => None,
        }
    }

    /// Whether another `run()` can continue (every kind but `"halt"` and `"panic"`).
    #[getter]
    fn is_resumable(&self) -> bool {
        self.inner.is_resumable()
    }

    fn __repr__(&self) -> String {
        match self.inner {
            pvm::Exit::PageFault { address } => {
                format!("Exit(kind='page-fault', address={address:#x})")
            }
            pvm::Exit::HostCall { id } => format!("Exit(kind='host-call', host_id={id})"),
            other => format!("Exit(kind='{}')", kind_name(other)),
        }
    }
}
