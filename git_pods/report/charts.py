"""SVG charts for the reports (grouped bars, lines): deterministic standalone SVG 1.1 text."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence

# Okabe-Ito, the colour-blind-safe palette; yellow last because it is faint on white.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#000000", "#F0E442")
DASH = "6 4"
FONT = "Helvetica, Arial, sans-serif"  # generic local fonts only: GitHub's image proxy loads nothing
INK = "#24292f"
MUTED = "#57606a"
GRID = "#d0d7de"

_Scale = Callable[[float], float]

_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_MARGIN = 16
_LEFT = 60
_PLOT_H = 200
_BOTTOM = 40
_LEGEND_CHARS = 24
_MIN_WIDTH = 480


def clean_text(text: str) -> str:
    """Drop the characters XML 1.0 cannot hold (controls, lone surrogates), so output always parses."""
    return _XML_INVALID.sub("", str(text))


def escape(text: str) -> str:
    """Text for XML content and double-quoted attributes."""
    return (
        clean_text(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
    )


def truncate(text: str, limit: int) -> str:
    """One line of at most `limit` characters, an ellipsis marking a cut (before escaping)."""
    flat = " ".join(clean_text(text).split())
    return flat if len(flat) <= limit else flat[: max(limit - 1, 1)] + "…"


def number(value: float) -> str:
    """A value as people read it: no float noise, no trailing zeros, no exponent."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def bar_chart(
    title: str, categories: Sequence[str], series: Mapping[str, Sequence[float]], unit: str = ""
) -> str:
    """Grouped bars: one group per category, one bar per series, each bar labelled with its value."""
    found = _series(categories, series, "categories")
    if found is None:
        return _no_data(title)
    cats, data, present = found
    names = list(data)
    bar_w = 18 if len(names) <= 4 else 12
    group_w: float = max(len(names) * bar_w + 16, 64)
    width = max(_MIN_WIDTH, _LEFT + _MARGIN + group_w * len(cats))
    group_w = max(group_w, (width - _LEFT - _MARGIN) / len(cats))
    legend, legend_h = _legend(names, width, set(), lines=False)
    top = 34 + legend_h + 22
    height = top + _PLOT_H + _BOTTOM
    ticks = _ticks(present)
    y = _scale(ticks, top)
    desc = "Grouped bar chart. " + " ".join(f"{name}: {_pairs(cats, data[name], unit)}." for name in names)
    out = _open(width, height, title, desc)
    out += legend
    out += _y_axis(ticks, y, width)
    if unit:
        out.append(
            f'<text class="unit" x="{_MARGIN}" y="{_c(top - 10)}" fill="{MUTED}">'
            f"{escape(truncate(unit, 20))}</text>"
        )
    inner = bar_w - 2
    suffix = f" {truncate(unit, 20)}" if unit else ""
    for ci, cat in enumerate(cats):
        gx = _LEFT + ci * group_w + (group_w - len(names) * bar_w) / 2
        for si, name in enumerate(names):
            value = data[name][ci]
            if value is None:
                continue
            x = gx + si * bar_w
            y0, yv = y(0.0), y(value)
            label = f"{name}, {cat}: {number(value)}{suffix}"
            out.append(
                f'<rect class="bar" x="{_c(x)}" y="{_c(min(y0, yv))}" width="{inner}" '
                f'height="{_c(abs(y0 - yv))}" fill="{PALETTE[si % len(PALETTE)]}">'
                f"<title>{escape(label)}</title></rect>"
            )
            ty = yv - 3 if value >= 0 else yv + 10
            out.append(
                f'<text class="value" x="{_c(x + inner / 2)}" y="{_c(ty)}" text-anchor="middle" '
                f'font-size="9">{number(value)}</text>'
            )
        cx = _LEFT + ci * group_w + group_w / 2
        out.append(_x_label(cat, cx, top + _PLOT_H + 16, max(int(group_w / 6.6), 3)))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def line_chart(
    title: str,
    x_labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    dashed: Collection[str] = (),
) -> str:
    """Lines over a shared x axis (burndown per day); None leaves a gap; series in `dashed` are dashed."""
    found = _series(x_labels, series, "x labels")
    if found is None:
        return _no_data(title)
    labels, data, present = found
    names = list(data)
    dashes = {name for name in names if name in dashed}
    n = len(labels)
    width = max(_MIN_WIDTH, _LEFT + 2 * _MARGIN + 8 * (n - 1))
    legend, legend_h = _legend(names, width, dashes, lines=True)
    top = 34 + legend_h + 14
    height = top + _PLOT_H + _BOTTOM
    ticks = _ticks(present)
    y = _scale(ticks, top)
    plot_w = width - _LEFT - 2 * _MARGIN
    step = plot_w / (n - 1) if n > 1 else 0.0

    def x(i: int) -> float:
        return _LEFT + _MARGIN + (i * step if n > 1 else plot_w / 2)

    desc = "Line chart. " + " ".join(f"{name}: {_pairs(labels, data[name], '')}." for name in names)
    out = _open(width, height, title, desc)
    out += legend
    out += _y_axis(ticks, y, width)
    for si, name in enumerate(names):
        colour = PALETTE[si % len(PALETTE)]
        dash = f' stroke-dasharray="{DASH}"' if name in dashes else ""
        points = [(i, v) for i, v in enumerate(data[name]) if v is not None]
        commands: list[str] = []
        previous = -2
        for i, v in points:
            commands.append(f"{'L' if i == previous + 1 else 'M'}{_c(x(i))} {_c(y(v))}")
            previous = i
        if commands:
            out.append(
                f'<path class="line" d="{" ".join(commands)}" fill="none" stroke="{colour}" '
                f'stroke-width="2" stroke-linejoin="round" stroke-linecap="round"{dash}>'
                f"<title>{escape(name)}</title></path>"
            )
        for i, v in points:
            out.append(
                f'<circle class="point" cx="{_c(x(i))}" cy="{_c(y(v))}" r="2.5" fill="{colour}">'
                f"<title>{escape(f'{name}, {labels[i]}: {number(v)}')}</title></circle>"
            )
    stride = max(1, math.ceil(72 / step)) if step else 1
    for i in range(0, n, stride):
        out.append(_x_label(labels[i], x(i), top + _PLOT_H + 16, 10))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _series(
    labels: Sequence[object], series: Mapping[str, Sequence[float | None]], what: str
) -> tuple[list[str], dict[str, list[float | None]], list[float]] | None:
    """The labels as text, each series checked against them, and the values present; None when
    there is nothing to draw."""
    texts = [str(label) for label in labels]
    data = _columns(series, len(texts), what)
    present = [v for values in data.values() for v in values if v is not None]
    return (texts, data, present) if texts and present else None


