"""The message for a platform that the installed ``pvm`` has no native module for."""

from __future__ import annotations

import platform
import sys
import sysconfig

#: The platforms prebuilt wheels are made for (``scripts/package.sh`` and the release
#: workflow), as ``sysconfig.get_platform()`` names them; every CPython >= 3.9 (abi3).
SUPPORTED_PLATFORMS = ("linux-x86_64 (glibc)",)


def current_platform() -> str:
    """This interpreter's platform, e.g. ``linux-x86_64, glibc 2.36, CPython 3.11``."""
    parts = [sysconfig.get_platform()]
    libc, libc_version = platform.libc_ver()
    if libc:
        parts.append(f"{libc} {libc_version}")
    implementation = platform.python_implementation()
    parts.append(f"{implementation} {sys.version_info.major}.{sys.version_info.minor}")
    return ", ".join(parts)


def native_module_error(cause: ImportError) -> ImportError:
    """An ImportError naming this platform, the supported ones and how to build from source."""
    return ImportError(
        f"pvm: the native module pvm._native cannot be loaded on {current_platform()} "
        f"({cause}). Prebuilt wheels support: {', '.join(SUPPORTED_PLATFORMS)}; "
        "CPython >= 3.9. On another platform build from source with a Rust toolchain: "
        "pip install ./bindings/python (from a checkout of the pvm repository)."
    )
