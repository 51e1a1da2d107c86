package pvm

import (
	"errors"
	"sync"
	"testing"
)

// runHostcallExport runs hostcall(n) of a hostcall.polkavm VM, with host_add served in Go.
func runHostcallExport(t testing.TB, vm *VM, n uint64) uint64 {
	t.Helper()
	vm.SetHostFunc(func(vm *VM, id int) HostResult {
		vm.SetReg(7, vm.Reg(7)+vm.Reg(8))
		return HostContinue
	})
	pc, err := vm.FindExport("hostcall")
	if err != nil {
		t.Fatal(err)
	}
	if err := vm.PrepareCall(pc, n); err != nil {
		t.Fatal(err)
	}
	if r, err := vm.Execute(pc); r != ResultOK || err != nil {
		t.Fatalf("Execute: %v %v", r, err)
	}
	return vm.Reg(7)
}

func TestModuleLoadsOnceAndStartsManyVMs(t *testing.T) {
	program := hostcallPolkaVM(t)
	module, err := LoadModule(FormatPolkaVM, program)
	if err != nil {
		t.Fatal(err)
	}
	defer module.Close()
	blocks, before := module.BlockCount(), module.PreparedBlocks()
	if blocks < 2 || before >= blocks {
		t.Fatalf("blocks %d, prepared at load %d", blocks, before)
	}
	pc, err := module.FindExport("hostcall")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := module.FindExport("nope"); !errors.Is(err, ErrMisuse) {
		t.Fatalf("missing export: %v", err)
	}
	for i := 0; i < 20; i++ {
		vm, err := module.NewVM(uint32(i), nil, 1_000_000_000)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := vm.FindExport("hostcall"); got != pc {
			t.Fatalf("VM export %d, module export %d", got, pc)
		}
		if got := runHostcallExport(t, vm, 10); got != 14759 {
			t.Fatalf("hostcall(10) = %d", got)
		}
		if vm.ServiceIndex() != uint32(i) {
			t.Fatal("service index")
		}
		vm.Close()
	}
	after := module.PreparedBlocks()
	if after <= before || after > blocks {
		t.Fatalf("prepared %d -> %d of %d", before, after, blocks)
	}
}

func TestVMKeepsItsModuleAlive(t *testing.T) {
	module, err := LoadModule(FormatPolkaVM, hostcallPolkaVM(t))
	if err != nil {
		t.Fatal(err)
	}
	vm, err := module.Instantiate(1_000_000_000)
	if err != nil {
		t.Fatal(err)
	}
	defer vm.Close()
	module.Close()
	module.Close() // twice is fine
	if _, err := module.Instantiate(10); !errors.Is(err, ErrClosed) {
		t.Fatalf("closed module: %v", err)
	}
	if got := runHostcallExport(t, vm, 10000); got != 1838007774129845683 {
		t.Fatalf("hostcall(10000) = %d", got)
	}
}

func TestModuleFormatsAndBadInput(t *testing.T) {
	raw, err := LoadModule(FormatRaw, loopBlob)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	vm, err := raw.Instantiate(1000)
	if err != nil {
		t.Fatal(err)
	}
	vm.SetReg(0, HaltAddress)
	vm.SetReg(7, 3)
	calls := 0
	r, err := vm.ExecuteChild(0)
	for r == ResultHostCall && err == nil && calls < 10 {
		calls++
		r, err = vm.Resume()
	}
	if r != ResultOK || err != nil || calls != 3 {
		t.Fatalf("loop: %v %v after %d calls", r, err, calls)
	}
	vm.Close()

	// A standard program (no data, the hostcall code): arguments at r7, length in r8.
	standard := append(make([]byte, 15), hostcallBlob...)
	standard[11] = byte(len(hostcallBlob))
	std, err := LoadModule(FormatStandard, standard)
	if err != nil {
		t.Fatal(err)
	}
	defer std.Close()
	vm, err = std.NewVM(0, []byte{7, 8, 9}, 100)
	if err != nil {
		t.Fatal(err)
	}
	data, err := vm.ReadBytes(uint32(vm.Reg(7)), uint32(vm.Reg(8)))
	if err != nil || string(data) != "\x07\x08\x09" {
		t.Fatalf("args %v %v", data, err)
	}
	vm.Close()

	for _, bad := range []struct {
		format  Format
		program []byte
		options []Option
	}{
		{FormatRaw, []byte("garbage!"), nil},
		{FormatRaw, nil, nil},
		{FormatRaw, loopBlob[:len(loopBlob)-1], nil},
		{FormatStandard, []byte("garbage!"), nil},
		{FormatPolkaVM, []byte("PVM\x00garbage"), nil},
		{FormatPolkaVM, hostcallPolkaVM(t), []Option{WithGP07()}},
		{Format(9), loopBlob, nil},
	} {
		if m, err := LoadModule(bad.format, bad.program, bad.options...); !errors.Is(err, ErrCreate) || m != nil {
			t.Errorf("LoadModule(%d, %q): %v", bad.format, bad.program, err)
		}
	}
	if _, err := raw.FindExport("main"); !errors.Is(err, ErrMisuse) {
		t.Fatalf("export of a raw module: %v", err)
	}
}

