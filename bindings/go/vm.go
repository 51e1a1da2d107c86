package pvm

// #include <stdlib.h>
// #include "shim.h"
import "C"

import (
	"fmt"
	"runtime"
	"unsafe"
)

// VM is one PVM instance. Create it with New, NewFromBlob, NewFromStandard or
// NewFromPolkaVM and release it with Close.
type VM struct {
	ptr *C.pvm_vm_t
	// host is called at every ecalli while a HostFunc is set.
	host HostFunc
	// child is set by ExecuteChild: ecallis return ResultHostCall even with a HostFunc.
	child bool
	// inHost is set while the HostFunc runs (Execute/Resume on vm are refused then).
	inHost bool
	// hostPanic is a HostFunc panic caught during the current run.
	hostPanic *HostPanicError
	// namedRecompiler is set for a VM created with WithEngine(EngineRecompiler), which
	// refuses tracing (one on the default engine traces on the interpreter).
	namedRecompiler bool
}

// Option changes how a VM is created.
type Option func(*uint32)

// WithGP07 creates the VM under GP 0.7 rules (old opcode numbers, one gas per
// instruction, an implicit trap past the end of the code) instead of GP 0.8.0.
func WithGP07() Option {
	return func(flags *uint32) { *flags |= C.PVM_FLAG_GP_0_7 }
}

func flagsOf(options []Option) C.uint32_t {
	var flags uint32
	for _, option := range options {
		option(&flags)
	}
	return C.uint32_t(flags)
}

// bytesPtr is the address of a slice's first byte, or nil for an empty slice.
func bytesPtr(b []byte) *C.uint8_t {
	if len(b) == 0 {
		return nil
	}
	return (*C.uint8_t)(unsafe.Pointer(&b[0]))
}

// wrap turns a constructor's result, created with flags, into a VM, or an error carrying
// libpvm's message. The caller must hold the OS thread locked between the constructor and
// this call, because the creation error is kept per thread.
func wrap(ptr *C.pvm_vm_t, flags C.uint32_t) (*VM, error) {
	if ptr == nil {
		return nil, fmt.Errorf("%w: %s", ErrCreate, C.GoString(C.pvm_last_error(nil)))
	}
	vm := &VM{ptr: ptr, namedRecompiler: flags&C.PVM_FLAG_ENGINE_RECOMPILER != 0}
	// Nothing in C refers to the Go VM, so it can be finalized.
	runtime.SetFinalizer(vm, (*VM).Close)
	return vm, nil
}

