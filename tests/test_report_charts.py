"""The report's SVG charts and HTML page: well-formed XML, one mark per data point, hostile labels
escaped, empty and all-zero data, byte-identical output (golden files; GIT_PODS_UPDATE_GOLDEN=1
rewrites them), and a page that references nothing on the network."""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from git_pods.report.charts import PALETTE, bar_chart, line_chart, number
from git_pods.report.page import html_page, inline_svg, text_blocks

NS = {"s": "http://www.w3.org/2000/svg"}
GOLDEN = Path(__file__).parent / "golden"
HOSTILE = "a<b>&\"c' </svg><script>alert(1)</script>\x00\x1b"

VELOCITY = {"dev-pod": [3.0, 5.0, 8.0], "qa-pod": [1.0, 0.0, 2.5], "research-pod": [0.0, 4.0, 1.0]}
SPRINTS = ["Sprint 1", "Sprint 2", "Sprint 3"]
DAYS = [f"2026-01-{d:02}" for d in range(5, 15)]
BURNDOWN: dict[str, list[float | None]] = {
    "outstanding": [10, 9, 9, 7, None, None, 5, 3, 2, 1],
    "delivered": [0, 1, 1, 3, 4, 4, 5, 7, 8, 9],
    "ideal": [10 - 10 * i / 9 for i in range(10)],
}


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return root


def titles(root: ET.Element, tag: str, css: str) -> list[str]:
    return [el.findtext("s:title", "", NS) for el in root.iterfind(f".//s:{tag}[@class='{css}']", NS)]


def velocity() -> str:
    return bar_chart("Velocity: patches per pod", SPRINTS, VELOCITY, unit="patches")


def burndown() -> str:
    return line_chart("Burndown, sprint 1", DAYS, BURNDOWN, dashed={"ideal"})


# -- standalone SVG -----------------------------------------------------------------------------


@pytest.mark.parametrize("svg", [velocity(), burndown(), bar_chart("x", [], {}), line_chart("x", [], {})])
def test_a_chart_is_standalone_accessible_svg(svg: str) -> None:
    root = parse(svg)
    assert root.get("version") == "1.1"
    width, height = float(root.get("width", "0")), float(root.get("height", "0"))
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    assert width > 0
    assert height > 0
    assert root.get("role") == "img"
    assert root.get("aria-label")
    assert root[0].tag == "{http://www.w3.org/2000/svg}title"
    assert root[1].tag == "{http://www.w3.org/2000/svg}desc"
    assert not svg.startswith("<?xml")
    # nothing to load, nothing to run, no ids to collide when several charts share a page
    for element in root.iter():
        assert element.tag.rpartition("}")[2] not in ("script", "image", "style", "foreignObject")
        assert not any(name.rpartition("}")[2] in ("href", "src", "id") for name in element.attrib)
        assert not any(name.startswith("on") for name in element.attrib)
    assert "url(" not in svg
    assert svg.count("http") == 1  # the xmlns namespace name only


def test_bar_chart_draws_one_titled_bar_per_value() -> None:
    root = parse(velocity())
    bars = titles(root, "rect", "bar")
    assert len(bars) == 9
    assert "dev-pod, Sprint 3: 8 patches" in bars
    assert "qa-pod, Sprint 3: 2.5 patches" in bars
    assert "research-pod, Sprint 1: 0 patches" in bars
    values = [t.text for t in root.iterfind(".//s:text[@class='value']", NS)]
    assert sorted(values) == sorted(number(v) for vs in VELOCITY.values() for v in vs)
    legend = [g.findtext("s:title", "", NS) for g in root.iterfind(".//s:g[@class='legend-item']", NS)]
    assert legend == list(VELOCITY)
    categories = [t.text for t in root.iterfind(".//s:text[@class='category']", NS)]
    assert categories == SPRINTS
    fills = {bar.get("fill") for bar in root.iterfind(".//s:rect[@class='bar']", NS)}
    assert fills == set(PALETTE[:3])


def test_bar_heights_are_proportional_and_ticks_round() -> None:
    root = parse(bar_chart("v", ["a", "b"], {"p": [2.0, 8.0]}))
    heights = [float(b.get("height", "0")) for b in root.iterfind(".//s:rect[@class='bar']", NS)]
    assert heights[1] == pytest.approx(4 * heights[0], abs=0.2)
    ticks = [t.text for t in root.iterfind(".//s:text[@class='tick']", NS)]
    assert ticks == ["0", "2", "4", "6", "8"]
    ticks = [
        t.text for t in parse(bar_chart("v", ["a"], {"p": [0.3]})).iterfind(".//s:text[@class='tick']", NS)
    ]
    assert ticks == ["0", "0.1", "0.2", "0.3"]


