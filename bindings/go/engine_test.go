package pvm

import (
	"errors"
	"strings"
	"testing"
)

func TestEngineNamesAndDefault(t *testing.T) {
	for _, name := range []string{"interpreter", "recompiler"} {
		engine, err := ParseEngine(name)
		if err != nil || engine.String() != name {
			t.Fatalf("ParseEngine(%q) = %v, %v", name, engine, err)
		}
	}
	if _, err := ParseEngine("jit"); err == nil || !strings.Contains(err.Error(), `"recompiler"`) {
		t.Fatalf("ParseEngine(jit) = %v", err)
	}
	if !EngineInterpreter.Supported() || Engine(7).Supported() {
		t.Fatal("Supported")
	}
	expected := EngineInterpreter
	if EngineRecompiler.Supported() {
		expected = EngineRecompiler
	}
	if DefaultEngine() != expected {
		t.Fatalf("DefaultEngine() = %v, expected %v", DefaultEngine(), expected)
	}
	vm := newHostcallVM(t)
	defer vm.Close()
	if vm.Engine() != expected {
		t.Fatalf("default engine %v", vm.Engine())
	}
	// A VM on the default engine can be traced (its traced runs take the interpreter).
	if err := vm.SetTracing(true); err != nil {
		t.Fatalf("SetTracing on the default engine: %v", err)
	}
	if err := vm.SetTracing(false); err != nil {
		t.Fatal(err)
	}
	// WithEngine(EngineInterpreter) forces the interpreter; the last WithEngine wins.
	forced, err := NewFromBlob(1, hostcallBlob, 1000, WithEngine(EngineRecompiler), WithEngine(EngineInterpreter))
	if err != nil {
		t.Fatal(err)
	}
	defer forced.Close()
	if forced.Engine() != EngineInterpreter {
		t.Fatalf("WithEngine(EngineInterpreter): %v", forced.Engine())
	}
	if _, err := NewFromBlob(1, hostcallBlob, 1000, WithEngine(Engine(7))); !errors.Is(err, ErrCreate) {
		t.Fatalf("unknown engine: %v", err)
	}
	if _, err := NewFromPolkaVM(1, hostcallPolkaVM(t), 1000, WithGP07()); !errors.Is(err, ErrCreate) ||
		!strings.Contains(err.Error(), "always GP 0.8") {
		t.Fatalf("polkavm with GP 0.7: %v", err)
	}
	if !EngineRecompiler.Supported() {
		_, err := NewFromBlob(1, hostcallBlob, 1000, WithEngine(EngineRecompiler))
		if !errors.Is(err, ErrCreate) || !strings.Contains(err.Error(), "not supported on this platform") {
			t.Fatalf("recompiler where unsupported: %v", err)
		}
	}
}

// recompilerOnly skips t where the recompiler is not supported.
func recompilerOnly(t *testing.T) {
	t.Helper()
	if !EngineRecompiler.Supported() {
		t.Skip("the recompiler is not supported on this platform")
	}
}

func TestHostFunctionOnTheRecompiler(t *testing.T) {
	recompilerOnly(t)
	vm, err := NewFromBlob(1, hostcallBlob, 1000, WithEngine(EngineRecompiler))
	if err != nil {
		t.Fatal(err)
	}
	defer vm.Close()
	if vm.Engine() != EngineRecompiler {
		t.Fatalf("engine %v", vm.Engine())
	}
	vm.SetRegisters([RegCount]uint64{HaltAddress, 0, 0, 0, 0, 0, 0, 0x20000, 4})
	if err := vm.MapPages(0x20000, PageSize, AccessWrite); err != nil {
		t.Fatal(err)
	}
	if err := vm.Write(0x20000, []byte{1, 2, 3, 4}); err != nil {
		t.Fatal(err)
	}
	calls := 0
	vm.SetHostFunc(func(vm *VM, id int) HostResult {
		calls++
		return sumHost(vm, id)
	})
	if r, err := vm.Execute(0); err != nil || r != ResultOK {
		t.Fatalf("Execute = %v, %v", r, err)
	}
	if calls != 1 || vm.Reg(7) != 10 || vm.Reg(9) != 10001 || vm.Gas() != 1000-100-10 || vm.PC() != 8 {
		t.Fatalf("calls %d, r7 %d, r9 %d, gas %d, pc %d", calls, vm.Reg(7), vm.Reg(9), vm.Gas(), vm.PC())
	}
	// Tracing needs the interpreter: refused with a message, the VM still runs.
	if err := vm.SetTracing(true); !errors.Is(err, ErrMisuse) || !strings.Contains(err.Error(), "tracing needs the interpreter") {
		t.Fatalf("SetTracing on the recompiler: %v", err)
	}
	if r, err := vm.Execute(0); err != nil || r != ResultOK || vm.Reg(9) != 10001 {
		t.Fatalf("run after SetTracing: %v, %v", r, err)
	}
}

