package pvm

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

type vectorChunk struct {
	Address  uint32 `json:"address"`
	Contents []byte `json:"contents"`
}

// byteList decodes a JSON array of numbers (encoding/json reads []byte as base64).
type byteList []byte

func (b *byteList) UnmarshalJSON(data []byte) error {
	var numbers []uint8
	if err := json.Unmarshal(data, &numbers); err != nil {
		return err
	}
	*b = numbers
	return nil
}

type vectorStep struct {
	Map *struct {
		Address    uint32 `json:"address"`
		Length     uint32 `json:"length"`
		IsWritable bool   `json:"is-writable"`
	} `json:"map"`
	Write *struct {
		Address  uint32   `json:"address"`
		Contents byteList `json:"contents"`
	} `json:"write"`
	SetReg *struct {
		Reg   int    `json:"reg"`
		Value uint64 `json:"value"`
	} `json:"set-reg"`
	Run    *struct{} `json:"run"`
	Assert *struct {
		Status           string   `json:"status"`
		Gas              uint64   `json:"gas"`
		PC               uint32   `json:"pc"`
		Regs             []uint64 `json:"regs"`
		PageFaultAddress *uint32  `json:"page-fault-address"`
		HostCall         *uint32  `json:"hostcall"`
		Memory           []struct {
			Address  uint32   `json:"address"`
			Contents byteList `json:"contents"`
		} `json:"memory"`
	} `json:"assert"`
}

type vector struct {
	Name       string       `json:"name"`
	InitialPC  uint32       `json:"initial-pc"`
	InitialGas uint64       `json:"initial-gas"`
	Program    byteList     `json:"program"`
	Steps      []vectorStep `json:"steps"`
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

// runVector runs one vector through the binding and returns what differed.
func runVector(v *vector, child bool) []string {
	vm, err := NewFromBlob(7, v.Program, v.InitialGas)
	if err != nil {
		return []string{err.Error()}
	}
	defer vm.Close()
	var problems []string
	var regions []region
	var last Result
	runs := 0
	for i, step := range v.Steps {
		switch {
		case step.Map != nil:
			access := AccessRead
			if step.Map.IsWritable {
				access = AccessWrite
			}
			if err := vm.MapPages(step.Map.Address, step.Map.Length, access); err != nil {
				return append(problems, err.Error())
			}
			end := (uint64(step.Map.Address) + uint64(step.Map.Length) + PageSize - 1) &^ (PageSize - 1)
			regions = append(regions, region{step.Map.Address, uint32(end - uint64(step.Map.Address))})
		case step.Write != nil:
			if err := vm.Write(step.Write.Address, step.Write.Contents); err != nil {
				return append(problems, err.Error())
			}
		case step.SetReg != nil:
			vm.SetReg(step.SetReg.Reg, step.SetReg.Value)
		case step.Run != nil:
			if runs == 0 {
				if child {
					last, err = vm.ExecuteChild(v.InitialPC)
				} else {
					last, err = vm.Execute(v.InitialPC)
				}
			} else {
				last, err = vm.Resume()
			}
			runs++
			if err != nil {
				problems = append(problems, err.Error())
			}
		case step.Assert != nil:
			a := step.Assert
			bad := func(format string, args ...any) {
				problems = append(problems, fmt.Sprintf("step %d: ", i)+fmt.Sprintf(format, args...))
			}
			if s := status(vm, last); s != a.Status {
				bad("status %s, expected %s", s, a.Status)
			}
			if vm.Gas() != a.Gas {
				bad("gas %d, expected %d", vm.Gas(), a.Gas)
			}
			if vm.PC() != a.PC {
				bad("pc %d, expected %d", vm.PC(), a.PC)
			}
			regs := vm.Registers()
			for r := range regs {
				if regs[r] != a.Regs[r] {
					bad("r%d = %d, expected %d", r, regs[r], a.Regs[r])
				}
			}
			if a.PageFaultAddress != nil && vm.FaultAddress() != *a.PageFaultAddress {
				bad("fault address %#x, expected %#x", vm.FaultAddress(), *a.PageFaultAddress)
			}
			if a.HostCall != nil && uint32(vm.HostFuncID()) != *a.HostCall {
				bad("host call %d, expected %d", vm.HostFuncID(), *a.HostCall)
			}
			// Every mapped byte against the expected image.
			for _, reg := range regions {
				want := make([]byte, reg.length)
				for _, chunk := range a.Memory {
					for k, b := range chunk.Contents {
						if off := chunk.Address + uint32(k) - reg.address; off < reg.length {
							want[off] = b
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
		}
	}
	return problems
}

func TestConformanceVectors(t *testing.T) {
	var files []string
	for _, set := range []string{"polkavm-e88d5b4/programs", "polkavm-0.37.0-extra/programs"} {
		matches, err := filepath.Glob(filepath.Join(vectorsRoot(), set, "*.json"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, matches...)
	}
	sort.Strings(files)
	if len(files) < 20 {
		t.Fatalf("found %d vector files under %s (set PVM_VECTORS)", len(files), vectorsRoot())
	}
	passed := 0
	for i, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var v vector
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if problems := runVector(&v, i%2 == 1); len(problems) > 0 {
			t.Errorf("%s: %v", v.Name, problems)
		} else {
			passed++
		}
	}
	t.Logf("%d of %d vectors passed", passed, len(files))
}
