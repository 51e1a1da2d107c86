package pvm

import (
	"errors"
	"strings"
	"sync"
	"testing"
)

// sumHost is a host function in Go: it reads r8 bytes of guest memory at r7, writes
// sum*1000+id as a u64 at r7+8, returns the sum in r7 and charges 10 gas.
func sumHost(vm *VM, id int) HostResult {
	address, length := uint32(vm.Reg(7)), uint32(vm.Reg(8))
	data, err := vm.ReadBytes(address, length)
	if err != nil {
		vm.SetReg(7, OOB)
		return HostContinue
	}
	var sum uint64
	for _, b := range data {
		sum += uint64(b)
	}
	if err := vm.WriteU64(address+8, sum*1000+uint64(id)); err != nil {
		return HostError
	}
	vm.SetReg(7, sum)
	vm.SetGas(vm.Gas() - 10)
	return HostContinue
}

func TestHostFunctionReadsAndWritesGuestMemory(t *testing.T) {
	vm := newHostcallVM(t)
	defer vm.Close()
	calls := 0
	vm.SetHostFunc(func(vm *VM, id int) HostResult {
		calls++
		return sumHost(vm, id)
	})
	r, err := vm.Execute(0)
	if err != nil || r != ResultOK {
		t.Fatalf("Execute = %v, %v", r, err)
	}
	if calls != 1 || vm.Reg(7) != 10 || vm.Reg(9) != 10001 {
		t.Fatalf("calls %d, r7 %d, r9 %d", calls, vm.Reg(7), vm.Reg(9))
	}
	if vm.Gas() != 1000-100-10 || vm.MachineState() != StateHalt || !vm.Terminated() || vm.PC() != 8 {
		t.Fatalf("gas %d, state %v, terminated %v, pc %d", vm.Gas(), vm.MachineState(), vm.Terminated(), vm.PC())
	}
}

func TestNewFromPartsWithRegisters(t *testing.T) {
	regs := [RegCount]uint64{HaltAddress, 0, 0, 0, 0, 0, 0, 0x20000, 4}
	vm, err := New(1, hostcallCode, hostcallBitmask, nil, &regs, 1000)
	if err != nil {
		t.Fatal(err)
	}
	defer vm.Close()
	if vm.Registers() != regs || vm.ServiceIndex() != 1 {
		t.Fatalf("registers %v", vm.Registers())
	}
	vm.MapPages(0x20000, PageSize, AccessWrite)
	vm.Write(0x20000, []byte{1, 2, 3, 4})
	vm.SetHostFunc(sumHost)
	if r, err := vm.Execute(0); r != ResultOK || err != nil || vm.Reg(9) != 10001 {
		t.Fatalf("Execute = %v, %v, r9 %d", r, err, vm.Reg(9))
	}
	if _, err := New(1, hostcallCode, hostcallBitmask[:1], nil, nil, 1000); !errors.Is(err, ErrCreate) || !strings.Contains(err.Error(), "packed") {
		t.Fatalf("short bitmask: %v", err)
	}
}

func TestHostCallExitWithoutHostFunc(t *testing.T) {
	vm := newHostcallVM(t)
	defer vm.Close()
	r, err := vm.Execute(0)
	if err != nil || r != ResultHostCall || vm.HostFuncID() != 1 || vm.MachineState() != StateHost || vm.Terminated() {
		t.Fatalf("Execute = %v, %v, id %d", r, err, vm.HostFuncID())
	}
	// Serve it zero-copy.
	in, err := vm.Memory(0x20000, 4, false)
	if err != nil {
		t.Fatal(err)
	}
	out, err := vm.Memory(0x20008, 8, true)
	if err != nil {
		t.Fatal(err)
	}
	out[0] = in[0] + in[1] + in[2] + in[3]
	if r, err := vm.Resume(); r != ResultOK || err != nil || vm.Reg(9) != 10 {
		t.Fatalf("Resume = %v, %v, r9 %d", r, err, vm.Reg(9))
	}
}

func TestChildModeIgnoresTheHostFunc(t *testing.T) {
	vm := newHostcallVM(t)
	defer vm.Close()
	called := false
	vm.SetHostFunc(func(*VM, int) HostResult { called = true; return HostContinue })
	if r, _ := vm.ExecuteChild(0); r != ResultHostCall || called {
		t.Fatalf("ExecuteChild = %v, called %v", r, called)
	}
	if r, _ := vm.Resume(); r != ResultOK || called {
		t.Fatalf("Resume = %v, called %v", r, called)
	}
}

func TestTerminateErrorAndPanickingHostFuncs(t *testing.T) {
	vm := newHostcallVM(t)
	defer vm.Close()
	vm.SetHostFunc(func(*VM, int) HostResult { return HostTerminate })
	if r, err := vm.Execute(0); r != ResultOK || err != nil || vm.Reg(9) != 0 || vm.MachineState() != StateHalt {
		t.Fatalf("terminate: %v, %v", r, err)
	}
	vm.SetHostFunc(func(*VM, int) HostResult { return HostError })
	if r, err := vm.Execute(0); r != ResultPanic || err != nil || vm.MachineState() != StatePanic || vm.ResultCode() != WorkDigestPanic {
		t.Fatalf("error: %v, %v", r, err)
	}
	vm.SetHostFunc(func(*VM, int) HostResult { panic("boom") })
	r, err := vm.Execute(0)
	var hostPanic *HostPanicError
	if r != ResultPanic || !errors.As(err, &hostPanic) || hostPanic.ID != 1 || hostPanic.Value != "boom" {
		t.Fatalf("panic: %v, %v", r, err)
	}
	// The VM is usable afterwards.
	vm.SetHostFunc(nil)
	if r, err := vm.Execute(0); r != ResultHostCall || err != nil {
		t.Fatalf("after panic: %v, %v", r, err)
	}
}

