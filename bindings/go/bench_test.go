package pvm

import "testing"

// BenchmarkHostCall measures one host-call round trip into a Go HostFunc (exit to Go,
// HostFunc, pvm_resume_host: one cgo call per ecalli): a 3-instruction guest loop does
// b.N ecallis in a single Execute, so ns/op is the cost per ecalli.
func BenchmarkHostCall(b *testing.B) {
	vm := newLoopVM(b, uint64(b.N))
	defer vm.Close()
	calls := 0
	vm.SetHostFunc(func(*VM, int) HostResult { calls++; return HostContinue })
	b.ResetTimer()
	r, err := vm.Execute(0)
	b.StopTimer()
	if r != ResultOK || err != nil || calls != b.N {
		b.Fatalf("%v %v %d", r, err, calls)
	}
}

// BenchmarkHostCallResume measures the other mode: every ecalli returns from Execute or
// Resume, and the Go loop calls Resume.
func BenchmarkHostCallResume(b *testing.B) {
	vm := newLoopVM(b, uint64(b.N))
	defer vm.Close()
	b.ResetTimer()
	r, err := vm.Execute(0)
	for r == ResultHostCall && err == nil {
		r, err = vm.Resume()
	}
	b.StopTimer()
	if r != ResultOK || err != nil {
		b.Fatalf("%v %v", r, err)
	}
}

// BenchmarkModuleInstantiate: a VM from a loaded module (memory set-up only), created and
// closed; compare BenchmarkNewFromPolkaVM, which parses the program every time.
func BenchmarkModuleInstantiate(b *testing.B) {
	module, err := LoadModule(FormatPolkaVM, hostcallPolkaVM(b))
	if err != nil {
		b.Fatal(err)
	}
	defer module.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		vm, err := module.Instantiate(1000)
		if err != nil {
			b.Fatal(err)
		}
		vm.Close()
	}
}

// BenchmarkNewFromPolkaVM: parse, validate and set up the same program for every VM.
func BenchmarkNewFromPolkaVM(b *testing.B) {
	program := hostcallPolkaVM(b)
	for i := 0; i < b.N; i++ {
		vm, err := NewFromPolkaVM(0, program, 1000)
		if err != nil {
			b.Fatal(err)
		}
		vm.Close()
	}
}
