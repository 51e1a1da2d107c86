# Helpers shared by the scripts/package/*.sh parts (sourced by scripts/package.sh).

# The newest glibc symbol version an ELF file needs, e.g. 2.34.
glibc_needed() {
  objdump -T "$1" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1
}

# Copies the licenses into a directory.
copy_licenses() {
  cp "$root/LICENSE-MIT" "$root/LICENSE-APACHE" "$1/"
}

# tar_dir DIR OUT: writes OUT (.tar.gz) holding DIR itself, in a fixed order.
tar_dir() {
  tar -C "$(dirname "$1")" --sort=name --owner=0 --group=0 --numeric-owner \
    -czf "$2" "$(basename "$1")"
}