func TestPolkaVMGuestWithGoHostFunction(t *testing.T) {
	vm, err := NewFromPolkaVM(3, hostcallPolkaVM(t), 100_000_000)
	if err != nil {
		t.Fatal(err)
	}
	defer vm.Close()
	pc, err := vm.FindExport("hostcall")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vm.FindExport("nope"); !errors.Is(err, ErrMisuse) {
		t.Fatalf("FindExport(nope) = %v", err)
	}
	vm.SetHostFunc(func(vm *VM, id int) HostResult {
		if id != 0 {
			return HostError
		}
		vm.SetReg(7, vm.Reg(7)+vm.Reg(8))
		return HostContinue
	})
	for _, c := range []struct{ n, want uint64 }{{10, 14759}, {10000, 1838007774129845683}} {
		if err := vm.PrepareCall(pc, c.n); err != nil {
			t.Fatal(err)
		}
		if r, err := vm.Execute(pc); r != ResultOK || err != nil || vm.Reg(7) != c.want {
			t.Fatalf("hostcall(%d) = %d (%v, %v)", c.n, vm.Reg(7), r, err)
		}
	}
}

func TestHostFuncCanRunOtherVMs(t *testing.T) {
	outer := newHostcallVM(t)
	defer outer.Close()
	outer.SetHostFunc(func(vm *VM, id int) HostResult {
		inner := newLoopVM(t, 25)
		defer inner.Close()
		count := 0
		inner.SetHostFunc(func(*VM, int) HostResult { count++; return HostContinue })
		if r, err := inner.Execute(0); r != ResultOK || err != nil {
			return HostError
		}
		// Running the outer VM again from its own host function is refused.
		if r, err := vm.Execute(0); r != ResultError || !errors.Is(err, ErrMisuse) {
			return HostError
		}
		vm.SetReg(7, uint64(count))
		if vm.WriteU64(0x20008, uint64(count)*2) != nil {
			return HostError
		}
		return HostContinue
	})
	if r, err := outer.Execute(0); r != ResultOK || err != nil || outer.Reg(7) != 25 || outer.Reg(9) != 50 {
		t.Fatalf("Execute = %v, %v, r7 %d, r9 %d", r, err, outer.Reg(7), outer.Reg(9))
	}
}

func TestVMsRunOnSeveralGoroutines(t *testing.T) {
	program := hostcallPolkaVM(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			vm, err := NewFromPolkaVM(1, program, 1_000_000_000)
			if err != nil {
				errs <- err
				return
			}
			defer vm.Close()
			vm.SetHostFunc(func(vm *VM, id int) HostResult {
				vm.SetReg(7, vm.Reg(7)+vm.Reg(8))
				return HostContinue
			})
			pc, _ := vm.FindExport("hostcall")
			vm.PrepareCall(pc, 10000)
			if r, err := vm.Execute(pc); r != ResultOK || err != nil || vm.Reg(7) != 1838007774129845683 {
				errs <- errors.New("wrong result on a goroutine")
			}
			if _, err := NewFromBlob(0, []byte{1, 2, 3}, 0); err == nil || !strings.Contains(err.Error(), "invalid") {
				errs <- errors.New("creation error lost: " + err.Error())
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestGP07Option(t *testing.T) {
	noEnd := []byte{0, 0, 3, 51, 7, 42, 0x01} // load_imm r7, 42 with no terminator
	if _, err := NewFromBlob(0, noEnd, 10); !errors.Is(err, ErrCreate) {
		t.Fatalf("GP 0.8 accepted it: %v", err)
	}
	vm, err := NewFromBlob(0, noEnd, 10, WithGP07())
	if err != nil {
		t.Fatal(err)
	}
	defer vm.Close()
	if r, _ := vm.Execute(0); r != ResultPanic || vm.Reg(7) != 42 || vm.Gas() != 8 {
		t.Fatalf("%v r7=%d gas=%d", r, vm.Reg(7), vm.Gas())
	}
}

func TestClosedVMAndBadRegisterIndex(t *testing.T) {
	vm := newHostcallVM(t)
	vm.Close()
	vm.Close()
	if r, err := vm.Execute(0); r != ResultError || !errors.Is(err, ErrClosed) {
		t.Fatalf("Execute on closed = %v, %v", r, err)
	}
	if _, err := vm.ReadU8(0x20000); !errors.Is(err, ErrClosed) {
		t.Fatalf("ReadU8 on closed = %v", err)
	}
	if vm.Gas() != 0 || vm.Reg(0) != 0 {
		t.Fatal("closed VM reports state")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("SetReg(13) did not panic")
		}
	}()
	vm.SetReg(13, 1)
}

func TestVersion(t *testing.T) {
	if !strings.Contains(Version(), "GP 0.8") {
		t.Fatal(Version())
	}
}
