#!/usr/bin/env bash
# Installs what MenuOS needs on Debian 12, idempotently: quick (one dpkg-query) when nothing is
# missing.  Called by every make target through `make deps`.
set -euo pipefail

PKGS=(
  # Debian's Rust 1.96 with rust-src: builds core/alloc (kernel) and std (user) for RISC-V.
  rustc-web cargo-web rust-web-src rust-web-llvm lld-22 rust-web-clippy rustfmt-web
  # the machine, the debugger, the cross C toolchain for the test programs
  qemu-system-misc gdb-multiarch gcc-riscv64-linux-gnu libc6-dev-riscv64-cross qemu-user-static
  # dynamically linked programs: glibc's runtime for the root's /lib (libc6-riscv64-cross,
  # libgcc-s1-riscv64-cross, libstdc++6-riscv64-cross) and the C++ cross compiler
  libc6-riscv64-cross libgcc-s1-riscv64-cross libstdc++6-riscv64-cross g++-riscv64-linux-gnu
  # host side of the build and test driver
  python3 cpio make git xz-utils gzip
  # busybox from Debian's source package (tools/build-busybox.sh)
  dpkg-dev bzip2
)
# The reference Linux (make test-linux) needs more; tools/linux-ref.sh asks for it with DEPS_LINUX=1.
if [ "${DEPS_LINUX:-0}" = 1 ]; then
  PKGS+=(linux-source-6.1 bc flex bison libssl-dev libelf-dev)
fi
# The external test suites (tools/build-kselftests.sh, tools/suitetest.py) with DEPS_SUITES=1: the
# kselftests come from linux-source-6.1 and their install step uses rsync.
if [ "${DEPS_SUITES:-0}" = 1 ]; then
  PKGS+=(linux-source-6.1 rsync)
fi

missing=()
for p in "${PKGS[@]}"; do
  st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$st" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# apt-get update only when the package lists are missing or a package cannot be found.
if ! $SUDO apt-get install -y --no-install-recommends "${missing[@]}"; then
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi
