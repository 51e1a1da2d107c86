"""pvm: a fast, exact JAM PVM (Gray Paper 0.8.0 / PolkaVM JamV1) for Python.

The classes and exceptions live in the native module ``pvm._native`` (PyO3 over the
Rust engine); this package re-exports them. See the README for a tour.
"""

try:
    from ._native import (
        HALT_ADDRESS,
        REG_COUNT,
        SUPPORTED_ENGINES,
        DEFAULT_ENGINE,
        VM,
        Exit,
        HostDecorator,
        code_hash,
        MemoryAccessError,
        Module,
        ModuleCache,
        Program,
        ProgramError,
        PvmError,
        __version__ as __version__,
    )
except ImportError as _error:  # no native module for this platform (or not built)
    from ._platform import native_module_error

    raise native_module_error(_error) from _error

__all__ = [
    "HALT_ADDRESS",
    "REG_COUNT",
    "SUPPORTED_ENGINES",
    "DEFAULT_ENGINE",
    "VM",
    "Exit",
    "HostDecorator",
    "code_hash",
    "MemoryAccessError",
    "Module",
    "ModuleCache",
    "Program",
    "ProgramError",
    "PvmError",
]
