package pvm

// #include <stdlib.h>
// #include "pvm.h"
import "C"

import (
	"fmt"
	"runtime"
	"unsafe"
)

// Format says how a program's bytes are to be read (LoadModule, ModuleCache.Load).
type Format int

const (
	// FormatRaw: a raw program blob (GP A.2), as NewFromBlob takes.
	FormatRaw Format = C.PVM_FORMAT_RAW
	// FormatStandard: a JAM standard program (GP A.7), as NewFromStandard takes.
	FormatStandard Format = C.PVM_FORMAT_STANDARD
	// FormatPolkaVM: a PolkaVM .polkavm program (always GP 0.8), as NewFromPolkaVM takes.
	FormatPolkaVM Format = C.PVM_FORMAT_POLKAVM
)

// Module is a program parsed and validated once (pvm_module_t): every VM made from it
// shares its code and the blocks prepared so far, and costs only its memory set-up.
// A Module is safe for concurrent use by several goroutines. Close releases this
// reference (a finalizer does it otherwise); VMs made from the module keep it alive.
type Module struct {
	ptr *C.pvm_module_t
}

// wrapModule turns a pvm_module_load/pvm_cache_load result into a Module, or an error
// carrying libpvm's message. The caller must hold the OS thread locked (the error is
// kept per thread).
func wrapModule(ptr *C.pvm_module_t) (*Module, error) {
	if ptr == nil {
		return nil, fmt.Errorf("%w: %s", ErrCreate, C.GoString(C.pvm_last_error(nil)))
	}
	m := &Module{ptr: ptr}
	runtime.SetFinalizer(m, (*Module).Close)
	return m, nil
}

// LoadModule parses and validates program in format once; WithGP07 selects GP 0.7 rules
// (not for FormatPolkaVM). Errors wrap ErrCreate.
func LoadModule(format Format, program []byte, options ...Option) (*Module, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return wrapModule(C.pvm_module_load(C.int(format), bytesPtr(program),
		C.size_t(len(program)), flagsOf(options)))
}

// NewVM creates a VM from the module with gas, as the constructor of its format would
// (args: a standard program's argument data, ignored by other formats). Options:
// WithEngine (the module fixed the GP version, so WithGP07 is refused). Release it with
// Close; it keeps the module alive.
func (m *Module) NewVM(serviceIndex uint32, args []byte, gas uint64, options ...Option) (*VM, error) {
	if m.ptr == nil {
		return nil, fmt.Errorf("%w: the module is closed", ErrClosed)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	vm, err := wrap(C.pvm_create_from_module_ex(C.uint32_t(serviceIndex), m.ptr,
		bytesPtr(args), C.size_t(len(args)), C.uint64_t(gas), flagsOf(options)), flagsOf(options))
	runtime.KeepAlive(m)
	return vm, err
}

// Instantiate is NewVM with service index 0 and no argument data.
func (m *Module) Instantiate(gas uint64, options ...Option) (*VM, error) {
	return m.NewVM(0, nil, gas, options...)
}

// FindExport returns the code offset of the .polkavm export name (an error wrapping
// ErrMisuse if there is none).
func (m *Module) FindExport(name string) (uint32, error) {
	if m.ptr == nil {
		return 0, ErrClosed
	}
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	pc := C.pvm_module_find_export(m.ptr, cname)
	runtime.KeepAlive(m)
	if pc < 0 {
		return 0, fmt.Errorf("%w: %s", ErrMisuse, C.GoString(C.pvm_last_error(nil)))
	}
	return uint32(pc), nil
}

// BlockCount is the number of basic blocks of the module's code.
func (m *Module) BlockCount() int {
	n := C.pvm_module_block_count(m.ptr)
	runtime.KeepAlive(m)
	return int(n)
}

// PreparedBlocks is the number of basic blocks prepared so far: blocks are prepared the
// first time any VM of the module enters them.
func (m *Module) PreparedBlocks() int {
	n := C.pvm_module_prepared_blocks(m.ptr)
	runtime.KeepAlive(m)
	return int(n)
}

// Footprint is the bytes the module keeps (what a ModuleCache counts).
func (m *Module) Footprint() int {
	n := C.pvm_module_footprint(m.ptr)
	runtime.KeepAlive(m)
	return int(n)
}

// Close releases this reference to the module; VMs made from it keep working. Safe to
// call more than once, but not concurrently with other uses of the same *Module.
func (m *Module) Close() {
	if m.ptr == nil {
		return
	}
	C.pvm_module_free(m.ptr)
	m.ptr = nil
	runtime.SetFinalizer(m, nil)
}
