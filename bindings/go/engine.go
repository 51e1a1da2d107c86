package pvm

// #include "pvm.h"
import "C"

import "fmt"

// Engine is the back end that runs a VM, chosen at creation with WithEngine; without it
// a VM runs on DefaultEngine().
type Engine int

const (
	// EngineInterpreter is the interpreter: every platform, the default where the
	// recompiler is not supported.
	EngineInterpreter Engine = C.PVM_ENGINE_INTERPRETER
	// EngineRecompiler compiles the program to x86-64 machine code (once per program or
	// module) and gives exactly the interpreter's results; x86-64 Linux only, the default
	// there. Tracing needs the interpreter.
	EngineRecompiler Engine = C.PVM_ENGINE_RECOMPILER
)

// DefaultEngine is the engine of VMs created without WithEngine, the library's default:
// the recompiler where it is supported, the interpreter elsewhere.
func DefaultEngine() Engine {
	if EngineRecompiler.Supported() {
		return EngineRecompiler
	}
	return EngineInterpreter
}

// String is the engine's name: "interpreter" or "recompiler".
func (e Engine) String() string {
	switch e {
	case EngineInterpreter:
		return "interpreter"
	case EngineRecompiler:
		return "recompiler"
	}
	return fmt.Sprintf("Engine(%d)", int(e))
}

// ParseEngine turns "interpreter" or "recompiler" into an Engine.
func ParseEngine(name string) (Engine, error) {
	switch name {
	case "interpreter":
		return EngineInterpreter, nil
	case "recompiler":
		return EngineRecompiler, nil
	}
	return 0, fmt.Errorf("unknown engine %q: expected \"interpreter\" or \"recompiler\"", name)
}

// Supported reports whether the engine can run on this platform.
func (e Engine) Supported() bool {
	return C.pvm_engine_supported(C.int(e)) == 1
}

// WithEngine runs the VM on engine instead of DefaultEngine() (the last WithEngine given
// wins). Asking for the recompiler where it is not supported makes creation fail with
// ErrCreate: there is no silent fallback. A VM created with WithEngine(EngineRecompiler)
// refuses SetTracing; one on the default engine traces on the interpreter. It applies to
// the New* constructors and Module.NewVM, not to LoadModule (a module's VMs choose their
// engine each).
func WithEngine(engine Engine) Option {
	return func(flags *uint32) {
		*flags &^= C.PVM_FLAG_ENGINE_RECOMPILER | C.PVM_FLAG_ENGINE_INTERPRETER
		if engine == EngineRecompiler {
			*flags |= C.PVM_FLAG_ENGINE_RECOMPILER
		} else if engine == EngineInterpreter {
			*flags |= C.PVM_FLAG_ENGINE_INTERPRETER
		} else {
			// No such engine: an unknown flag bit, which every constructor refuses.
			*flags |= 1 << 31
		}
	}
}

// Engine is the engine that runs the VM.
func (vm *VM) Engine() Engine {
	return Engine(C.pvm_get_engine(vm.ptr))
}