def _columns(
    series: Mapping[str, Sequence[float | None]], size: int, what: str
) -> dict[str, list[float | None]]:
    columns: dict[str, list[float | None]] = {}
    for name, values in series.items():
        if len(values) != size:
            raise ValueError(f"series {name!r} has {len(values)} values for {size} {what}")
        columns[str(name)] = [_finite(v) for v in values]
    return columns


def _finite(value: float | None) -> float | None:
    if value is None:
        return None
    number_ = float(value)
    return number_ if math.isfinite(number_) else None


def _ticks(values: Iterable[float]) -> list[float]:
    """Round ticks from min(0, data) to max(0, data); a flat (all-zero) range gets 0..1."""
    finite = list(values)
    lo, hi = min([0.0, *finite]), max([0.0, *finite])
    if hi - lo <= 0:
        return [0.0, 0.5, 1.0]
    step = _nice_step((hi - lo) / 5)
    first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
    return [k * step for k in range(first, last + 1)]


def _nice_step(raw: float) -> float:
    magnitude = 10.0 ** math.floor(math.log10(raw))
    for m in (1.0, 2.0, 2.5, 5.0):
        if raw <= m * magnitude * (1 + 1e-9):
            return m * magnitude
    return 10.0 * magnitude


def _scale(ticks: list[float], top: float) -> _Scale:
    lo, hi = ticks[0], ticks[-1]

    def y(value: float) -> float:
        return top + _PLOT_H * (hi - value) / (hi - lo)

    return y


