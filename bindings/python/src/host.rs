//! Host functions: the table of Python callables a `VM` dispatches `ecalli` ids to. The
//! `@vm.host(id)` decorator that fills it lives beside `VM` in `vm.rs`.

use std::collections::BTreeMap;

use pyo3::prelude::*;
use pyo3::types::PyMapping;
use pyo3::{PyTraverseError, PyVisit};

use crate::errors::Error;

/// Python callables by host-call id.
#[derive(Default)]
pub struct HostTable {
    handlers: BTreeMap<u32, Py<PyAny>>,
}

impl HostTable {
    /// Builds a table from a mapping `{id: callable}`.
    pub fn from_mapping(mapping: &Bound<'_, PyAny>) -> PyResult<HostTable> {
        let mapping = mapping
            .cast::<PyMapping>()
            .map_err(|_| Error::Type("host must be a mapping {id: callable}".into()))?;
        let mut table = HostTable::default();
        for item in mapping.items()?.iter() {
            let (id, handler): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
            let id: u32 = id.extract().map_err(|_| {
                Error::Type(format!("host-call id {id} is not an integer in 0..2**32"))
            })?;
            table.insert(id, handler)?;
        }
        Ok(table)
    }

    /// Registers `handler` for `id`, replacing any previous one.
    pub fn insert(&mut self, id: u32, handler: Bound<'_, PyAny>) -> PyResult<()> {
        if !handler.is_callable() {
            return Err(Error::Type(format!(
                "the host function for id {id} is not callable: {}",
                handler.repr()?
            ))
            .into());
        }
        self.handlers.insert(id, handler.unbind());
        Ok(())
    }

    /// Removes the handler for `id`; whether there was one.
    pub fn remove(&mut self, id: u32) -> bool {
        self.handlers.remove(&id).is_some()
    }

    /// The handler for `id`.
    pub fn get(&self, py: Python<'_>, id: u32) -> Option<Py<PyAny>> {
        self.handlers.get(&id).map(|handler| handler.clone_ref(py))
    }

    /// The registered ids, ascending.
    pub fn ids(&self) -> Vec<u32> {
        self.handlers.keys().copied().collect()
    }

    /// Reports every handler to Python's garbage collector.
    pub fn traverse(&self, visit: &PyVisit<'_>) -> Result<(), PyTraverseError> {
        self.handlers
            .values()
            .try_for_each(|handler| visit.call(handler))
    }

    /// Drops every handler (breaks reference cycles through the VM).
    pub fn clear(&mut self) {
        self.handlers.clear();
    }
}
