package pvm

// Runs the normalised conformance cases through the binding. The cases come from one JSON
// file that `pvm test-vectors --emit-cases FILE` writes (the test kit reads both upstream
// vector formats; schema: crates/pvm-testkit/SCHEMA.md). Each case is a list of steps —
// map, write, set_reg, run, assert — and every assert checks status, pc, gas, registers,
// page-fault address, host-call id and every mapped byte. This file is only the binding's
// glue. (The C API has no block-cost query, so block gas costs are checked by the Rust,
// Python and Node runners only.)

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
)

// decimal is a 64-bit value written as a decimal string (JSON numbers lose precision in
// some readers, so the case file writes them this way).
type decimal uint64

func (d *decimal) UnmarshalJSON(data []byte) error {
	var text string
	if err := json.Unmarshal(data, &text); err != nil {
		return err
	}
	value, err := strconv.ParseUint(text, 10, 64)
	*d = decimal(value)
	return err
}

// hexBytes is a byte string written as hex.
type hexBytes []byte

func (h *hexBytes) UnmarshalJSON(data []byte) error {
	var text string
	if err := json.Unmarshal(data, &text); err != nil {
		return err
	}
	bytes, err := hex.DecodeString(text)
	*h = bytes
	return err
}

// caseStep is one step; Op says which fields are set.
type caseStep struct {
	Op       string   `json:"op"`
	Address  uint32   `json:"address"`
	Length   uint32   `json:"length"`
	Writable bool     `json:"writable"`
	Data     hexBytes `json:"data"`
	Reg      int      `json:"reg"`
	Value    decimal  `json:"value"`
	// assert
	Status           string    `json:"status"`
	Gas              decimal   `json:"gas"`
	PC               uint32    `json:"pc"`
	Regs             []decimal `json:"regs"`
	PageFaultAddress *uint32   `json:"page_fault_address"`
	HostCall         *uint32   `json:"host_call"`
	Memory           []struct {
		Address uint32   `json:"address"`
		Data    hexBytes `json:"data"`
	} `json:"memory"`
}

type conformanceCase struct {
	Name       string     `json:"name"`
	Source     string     `json:"source"`
	GP         string     `json:"gp"`
	Program    hexBytes   `json:"program"`
	InitialPC  uint32     `json:"initial_pc"`
	InitialGas decimal    `json:"initial_gas"`
	Steps      []caseStep `json:"steps"`
}

type caseFile struct {
	Schema string            `json:"schema"`
	Cases  []conformanceCase `json:"cases"`
}

