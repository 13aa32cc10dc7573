"""A tiny PNG reader (8-bit grey/RGB/RGBA, not interlaced) to check screenshots without extra packages.

`python -m tests.report.png FILE.png` prints the pixel statistics and exits 1 when the image is blank.
"""

from __future__ import annotations

import struct
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}


@dataclass
class Image:
    width: int
    height: int
    pixels: list[tuple[int, int, int]]


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def read_png(path: Path) -> Image:
    data = Path(path).read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG file")
    pos, idat = 8, b""
    width = height = depth = colour = interlace = 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        chunk = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        elif kind == b"IEND":
            break
    if depth != 8 or colour not in CHANNELS or interlace:
        raise ValueError(f"{path}: unsupported PNG (depth {depth}, colour type {colour}, interlace {interlace})")
    bpp = CHANNELS[colour]
    stride = width * bpp
    raw = zlib.decompress(idat)
    rows: list[bytearray] = []
    prev = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        line = bytearray(raw[start + 1 : start + 1 + stride])
        for x in range(stride):
            left = line[x - bpp] if x >= bpp else 0
            up = prev[x]
            up_left = prev[x - bpp] if x >= bpp else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                line[x] = (line[x] + _paeth(left, up, up_left)) & 0xFF
        rows.append(line)
        prev = line
    pixels = []
    for line in rows:
        for x in range(width):
            px = line[x * bpp : x * bpp + bpp]
            pixels.append((px[0], px[0], px[0]) if bpp <= 2 else (px[0], px[1], px[2]))
    return Image(width, height, pixels)


def luminance_variance(image: Image) -> float:
    values = [0.299 * r + 0.587 * g + 0.114 * b for r, g, b in image.pixels]
    mean = sum(values) / len(values)
    return sum((v - mean) ** 2 for v in values) / len(values)


def count_near(image: Image, rgb: tuple[int, int, int], tolerance: int = 12) -> int:
    return sum(1 for p in image.pixels if all(abs(p[i] - rgb[i]) <= tolerance for i in range(3)))


CHART_COLOURS = {"first partner": (0x2F, 0x6D, 0xB5), "second partner": (0xD9, 0x82, 0x2B)}


def check(path: Path) -> list[str]:
    """Problems with a report screenshot: blank, or no bars of either partner's colour."""
    image = read_png(path)
    problems = []
    variance = luminance_variance(image)
    print(f"{path}: {image.width}x{image.height}, luminance variance {variance:.1f}")
    if variance < 50:
        problems.append(f"the screenshot is blank (luminance variance {variance:.1f})")
    for name, rgb in CHART_COLOURS.items():
        found = count_near(image, rgb)
        print(f"  pixels of the {name}'s bar colour: {found}")
        if found < 200:
            problems.append(f"the chart shows no bars for the {name} ({found} pixels of #{bytes(rgb).hex()})")
    return problems


if __name__ == "__main__":
    issues = [p for arg in sys.argv[1:] for p in check(Path(arg))]
    for issue in issues:
        print(f"FAIL: {issue}", file=sys.stderr)
    sys.exit(1 if issues or len(sys.argv) < 2 else 0)
