#!/usr/bin/env bash
# The release version's one source is `version` in [workspace.package] of the root
# Cargo.toml. The binding crates (own Cargo workspaces), package.json and pvm.h cannot
# inherit it and hold copies.
#
#   scripts/version.sh           prints the workspace version
#   scripts/version.sh --check   fails, naming each copy that differs from it
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# The first `version = "..."` after the line `[section]` of a TOML file.
toml_version() {
  awk -v section="[$2]" '
    $0 == section { inside = 1; next }
    /^\[/ { inside = 0 }
    inside && $1 == "version" { gsub(/"/, "", $3); print $3; exit }
  ' "$1"
}

version="$(toml_version "$root/Cargo.toml" workspace.package)"
if [ -z "$version" ]; then
  echo "version.sh: no version in [workspace.package] of $root/Cargo.toml" >&2
  exit 1
fi
if [ "${1:-}" != "--check" ]; then
  echo "$version"
  exit 0
fi

header="$root/crates/pvm-ffi/include/pvm.h"
define() { awk -v name="$1" '$1 == "#define" && $2 == name { gsub(/"/, "", $3); print $3 }' "$header"; }
IFS=. read -r major minor patch <<<"${version%%[-+]*}"
status=0
check() { # what, found
  if [ "$2" != "$3" ]; then
    echo "version.sh: $1 is '$2', the workspace version says '$3'" >&2
    status=1
  fi
}
check bindings/python/Cargo.toml "$(toml_version "$root/bindings/python/Cargo.toml" package)" "$version"
check bindings/node/Cargo.toml "$(toml_version "$root/bindings/node/Cargo.toml" package)" "$version"
node_json() { sed -n 's/^  "version": "\(.*\)",$/\1/p' "$1" | head -1; }
check bindings/node/package.json "$(node_json "$root/bindings/node/package.json")" "$version"
check bindings/node/package-lock.json "$(node_json "$root/bindings/node/package-lock.json")" "$version"
check "PVM_VERSION in pvm.h" "$(define PVM_VERSION)" "$version"
check "PVM_VERSION_MAJOR in pvm.h" "$(define PVM_VERSION_MAJOR)" "$major"
check "PVM_VERSION_MINOR in pvm.h" "$(define PVM_VERSION_MINOR)" "$minor"
check "PVM_VERSION_PATCH in pvm.h" "$(define PVM_VERSION_PATCH)" "$patch"
if [ "$status" = 0 ]; then echo "every copy of the version is $version"; fi
exit "$status"
