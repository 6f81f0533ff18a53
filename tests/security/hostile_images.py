"""Small files that would be huge once decoded, built without ever holding their pixels.

Used by the decode-budget tests and by bench/bench_security.py (the hostile corpus).
"""

from __future__ import annotations

import struct
import zlib

# PNG colour types and their bands: greyscale, RGB, RGBA.
PNG_COLOUR = {1: 0, 3: 2, 4: 6}


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def blank_png(width: int, height: int, bands: int = 4) -> bytes:
    """A genuine, complete PNG of black pixels (8 bits a band), compressed a row at a time:
    10000 x 10000 RGBA is about 400 KB here and 400 MB decoded."""
    row = b"\x00" * (1 + width * bands)  # filter byte "none", then the row's samples
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, PNG_COLOUR[bands], 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def one_bit_png(width: int, height: int) -> bytes:
    """A genuine 1-bit PNG: 30000 x 30000 is ~110 KB on disk, 900 megapixels decoded."""
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def jpeg_declaring(jpeg: bytes, width: int, height: int) -> bytes:
    """A small JPEG whose frame header (SOF0) claims another size."""
    data = bytearray(jpeg)
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)