def test_negative_values_hang_below_the_zero_line() -> None:
    root = parse(bar_chart("delta", ["a", "b"], {"p": [-3.0, 7.0]}))
    ticks = [t.text for t in root.iterfind(".//s:text[@class='tick']", NS)]
    assert ticks[0] == "-4"
    assert ticks[-1] == "8"
    low, high = root.iterfind(".//s:rect[@class='bar']", NS)
    assert float(low.get("y", "0")) > float(high.get("y", "0"))


def test_line_chart_draws_one_path_per_series_with_gaps_and_dashes() -> None:
    root = parse(burndown())
    paths = {p.findtext("s:title", "", NS): p for p in root.iterfind(".//s:path[@class='line']", NS)}
    assert list(paths) == ["outstanding", "delivered", "ideal"]
    assert paths["ideal"].get("stroke-dasharray")
    assert paths["outstanding"].get("stroke-dasharray") is None
    # the two missing days split the outstanding line into two runs
    assert paths["outstanding"].get("d", "").count("M") == 2
    assert paths["delivered"].get("d", "").count("M") == 1
    points = titles(root, "circle", "point")
    assert len(points) == 8 + 10 + 10
    assert "outstanding, 2026-01-05: 10" in points
    assert "ideal, 2026-01-06: 8.888889" in points
    assert not any(p.startswith("outstanding, 2026-01-09") for p in points)
    dashed_legend = root.findall(".//s:g[@class='legend-item']/s:line[@stroke-dasharray]", NS)
    assert len(dashed_legend) == 1


def test_line_chart_thins_crowded_x_labels_but_keeps_every_point() -> None:
    labels = [f"day {i}" for i in range(60)]
    root = parse(line_chart("long", labels, {"s": [float(i) for i in range(60)]}))
    shown = [t.text for t in root.iterfind(".//s:text[@class='category']", NS)]
    assert shown[0] == "day 0"
    assert 5 < len(shown) < 60
    assert len(titles(root, "circle", "point")) == 60


def test_a_lone_point_between_gaps_is_still_drawn() -> None:
    root = parse(line_chart("one", ["a", "b", "c"], {"s": [None, 4.0, None], "t": [None, None, None]}))
    assert titles(root, "circle", "point") == ["s, b: 4"]
    assert titles(root, "path", "line") == ["s"]  # an all-gap series has no line, but keeps its legend
    assert len(root.findall(".//s:g[@class='legend-item']", NS)) == 2


@pytest.mark.parametrize(
    "svg",
    [
        velocity(),
        burndown(),
        bar_chart("neg", ["a", "b"], {"p": [-3.0, 7.0]}),
        bar_chart(
            "many",
            [f"S{i}" for i in range(30)],
            {f"pod-{k}": [float(i * k) for i in range(30)] for k in range(9)},
        ),
        line_chart("one", ["only"], {"s": [1.0]}),
    ],
)
def test_every_mark_stays_inside_the_view_box(svg: str) -> None:
    root = parse(svg)
    width, height = float(root.get("width", "0")), float(root.get("height", "0"))
    for element in root.iter():
        for name in ("x", "x1", "x2", "cx"):
            if name in element.attrib:
                assert 0 <= float(element.attrib[name]) <= width, ET.tostring(element)
        for name in ("y", "y1", "y2", "cy"):
            if name in element.attrib:
                assert 0 <= float(element.attrib[name]) <= height, ET.tostring(element)
        if "height" in element.attrib and element is not root:
            assert float(element.get("y", "0")) + float(element.attrib["height"]) <= height
        for x, y in re.findall(r"[ML]([-\d.]+) ([-\d.]+)", element.get("d", "")):
            assert 0 <= float(x) <= width
            assert 0 <= float(y) <= height


# -- hostile, empty and degenerate input --------------------------------------------------------


def test_hostile_labels_are_escaped_everywhere() -> None:
    for svg in (
        bar_chart(HOSTILE, [HOSTILE], {HOSTILE: [1.0]}, unit=HOSTILE),
        line_chart(HOSTILE, [HOSTILE], {HOSTILE: [1.0]}, dashed={HOSTILE}),
    ):
        root = parse(svg)
        assert "<script" not in svg
        assert "\x00" not in svg
        assert root.findtext("s:title", "", NS).startswith("a<b>&\"c' </svg><script>")
        assert not root.findall(".//s:script", NS)


