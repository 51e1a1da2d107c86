package pvm

// #include "shim.h"
import "C"

import "runtime/cgo"

// HostResult is what a HostFunc returns.
type HostResult int

const (
	// HostContinue resumes the guest after the ecalli.
	HostContinue HostResult = C.PVM_HOST_CONTINUE
	// HostTerminate stops the machine as halted.
	HostTerminate HostResult = C.PVM_HOST_TERMINATE
	// HostError stops the machine as panicked.
	HostError HostResult = C.PVM_HOST_ERROR
)

// HostFunc serves `ecalli id`. It runs on the goroutine that called Execute/Resume and
// may use every method of vm (registers, gas, memory) and create, run and close other
// VMs; it must not call Execute, Resume or Close on vm itself. A panic is recovered:
// the machine stops as panicked and Execute/Resume return a *HostPanicError.
type HostFunc func(vm *VM, id int) HostResult

// SetHostFunc sets (or, with nil, removes) the host function. While one is set the VM is
// referenced from C through a cgo.Handle, so it is not finalized: call Close.
func (vm *VM) SetHostFunc(f HostFunc) {
	if vm.ptr == nil {
		return
	}
	vm.host = f
	if f == nil {
		C.pvm_set_host_callback(vm.ptr, nil)
		vm.releaseHandle()
		return
	}
	if vm.handle == 0 {
		// Only the handle's integer value is stored in C memory, never a Go pointer.
		vm.handle = cgo.NewHandle(vm)
		C.pvm_go_set_handle(vm.ptr, C.uintptr_t(vm.handle))
	}
	C.pvm_go_install_trampoline(vm.ptr)
}

func (vm *VM) releaseHandle() {
	if vm.handle != 0 {
		if vm.ptr != nil {
			C.pvm_go_set_handle(vm.ptr, 0)
		}
		vm.handle.Delete()
		vm.handle = 0
	}
}

// goPvmHostTrampoline is the C host callback of every VM with a HostFunc: it finds the
// VM through the handle in its user data and calls the HostFunc. Go panics must not
// unwind into C, so they are recovered here and turned into PVM_HOST_ERROR.
//
//export goPvmHostTrampoline
func goPvmHostTrampoline(cvm *C.pvm_vm_t, id C.int) (result C.pvm_host_result_t) {
	handle := uintptr(C.pvm_go_handle(cvm))
	if handle == 0 {
		return C.PVM_HOST_ERROR
	}
	vm, ok := cgo.Handle(handle).Value().(*VM)
	if !ok || vm.host == nil {
		return C.PVM_HOST_ERROR
	}
	defer func() {
		if r := recover(); r != nil {
			vm.hostPanic = &HostPanicError{ID: int(id), Value: r}
			result = C.PVM_HOST_ERROR
		}
	}()
	return C.pvm_host_result_t(vm.host(vm, int(id)))
}
