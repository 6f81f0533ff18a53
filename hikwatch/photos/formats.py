"""What a file is, from its bytes alone, and whether its container is whole.

Content sniffing, the WebP header's canvas size (checked before Pillow allocates anything),
and a walk of HEIF's ISO-BMFF boxes to catch truncated files libheif would accept.
"""

from __future__ import annotations

# sniff_format() name -> (Pillow plugin name, file extension to store under).
FORMATS: dict[str, tuple[str, str]] = {
    "jpeg": ("JPEG", "jpg"),
    "png": ("PNG", "png"),
    "webp": ("WEBP", "webp"),
    "heif": ("HEIF", "heic"),
}

# ISO-BMFF brands. HEVC-coded HEIF brands are what phones write; the generic image brands
# are accepted unless the file is really AVIF, which we do not take (not in the brief, and
# pillow-heif does not promise to decode it).
_HEIC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"})
_GENERIC_HEIF_BRANDS = frozenset({b"mif1", b"msf1", b"mif2"})
_AVIF_BRANDS = frozenset({b"avif", b"avis"})

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def sniff_format(data: bytes) -> str | None:
    """Name the accepted format ('jpeg', 'png', 'webp', 'heif') from magic bytes, else None.

    Only the content counts: a file name or a browser's MIME type is whatever the sender
    wants it to be.
    """
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == _PNG_SIGNATURE:
        return "png"
    if len(data) >= 16 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if _is_heif(data):
        return "heif"
    return None


def _is_heif(data: bytes) -> bool:
    # An ISO-BMFF file starts with an 'ftyp' box: size, 'ftyp', major brand, minor version,
    # then compatible brands, four bytes each.
    if len(data) < 16 or data[4:8] != b"ftyp":
        return False
    size = int.from_bytes(data[:4], "big")
    if size < 16 or size > len(data) or size > 4096 or (size - 16) % 4:
        return False
    brands = {data[8:12]} | {data[i : i + 4] for i in range(16, size, 4)}
    if brands & _HEIC_BRANDS:
        return True
    return bool(brands & _GENERIC_HEIF_BRANDS) and not brands & _AVIF_BRANDS


def webp_declared_pixels(data: bytes) -> int | None:
    """Canvas size from a WebP header, or None if it cannot be read.

    Pillow's WebP plugin creates libwebp's decoder, which allocates the whole canvas, inside
    Image.open(); so for WebP the pixel limit has to be checked on the raw header first.
    """
    chunk = data[12:16]
    try:
        if chunk == b"VP8X" and len(data) >= 30:
            width = int.from_bytes(data[24:27], "little") + 1
            height = int.from_bytes(data[27:30], "little") + 1
        elif chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
            width = int.from_bytes(data[26:28], "little") & 0x3FFF
            height = int.from_bytes(data[28:30], "little") & 0x3FFF
        elif chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
            bits = int.from_bytes(data[21:25], "little")
            width = (bits & 0x3FFF) + 1
            height = ((bits >> 14) & 0x3FFF) + 1
        else:
            return None
    except IndexError:
        return None
    return width * height


def heif_is_complete(data: bytes) -> bool:
    """True if every top-level box, and every byte range the 'iloc' box says an item
    (image, tile, EXIF) occupies, lies inside ``data``."""
    try:
        meta = None
        for kind, start, end in _boxes(data, 0, len(data)):
            if kind == b"meta" and meta is None:
                meta = (start + 4, end)  # a FullBox: skip version and flags
        if meta is None:
            return False
        for kind, start, end in _boxes(data, *meta):
            if kind == b"iloc":
                return _iloc_extents_fit(data, start, end)
        return False
    except (ValueError, IndexError):
        return False


def _boxes(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int]]:
    """ISO-BMFF boxes in data[start:end] as (type, payload start, end); ValueError if one
    runs past the end, which is what a truncated file looks like."""
    boxes = []
    pos = start
    while pos < end:
        if pos + 8 > end:
            raise ValueError("truncated box header")
        size = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        header = 8
        if size == 1:  # 64-bit size follows
            if pos + 16 > end:
                raise ValueError("truncated box header")
            size = int.from_bytes(data[pos + 8 : pos + 16], "big")
            header = 16
        elif size == 0:  # "extends to the end of the file"
            size = end - pos
        if size < header or pos + size > end:
            raise ValueError("box runs past the end of the data")
        boxes.append((kind, pos + header, pos + size))
        pos += size
    return boxes


def _iloc_extents_fit(data: bytes, start: int, end: int) -> bool:
    pos = start

    def read(size: int) -> int:
        nonlocal pos
        if size not in (0, 2, 4, 8) or pos + size > end:
            raise ValueError("malformed iloc")
        value = int.from_bytes(data[pos : pos + size], "big")
        pos += size
        return value

    version = read(4) >> 24  # version (8 bits) + flags (24 bits)
    if version > 2:
        raise ValueError("unknown iloc version")
    sizes = read(2)
    offset_size, length_size = sizes >> 12, (sizes >> 8) & 0xF
    base_offset_size = (sizes >> 4) & 0xF
    index_size = sizes & 0xF if version in (1, 2) else 0
    for _ in range(read(2 if version < 2 else 4)):
        read(2 if version < 2 else 4)  # item_ID
        construction_method = read(2) & 0xF if version in (1, 2) else 0
        read(2)  # data_reference_index
        base_offset = read(base_offset_size)
        for _ in range(read(2)):
            read(index_size)
            extent_end = base_offset + read(offset_size) + read(length_size)
            # Method 0 is "bytes of this file"; 1 (inside the meta box's idat) and 2 (other
            # items) are covered by the box walk and by the extents of those items.
            if construction_method == 0 and extent_end > len(data):
                return False
    return True
