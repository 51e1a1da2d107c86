// Package pvm is a Go binding of libpvm, the C ABI of an exactly conformant JAM PVM
// interpreter (Gray Paper appendix A, version 0.8.0, as PolkaVM 0.37's JamV1 instruction
// set implements it; GP 0.7 programs with WithGP07).
//
// It links the static library libpvm.a with cgo. In the repository that is by default the
// debug-profile library in the workspace's target directory (build it with
// `cargo build -p pvm-ffi`), and `-tags pvm_release` links target/release/libpvm.a. The
// packaged module (scripts/package.sh) links its prebuilt lib/<GOOS>_<GOARCH>/libpvm.a
// instead and needs no cargo. In both, `-tags pvm_custom` links nothing so that
// CGO_LDFLAGS="/path/to/libpvm.a -lpthread -ldl -lm" can name another one.
//
// A VM is created by New, NewFromBlob, NewFromStandard or NewFromPolkaVM, and must be
// released with Close (each VM reserves 4 GiB of address space). A VM is not safe for
// concurrent use; different VMs may run on different goroutines at once.
//
// Host calls: with a HostFunc set (SetHostFunc), every `ecalli n` calls it with n while
// Execute or Resume runs, on the same goroutine. The function may use every method of the
// VM (registers, gas, memory) and may create, run and close other VMs. Without a HostFunc,
// or with ExecuteChild, `ecalli` returns ResultHostCall to the caller, who serves it and
// calls Resume.
package pvm

// /* pvm.h: include/ in the packaged module (scripts/package.sh), else the repository's. */
// #cgo CFLAGS: -I${SRCDIR}/include -I${SRCDIR}/../../crates/pvm-ffi/include
// #include "pvm.h"
import "C"

import (
	"errors"
	"fmt"
)

// RegCount is the number of registers.
const RegCount = 13

// PageSize is Z_P, the guest page size.
const PageSize = 4096

// HaltAddress is the dynamic jump target that halts the machine.
const HaltAddress = 0xFFFF0000

// Host-call result codes (GP 0.8 appendix B), written to registers by host functions.
const (
	OK   uint64 = 0
	NONE uint64 = 1<<64 - 1
	WHAT uint64 = 1<<64 - 2
	OOB  uint64 = 1<<64 - 3
	WHO  uint64 = 1<<64 - 4
	FULL uint64 = 1<<64 - 5
	CORE uint64 = 1<<64 - 6
	CASH uint64 = 1<<64 - 7
	LOW  uint64 = 1<<64 - 8
	HUH  uint64 = 1<<64 - 9
)

// Result is how a run ended (pvm_result_t).
type Result int

const (
	// ResultOK: the machine halted (or a HostFunc returned HostTerminate).
	ResultOK Result = C.PVM_RESULT_OK
	// ResultOOG: out of gas; SetGas and Resume to retry the block.
	ResultOOG Result = C.PVM_RESULT_OOG
	// ResultPanic: a panic, or a page fault (MachineState() == StateFault; map the page
	// and Resume to retry the instruction).
	ResultPanic Result = C.PVM_RESULT_PANIC
	// ResultHostCall: an ecalli without HostFunc or in child mode; HostFuncID says which.
	ResultHostCall Result = C.PVM_RESULT_HOST_CALL
	// ResultError: libpvm refused the call; always returned with a non-nil error.
	ResultError Result = C.PVM_RESULT_ERROR
)

func (r Result) String() string {
	switch r {
	case ResultOK:
		return "ok"
	case ResultOOG:
		return "out-of-gas"
	case ResultPanic:
		return "panic"
	case ResultHostCall:
		return "host-call"
	case ResultError:
		return "error"
	}
	return fmt.Sprintf("Result(%d)", int(r))
}

// MachineState is the state after the last run (the inner-invocation codes of GP's invoke).
type MachineState uint8

const (
	StateHalt  MachineState = C.PVM_HALT
	StatePanic MachineState = C.PVM_PANIC
	StateFault MachineState = C.PVM_FAULT
	StateHost  MachineState = C.PVM_HOST
	StateOOG   MachineState = C.PVM_OOG
)

func (s MachineState) String() string {
	switch s {
	case StateHalt:
		return "halt"
	case StatePanic:
		return "panic"
	case StateFault:
		return "fault"
	case StateHost:
		return "host"
	case StateOOG:
		return "oog"
	}
	return fmt.Sprintf("MachineState(%d)", uint8(s))
}

// Work-digest (work result) codes, as ResultCode returns them.
const (
	WorkDigestOK        = C.PVM_WORKDIGEST_OK
	WorkDigestOOG       = C.PVM_WORKDIGEST_OOG
	WorkDigestPanic     = C.PVM_WORKDIGEST_PANIC
	WorkDigestBadExport = C.PVM_WORKDIGEST_BAD_EXPORT
	WorkDigestOversize  = C.PVM_WORKDIGEST_OVERSIZE
	WorkDigestBad       = C.PVM_WORKDIGEST_BAD
	WorkDigestBig       = C.PVM_WORKDIGEST_BIG
)

// Access is a page's access right.
type Access int

const (
	AccessNone  Access = C.PVM_ACCESS_NONE
	AccessRead  Access = C.PVM_ACCESS_READ
	AccessWrite Access = C.PVM_ACCESS_WRITE // implies read
)

// Errors. Those returned by the VM wrap one of these and carry libpvm's message.
var (
	// ErrCreate: the program or an argument was rejected at creation.
	ErrCreate = errors.New("pvm: cannot create VM")
	// ErrOutOfBounds: guest memory is not accessible (PVM_OOB).
	ErrOutOfBounds = errors.New("pvm: guest memory not accessible")
	// ErrClosed: the VM was closed.
	ErrClosed = errors.New("pvm: VM is closed")
	// ErrMisuse: libpvm refused the call (PVM_RESULT_ERROR or an invalid argument).
	ErrMisuse = errors.New("pvm: invalid call")
)

// HostPanicError is returned by Execute/Resume when a HostFunc panicked; the VM was
// stopped as panicked.
type HostPanicError struct {
	ID    int
	Value any
}

func (e *HostPanicError) Error() string {
	return fmt.Sprintf("pvm: host function %d panicked: %v", e.ID, e.Value)
}

// Version is libpvm's version string.
func Version() string {
	return C.GoString(C.pvm_version())
}
