package pvm

import (
	"bytes"
	"errors"
	"testing"
)

func TestMemoryAtEveryWidth(t *testing.T) {
	vm, err := NewFromBlob(0, storeBlob, 1000)
	if err != nil {
		t.Fatal(err)
	}
	defer vm.Close()
	if _, err := vm.ReadU8(0x20000); !errors.Is(err, ErrOutOfBounds) {
		t.Fatalf("unmapped read: %v", err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(vm.MapPages(0x20000, 2*PageSize, AccessWrite))
	must(vm.MapPages(0x30000, 1, AccessRead))
	must(vm.WriteU8(0x20000, 0xAB))
	must(vm.WriteU16(0x20010, 0xBEEF))
	must(vm.WriteU32(0x20020, 0xDEADBEEF))
	must(vm.WriteU64(0x20030, 0x0102030405060708))
	must(vm.Write(0x20040, []byte{9, 8, 7, 6, 5}))
	if v, err := vm.ReadU8(0x20000); v != 0xAB || err != nil {
		t.Fatal(v, err)
	}
	if v, err := vm.ReadU16(0x20010); v != 0xBEEF || err != nil {
		t.Fatal(v, err)
	}
	if v, err := vm.ReadU32(0x20020); v != 0xDEADBEEF || err != nil {
		t.Fatal(v, err)
	}
	if v, err := vm.ReadU64(0x20030); v != 0x0102030405060708 || err != nil {
		t.Fatal(v, err)
	}
	if v, _ := vm.ReadU8(0x20030); v != 0x08 {
		t.Fatal("not little-endian")
	}
	if b, err := vm.ReadBytes(0x20040, 5); !bytes.Equal(b, []byte{9, 8, 7, 6, 5}) || err != nil {
		t.Fatal(b, err)
	}
	// Straddling into an unmapped page fails as a whole.
	if err := vm.WriteU32(0x21FFE, 0xFFFFFFFF); !errors.Is(err, ErrOutOfBounds) {
		t.Fatalf("straddling write: %v", err)
	}
	if v, _ := vm.ReadU16(0x21FFE); v != 0 {
		t.Fatal("partial write")
	}
	buf := []byte{0x5A, 0x5A, 0x5A, 0x5A}
	if err := vm.Read(0x21FFE, buf); !errors.Is(err, ErrOutOfBounds) || buf[0] != 0x5A {
		t.Fatalf("straddling read: %v %v", err, buf)
	}
	for _, f := range []func() error{
		func() error { _, err := vm.ReadU16(0x100); return err },
		func() error { _, err := vm.ReadU32(0xFFFFFFFE); return err },
		func() error { _, err := vm.ReadU64(0x22000); return err },
		func() error { return vm.WriteU16(0x100, 1) },
		func() error { return vm.WriteU64(0x22000, 1) },
	} {
		if err := f(); !errors.Is(err, ErrOutOfBounds) {
			t.Fatalf("expected ErrOutOfBounds, got %v", err)
		}
	}

	// Read-only data can be loaded before the first run, not after.
	must(vm.WriteU32(0x30000, 0xCAFEBABE))
	if _, err := vm.Memory(0x30000, 4, true); !errors.Is(err, ErrOutOfBounds) {
		t.Fatal("writable view of a read-only page")
	}
	// The guest stores r7 at unmapped 0x40000: a page fault.
	vm.SetReg(0, HaltAddress)
	vm.SetReg(7, 0x0F0E0D0C0B0A0908)
	r, err := vm.Execute(0)
	if r != ResultPanic || err != nil || vm.MachineState() != StateFault || vm.FaultAddress() != 0x40000 || vm.PC() != 0 {
		t.Fatalf("fault: %v %v %v %#x", r, err, vm.MachineState(), vm.FaultAddress())
	}
	if err := vm.WriteU32(0x30000, 0); !errors.Is(err, ErrOutOfBounds) {
		t.Fatal("read-only page written after the first run")
	}
	must(vm.MapPages(0x40000, PageSize, AccessWrite))
	if r, err := vm.Resume(); r != ResultOK || err != nil {
		t.Fatalf("resume: %v %v", r, err)
	}
	if v, _ := vm.ReadU64(0x40000); v != 0x0F0E0D0C0B0A0908 || vm.Gas() != 1000-25 {
		t.Fatalf("stored %#x, gas %d", v, vm.Gas())
	}

	// Zero-copy view.
	view, err := vm.Memory(0x20FF0, 0x20, true)
	must(err)
	view[0], view[0x1F] = 0x77, 0x66
	if v, _ := vm.ReadU8(0x2100F); v != 0x66 {
		t.Fatal("view write not seen")
	}
	// Unmap, bad access value, low memory.
	must(vm.MapPages(0x20000, PageSize, AccessNone))
	if _, err := vm.ReadU8(0x20000); !errors.Is(err, ErrOutOfBounds) {
		t.Fatal("unmapped page readable")
	}
	if err := vm.MapPages(0x20000, PageSize, Access(3)); !errors.Is(err, ErrMisuse) {
		t.Fatalf("access 3: %v", err)
	}
	if err := vm.MapPages(0x1000, PageSize, AccessRead); !errors.Is(err, ErrMisuse) {
		t.Fatalf("low memory: %v", err)
	}
	vm.SetHeapPointer(0x23456)
	if vm.HeapPointer() != 0x23456 {
		t.Fatal("heap pointer")
	}
}

func TestSetMemoryBounds(t *testing.T) {
	vm, err := NewFromBlob(0, storeBlob, 1000)
	if err != nil {
		t.Fatal(err)
	}
	defer vm.Close()
	vm.SetMemoryBounds(0x50010, 0x51001, 0x60000, 0x60001, 0x70000, 0x70000, 0x80000, 0x82000)
	check := func(address, length uint32, writable, ok bool) {
		t.Helper()
		if _, err := vm.Memory(address, length, writable); (err == nil) != ok {
			t.Fatalf("Memory(%#x, %d, %v): %v", address, length, writable, err)
		}
	}
	check(0x50000, 2*PageSize, true, true)
	check(0x60000, PageSize, false, true)
	check(0x60000, 1, true, false)
	check(0x70000, 1, false, false)
	check(0x80000, 2*PageSize, true, true)
	check(0x82000, 1, false, false)
}
