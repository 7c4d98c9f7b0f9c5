#!/usr/bin/env python3
"""Makes a wasm module built by cargo deployable on Manaflow (see docs/wasm-abi.md, "Deployment").

Usage: finalize.py IN.wasm OUT.wasm

- Drops every custom section (id 0: names, producers, target features): the runtime refuses
  modules that carry any.
- Makes the module end with a data section (id 11), appending an empty one (`0b 01 00`: id 11,
  size 1, no segments) if it has none. Init code is `module || constructor args`, and the
  runtime finds where the module ends by walking its sections in the order the format fixes; no
  section may follow the data section, so the first byte after it is exactly where the arguments
  start, whatever they are.

Standard library only; the output depends only on the input bytes.
"""
import sys

MAGIC = b"\0asm\x01\0\0\0"
CUSTOM, DATA = 0, 11


def read_leb128(buf, pos):
    """An unsigned LEB128 integer at buf[pos:]; returns (value, next position)."""
    value = shift = 0
    while True:
        if pos >= len(buf):
            raise ValueError("truncated LEB128")
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, pos


def sections(module):
    """The module's sections as (id, raw bytes including the header), in order."""
    if not module.startswith(MAGIC):
        raise ValueError("not a version-1 wasm module")
    pos = len(MAGIC)
    while pos < len(module):
        start = pos
        section_id = module[pos]
        size, pos = read_leb128(module, pos + 1)
        pos += size
        if pos > len(module):
            raise ValueError(f"section {section_id} at byte {start} runs past the end")
        yield section_id, module[start:pos]


def finalize(module):
    kept = [(sid, raw) for sid, raw in sections(module) if sid != CUSTOM]
    out = MAGIC + b"".join(raw for _, raw in kept)
    if not kept or kept[-1][0] != DATA:
        out += bytes([DATA, 1, 0])
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1], "rb") as f:
        module = f.read()
    with open(sys.argv[2], "wb") as f:
        f.write(finalize(module))


if __name__ == "__main__":
    main()