def test_long_labels_are_truncated_with_the_full_text_kept_in_a_title() -> None:
    long = "a-very-long-pod-name-that-goes-on-and-on-forever"
    cats = [f"{long}-{i}" for i in range(8)]
    root = parse(bar_chart("t" * 300, cats, {long: [1.0] * 8}))
    legend = root.find(".//s:g[@class='legend-item']", NS)
    assert legend is not None
    assert legend.findtext("s:title", "", NS) == long
    assert legend.findtext("s:text", "", NS).endswith("…")
    assert len(legend.findtext("s:text", "", NS)) == 24
    category = root.find(".//s:text[@class='category']", NS)
    assert category is not None
    assert category.findtext("s:title", "", NS) == cats[0]
    hint = category.find("s:title", NS)
    assert hint is not None
    assert (hint.tail or "").endswith("…")  # the visible label follows its full-text tooltip
    heading = root.find(".//s:text[@class='chart-title']", NS)
    assert heading is not None
    assert (heading.text or "").endswith("…")
    assert root.findtext("s:title", "", NS) == "t" * 300


@pytest.mark.parametrize(
    "svg",
    [
        bar_chart("Velocity", [], {}),
        bar_chart("Velocity", ["S1"], {}),
        bar_chart("Velocity", [], {"dev-pod": []}),
        bar_chart("Velocity", ["S1"], {"dev-pod": [float("nan")]}),
        line_chart("Burndown", [], {}),
        line_chart("Burndown", ["d1", "d2"], {"s": [None, None]}),
    ],
)
def test_empty_data_says_no_data(svg: str) -> None:
    root = parse(svg)
    assert root.findtext(".//s:text[@class='no-data']", "", NS) == "No data"
    assert root.findtext("s:desc", "", NS) == "No data."
    assert not root.findall(".//s:rect[@class='bar']", NS)
    assert not root.findall(".//s:path", NS)


def test_all_zero_data_draws_flat_marks_on_a_unit_axis() -> None:
    root = parse(bar_chart("zeros", ["a", "b"], {"p": [0.0, 0.0], "q": [0.0, 0.0]}))
    bars = root.findall(".//s:rect[@class='bar']", NS)
    assert len(bars) == 4
    assert {b.get("height") for b in bars} == {"0"}
    assert [t.text for t in root.iterfind(".//s:text[@class='tick']", NS)] == ["0", "0.5", "1"]
    root = parse(line_chart("zeros", ["a"], {"p": [0.0]}))
    assert titles(root, "circle", "point") == ["p, a: 0"]
    assert "nan" not in ET.tostring(root, encoding="unicode").lower()


def test_infinities_are_treated_as_missing() -> None:
    root = parse(line_chart("inf", ["a", "b"], {"p": [float("inf"), 2.0]}))
    assert titles(root, "circle", "point") == ["p, b: 2"]


def test_series_must_match_the_categories() -> None:
    with pytest.raises(ValueError, match="'dev-pod' has 2 values for 3 categories"):
        bar_chart("v", SPRINTS, {"dev-pod": [1.0, 2.0]})
    with pytest.raises(ValueError, match="for 1 x labels"):
        line_chart("b", ["d1"], {"s": [1.0, 2.0]})


def test_many_series_cycle_the_palette() -> None:
    series = {f"pod-{i}": [float(i)] for i in range(10)}
    root = parse(bar_chart("many", ["S1"], series))
    fills = [b.get("fill") for b in root.iterfind(".//s:rect[@class='bar']", NS)]
    assert fills[: len(PALETTE)] == list(PALETTE)
    assert fills[len(PALETTE)] == PALETTE[0]
    items = root.findall(".//s:g[@class='legend-item']", NS)
    rows = {item.find("s:text", NS).get("y") for item in items}  # type: ignore[union-attr]
    assert len(rows) > 1  # the legend wraps instead of running off the chart


# -- determinism and golden files ---------------------------------------------------------------


def test_output_is_deterministic() -> None:
    assert velocity() == velocity()
    assert burndown() == burndown()
    reordered = dict(reversed(list(VELOCITY.items())))
    assert bar_chart("Velocity: patches per pod", SPRINTS, reordered, unit="patches") != velocity()


