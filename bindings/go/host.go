package pvm

// #include "shim.h"
import "C"

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
// VMs; it must not call Execute, Resume or Close on vm itself (Execute and Resume return
// ErrMisuse there). A panic is recovered: the machine stops as panicked and
// Execute/Resume return a *HostPanicError.
type HostFunc func(vm *VM, id int) HostResult

// SetHostFunc sets (or, with nil, removes) the host function.
//
// Host calls are served in a Go loop: the guest exits to Go at every ecalli (libpvm's
// exit mode), the HostFunc runs, and pvm_resume_host continues, halts or panics the
// machine as the HostFunc answered — the semantics of a C host callback without a
// C-to-Go callback, which costs several times more than the Go-to-C call per host call.
func (vm *VM) SetHostFunc(f HostFunc) {
	vm.host = f
}

// serve runs the host-call loop from the result of a pvm_execute/pvm_resume in exit
// mode until an exit the caller must see.
func (vm *VM) serve(r C.pvm_result_t) (Result, error) {
	if r != C.PVM_RESULT_HOST_CALL || vm.host == nil {
		return vm.finish(r)
	}
	id := C.pvm_get_host_func_id(vm.ptr)
	for r == C.PVM_RESULT_HOST_CALL && vm.host != nil {
		answer := vm.callHost(int(id))
		if vm.ptr == nil {
			return ResultError, ErrClosed
		}
		r = C.pvm_go_resume_host(vm.ptr, C.int(answer), &id)
	}
	return vm.finish(r)
}

// callHost calls the HostFunc, turning a panic into HostError (kept for finish).
func (vm *VM) callHost(id int) (answer HostResult) {
	vm.inHost = true
	defer func() {
		vm.inHost = false
		if r := recover(); r != nil {
			vm.hostPanic = &HostPanicError{ID: id, Value: r}
			answer = HostError
		}
	}()
	return vm.host(vm, id)
}
