//! The engine instance a VM owns, shared by the `NativeVm` object, its fast-path handle
//! (`fast.rs`) and its memory views (`view.rs`).

use std::cell::RefCell;
use std::rc::Rc;

use pvm::Instance;

use crate::errors::{Error, Result};

/// An engine instance that memory views can keep alive (see `view.rs`).
pub type SharedInstance = Rc<RefCell<Instance>>;

/// A VM's instance, or nothing once disposed.
///
/// Node-API calls arrive on the JavaScript thread one at a time and none of the native
/// functions calls back into user code while it holds a borrow, so borrows never overlap;
/// the `RefCell`s only check that (a violation is an error, never a panic).
#[derive(Debug)]
pub struct VmSlot {
    instance: RefCell<Option<SharedInstance>>,
}

fn busy() -> Error {
    Error::Engine("the VM is busy".into())
}

fn disposed() -> Error {
    Error::Engine("this VM was disposed".into())
}

impl VmSlot {
    /// A slot holding `instance`.
    pub fn new(instance: Instance) -> Rc<VmSlot> {
        Rc::new(VmSlot {
            instance: RefCell::new(Some(Rc::new(RefCell::new(instance)))),
        })
    }

    /// Another reference to the instance (for a memory view).
    pub fn shared(&self) -> Result<SharedInstance> {
        let slot = self.instance.try_borrow().map_err(|_| busy())?;
        slot.as_ref().cloned().ok_or_else(disposed)
    }

    /// Runs `f` with the instance.
    pub fn with<T>(&self, f: impl FnOnce(&Instance) -> Result<T>) -> Result<T> {
        let slot = self.instance.try_borrow().map_err(|_| busy())?;
        let instance = slot.as_ref().ok_or_else(disposed)?;
        let instance = instance.try_borrow().map_err(|_| busy())?;
        f(&instance)
    }

    /// Runs `f` with the instance, mutably.
    pub fn with_mut<T>(&self, f: impl FnOnce(&mut Instance) -> Result<T>) -> Result<T> {
        let slot = self.instance.try_borrow().map_err(|_| busy())?;
        let instance = slot.as_ref().ok_or_else(disposed)?;
        let mut instance = instance.try_borrow_mut().map_err(|_| busy())?;
        f(&mut instance)
    }

    /// Drops this slot's reference to the instance; later calls fail with "disposed".
    pub fn dispose(&self) -> Result<()> {
        let taken = self.instance.try_borrow_mut().map_err(|_| busy())?.take();
        drop(taken);
        Ok(())
    }

    /// Whether `dispose` was called.
    pub fn is_disposed(&self) -> bool {
        self.instance.try_borrow().is_ok_and(|slot| slot.is_none())
    }
}
