"""pvm.__version__ is the workspace version, and a missing native module is explained."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pvm

ROOT = Path(__file__).resolve().parents[3]


def workspace_version() -> str:
    """The `version` of the root Cargo.toml's [workspace.package] (the one source)."""
    text = (ROOT / "Cargo.toml").read_text()
    section = text.split("[workspace.package]", 1)[1]
    match = re.search(r'^version\s*=\s*"([^"]+)"', section, re.MULTILINE)
    assert match, "no version in [workspace.package]"
    return match.group(1)


def test_version_is_the_workspace_version() -> None:
    assert pvm.__version__ == workspace_version()


def test_version_matches_the_installed_distribution() -> None:
    from importlib.metadata import version

    assert version("pvm") == pvm.__version__


def test_unloadable_native_module_names_the_platform() -> None:
    # sys.modules[name] = None makes importing that module raise ImportError, as a missing
    # or incompatible extension does.
    code = (
        "import sys, sysconfig\n"
        "sys.modules['pvm._native'] = None\n"
        "try:\n"
        "    import pvm\n"
        "except ImportError as e:\n"
        "    print(sysconfig.get_platform()); print(e)\n"
        "else:\n"
        "    raise SystemExit('imported')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    platform_name, message = result.stdout.split("\n", 1)
    assert f"cannot be loaded on {platform_name}" in message
    assert "Prebuilt wheels support: linux-x86_64" in message
    assert "build from source" in message