func TestModuleCacheHitsMissesAndEviction(t *testing.T) {
	program := hostcallPolkaVM(t)
	cache := NewModuleCache(64 << 20)
	defer cache.Close()
	first, err := cache.Load(FormatPolkaVM, program, nil)
	if err != nil {
		t.Fatal(err)
	}
	second, err := cache.Load(FormatPolkaVM, program, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := cache.Stats()
	if s.Entries != 1 || s.Hits != 1 || s.Misses != 1 || s.Bytes != first.Footprint() || s.MaxBytes != 64<<20 {
		t.Fatalf("stats %+v", s)
	}
	vm, _ := first.Instantiate(1_000_000_000)
	runHostcallExport(t, vm, 10)
	vm.Close()
	if second.PreparedBlocks() != first.PreparedBlocks() || second.PreparedBlocks() == 0 {
		t.Fatal("the two references do not share the prepared blocks")
	}
	first.Close()
	second.Close()
	// A known hash is trusted; the GP version is part of the key.
	hash := [32]byte{1, 2, 3}
	for _, options := range [][]Option{nil, nil, {WithGP07()}} {
		m, err := cache.Load(FormatRaw, loopBlob, &hash, options...)
		if err != nil {
			t.Fatal(err)
		}
		m.Close()
	}
	if s := cache.Stats(); s.Entries != 3 || s.Hits != 2 || s.Misses != 3 {
		t.Fatalf("stats %+v", s)
	}
	if _, err := cache.Load(FormatRaw, []byte("garbage!"), nil); !errors.Is(err, ErrCreate) {
		t.Fatalf("garbage: %v", err)
	}
	cache.Clear()
	if s := cache.Stats(); s.Entries != 0 || s.Bytes != 0 || s.Misses != 4 {
		t.Fatalf("stats after Clear %+v", s)
	}

	// Eviction: room for the loop blob and the polkavm program; a third module evicts the
	// least recently used one.
	small, _ := LoadModule(FormatRaw, loopBlob)
	big, _ := LoadModule(FormatPolkaVM, program)
	bound := small.Footprint() + big.Footprint()
	small.Close()
	big.Close()
	bounded := NewModuleCache(bound)
	load := func(format Format, program []byte) *Module {
		m, err := bounded.Load(format, program, nil)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	load(FormatRaw, loopBlob).Close()
	kept := load(FormatPolkaVM, program)
	load(FormatRaw, loopBlob).Close() // now the most recently used
	load(FormatRaw, storeBlob).Close()
	s = bounded.Stats()
	if s.Evictions != 1 || s.Entries != 2 || s.Bytes > bound {
		t.Fatalf("stats %+v (bound %d)", s, bound)
	}
	misses := s.Misses
	load(FormatRaw, loopBlob).Close()
	if bounded.Stats().Misses != misses {
		t.Fatal("the most recently used module was evicted")
	}
	bounded.Close()
	// The evicted module outlives its entry and the cache.
	vm, err = kept.Instantiate(1_000_000_000)
	if err != nil {
		t.Fatal(err)
	}
	if got := runHostcallExport(t, vm, 10); got != 14759 {
		t.Fatalf("hostcall(10) = %d", got)
	}
	vm.Close()
	kept.Close()
	if _, err := bounded.Load(FormatRaw, loopBlob, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("closed cache: %v", err)
	}
	if bounded.Stats() != (CacheStats{}) {
		t.Fatal("stats of a closed cache")
	}
}

func TestModuleAndCacheSharedByGoroutines(t *testing.T) {
	program := hostcallPolkaVM(t)
	module, err := LoadModule(FormatPolkaVM, program)
	if err != nil {
		t.Fatal(err)
	}
	defer module.Close()
	cache := NewModuleCache(64 << 20)
	defer cache.Close()
	const goroutines, rounds = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, goroutines*rounds*2)
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				for _, source := range []string{"module", "cache"} {
					m := module
					if source == "cache" {
						var err error
						if m, err = cache.Load(FormatPolkaVM, program, nil); err != nil {
							errs <- err
							return
						}
					}
					vm, err := m.Instantiate(1_000_000_000)
					if err != nil {
						errs <- err
						return
					}
					if got := runHostcallExport(t, vm, 10); got != 14759 {
						errs <- errors.New("wrong result")
					}
					vm.Close()
					if source == "cache" {
						m.Close()
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	s := cache.Stats()
	if s.Entries != 1 || s.Hits+s.Misses != goroutines*rounds || s.Misses < 1 || s.Misses > goroutines {
		t.Fatalf("stats %+v", s)
	}
}