func TestPolkaVMGuestAndModulesOnBothEngines(t *testing.T) {
	program := hostcallPolkaVM(t)
	module, err := LoadModule(FormatPolkaVM, program)
	if err != nil {
		t.Fatal(err)
	}
	defer module.Close()
	forEachEngine(t, func(t *testing.T, engine Engine) {
		fromBytes, err := NewFromPolkaVM(3, program, 100_000_000, WithEngine(engine))
		if err != nil {
			t.Fatal(err)
		}
		defer fromBytes.Close()
		fromModule, err := module.Instantiate(100_000_000, WithEngine(engine))
		if err != nil {
			t.Fatal(err)
		}
		defer fromModule.Close()
		for _, vm := range []*VM{fromBytes, fromModule} {
			if vm.Engine() != engine {
				t.Fatalf("engine %v, expected %v", vm.Engine(), engine)
			}
			pc, err := vm.FindExport("hostcall")
			if err != nil {
				t.Fatal(err)
			}
			vm.SetHostFunc(func(vm *VM, id int) HostResult {
				vm.SetReg(7, vm.Reg(7)+vm.Reg(8))
				return HostContinue
			})
			if err := vm.PrepareCall(pc, 10000); err != nil {
				t.Fatal(err)
			}
			if r, err := vm.Execute(pc); r != ResultOK || err != nil || vm.Reg(7) != 1838007774129845683 {
				t.Fatalf("hostcall(10000) = %d (%v, %v)", vm.Reg(7), r, err)
			}
		}
	})
}

func TestPageFaultMapAndRetryOnBothEngines(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine Engine) {
		vm, err := NewFromBlob(0, storeBlob, 1000, WithEngine(engine))
		if err != nil {
			t.Fatal(err)
		}
		defer vm.Close()
		vm.SetReg(0, HaltAddress)
		vm.SetReg(7, 0x0F0E0D0C0B0A0908)
		r, err := vm.Execute(0)
		if r != ResultPanic || err != nil || vm.MachineState() != StateFault || vm.FaultAddress() != 0x40000 || vm.PC() != 0 || vm.Gas() != 1000-25 {
			t.Fatalf("fault: %v %v %v %#x pc %d gas %d", r, err, vm.MachineState(), vm.FaultAddress(), vm.PC(), vm.Gas())
		}
		// Read-only: the retried store faults again at the same address.
		if err := vm.MapPages(0x40000, PageSize, AccessRead); err != nil {
			t.Fatal(err)
		}
		if r, _ := vm.Resume(); r != ResultPanic || vm.FaultAddress() != 0x40000 {
			t.Fatalf("read-only retry: %v %#x", r, vm.FaultAddress())
		}
		if err := vm.MapPages(0x40000, PageSize, AccessWrite); err != nil {
			t.Fatal(err)
		}
		if r, err := vm.Resume(); r != ResultOK || err != nil {
			t.Fatalf("resume: %v %v", r, err)
		}
		if v, _ := vm.ReadU64(0x40000); v != 0x0F0E0D0C0B0A0908 || vm.Gas() != 1000-25 {
			t.Fatalf("stored %#x, gas %d", v, vm.Gas())
		}
	})
}

func TestEngineIsPerVMNotPerModule(t *testing.T) {
	if _, err := LoadModule(FormatRaw, hostcallBlob, WithEngine(EngineRecompiler)); !errors.Is(err, ErrCreate) {
		t.Fatalf("LoadModule with an engine: %v", err)
	}
	module, err := LoadModule(FormatRaw, hostcallBlob)
	if err != nil {
		t.Fatal(err)
	}
	defer module.Close()
	if _, err := module.NewVM(0, nil, 10, WithGP07()); !errors.Is(err, ErrCreate) || !strings.Contains(err.Error(), "pvm_module_load") {
		t.Fatalf("NewVM with GP 0.7: %v", err)
	}
}
