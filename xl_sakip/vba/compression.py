"""MS-OVBA compression (spec [MS-OVBA] 2.4.1): the run-length/LZ77 scheme of VBA module and dir streams.

ms-ovba ships a compressor whose copy tokens overflow for long matches (its maximum length is wrong), so
olevba cannot read what it writes; this module replaces it. The greedy longest-match search follows the
spec's "Matching" algorithm (2.4.1.3.19.4), nearest candidate winning ties; candidates come from a per-chunk
index of 3-byte prefixes instead of a scan of the whole window. Any match of 3 or more bytes shares its
prefix, so the output is the spec algorithm's output (the spec's own example compresses byte for byte).
"""

from __future__ import annotations

import struct

CHUNK = 4096
_SIGNATURE = 0x01
_MIN_MATCH = 3


def _bit_count(offset_in_chunk: int) -> int:
    """CopyToken Help (2.4.1.3.19.1): bits given to the offset grow with the position in the chunk."""
    return max((offset_in_chunk - 1).bit_length(), 4)


def _compress_chunk(chunk: bytes) -> bytes:
    out = bytearray()
    index: dict[bytes, list[int]] = {}  # 3-byte prefix -> earlier positions, most recent last
    pos, end = 0, len(chunk)
    while pos < end:
        flag_at = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if pos >= end:
                break
            bits = _bit_count(pos)
            max_len = (0xFFFF >> bits) + _MIN_MATCH
            best_len, best_at = 0, 0
            limit = min(max_len, end - pos)
            for cand in reversed(index.get(chunk[pos : pos + _MIN_MATCH], ())):
                n = _MIN_MATCH
                while n < limit and chunk[cand + n] == chunk[pos + n]:
                    n += 1
                if n > best_len:
                    best_len, best_at = n, cand
                    if n == limit:
                        break
            if best_len >= _MIN_MATCH:
                token = ((pos - best_at - 1) << (16 - bits)) | (best_len - _MIN_MATCH)
                out += struct.pack("<H", token)
                flags |= 1 << bit
                step = best_len
            else:
                out.append(chunk[pos])
                step = 1
            for p in range(pos, min(pos + step, end - _MIN_MATCH + 1)):
                index.setdefault(chunk[p : p + _MIN_MATCH], []).append(p)
            pos += step
        out[flag_at] = flags
    return bytes(out)


def compress(data: bytes) -> bytes:
    """A CompressedContainer holding `data` (2.4.1.3.6)."""
    out = bytearray([_SIGNATURE])
    for start in range(0, len(data), CHUNK):
        chunk = data[start : start + CHUNK]
        body = _compress_chunk(chunk)
        if len(body) <= CHUNK:
            out += struct.pack("<H", 0xB000 | (len(body) - 1))  # flag 1, signature 0b011, size - 3
            out += body
        else:
            # Incompressible: a raw chunk is always 4096 bytes, so a short last one is padded with
            # zeros (2.4.1.3.10). VBA source text never gets here.
            out += struct.pack("<H", 0x3FFF)
            out += chunk.ljust(CHUNK, b"\x00")
    return bytes(out)


def decompress(container: bytes) -> bytes:
    """The bytes a CompressedContainer holds (2.4.1.3.1). Raises ValueError on a malformed container."""
    if not container or container[0] != _SIGNATURE:
        raise ValueError("not an MS-OVBA compressed container (signature byte is not 0x01)")
    out = bytearray()
    pos = 1
    while pos < len(container):
        if pos + 2 > len(container):
            raise ValueError(f"truncated chunk header at byte {pos}")
        (header,) = struct.unpack_from("<H", container, pos)
        if (header >> 12) & 0b111 != 0b011:
            raise ValueError(f"bad chunk signature at byte {pos}")
        size = (header & 0x0FFF) + 3
        body = container[pos + 2 : pos + size]
        pos += size
        if not header & 0x8000:
            out += body
            continue
        chunk_start = len(out)
        i = 0
        while i < len(body):
            flags = body[i]
            i += 1
            for bit in range(8):
                if i >= len(body):
                    break
                if not flags >> bit & 1:
                    out.append(body[i])
                    i += 1
                    continue
                (token,) = struct.unpack_from("<H", body, i)
                i += 2
                bits = _bit_count(len(out) - chunk_start)
                length = (token & (0xFFFF >> bits)) + _MIN_MATCH
                offset = (token >> (16 - bits)) + 1
                if offset > len(out) - chunk_start:
                    raise ValueError(f"copy token points before its chunk (container byte {pos - size})")
                for _ in range(length):  # byte by byte: a match may overlap what it produces
                    out.append(out[-offset])
    return bytes(out)