// loadCases reads $PVM_CASES, the file run_tests.sh writes with `pvm test-vectors --emit-cases`.
func loadCases(t *testing.T) []conformanceCase {
	t.Helper()
	path := os.Getenv("PVM_CASES")
	if path == "" {
		t.Fatal("PVM_CASES is not set: run bindings/go/run_tests.sh, or " +
			"`cargo run -p pvm-cli -- test-vectors --emit-cases FILE` and PVM_CASES=FILE")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var file caseFile
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if file.Schema != "pvm-testkit-cases/1" {
		t.Fatalf("%s: schema %q", path, file.Schema)
	}
	return file.Cases
}

type region struct{ address, length uint32 }

func status(vm *VM, r Result) string {
	switch {
	case r == ResultOK && vm.MachineState() == StateHalt:
		return "halt"
	case r == ResultOOG && vm.MachineState() == StateOOG:
		return "out-of-gas"
	case r == ResultPanic && vm.MachineState() == StatePanic:
		return "panic"
	case r == ResultPanic && vm.MachineState() == StateFault:
		return "page-fault"
	case r == ResultHostCall && vm.MachineState() == StateHost:
		return "ecalli"
	}
	return fmt.Sprintf("%v/%v", r, vm.MachineState())
}

// checkAssert reports what differs between the VM after a run with result last and an
// assert step; regions are the mapped ranges, whose every byte is compared.
func checkAssert(vm *VM, last Result, a *caseStep, regions []region, bad func(string, ...any)) {
	if s := status(vm, last); s != a.Status {
		bad("status %s, expected %s", s, a.Status)
	}
	if vm.Gas() != uint64(a.Gas) {
		bad("gas %d, expected %d", vm.Gas(), a.Gas)
	}
	if vm.PC() != a.PC {
		bad("pc %d, expected %d", vm.PC(), a.PC)
	}
	regs := vm.Registers()
	if len(a.Regs) != len(regs) {
		bad("%d registers expected", len(a.Regs))
		return
	}
	for r := range regs {
		if regs[r] != uint64(a.Regs[r]) {
			bad("r%d = %d, expected %d", r, regs[r], a.Regs[r])
		}
	}
	if a.PageFaultAddress != nil && vm.FaultAddress() != *a.PageFaultAddress {
		bad("fault address %#x, expected %#x", vm.FaultAddress(), *a.PageFaultAddress)
	}
	if a.HostCall != nil && uint32(vm.HostFuncID()) != *a.HostCall {
		bad("host call %d, expected %d", vm.HostFuncID(), *a.HostCall)
	}
	// Every mapped byte against the expected image; expected bytes must be mapped.
	placed := 0
	for _, reg := range regions {
		want := make([]byte, reg.length)
		for _, run := range a.Memory {
			for k, b := range run.Data {
				if off := run.Address + uint32(k) - reg.address; off < reg.length {
					want[off] = b
					placed++
				}
			}
		}
		got, err := vm.ReadBytes(reg.address, reg.length)
		if err != nil {
			bad("read %#x: %v", reg.address, err)
			continue
		}
		for k := range want {
			if want[k] != got[k] {
				bad("memory at %#x is %d, expected %d", reg.address+uint32(k), got[k], want[k])
				break
			}
		}
	}
	expected := 0
	for _, run := range a.Memory {
		expected += len(run.Data)
	}
	if placed != expected {
		bad("%d expected non-zero bytes, %d of them in mapped pages", expected, placed)
	}
}

// runCase runs one case through the binding on engine and returns what differed.
func runCase(c *conformanceCase, child bool, engine Engine) []string {
	options := []Option{WithEngine(engine)}
	if c.GP == "0.7" {
		options = append(options, WithGP07())
	}
	vm, err := NewFromBlob(7, c.Program, uint64(c.InitialGas), options...)
	if err != nil {
		return []string{err.Error()}
	}
	defer vm.Close()
	var problems []string
	if vm.Engine() != engine {
		problems = append(problems, fmt.Sprintf("engine %v, expected %v", vm.Engine(), engine))
	}
	var regions []region
	var last Result
	runs := 0
	for i := range c.Steps {
		step := &c.Steps[i]
		switch step.Op {
		case "map":
			access := AccessRead
			if step.Writable {
				access = AccessWrite
			}
			if err := vm.MapPages(step.Address, step.Length, access); err != nil {
				return append(problems, err.Error())
			}
			regions = append(regions, region{step.Address, step.Length})
		case "write":
			if err := vm.Write(step.Address, step.Data); err != nil {
				return append(problems, err.Error())
			}
		case "set_reg":
			vm.SetReg(step.Reg, uint64(step.Value))
		case "run":
			if runs == 0 {
				if child {
					last, err = vm.ExecuteChild(c.InitialPC)
				} else {
					last, err = vm.Execute(c.InitialPC)
				}
			} else {
				last, err = vm.Resume()
			}
			runs++
			if err != nil {
				problems = append(problems, err.Error())
			}
		case "assert":
			checkAssert(vm, last, step, regions, func(format string, args ...any) {
				problems = append(problems, fmt.Sprintf("step %d: ", i)+fmt.Sprintf(format, args...))
			})
		default:
			return append(problems, fmt.Sprintf("step %d: unknown op %q", i, step.Op))
		}
	}
	return problems
}

func TestConformanceVectors(t *testing.T) {
	cases := loadCases(t)
	counts := map[string]int{}
	for _, c := range cases {
		counts[strings.SplitN(c.Source, "/", 2)[0]+" "+c.GP]++
	}
	want := map[string]int{"polkavm-e88d5b4 0.8": 363, "polkavm-0.37.0-extra 0.8": 1, "w3f-v0.4 0.7": 307}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Fatalf("case counts %v, expected %v", counts, want)
	}
	forEachEngine(t, func(t *testing.T, engine Engine) {
		passed := 0
		for i := range cases {
			c := &cases[i]
			// Alternate the two entry paths (Execute and ExecuteChild).
			if problems := runCase(c, i%2 == 1, engine); len(problems) > 0 {
				t.Errorf("%s: %v", c.Source, problems)
			} else {
				passed++
			}
		}
		t.Logf("%d of %d vectors passed on the %v", passed, len(cases), engine)
	})
}

func TestAWrongExpectationIsReported(t *testing.T) {
	for _, c := range loadCases(t) {
		if c.Name != "gas_complex_2" {
			continue
		}
		if problems := runCase(&c, false, EngineInterpreter); len(problems) > 0 {
			t.Fatalf("unchanged case fails: %v", problems)
		}
		for i := range c.Steps {
			if c.Steps[i].Op == "assert" {
				c.Steps[i].Gas = 13
			}
		}
		problems := runCase(&c, false, EngineInterpreter)
		if len(problems) != 1 || !strings.Contains(problems[0], "gas 12, expected 13") {
			t.Fatalf("corrupted gas reported as %v", problems)
		}
		return
	}
	t.Fatal("no case gas_complex_2")
}
