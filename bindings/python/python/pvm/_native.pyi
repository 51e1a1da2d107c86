"""Type stubs of the native module ``pvm._native`` (re-exported by ``pvm``)."""

from collections.abc import Callable, Mapping, Sequence
from typing import Final, Literal, Optional, TypedDict, TypeVar, Union, final, overload

__all__ = [
    "Program",
    "Module",
    "ModuleCache",
    "code_hash",
    "VM",
    "Exit",
    "HostDecorator",
    "PvmError",
    "ProgramError",
    "MemoryAccessError",
    "HALT_ADDRESS",
    "REG_COUNT",
    "SUPPORTED_ENGINES",
    "DEFAULT_ENGINE",
    "__version__",
]

_BytesLike = Union[bytes, bytearray, memoryview]
_ExitKind = Literal["halt", "panic", "out-of-gas", "page-fault", "host-call"]
_Access = Literal["rw", "r"]
_HostFunction = Callable[["VM"], None]
_F = TypeVar("_F", bound=_HostFunction)
_Format = Literal["raw", "standard", "polkavm"]
_Engine = Literal["interpreter", "recompiler"]

__version__: Final[str]
"""The release version (the workspace version of the Rust sources)."""
HALT_ADDRESS: Final[int]
"""The halt address 0xFFFF0000: a dynamic jump there halts the machine."""

REG_COUNT: Final[int]
"""Number of registers, 13."""

SUPPORTED_ENGINES: Final[tuple[_Engine, ...]]
"""The engines that run on this platform: ``("interpreter", "recompiler")`` on x86-64
Linux, ``("interpreter",)`` elsewhere."""

DEFAULT_ENGINE: Final[_Engine]
"""The engine of VMs made without ``engine=``: ``"recompiler"`` where it is supported
(x86-64 Linux), ``"interpreter"`` elsewhere."""

class PvmError(Exception):
    """Base class of every error the pvm engine reports."""

class ProgramError(PvmError):
    """The program, container or export is invalid; the message is the engine's."""

class MemoryAccessError(PvmError):
    """Guest memory could not be accessed."""

    address: int
    """The first failing address."""

@final
class Program:
    """A validated, pre-decoded raw program blob, shareable between VMs."""

    @staticmethod
    def from_blob(blob: _BytesLike, gp: str = "0.8") -> Program:
        """Parses a raw blob under Gray Paper version ``gp`` ("0.8" or "0.7")."""
    @property
    def gp(self) -> Literal["0.8", "0.7"]:
        """The Gray Paper version whose rules the program follows."""
    @property
    def instruction_count(self) -> int:
        """Number of instructions."""
    @property
    def jump_table(self) -> list[int]:
        """The dynamic jump table (code offsets)."""
    def block_costs(self) -> dict[int, int]:
        """The gas cost of every basic block, ``{pc: cost}``."""

@final
class Module:
    """A program parsed and validated once, instantiated many times; thread-safe."""

    def __new__(cls, blob: _BytesLike, format: _Format = "raw", gp: str = "0.8") -> Module:
        """Parses ``blob`` in ``format``; ProgramError if it is invalid."""
    def instantiate(
        self,
        gas: int,
        args: Optional[_BytesLike] = None,
        *,
        engine: Optional[_Engine] = None,
    ) -> VM:
        """A fresh VM as the format's constructor makes it (``args``: standard programs),
        run by ``engine``, or by ``DEFAULT_ENGINE`` without one."""
    def export(self, name: str) -> int:
        """The code offset of the ``.polkavm`` export ``name``; ProgramError if none."""
    @property
    def exports(self) -> list[str]:
        """Names of the ``.polkavm`` exports (empty for other formats)."""
    @property
    def format(self) -> _Format:
        """The program format."""
    @property
    def gp(self) -> Literal["0.8", "0.7"]:
        """The Gray Paper version whose rules the program follows."""
    @property
    def program(self) -> Program:
        """The shared program."""
    @property
    def block_count(self) -> int:
        """Basic blocks of the code."""
    @property
    def prepared_blocks(self) -> int:
        """Basic blocks prepared so far, by any VM of this module."""
    @property
    def footprint(self) -> int:
        """Bytes the module keeps (what a ModuleCache counts)."""

class _CacheStats(TypedDict):
    entries: int
    bytes: int
    max_bytes: int
    hits: int
    misses: int
    evictions: int

@final
class ModuleCache:
    """Modules by code hash, format and GP version, bounded in bytes, LRU; thread-safe."""

    def __new__(cls, max_bytes: int) -> ModuleCache:
        """An empty cache of at most ``max_bytes``."""
    def load(
        self,
        blob: _BytesLike,
        format: _Format = "raw",
        gp: str = "0.8",
        code_hash: Optional[_BytesLike] = None,
    ) -> Module:
        """The cached module for ``blob``, or a newly loaded and remembered one."""
    @property
    def stats(self) -> _CacheStats:
        """Counters: entries, bytes, max_bytes, hits, misses, evictions."""
    @property
    def max_bytes(self) -> int:
        """The bound given to the constructor."""
    def clear(self) -> None:
        """Drops every cached module; the counters are kept."""

def code_hash(blob: _BytesLike) -> bytes:
    """blake2b-256 of ``blob``: the key of a ModuleCache."""

