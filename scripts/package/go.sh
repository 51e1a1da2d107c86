# The Go module pvm-go-<version>-<arch>-linux.tar.gz (sourced by scripts/package.sh):
# bindings/go's package with this machine's release libpvm.a in lib/<GOOS>_<GOARCH>/ and
# pvm.h in include/, so that `go build` needs no cargo. The repository's link files (which
# link ../../target/...) are replaced by:
#   link_prebuilt_<goos>_<goarch>.go   links lib/<goos>_<goarch>/libpvm.a (default)
#   link_prebuilt_unsupported.go       other platforms: a compile error naming the platform
# `-tags pvm_custom` links nothing, for CGO_LDFLAGS="/path/to/libpvm.a -lpthread -ldl -lm"
# (a libpvm built from source). Use it with a replace directive:
#   require github.com/pvm-toolkit/pvm/bindings/go v<version>
#   replace github.com/pvm-toolkit/pvm/bindings/go => /path/to/pvm-go-<version>-<arch>-linux

# package_go STAGE WORK VERSION ARCH RELEASE_DIR
package_go() {
  local stage="$1" work="$2" version="$3" arch="$4" release="$5"
  local goarch
  case "$arch" in
    x86_64) goarch=amd64 ;;
    aarch64) goarch=arm64 ;;
    *) fail "no Go architecture name for $arch" ;;
  esac
  local platform="linux_$goarch"
  local name="pvm-go-$version-$arch-linux"
  local dir="$work/$name"
  echo "== $name.tar.gz"
  mkdir -p "$dir/lib/$platform" "$dir/include"
  local file
  for file in bindings/go/*.go; do
    case "$file" in
      *_test.go | bindings/go/link_*.go) ;;
      *) cp "$file" "$dir/" ;;
    esac
  done
  cp bindings/go/go.mod bindings/go/shim.c bindings/go/shim.h bindings/go/README.md "$dir/"
  cp crates/pvm-ffi/include/pvm.h "$dir/include/"
  cp "$release/libpvm.a" "$dir/lib/$platform/"
  copy_licenses "$dir"
  cat > "$dir/link_prebuilt_$platform.go" <<GO
//go:build !pvm_custom

package pvm

// Links the prebuilt libpvm.a $version of this module (scripts/package.sh). Build with
// -tags pvm_custom and CGO_LDFLAGS="/path/to/libpvm.a -lpthread -ldl -lm" to link a
// libpvm built from source instead.

// #cgo LDFLAGS: \${SRCDIR}/lib/$platform/libpvm.a -lpthread -ldl -lm
import "C"
GO
  cat > "$dir/link_prebuilt_unsupported.go" <<GO
//go:build !pvm_custom && !(linux && $goarch)

package pvm

import "runtime"

const unsupportedPlatform = runtime.GOOS + "/" + runtime.GOARCH

// This module has no prebuilt libpvm.a for this platform: compiling stops here with the
// message below (the constant's value names the platform).
const _ int = "pvm: no prebuilt libpvm.a for " + unsupportedPlatform + "; this module ships linux/$goarch only. Build libpvm from source (cargo build --release -p pvm-ffi) and build with -tags pvm_custom and CGO_LDFLAGS=\"/path/to/libpvm.a -lpthread -ldl -lm\""
GO
  tar_dir "$dir" "$stage/$name.tar.gz"
}