@pytest.mark.parametrize(("name", "make"), [("velocity.svg", velocity), ("burndown.svg", burndown)])
def test_charts_match_their_golden_files(name: str, make: object) -> None:
    assert callable(make)
    svg: str = make()
    golden = GOLDEN / name
    if os.environ.get("GIT_PODS_UPDATE_GOLDEN") == "1":
        golden.write_bytes(svg.encode("utf-8"))
    # a checkout with autocrlf must not count as a change
    assert svg.encode("utf-8") == golden.read_bytes().replace(b"\r\n", b"\n"), (
        f"{name} changed; if intended, rerun with GIT_PODS_UPDATE_GOLDEN=1 and review the diff"
    )


# -- the HTML page ------------------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.refs += [value or "" for name, value in attrs if name.lower() in ("src", "href", "xlink:href")]


def test_the_page_is_self_contained_with_the_charts_inlined() -> None:
    charts = [velocity(), burndown()]
    text = "Velocity of **every** pod, see https://example.com/x and `git pod-report`."
    page = html_page("Sprint 1 <dashboard>", [("Velocity", text, charts[:1]), ("Burndown", "", charts[1:])])
    links = _Links()
    links.feed(page)
    assert links.refs == ["#section-1", "#section-2"]
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.IGNORECASE)
    for chart in charts:
        assert chart.strip() in page
    assert links.tags.count("svg") == 2
    assert "script" not in links.tags
    assert "link" not in links.tags
    assert "<title>Sprint 1 &lt;dashboard&gt;</title>" in page
    assert "Content-Security-Policy" in page
    assert "<strong>every</strong>" in page
    assert "<code>git pod-report</code>" in page
    assert html_page("x", [("a", "b", [velocity()])]) == html_page("x", [("a", "b", [velocity()])])


def test_the_page_escapes_hostile_text() -> None:
    page = html_page(
        HOSTILE, [(HOSTILE, HOSTILE + "\n\n- " + HOSTILE + "\n\n| a |\n|---|\n| " + HOSTILE + " |", [])]
    )
    links = _Links()
    links.feed(page)
    assert "script" not in links.tags
    assert "\x00" not in page
    assert "&lt;script&gt;" in page


def test_markdownish_text_becomes_blocks() -> None:
    text = (
        "# Retro\n\nWhat went **well**:\n\n- fast reviews\n- `qa-pod` caught 3 bugs\n\n"
        "| pod | patches |\n|:---|---:|\n| dev-pod | 3 |\n| a\\|b | 4 |\n\n"
        "pod      lines\ndev-pod  12\n\n```\nraw <x>\n```"
    )
    assert text_blocks(text) == [
        "<h3>Retro</h3>",
        "<p>What went <strong>well</strong>:</p>",
        "<ul><li>fast reviews</li><li><code>qa-pod</code> caught 3 bugs</li></ul>",
        '<table><thead><tr><th>pod</th><th class="r">patches</th></tr></thead><tbody>'
        '<tr><td>dev-pod</td><td class="r">3</td></tr>'
        '<tr><td>a|b</td><td class="r">4</td></tr></tbody></table>',
        "<pre>pod      lines\ndev-pod  12</pre>",
        "<pre>raw &lt;x&gt;</pre>",
    ]
    assert text_blocks("| not | a table |") == ["<pre>| not | a table |</pre>"]


def test_inline_svg_drops_the_prolog() -> None:
    svg = velocity()
    assert inline_svg('<?xml version="1.0" encoding="UTF-8"?>\n' + svg) == svg.strip()


@pytest.mark.parametrize(
    ("svg", "reason"),
    [
        ("<svg", "not well-formed"),
        ("<html/>", "not an SVG"),
        ('<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>', "<script>"),
        ('<svg xmlns="http://www.w3.org/2000/svg" onload="x()"/>', "event handler"),
        (
            '<svg xmlns="http://www.w3.org/2000/svg" xmlns:l="http://www.w3.org/1999/xlink">'
            '<use l:href="https://evil.example/a.svg#x"/></svg>',
            "points outside",
        ),
        (
            '<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url(https://e.example/p)"/></svg>',
            "style",
        ),
        (
            '<svg xmlns="http://www.w3.org/2000/svg"><style>@import "https://e.example/c.css";</style></svg>',
            "style",
        ),
        ('<!DOCTYPE svg [<!ENTITY a "b">]><svg xmlns="http://www.w3.org/2000/svg"/>', "DOCTYPE"),
    ],
)
def test_inline_svg_refuses_anything_that_runs_or_loads(svg: str, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)):
        html_page("t", [("s", "", [svg])])
