"""MS-OVBA compression: spec vectors, and round trips through oletools' decompressor and ours."""

from __future__ import annotations

import random
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oletools.olevba import decompress_stream

from xl_sakip.vba.compression import CHUNK, compress, decompress


def oletools_decompress(container: bytes) -> bytes:
    return bytes(decompress_stream(bytearray(container)))


def chunks(container: bytes) -> list[tuple[bool, bytes]]:
    """(compressed?, chunk bytes with header) of a container, read by hand from [MS-OVBA] 2.4.1.1."""
    assert container[0] == 0x01
    out, pos = [], 1
    while pos < len(container):
        (header,) = struct.unpack_from("<H", container, pos)
        assert (header >> 12) & 0b111 == 0b011, "chunk signature must be 0b011"
        size = (header & 0x0FFF) + 3
        out.append((bool(header & 0x8000), container[pos : pos + size]))
        pos += size
    assert pos == len(container)
    return out


# [MS-OVBA] 3.2.1 "No Compression Example" and 3.2.2 "Normal Compression Example" (learn.microsoft.com).
SPEC_PLAIN = b"abcdefghijklmnopqrstuv."
SPEC_PLAIN_COMPRESSED = bytes.fromhex(
    "01 19 B0 00 61 62 63 64 65 66 67 68 00 69 6A 6B 6C 6D 6E 6F 70 00 71 72 73 74 75 76 2E"
)
SPEC_NORMAL = b"#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa"
SPEC_NORMAL_COMPRESSED = bytes.fromhex(
    "01 2F B0 00 23 61 61 61 62 63 64 65 82 66 00 70 61 67 68 69 6A 01 38 08 61 6B 6C 00 20 6D 6E 6F 70"
    " 06 71 02 70 04 00 72 73 74 75 76 10 77 78 79 7A 00 2C"
)
# The same example as printed in the PDF edition of the spec: other (equally valid) copy-token choices.
SPEC_NORMAL_COMPRESSED_PDF = bytes.fromhex(
    "01 2F B0 00 23 61 61 61 62 63 64 65 82 66 00 70 61 67 68 69 6A 01 38 08 61 6B 6C 00 30 6D 6E 6F 70"
    " 06 71 02 70 04 10 72 73 74 75 76 10 77 78 79 7A 00 3C"
)


def test_spec_examples_compress_to_the_published_bytes() -> None:
    assert compress(SPEC_PLAIN) == SPEC_PLAIN_COMPRESSED
    assert compress(SPEC_NORMAL) == SPEC_NORMAL_COMPRESSED


@pytest.mark.parametrize(
    "container", [SPEC_PLAIN_COMPRESSED, SPEC_NORMAL_COMPRESSED, SPEC_NORMAL_COMPRESSED_PDF]
)
def test_spec_examples_decompress(container: bytes) -> None:
    expected = SPEC_PLAIN if container is SPEC_PLAIN_COMPRESSED else SPEC_NORMAL
    assert decompress(container) == expected
    assert oletools_decompress(container) == expected


def _vba_like_text(size: int) -> bytes:
    """Module-like text of at least `size` bytes: repetitive, but with numbers that keep changing."""
    lines, i = [], 0
    while sum(len(line) for line in lines) < size:
        lines.append(
            f"Public Function Capaian{i}(ByVal target As Double, ByVal realisasi As Double) As Double\r\n"
            f"    ' indikator P{i % 21 + 1:02d}-{i % 9 + 1}.{i % 4 + 1}\r\n"
            f"    Capaian{i} = realisasi / target * {100 + i % 7}\r\nEnd Function\r\n\r\n"
        )
        i += 1
    return "".join(lines).encode("ascii")


ROUND_TRIPS = {
    "empty": b"",
    "one byte": b"x",
    "two bytes": b"xy",
    "long run": b"a" * 100_000,
    "long run across chunk edges": b"b" * (3 * CHUNK + 17),
    "repeated 8-byte pattern": b"abcdefgh" * 20_000,
    "repeated text with a twist": b"".join(b"Sasaran %d tercapai\r\n" % (i % 13) for i in range(5000)),
    "exactly one chunk": bytes(range(256)) * 16,
    "one chunk and one byte": bytes(range(256)) * 16 + b"!",
    "exactly two chunks of text": (_vba_like_text(2 * CHUNK))[: 2 * CHUNK],
    "random, whole chunks": random.Random(1).randbytes(3 * CHUNK),
    "random then text": random.Random(2).randbytes(CHUNK) + _vba_like_text(6000),
    "module over 100 KB": _vba_like_text(110_000),
}


@pytest.mark.parametrize("name", list(ROUND_TRIPS))
def test_round_trip_through_oletools_and_ours(name: str) -> None:
    data = ROUND_TRIPS[name]
    container = compress(data)
    assert oletools_decompress(container) == data
    assert decompress(container) == data


@pytest.mark.parametrize("name", list(ROUND_TRIPS))
def test_every_chunk_but_the_last_holds_exactly_4096_bytes(name: str) -> None:
    data = ROUND_TRIPS[name]
    parts = chunks(compress(data))
    assert len(parts) == -(-len(data) // CHUNK)  # ceil: one chunk per 4096 input bytes
    for i, (is_compressed, chunk) in enumerate(parts):
        assert len(chunk) <= 2 + CHUNK
        expected = data[i * CHUNK : (i + 1) * CHUNK]
        assert decompress(b"\x01" + chunk) == expected
        if not is_compressed:  # raw chunk: header + the 4096 bytes as they are
            assert chunk[2:] == expected


def test_compression_shrinks_what_repeats() -> None:
    # A chunk of 4096 equal bytes is one literal plus a few copy tokens (each up to 4098 bytes long at
    # that offset width), so 25 chunks take a few hundred bytes. Module-like text: well under half.
    assert len(compress(b"a" * 100_000)) < 1000
    assert len(compress(ROUND_TRIPS["module over 100 KB"])) < 110_000 // 2


def test_random_data_is_stored_raw() -> None:
    data = ROUND_TRIPS["random, whole chunks"]
    parts = chunks(compress(data))
    assert [is_compressed for is_compressed, _ in parts] == [False, False, False]
    assert len(compress(data)) == 1 + 3 * (2 + CHUNK)


def test_incompressible_short_last_chunk_is_padded_as_the_spec_says() -> None:
    # [MS-OVBA] 2.4.1.3.10: a raw chunk always carries 4096 bytes, so a short incompressible last chunk
    # decompresses with trailing zeros. Only random data gets here; both decompressors agree.
    data = random.Random(3).randbytes(CHUNK + 4000)
    container = compress(data)
    padded = data + b"\x00" * 96
    assert oletools_decompress(container) == padded
    assert decompress(container) == padded


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from([b"a", b"ab", b"Sub ", b"\r\n", b"End Sub", b"\x00", b"\xff", b"xyz"]), max_size=3000
    ).map(b"".join)
)
def test_round_trip_of_generated_token_soup(data: bytes) -> None:
    container = compress(data)
    assert oletools_decompress(container) == data
    assert decompress(container) == data


@pytest.mark.parametrize(
    "bad", [b"", b"\x02\x00\xb0", b"\x01\x00", b"\x01\x05\x90abc", b"\x01\x03\xb0\x01\x00\x10"]
)
def test_malformed_containers_are_rejected(bad: bytes) -> None:
    with pytest.raises(ValueError):
        decompress(bad)
