// scripts/test-dist.sh: a host call and a page fault through the packaged Go module,
// built outside the repository with a replace directive (see test-dist.sh).
package main

import (
	"fmt"
	"os"
	"strings"

	pvm "github.com/pvm-toolkit/pvm/bindings/go"
)

const value = 0x1122334455667788

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "go check: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	blob := []byte{0, 0, 9, 10, 1, 58, 8, 0, 0, 2, 50, 0, 0x85, 0x00}
	vm, err := pvm.NewFromBlob(0, blob, 10_000)
	if err != nil {
		fail("create: %v", err)
	}
	defer vm.Close()
	calls := 0
	vm.SetHostFunc(func(vm *pvm.VM, id int) pvm.HostResult {
		if id != 1 {
			return pvm.HostError
		}
		calls++
		vm.SetReg(7, 42)
		return pvm.HostContinue
	})
	vm.SetReg(0, pvm.HaltAddress)
	r, err := vm.Execute(0)
	if r != pvm.ResultPanic || err != nil || calls != 1 || vm.MachineState() != pvm.StateFault || vm.FaultAddress() != 0x20000 {
		fail("first exit: %v %v calls=%d state=%v fault=%#x", r, err, calls, vm.MachineState(), vm.FaultAddress())
	}
	if err := vm.MapPages(0x20000, pvm.PageSize, pvm.AccessWrite); err != nil {
		fail("map: %v", err)
	}
	if err := vm.WriteU64(0x20000, value); err != nil {
		fail("write: %v", err)
	}
	if r, err := vm.Resume(); r != pvm.ResultOK || err != nil {
		fail("resume: %v %v", r, err)
	}
	if vm.Reg(7) != 42 || vm.Reg(8) != value {
		fail("registers %#x %#x", vm.Reg(7), vm.Reg(8))
	}
	version := strings.SplitN(pvm.Version(), " ", 2)[0]
	fmt.Printf("go %s: host call 1 -> r7 = 42, page fault at 0x20000 -> r8 = %#x, halt\n", version, vm.Reg(8))
}
