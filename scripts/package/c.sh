# The C SDK: libpvm-<version>-<arch>-linux.tar.gz (sourced by scripts/package.sh).
#
#   include/pvm.h, include/pvm_compat.h
#   lib/libpvm.a, lib/libpvm.so.<ABI> (SONAME), lib/libpvm.so -> libpvm.so.<ABI>
#   lib/pkgconfig/pvm.pc (shared; --static adds Libs.private), lib/pkgconfig/pvm-static.pc
#   lib/cmake/pvm/pvmConfig.cmake (pvm::pvm, pvm::pvm_static), pvmConfigVersion.cmake
#   README.md, LICENSE-MIT, LICENSE-APACHE
# Every path in the .pc and CMake files is relative to the file itself, so the tree works
# wherever it is unpacked.

# package_c STAGE WORK VERSION ARCH RELEASE_DIR
package_c() {
  local stage="$1" work="$2" version="$3" arch="$4" release="$5"
  local name="libpvm-$version-$arch-linux"
  local dir="$work/$name"
  echo "== $name.tar.gz"
  local abi
  abi="$(awk '$1 == "#define" && $2 == "PVM_ABI_VERSION" { print $3 }' crates/pvm-ffi/include/pvm.h)"
  [ -n "$abi" ] || fail "no PVM_ABI_VERSION in pvm.h"
  local soname
  soname="$(objdump -p "$release/libpvm.so" | awk '$1 == "SONAME" { print $2 }')"
  [ "$soname" = "libpvm.so.$abi" ] || fail "libpvm.so has SONAME '$soname', expected libpvm.so.$abi"

  mkdir -p "$dir/include" "$dir/lib/pkgconfig" "$dir/lib/cmake/pvm"
  cp crates/pvm-ffi/include/pvm.h crates/pvm-ffi/include/pvm_compat.h "$dir/include/"
  cp "$release/libpvm.a" "$dir/lib/"
  cp "$release/libpvm.so" "$dir/lib/libpvm.so.$abi"
  ln -s "libpvm.so.$abi" "$dir/lib/libpvm.so"
  copy_licenses "$dir"

  local private_libs="-lpthread -ldl -lm"
  cat > "$dir/lib/pkgconfig/pvm.pc" <<PC
prefix=\${pcfiledir}/../..
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: pvm
Description: libpvm, the C ABI of the pvm JAM PVM engine (shared library)
Version: $version
Cflags: -I\${includedir}
Libs: -L\${libdir} -lpvm
Libs.private: $private_libs
PC
  cat > "$dir/lib/pkgconfig/pvm-static.pc" <<PC
prefix=\${pcfiledir}/../..
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: pvm-static
Description: libpvm, the C ABI of the pvm JAM PVM engine (static library)
Version: $version
Cflags: -I\${includedir}
Libs: \${libdir}/libpvm.a $private_libs
PC
  cat > "$dir/lib/cmake/pvm/pvmConfig.cmake" <<CMAKE
# pvm $version: imported targets for libpvm, relative to this file.
#   find_package(pvm CONFIG REQUIRED)
#   target_link_libraries(app PRIVATE pvm::pvm)          # libpvm.so.$abi
#   target_link_libraries(app PRIVATE pvm::pvm_static)   # libpvm.a
get_filename_component(_pvm_prefix "\${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
if(NOT TARGET pvm::pvm)
  add_library(pvm::pvm SHARED IMPORTED)
  set_target_properties(pvm::pvm PROPERTIES
    IMPORTED_LOCATION "\${_pvm_prefix}/lib/libpvm.so.$abi"
    IMPORTED_SONAME "libpvm.so.$abi"
    INTERFACE_INCLUDE_DIRECTORIES "\${_pvm_prefix}/include")
endif()
if(NOT TARGET pvm::pvm_static)
  add_library(pvm::pvm_static STATIC IMPORTED)
  set_target_properties(pvm::pvm_static PROPERTIES
    IMPORTED_LOCATION "\${_pvm_prefix}/lib/libpvm.a"
    INTERFACE_INCLUDE_DIRECTORIES "\${_pvm_prefix}/include"
    INTERFACE_LINK_LIBRARIES "pthread;dl;m")
endif()
unset(_pvm_prefix)
CMAKE
  local major="${version%%.*}" rest="${version#*.}"
  local minor="${rest%%.*}"
  cat > "$dir/lib/cmake/pvm/pvmConfigVersion.cmake" <<CMAKE
# pvm $version. Compatible with a request of the same major version not newer than this
# one; before 1.0, of the same minor version (semantic versioning).
set(PACKAGE_VERSION "$version")
set(PACKAGE_VERSION_COMPATIBLE FALSE)
if(NOT PACKAGE_FIND_VERSION VERSION_GREATER PACKAGE_VERSION
   AND PACKAGE_FIND_VERSION_MAJOR EQUAL $major
   AND ($major GREATER 0 OR PACKAGE_FIND_VERSION_MINOR EQUAL $minor))
  set(PACKAGE_VERSION_COMPATIBLE TRUE)
  if(PACKAGE_FIND_VERSION VERSION_EQUAL PACKAGE_VERSION)
    set(PACKAGE_VERSION_EXACT TRUE)
  endif()
endif()
if(NOT CMAKE_SIZEOF_VOID_P EQUAL 8)
  set(PACKAGE_VERSION "\${PACKAGE_VERSION} (64-bit)")
  set(PACKAGE_VERSION_UNSUITABLE TRUE)
endif()
CMAKE
  local glibc
  glibc="$(glibc_needed "$dir/lib/libpvm.so.$abi")"
  cat > "$dir/README.md" <<README
# libpvm $version ($arch Linux)

The C ABI of the pvm engine — an exact JAM PVM (Gray Paper 0.8.0 as PolkaVM 0.37's JamV1
implements it, with GP 0.7 mode). The API, ownership rules and exits are documented in
\`include/pvm.h\`. C ABI version $abi (\`PVM_ABI_VERSION\`, SONAME \`libpvm.so.$abi\`).
\`libpvm.so\` needs glibc $glibc or newer; \`libpvm.a\` links into your program with
\`$private_libs\`.

Unpack anywhere; every path below is relative to this directory (\`\$PVM\`).

    # shared, with pkg-config
    export PKG_CONFIG_PATH=\$PVM/lib/pkgconfig
    cc app.c \$(pkg-config --cflags --libs pvm) -Wl,-rpath,\$(pkg-config --variable=libdir pvm)
    # static, with pkg-config
    cc app.c \$(pkg-config --cflags --libs pvm-static)
    # CMake: find_package(pvm CONFIG REQUIRED) with -DCMAKE_PREFIX_PATH=\$PVM, then
    #   target_link_libraries(app PRIVATE pvm::pvm)  or  pvm::pvm_static
    # by hand
    cc app.c -I\$PVM/include \$PVM/lib/libpvm.a $private_libs

Licensed under MIT or Apache-2.0, at your option (LICENSE-MIT, LICENSE-APACHE).
README
  tar_dir "$dir" "$stage/$name.tar.gz"
}