// New creates a VM from a program's code, its packed opcode bitmask (one bit per code
// byte, LSB first: exactly (len(code)+7)/8 bytes) and its jump table. regs may be nil
// for zeros. Nothing is mapped.
func New(serviceIndex uint32, code, bitmask []byte, jumpTable []uint32, regs *[RegCount]uint64, gas uint64, options ...Option) (*VM, error) {
	var jumps *C.uint32_t
	if len(jumpTable) > 0 {
		jumps = (*C.uint32_t)(unsafe.Pointer(&jumpTable[0]))
	}
	var initial *C.uint64_t
	if regs != nil {
		initial = (*C.uint64_t)(unsafe.Pointer(&regs[0]))
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return wrap(C.pvm_create_ex(C.uint32_t(serviceIndex),
		bytesPtr(code), C.size_t(len(code)), initial,
		bytesPtr(bitmask), C.size_t(len(bitmask)),
		jumps, C.size_t(len(jumpTable)), C.uint64_t(gas), flagsOf(options)), flagsOf(options))
}

// NewFromBlob creates a VM from a raw program blob (GP A.2: jump table, code, bitmask),
// as in the conformance vectors. Registers are zero; nothing is mapped.
func NewFromBlob(serviceIndex uint32, blob []byte, gas uint64, options ...Option) (*VM, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return wrap(C.pvm_create_from_blob_ex(C.uint32_t(serviceIndex), bytesPtr(blob),
		C.size_t(len(blob)), C.uint64_t(gas), flagsOf(options)), flagsOf(options))
}

// NewFromStandard creates a VM from a JAM standard program and its argument data (GP
// A.7): memory regions mapped, r0 = HaltAddress, r1 = stack top, r7/r8 = arguments.
func NewFromStandard(serviceIndex uint32, program, args []byte, gas uint64, options ...Option) (*VM, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return wrap(C.pvm_create_from_standard_ex(C.uint32_t(serviceIndex),
		bytesPtr(program), C.size_t(len(program)), bytesPtr(args), C.size_t(len(args)),
		C.uint64_t(gas), flagsOf(options)), flagsOf(options))
}

// NewFromPolkaVM creates a VM from a PolkaVM .polkavm program (always GP 0.8, so
// WithGP07 is refused; WithEngine applies). Call an export with FindExport, PrepareCall
// and Execute.
func NewFromPolkaVM(serviceIndex uint32, program []byte, gas uint64, options ...Option) (*VM, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return wrap(C.pvm_create_from_polkavm_ex(C.uint32_t(serviceIndex), bytesPtr(program),
		C.size_t(len(program)), C.uint64_t(gas), flagsOf(options)), flagsOf(options))
}

// Close frees the VM. It is safe to call more than once. Do not call it from the VM's
// own HostFunc.
func (vm *VM) Close() {
	if vm.ptr == nil {
		return
	}
	C.pvm_destroy(vm.ptr)
	vm.ptr = nil
	runtime.SetFinalizer(vm, nil)
}

// lastError is libpvm's message for the last failure on this VM.
func (vm *VM) lastError() string {
	return C.GoString(C.pvm_last_error(vm.ptr))
}

// misuse wraps libpvm's last message in ErrMisuse.
func (vm *VM) misuse() error {
	return fmt.Errorf("%w: %s", ErrMisuse, vm.lastError())
}

// finish turns a C result into (Result, error).
func (vm *VM) finish(r C.pvm_result_t) (Result, error) {
	if p := vm.hostPanic; p != nil {
		vm.hostPanic = nil
		return Result(r), p
	}
	if r == C.PVM_RESULT_ERROR {
		return ResultError, vm.misuse()
	}
	return Result(r), nil
}

// Execute sets pc = entry and runs until an exit, calling the HostFunc (if any) at every
// ecalli. The entry block's gas is charged.
func (vm *VM) Execute(entry uint32) (Result, error) {
	if err := vm.runnable(); err != nil {
		return ResultError, err
	}
	vm.child = false
	return vm.serve(C.pvm_execute(vm.ptr, C.uint32_t(entry), 1))
}

// ExecuteChild is Execute in child mode: every ecalli returns ResultHostCall, even with
// a HostFunc set. Resume keeps the mode.
func (vm *VM) ExecuteChild(entry uint32) (Result, error) {
	if err := vm.runnable(); err != nil {
		return ResultError, err
	}
	vm.child = true
	return vm.finish(C.pvm_execute(vm.ptr, C.uint32_t(entry), 1))
}

// Resume continues after the last exit: after an ecalli, a page fault (retries the
// instruction) or out-of-gas (retries the block). After a halt or panic it reports the
// same result again.
func (vm *VM) Resume() (Result, error) {
	if err := vm.runnable(); err != nil {
		return ResultError, err
	}
	r := C.pvm_resume(vm.ptr)
	if vm.child {
		return vm.finish(r)
	}
	return vm.serve(r)
}

// runnable refuses a closed VM and a run from the VM's own HostFunc.
func (vm *VM) runnable() error {
	if vm.ptr == nil {
		return ErrClosed
	}
	if vm.inHost {
		return fmt.Errorf("%w: Execute/Resume called from the VM's own HostFunc", ErrMisuse)
	}
	return nil
}

// HostFuncID is the id of the most recent ecalli, or -1 if none ran yet.
func (vm *VM) HostFuncID() int {
	return int(C.pvm_get_host_func_id(vm.ptr))
}

// MachineState is the state after the last run (StateHalt before any run).
func (vm *VM) MachineState() MachineState {
	return MachineState(C.pvm_get_machine_state(vm.ptr))
}

// ResultCode is the work-digest code of the machine state (WorkDigestOK, OOG or Panic).
func (vm *VM) ResultCode() int {
	return int(C.pvm_get_result_code(vm.ptr))
}

// Terminated reports whether the last run stopped the machine (not for a pending ecalli).
func (vm *VM) Terminated() bool {
	return C.pvm_is_terminated(vm.ptr) != 0
}

// PC is the current pc: after an exit, the instruction that caused it.
func (vm *VM) PC() uint32 {
	return uint32(C.pvm_get_pc(vm.ptr))
}

// FaultAddress is the page address of the last page fault, 0 if none.
func (vm *VM) FaultAddress() uint32 {
	return uint32(C.pvm_get_fault_address(vm.ptr))
}

// Gas is the gas left.
func (vm *VM) Gas() uint64 {
	return uint64(C.pvm_get_gas(vm.ptr))
}

// SetGas sets the gas left.
func (vm *VM) SetGas(gas uint64) {
	C.pvm_set_gas(vm.ptr, C.uint64_t(gas))
}

// ServiceIndex is the service index given at creation.
func (vm *VM) ServiceIndex() uint32 {
	return uint32(C.pvm_get_service_index(vm.ptr))
}

// checkReg panics for an index outside 0..12, as indexing a [13]uint64 would.
func checkReg(i int) {
	if i < 0 || i >= RegCount {
		panic(fmt.Sprintf("pvm: register index %d out of range [0, %d)", i, RegCount))
	}
}

// Reg is register i (0..12; another index panics, like an array index).
func (vm *VM) Reg(i int) uint64 {
	checkReg(i)
	return uint64(C.pvm_get_register(vm.ptr, C.int(i)))
}

// SetReg sets register i (0..12; another index panics, like an array index).
func (vm *VM) SetReg(i int, value uint64) {
	checkReg(i)
	C.pvm_set_register(vm.ptr, C.int(i), C.uint64_t(value))
}

// Registers is a copy of all 13 registers.
func (vm *VM) Registers() [RegCount]uint64 {
	var regs [RegCount]uint64
	if p := C.pvm_get_registers(vm.ptr); p != nil {
		regs = *(*[RegCount]uint64)(unsafe.Pointer(p))
	}
	return regs
}

// SetRegisters sets all 13 registers.
func (vm *VM) SetRegisters(regs [RegCount]uint64) {
	for i, v := range regs {
		C.pvm_set_register(vm.ptr, C.int(i), C.uint64_t(v))
	}
}

// FindExport is the code offset of a .polkavm export.
func (vm *VM) FindExport(name string) (uint32, error) {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	pc := int64(C.pvm_find_export(vm.ptr, cname))
	if pc < 0 {
		return 0, vm.misuse()
	}
	return uint32(pc), nil
}

// PrepareCall sets up a PolkaVM-style call of the function at pc: registers cleared,
// r0 = HaltAddress, r1 = stack top, args (at most 9) in r7..r12 then r2..r4. Then
// Execute(pc).
func (vm *VM) PrepareCall(pc uint32, args ...uint64) error {
	var p *C.uint64_t
	if len(args) > 0 {
		p = (*C.uint64_t)(unsafe.Pointer(&args[0]))
	}
	if C.pvm_prepare_call(vm.ptr, C.uint32_t(pc), p, C.size_t(len(args))) != 0 {
		return vm.misuse()
	}
	return nil
}

// SetLogging logs exits and host calls to stderr.
func (vm *VM) SetLogging(enable bool) {
	C.pvm_set_logging(vm.ptr, cBool(enable))
}

// SetTracing prints one line per executed instruction to stderr (as `pvm trace`).
// Tracing needs the interpreter: a VM on the default engine runs its traced runs on it
// (same results); on a VM created with WithEngine(EngineRecompiler) enabling it changes
// nothing and returns an error wrapping ErrMisuse.
func (vm *VM) SetTracing(enable bool) error {
	C.pvm_set_tracing(vm.ptr, cBool(enable))
	if enable && vm.ptr != nil && vm.namedRecompiler {
		return vm.misuse()
	}
	return nil
}

func cBool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}
