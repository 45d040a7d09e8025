"""A tiny PNG writer (zlib + struct) and the elevation thumbnail renderer."""

from __future__ import annotations

import struct
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
WHITE = (255, 255, 255)
GLASS = {"Interior": (196, 224, 240), "Exterior": (170, 205, 230)}
FRAME = {"Interior": (235, 235, 235), "Exterior": (70, 75, 80)}
SASH = (120, 125, 130)
DIMENSION = (200, 40, 40)
TEXT_BAR = (60, 60, 60)


def _chunk(kind: bytes, payload: bytes) -> bytes:
    body = kind + payload
    return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def encode_png(width: int, height: int, rgb_rows) -> bytes:
    """8-bit RGB PNG from `height` rows of `width * 3` bytes each."""
    raw = b"".join(b"\x00" + bytes(row) for row in rgb_rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(b"IEND", b"")


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR; ValueError if `data` is not a PNG."""
    if data[:8] != PNG_SIGNATURE or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    return struct.unpack(">II", data[16:24])


class Canvas:
    def __init__(self, width, height, background=WHITE):
        self.width, self.height = width, height
        self.rows = [bytearray(bytes(background) * width) for _ in range(height)]

    def fill(self, x0, y0, x1, y1, color):
        """Fill the half-open box [x0, x1) × [y0, y1), clipped to the canvas."""
        x0, x1 = max(0, int(x0)), min(self.width, int(x1))
        y0, y1 = max(0, int(y0)), min(self.height, int(y1))
        if x0 >= x1 or y0 >= y1:
            return
        span = bytes(color) * (x1 - x0)
        for y in range(y0, y1):
            self.rows[y][x0 * 3 : x1 * 3] = span

    def frame(self, x0, y0, x1, y1, thickness, color):
        t = max(1, int(thickness))
        self.fill(x0, y0, x1, y0 + t, color)
        self.fill(x0, y1 - t, x1, y1, color)
        self.fill(x0, y0, x0 + t, y1, color)
        self.fill(x1 - t, y0, x1, y1, color)

    def to_png(self) -> bytes:
        return encode_png(self.width, self.height, self.rows)


def fit_box(width_mm, height_mm, box_w, box_h) -> tuple[int, int]:
    """The largest size inside box_w × box_h with the elevation's aspect ratio (e.g. 300×248)."""
    width_mm, height_mm = max(float(width_mm or 1), 1.0), max(float(height_mm or 1), 1.0)
    scale = min(box_w / width_mm, box_h / height_mm)
    return max(1, min(box_w, round(width_mm * scale))), max(1, min(box_h, round(height_mm * scale)))


def pane_count(elevation: dict) -> int:
    """Deterministic number of vertical panes from the elevation's width (one per ~900 mm, 1..4)."""
    return max(1, min(4, round(float(elevation.get("width") or 900) / 900)))


def render_thumbnail(
    elevation: dict, box_w: int, box_h: int, *, view="Interior", with_dimensions=True, with_description=False
) -> bytes:
    """A schematic elevation drawing as PNG: frame, panes, sashes, optional dimension/description bars."""
    width, height = fit_box(elevation.get("width"), elevation.get("height"), box_w, box_h)
    canvas = Canvas(width, height)
    margin = max(1, min(width, height) // 12) if with_dimensions else 0
    bottom = max(1, height // 10) if with_description else 0
    x0, y0, x1, y1 = margin, 0, width, height - margin - bottom
    if x1 - x0 < 3 or y1 - y0 < 3:
        x0, y0, x1, y1 = 0, 0, width, height
    _draw_element(canvas, elevation, (x0, y0, x1, y1), view)
    if with_dimensions and margin:
        _draw_dimensions(canvas, (x0, y0, x1, y1), margin)
    if bottom:
        canvas.fill(0, height - bottom, width, height, TEXT_BAR)
    return canvas.to_png()


def _draw_element(canvas, elevation, box, view):
    x0, y0, x1, y1 = box
    frame = max(1, min(x1 - x0, y1 - y0) // 16)
    canvas.fill(x0, y0, x1, y1, FRAME.get(view, FRAME["Interior"]))
    panes = pane_count(elevation)
    inner_w = x1 - x0 - 2 * frame
    for i in range(panes):
        px0 = x0 + frame + inner_w * i // panes
        px1 = x0 + frame + inner_w * (i + 1) // panes
        pane = (px0 + frame // 2, y0 + frame, px1 - frame // 2, y1 - frame)
        canvas.fill(*pane, GLASS.get(view, GLASS["Interior"]))
        if (i + len(str(elevation.get("name", "")))) % 2 == 0:
            canvas.frame(*pane, max(1, frame // 2), SASH)


def _draw_dimensions(canvas, box, margin):
    x0, y0, x1, y1 = box
    mid = margin // 2
    canvas.fill(x0, y1 + mid, x1, y1 + mid + 1, DIMENSION)
    canvas.fill(mid, y0, mid + 1, y1, DIMENSION)
    for x in (x0, x1 - 1):
        canvas.fill(x, y1 + 1, x + 1, y1 + margin, DIMENSION)
    for y in (y0, y1 - 1):
        canvas.fill(1, y, margin, y + 1, DIMENSION)
