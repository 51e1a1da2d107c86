package pvm

import (
	"os"
	"path/filepath"
	"testing"
)

// 0: ecalli 1 ; 2: load_u64 r9, 0x20008 ; 8: jump_ind r0
var hostcallBlob = []byte{0, 0, 10, 10, 1, 58, 9, 8, 0, 2, 0, 50, 0, 0x05, 0x01}
var hostcallCode = []byte{10, 1, 58, 9, 8, 0, 2, 0, 50, 0}
var hostcallBitmask = []byte{0x05, 0x01}

// 0: ecalli 7 ; 2: add_imm_64 r7, r7, -1 ; 5: branch_ne_imm r7, 0, @0 ; 8: jump_ind r0
var loopBlob = []byte{0, 0, 10, 10, 7, 0x95, 0x77, 0xFF, 0x52, 0x07, 0xFB, 0x32, 0x00, 0x25, 0x01}

// 0: store_u64 [0x40000], r7 ; 6: jump_ind r0
var storeBlob = []byte{0, 0, 8, 62, 7, 0, 0, 4, 0, 50, 0, 0x41}

// workspace is the repository root, two levels above this module.
func workspace() string {
	dir, err := filepath.Abs("../..")
	if err != nil {
		panic(err)
	}
	return dir
}

func hostcallPolkaVM(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(workspace(), "guests", "bin", "hostcall.polkavm"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// newHostcallVM runs hostcallBlob with 1,2,3,4 at 0x20000, r7 = 0x20000, r8 = 4.
func newHostcallVM(t testing.TB) *VM {
	t.Helper()
	vm, err := NewFromBlob(1, hostcallBlob, 1000)
	if err != nil {
		t.Fatal(err)
	}
	vm.SetRegisters([RegCount]uint64{HaltAddress, 0, 0, 0, 0, 0, 0, 0x20000, 4})
	if err := vm.MapPages(0x20000, PageSize, AccessWrite); err != nil {
		t.Fatal(err)
	}
	if err := vm.Write(0x20000, []byte{1, 2, 3, 4}); err != nil {
		t.Fatal(err)
	}
	return vm
}

func newLoopVM(t testing.TB, iterations uint64) *VM {
	t.Helper()
	vm, err := NewFromBlob(9, loopBlob, ^uint64(0))
	if err != nil {
		t.Fatal(err)
	}
	vm.SetReg(0, HaltAddress)
	vm.SetReg(7, iterations)
	return vm
}

// forEachEngine runs body as a subtest per engine; the recompiler is skipped where it is
// not supported.
func forEachEngine(t *testing.T, body func(t *testing.T, engine Engine)) {
	for _, engine := range []Engine{EngineInterpreter, EngineRecompiler} {
		t.Run(engine.String(), func(t *testing.T) {
			if !engine.Supported() {
				t.Skipf("the %v is not supported on this platform", engine)
			}
			body(t, engine)
		})
	}
}
