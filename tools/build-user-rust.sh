#!/usr/bin/env bash
# Builds the Rust user programs (user/rust: static Rust std binaries for riscv64gc Linux, std
# built from Debian's rust-src with build-std) and stages them:
#   menu       -> build/user/bin/menu        (the init, /init of the initramfs)
#   hello-rust -> build/user/bin/hello-rust
#   rtests     -> build/user/tests/rtests
# and rtests again dynamically linked (-crt-static: glibc's ld.so and libc.so.6 from /lib at run
# time, the default for riscv64gc-unknown-linux-gnu), in its own target directory
# (user/rust/target-dyn, since std is built again for it):
#   rtests     -> build/user/tests/rtests_dyn
# Quick when nothing changed: cargo's own no-op build, and a binary is copied only when it
# differs from the staged one (so its mtime, and what depends on it, stays put).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT/user/rust"

# user/rust/rust-toolchain.toml names Debian's toolchain (path = "/usr"): rustup's cargo honours
# it.  Without rustup, call Debian's cargo and rustc directly.
if command -v rustup >/dev/null 2>&1 && command -v cargo >/dev/null 2>&1; then
	CARGO=(cargo)
else
	CARGO=(/usr/bin/cargo)
	export RUSTC=/usr/bin/rustc
fi
# --locked: the committed Cargo.lock is the one used (it needs crates.io only when the
# registry cache lacks a crate).
"${CARGO[@]}" build --release --locked ${CARGO_QUIET:+--quiet}

OUT=$ROOT/user/rust/target/riscv64gc-unknown-linux-gnu/release
stage() { # built-name destination
	local src=$OUT/$1 dst=$2
	if [ ! -x "$src" ]; then
		echo "build-user-rust: $src was not built" >&2
		exit 1
	fi
	mkdir -p "$(dirname "$dst")"
	if ! cmp -s "$src" "$dst"; then
		cp "$src" "$dst.tmp" && mv "$dst.tmp" "$dst"
		echo "  STAGE ${dst#"$ROOT"/} ($(stat -c %s "$dst") bytes)"
	fi
}
stage menu "$ROOT/build/user/bin/menu"
stage hello-rust "$ROOT/build/user/bin/hello-rust"
stage rtests "$ROOT/build/user/tests/rtests"

# RUSTFLAGS replaces .cargo/config.toml's target rustflags (+crt-static) for this build only
# (cargo takes the first of RUSTFLAGS, target.<triple>.rustflags; CARGO_TARGET_*_RUSTFLAGS would
# be merged with the file's, and the static flag kept).
RUSTFLAGS="-C target-feature=-crt-static" \
	"${CARGO[@]}" build --release --locked ${CARGO_QUIET:+--quiet} -p rtests --target-dir target-dyn
OUT=$ROOT/user/rust/target-dyn/riscv64gc-unknown-linux-gnu/release
stage rtests "$ROOT/build/user/tests/rtests_dyn"
