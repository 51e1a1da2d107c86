package pvm

// #include "pvm.h"
import "C"

import (
	"fmt"
	"unsafe"
)

// oob wraps libpvm's message for a failed memory access in ErrOutOfBounds.
func (vm *VM) oob() error {
	if vm.ptr == nil {
		return ErrClosed
	}
	return fmt.Errorf("%w: %s", ErrOutOfBounds, vm.lastError())
}

// Read fills buf from guest memory at address. Every byte must be readable; on error buf
// is unchanged.
func (vm *VM) Read(address uint32, buf []byte) error {
	if len(buf) == 0 {
		return nil
	}
	if uint64(len(buf)) > 1<<32 {
		return fmt.Errorf("%w: read of %d bytes", ErrOutOfBounds, len(buf))
	}
	if C.pvm_read_ram_bytes(vm.ptr, C.uint32_t(address), bytesPtr(buf), C.uint32_t(len(buf)), nil) != 0 {
		return vm.oob()
	}
	return nil
}

// ReadBytes reads n bytes of guest memory at address into a new slice.
func (vm *VM) ReadBytes(address, n uint32) ([]byte, error) {
	buf := make([]byte, n)
	if err := vm.Read(address, buf); err != nil {
		return nil, err
	}
	return buf, nil
}

// Write copies data to guest memory at address. Every byte must be writable, except
// before the first Execute, when any mapped page may be written (to load read-only
// data). On error nothing is written.
func (vm *VM) Write(address uint32, data []byte) error {
	if len(data) == 0 {
		return nil
	}
	if uint64(len(data)) > 1<<32 {
		return fmt.Errorf("%w: write of %d bytes", ErrOutOfBounds, len(data))
	}
	if C.pvm_write_ram_bytes(vm.ptr, C.uint32_t(address), bytesPtr(data), C.uint32_t(len(data))) != 0 {
		return vm.oob()
	}
	return nil
}

// ReadU8 reads a byte.
func (vm *VM) ReadU8(address uint32) (uint8, error) {
	var code C.int
	v := C.pvm_read_ram_bytes_8(vm.ptr, C.uint32_t(address), &code)
	if code != 0 {
		return 0, vm.oob()
	}
	return uint8(v), nil
}

// ReadU16 reads a little-endian uint16.
func (vm *VM) ReadU16(address uint32) (uint16, error) {
	var code C.int
	v := C.pvm_read_ram_bytes_16(vm.ptr, C.uint32_t(address), &code)
	if code != 0 {
		return 0, vm.oob()
	}
	return uint16(v), nil
}

// ReadU32 reads a little-endian uint32.
func (vm *VM) ReadU32(address uint32) (uint32, error) {
	var code C.int
	v := C.pvm_read_ram_bytes_32(vm.ptr, C.uint32_t(address), &code)
	if code != 0 {
		return 0, vm.oob()
	}
	return uint32(v), nil
}

// ReadU64 reads a little-endian uint64.
func (vm *VM) ReadU64(address uint32) (uint64, error) {
	var code C.int
	v := C.pvm_read_ram_bytes_64(vm.ptr, C.uint32_t(address), &code)
	if code != 0 {
		return 0, vm.oob()
	}
	return uint64(v), nil
}

// WriteU8 writes a byte.
func (vm *VM) WriteU8(address uint32, v uint8) error {
	if C.pvm_write_ram_bytes_8(vm.ptr, C.uint32_t(address), C.uint8_t(v)) != 0 {
		return vm.oob()
	}
	return nil
}

// WriteU16 writes a little-endian uint16.
func (vm *VM) WriteU16(address uint32, v uint16) error {
	if C.pvm_write_ram_bytes_16(vm.ptr, C.uint32_t(address), C.uint16_t(v)) != 0 {
		return vm.oob()
	}
	return nil
}

// WriteU32 writes a little-endian uint32.
func (vm *VM) WriteU32(address uint32, v uint32) error {
	if C.pvm_write_ram_bytes_32(vm.ptr, C.uint32_t(address), C.uint32_t(v)) != 0 {
		return vm.oob()
	}
	return nil
}

// WriteU64 writes a little-endian uint64.
func (vm *VM) WriteU64(address uint32, v uint64) error {
	if C.pvm_write_ram_bytes_64(vm.ptr, C.uint32_t(address), C.uint64_t(v)) != 0 {
		return vm.oob()
	}
	return nil
}

// Memory is a zero-copy view of guest memory [address, address+length): every byte must
// be readable, and writable if writable is true (the rights apply even before the first
// Execute). Writes to the slice are guest memory writes. The slice is valid only until
// the VM runs again, its pages are remapped, or it is closed; inside a HostFunc, until
// the HostFunc returns. Do not keep it.
func (vm *VM) Memory(address, length uint32, writable bool) ([]byte, error) {
	if length == 0 {
		return []byte{}, nil
	}
	p := C.pvm_memory_ptr(vm.ptr, C.uint32_t(address), C.uint32_t(length), cBool(writable))
	if p == nil {
		return nil, vm.oob()
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(p)), int(length)), nil
}

// MapPages sets the access of [address, address+length) rounded out to whole pages:
// AccessNone unmaps (and zeroes), AccessRead/AccessWrite map. Pages that stay mapped
// keep their contents; new pages read as zero.
func (vm *VM) MapPages(address, length uint32, access Access) error {
	if C.pvm_map_pages(vm.ptr, C.uint32_t(address), C.uint32_t(length), C.int(access)) != 0 {
		if vm.ptr == nil {
			return ErrClosed
		}
		return vm.misuse()
	}
	return nil
}

// SetMemoryBounds maps the four regions of the pvm.h proposal, each [addr, end) rounded
// out to pages: RW read-write, RO read-only, output and stack read-write. Empty ranges
// map nothing.
func (vm *VM) SetMemoryBounds(rwAddr, rwEnd, roAddr, roEnd, outputAddr, outputEnd, stackAddr, stackEnd uint32) {
	C.pvm_set_memory_bounds(vm.ptr, C.uint32_t(rwAddr), C.uint32_t(rwEnd),
		C.uint32_t(roAddr), C.uint32_t(roEnd), C.uint32_t(outputAddr), C.uint32_t(outputEnd),
		C.uint32_t(stackAddr), C.uint32_t(stackEnd))
}

// SetHeapPointer sets the heap pointer (the end of RW data + heap).
func (vm *VM) SetHeapPointer(pointer uint32) {
	C.pvm_set_heap_pointer(vm.ptr, C.uint32_t(pointer))
}

// HeapPointer is the heap pointer.
func (vm *VM) HeapPointer() uint32 {
	return uint32(C.pvm_get_heap_pointer(vm.ptr))
}
