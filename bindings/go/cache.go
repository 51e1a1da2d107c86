package pvm

// #include "pvm.h"
import "C"

import (
	"runtime"
	"unsafe"
)

// ModuleCache keeps loaded modules by code hash (blake2b-256 of the program bytes, as
// JAM names code), format and GP version, bounded by the sum of their footprints, least
// recently used evicted first (pvm_cache_t). It is safe for concurrent use; Close must
// not race with other uses. Modules it returns are independent of it: they stay valid
// after eviction, Clear and Close.
type ModuleCache struct {
	ptr *C.pvm_cache_t
}

// CacheStats are a ModuleCache's counters.
type CacheStats struct {
	Entries   int    // modules held
	Bytes     int    // sum of their footprints
	MaxBytes  int    // the bound given to NewModuleCache
	Hits      uint64 // loads answered from the cache
	Misses    uint64 // loads that parsed the program
	Evictions uint64 // modules dropped to make room
}

// NewModuleCache makes an empty cache of at most maxBytes (a module larger than that is
// loaded but not kept). Close frees it (a finalizer does it otherwise).
func NewModuleCache(maxBytes int) *ModuleCache {
	if maxBytes < 0 {
		maxBytes = 0
	}
	c := &ModuleCache{ptr: C.pvm_cache_new(C.size_t(maxBytes))}
	runtime.SetFinalizer(c, (*ModuleCache).Close)
	return c
}

// Load returns the module for program in format: from the cache if it holds the same
// code hash, format and GP version (WithGP07), else loaded and remembered. codeHash is
// the blake2b-256 of program if the caller knows it (trusted), or nil to compute it.
// Errors (wrapping ErrCreate) are not cached. Close the returned module when done.
func (c *ModuleCache) Load(format Format, program []byte, codeHash *[32]byte, options ...Option) (*Module, error) {
	if c.ptr == nil {
		return nil, ErrClosed
	}
	var hash *C.uint8_t
	if codeHash != nil {
		hash = (*C.uint8_t)(unsafe.Pointer(&codeHash[0]))
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	m, err := wrapModule(C.pvm_cache_load(c.ptr, C.int(format), bytesPtr(program),
		C.size_t(len(program)), hash, flagsOf(options)))
	runtime.KeepAlive(c)
	return m, err
}

// Stats returns the cache's counters (zero for a closed cache).
func (c *ModuleCache) Stats() CacheStats {
	var s C.pvm_cache_stats_t
	if c.ptr == nil {
		return CacheStats{}
	}
	ok := C.pvm_cache_stats(c.ptr, &s) == 0
	runtime.KeepAlive(c)
	if !ok {
		return CacheStats{}
	}
	return CacheStats{
		Entries:   int(s.entries),
		Bytes:     int(s.bytes),
		MaxBytes:  int(s.max_bytes),
		Hits:      uint64(s.hits),
		Misses:    uint64(s.misses),
		Evictions: uint64(s.evictions),
	}
}

// Clear drops every cached module (modules in use stay alive); the counters are kept.
func (c *ModuleCache) Clear() {
	if c.ptr != nil {
		C.pvm_cache_clear(c.ptr)
	}
	runtime.KeepAlive(c)
}

// Close frees the cache. Safe to call more than once.
func (c *ModuleCache) Close() {
	if c.ptr == nil {
		return
	}
	C.pvm_cache_free(c.ptr)
	c.ptr = nil
	runtime.SetFinalizer(c, nil)
}