@final
class Exit:
    """Why a run stopped."""

    @property
    def kind(self) -> _ExitKind:
        """"halt", "panic", "out-of-gas", "page-fault" or "host-call"."""
    @property
    def address(self) -> Optional[int]:
        """The faulting page's address for "page-fault", else None."""
    @property
    def host_id(self) -> Optional[int]:
        """The ``ecalli`` immediate for "host-call", else None."""
    @property
    def is_resumable(self) -> bool:
        """Whether another ``run()`` can continue (not after "halt" or "panic")."""
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class HostDecorator:
    """Returned by ``vm.host(id)``: registers the decorated function for ``id``."""

    def __call__(self, func: _F, /) -> _F: ...

@final
class VM:
    """A PVM instance: a program with its registers, gas, pc and memory."""

    PAGE_SIZE: Final[int]
    """The page size, 4096."""

    def __new__(cls, program: Program, gas: int, *, engine: Optional[_Engine] = None) -> VM:
        """A fresh VM at pc 0 with zeroed registers, ``gas`` and no memory mapped, run by
        ``engine``, or by ``DEFAULT_ENGINE`` without one (PvmError if a named engine is not
        supported here: no silent fallback)."""
    @staticmethod
    def from_blob(
        blob: _BytesLike, gas: int, gp: str = "0.8", *, engine: Optional[_Engine] = None
    ) -> VM:
        """Loads a raw program blob into a fresh VM."""
    @staticmethod
    def from_standard(
        blob: _BytesLike,
        args: _BytesLike,
        gas: int,
        gp: str = "0.8",
        *,
        engine: Optional[_Engine] = None,
    ) -> VM:
        """Sets up a JAM standard program with argument data ``args`` (GP A.7)."""
    @staticmethod
    def from_polkavm(blob: _BytesLike, gas: int, *, engine: Optional[_Engine] = None) -> VM:
        """Loads a PolkaVM ``.polkavm`` program; call its exports with ``call``."""
    @property
    def engine(self) -> _Engine:
        """The engine that runs this VM."""
    @property
    def program(self) -> Program:
        """The program this VM runs."""
    @property
    def exports(self) -> list[str]:
        """Export names (empty unless made by ``from_polkavm``)."""
    def prepare_call(self, name: str, *args: int) -> None:
        """Sets up a call of export ``name`` (args in r7..r12, r2..r4) without running it."""
    def call(
        self, name: str, *args: int, host: Optional[Mapping[int, _HostFunction]] = None
    ) -> Exit:
        """Calls export ``name`` and runs it like ``run``; the result is in r7."""
    def run(self, host: Optional[Mapping[int, _HostFunction]] = None) -> Exit:
        """Runs until an exit that no host function handles."""
    @property
    def exit(self) -> Optional[Exit]:
        """The exit of the last run (None before the first)."""

    # registers, gas, pc
    @property
    def regs(self) -> list[int]:
        """All 13 registers; assign a sequence of 13 ints to set them all."""
    @regs.setter
    def regs(self, values: Sequence[int]) -> None: ...
    def get_reg(self, index: int) -> int:
        """Register ``index`` (0..12); IndexError otherwise."""
    def set_reg(self, index: int, value: int) -> None:
        """Sets register ``index`` (0..12) to ``value`` (0 <= value < 2**64)."""
    @property
    def gas(self) -> int:
        """Gas left."""
    @gas.setter
    def gas(self, gas: int) -> None: ...
    @property
    def pc(self) -> int:
        """The pc; after an exit, the instruction that caused it."""
    @pc.setter
    def pc(self, pc: int) -> None: ...

    @property
    def release_gil(self) -> bool:
        """Whether ``run`` releases the GIL while guest code executes (default True)."""
    @release_gil.setter
    def release_gil(self, release: bool) -> None: ...

    # host functions
    @overload
    def host(self, id: int, func: None = None) -> HostDecorator:
        """``@vm.host(id)``: a decorator registering its function for ``ecalli id``."""
    @overload
    def host(self, id: int, func: _F) -> _F:
        """``vm.host(id, f)``: registers ``f`` for ``ecalli id`` and returns it."""
    def remove_host(self, id: int) -> bool:
        """Removes the host function for ``id``; whether there was one."""
    @property
    def host_ids(self) -> list[int]:
        """Ids that have a registered host function."""

    # memory
    def read(self, address: int, length: int) -> bytes:
        """``length`` readable bytes at ``address``; MemoryAccessError otherwise."""
    def write(self, address: int, data: _BytesLike, *, privileged: bool = False) -> None:
        """Writes ``data`` to writable (or, privileged, any mapped) memory at ``address``."""
    def read_u8(self, address: int) -> int: ...
    def read_u16(self, address: int) -> int: ...
    def read_u32(self, address: int) -> int: ...
    def read_u64(self, address: int) -> int: ...
    def write_u8(self, address: int, value: int, *, privileged: bool = False) -> None: ...
    def write_u16(self, address: int, value: int, *, privileged: bool = False) -> None: ...
    def write_u32(self, address: int, value: int, *, privileged: bool = False) -> None: ...
    def write_u64(self, address: int, value: int, *, privileged: bool = False) -> None: ...
    def map(self, address: int, length: int, access: _Access = "rw") -> None:
        """Maps zeroed pages (``address`` page-aligned, ``length`` rounded up to pages)."""
    def protect(self, address: int, length: int, access: Literal["rw", "r", "none"]) -> None:
        """Changes page access, keeping the contents of pages that stay accessible."""
    def unmap(self, address: int, length: int) -> None:
        """Unmaps pages and forgets their contents."""
    def mapped_pages(self) -> list[tuple[int, _Access]]:
        """``(address, access)`` of every mapped page, ascending."""