def _c(value: float) -> str:
    """A coordinate: one decimal, fixed, so output is byte-identical across runs."""
    text = f"{value:.1f}"
    text = text[:-2] if text.endswith(".0") else text
    return "0" if text == "-0" else text


def _text_w(text: str, size: float) -> float:
    return len(text) * size * 0.6


def _pairs(labels: list[str], values: list[float | None], unit: str) -> str:
    suffix = f" {unit}" if unit else ""
    return ", ".join(
        f"{label} {'no value' if v is None else number(v) + suffix}"
        for label, v in zip(labels, values, strict=True)
    )


def _open(width: float, height: float, title: str, desc: str) -> list[str]:
    name = " ".join(clean_text(title).split()) or "Chart"
    shown = truncate(name, max(int((width - 2 * _MARGIN) / 8.4), 8))
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{_c(width)}" height="{_c(height)}" '
        f'viewBox="0 0 {_c(width)} {_c(height)}" role="img" aria-label="{escape(name)}" '
        f'font-family="{FONT}" font-size="11" fill="{INK}">',
        f"<title>{escape(name)}</title>",
        f"<desc>{escape(desc)}</desc>",
        # An opaque background keeps dark text readable in GitHub's dark theme.
        f'<rect class="background" width="{_c(width)}" height="{_c(height)}" fill="#ffffff"/>',
        f'<text class="chart-title" x="{_c(width / 2)}" y="22" text-anchor="middle" font-size="14" '
        f'font-weight="bold">{escape(shown)}</text>',
    ]


def _no_data(title: str) -> str:
    out = _open(_MIN_WIDTH, 120, title, "No data.")
    out.append(
        f'<text class="no-data" x="{_MIN_WIDTH // 2}" y="72" text-anchor="middle" font-size="13" '
        f'fill="{MUTED}">No data</text>'
    )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _legend(names: list[str], width: float, dashes: set[str], *, lines: bool) -> tuple[list[str], float]:
    """Legend items in rows that wrap at the chart's width; returns the parts and the height used."""
    out: list[str] = []
    x, row = float(_MARGIN), 0
    for i, name in enumerate(names):
        label = truncate(name, _LEGEND_CHARS)
        item_w = 22 + _text_w(label, 11) + 14
        if x + item_w > width - _MARGIN and x > _MARGIN:
            x, row = float(_MARGIN), row + 1
        base = 34 + 12 + row * 18
        colour = PALETTE[i % len(PALETTE)]
        if lines:
            dash = f' stroke-dasharray="{DASH}"' if name in dashes else ""
            swatch = (
                f'<line x1="{_c(x)}" y1="{base - 4}" x2="{_c(x + 18)}" y2="{base - 4}" stroke="{colour}" '
                f'stroke-width="2"{dash}/>'
            )
        else:
            swatch = f'<rect x="{_c(x + 2)}" y="{base - 9}" width="12" height="10" fill="{colour}"/>'
        out.append(
            f'<g class="legend-item"><title>{escape(name)}</title>{swatch}'
            f'<text x="{_c(x + 22)}" y="{base}">{escape(label)}</text></g>'
        )
        x += item_w
    return out, (row + 1) * 18 if names else 0


def _y_axis(ticks: list[float], y: _Scale, width: float) -> list[str]:
    out = []
    for tick in ticks:
        ty = _c(y(tick))
        colour = MUTED if tick == 0 else GRID
        out.append(
            f'<line class="grid" x1="{_LEFT}" y1="{ty}" x2="{_c(width - _MARGIN)}" y2="{ty}" '
            f'stroke="{colour}"/>'
        )
        out.append(
            f'<text class="tick" x="{_LEFT - 6}" y="{ty}" dy="4" text-anchor="end" fill="{MUTED}">'
            f"{number(tick)}</text>"
        )
    return out


def _x_label(text: str, x: float, y: float, limit: int) -> str:
    shown = truncate(text, limit)
    hint = f"<title>{escape(text)}</title>" if shown != " ".join(clean_text(text).split()) else ""
    return f'<text class="category" x="{_c(x)}" y="{_c(y)}" text-anchor="middle">{hint}{escape(shown)}</text>'
