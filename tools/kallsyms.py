#!/usr/bin/env python3
"""Post-link step: write the kernel's symbol table into its .kallsyms section, in place.

Linux: scripts/kallsyms.c.  The section has a fixed size, so patching it moves no address:
one link, no second pass.  Blob: b"KSYM", u32 count, count x (u64 addr, u32 size, u32 name
offset), then NUL-terminated demangled names, sorted by address.
"""
import struct, subprocess, sys

def main(path):
    nm = subprocess.run(["riscv64-linux-gnu-nm", "-n", "-S", "-C", "--defined-only", path],
                        capture_output=True, text=True, check=True).stdout
    syms = []
    for line in nm.splitlines():
        parts = line.split(None, 3)
        if len(parts) == 4:
            addr, size, typ, name = parts
        elif len(parts) == 3:
            addr, typ, name = parts
            size = "0"
        else:
            continue
        if typ not in "tTwW" or name.startswith("$") or name.startswith(".L"):
            continue
        a = int(addr, 16)
        if a < 0xffffffff80000000:
            continue
        # Rust's demangled names end in a hash (::h0123...): drop it for readability.
        if "::h" in name and len(name.rsplit("::h", 1)[1]) == 16:
            name = name.rsplit("::h", 1)[0]
        syms.append((a, int(size, 16), name))
    syms.sort()
    names = bytearray()
    ents = bytearray()
    for a, s, n in syms:
        ents += struct.pack("<QII", a, s, len(names))
        names += n.encode()[:200] + b"\0"
    blob = b"KSYM" + struct.pack("<I", len(syms)) + bytes(ents) + bytes(names)
    # find the section's file offset and size
    out = subprocess.run(["riscv64-linux-gnu-readelf", "-S", "-W", path], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        if " .kallsyms " in line:
            f = line.split("]", 1)[1].split()
            off, size = int(f[3], 16), int(f[4], 16)
            break
    else:
        sys.exit("kallsyms: no .kallsyms section in " + path)
    if len(blob) > size:
        sys.exit(f"kallsyms: table is {len(blob)} bytes, section only {size}: enlarge KALLSYMS")
    with open(path, "r+b") as fh:
        fh.seek(off)
        fh.write(blob + bytes(size - len(blob)))
    print(f"kallsyms: {len(syms)} symbols, {len(blob)} bytes")

if __name__ == "__main__":
    main(sys.argv[1])
