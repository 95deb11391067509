// Passes the linker script to the final link (Linux: arch/riscv/kernel/vmlinux.lds.S).
fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    println!("cargo:rustc-link-arg=-T{dir}/linker.ld");
    println!("cargo:rustc-link-arg=--no-relax");
    println!("cargo:rerun-if-changed=linker.ld");
    for f in ["src/arch/riscv/head.S", "src/arch/riscv/entry.S", "src/arch/riscv/uaccess.S", "src/arch/riscv/page.S"] {
        println!("cargo:rerun-if-changed={f}");
    }
}
