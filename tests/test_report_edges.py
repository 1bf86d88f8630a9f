"""`git pod-report` at its edges, end to end through the installed executable on real repositories:
empty histories, thousands of commits, the retrospective keeping the team's answers, the HTML page
and SVG charts, JSON output, hostile notes and records, usage errors, and a calendar across a
daylight-saving change. Every expected number is derived by hand in the comments beside it.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest
from reporting import CONFIG, NOW, Stream, event, records, trailers, ts

from git_pods.report.jsondoc import as_json
from git_pods.report.text import key
from helpers import Result, cli, git

SVG = "{http://www.w3.org/2000/svg}"
AFTER = "2026-02-10T00:00:00Z"  # after the story's sprints 1 and 2: every day of them has numbers
NEW_YORK = CONFIG.replace(
    "start: '2026-01-05'\n  length_days: 14\n  timezone: Europe/Berlin",
    "start: '2026-03-02'\n  length_days: 7\n  timezone: America/New_York",
)
assert NEW_YORK != CONFIG
PODS = ("dev-pod", "qa-pod", "research-pod")
EVIL = "<script>alert(1)</script> | `tick` \n # h"


def ok(root: Path, *args: str) -> Result:
    done = cli(root, "report", *args)
    assert done.code == 0 and "Traceback" not in done.text, done.text
    return done


def doc(root: Path, *args: str) -> dict:
    return json.loads(ok(root, *args, "--format", "json").out)


def totals(d: dict) -> tuple[int, ...]:
    t = d["velocity"]["totals"]
    return tuple(t[k] for k in ("promoted", "accepted", "delivered", "tasks_completed", "rejected"))


def by_pod(d: dict) -> list[tuple[int, int, int, int]]:
    """(promoted, accepted, delivered, tasks completed) of dev-pod, qa-pod and research-pod."""
    assert [r["pod"] for r in d["velocity"]["pods"]][:3] == list(PODS)
    return [
        (r["promoted"], r["accepted"], r["delivered"], r["tasks_completed"]) for r in d["velocity"]["pods"]
    ]


def assert_tables_whole(text: str) -> int:
    """Every row of every Markdown table has as many unescaped `|` as its header; returns the rows."""
    seen, width = 0, None
    for line in text.split("\n"):
        pipes = len(re.findall(r"(?<!\\)\|", line)) if line.startswith("|") else None
        width = pipes if width is None or pipes is None else width
        assert pipes == width, line[:200]
        seen += pipes is not None
    return seen


# -- 1. nothing to count is zeros, not errors -----------------------------------------------------

ZERO_WEEKS = [0] * 14


def test_a_fresh_repository_reports_zeros(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_PODS_NOW", NOW)
    done = ok(repo)
    assert done.err == ""
    names = ["CHANGELOG.md", "burndown.md", "burndown.svg", "retrospective.md", "velocity.md", "velocity.svg"]
    assert sorted(p.name for p in (repo / "reports").iterdir()) == names
    d = doc(repo)
    assert (d["commits"], d["window"]["label"], d["violations"]) == (0, "all time", [])
    assert totals(d) == (0, 0, 0, 0, 0)
    assert [r["pod"] for r in d["velocity"]["pods"]] == [*PODS, "delivery-pod", "wow-pod"]  # built-in config
    b = d["burndown"]  # all time with nothing known: from today to today
    assert (b["days"], b["tasks_outstanding"], b["ideal"], b["open_tasks"]) == (["2026-01-16"], [0], [0], [])
    assert d["changelog"] == {"releases": [], "missing": {}}
    assert "No patch has been accepted" in (repo / "reports" / "CHANGELOG.md").read_text()
    # a calendar (not even committed yet): sprint 1 is 14 local days, all of them zero
    (repo / ".pods").mkdir()
    (repo / ".pods" / "config.yaml").write_text(CONFIG)
    monkeypatch.setenv("GIT_PODS_NOW", AFTER)
    b = doc(repo, "burndown", "--sprint", "1")["burndown"]
    assert (b["days"][0], b["days"][-1], len(b["days"])) == ("2026-01-05", "2026-01-18", 14)
    for column in ("tasks_outstanding", "tasks_delivered", "features_outstanding", "features_delivered"):
        assert b[column] == ZERO_WEEKS, column
    assert (b["ideal"], b["open_tasks"], b["scope"]) == ([0] * 14, [], 0)


def test_commits_without_notes_report_zeros(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / ".pods").mkdir()
    (repo / ".pods" / "config.yaml").write_text(CONFIG)
    git(repo, "add", ".")
    for n, day in enumerate(("2026-01-06", "2026-01-09", "2026-01-20")):
        monkeypatch.setenv("GIT_COMMITTER_DATE", f"{day}T10:00:00Z")
        git(repo, "commit", "-q", "--allow-empty", "-m", f"plain {n}")
    git(repo, "tag", "v1.0")
    monkeypatch.setenv("GIT_PODS_NOW", AFTER)
    done = ok(repo, "all", "--sprint", "1")
    assert done.err == ""  # nothing unreadable: no warnings either
    d = doc(repo, "all", "--sprint", "1")
    assert (d["commits"], totals(d)) == (3, (0, 0, 0, 0, 0))
    assert d["burndown"]["tasks_outstanding"] == ZERO_WEEKS and d["burndown"]["open_tasks"] == []
    assert d["retrospective"]["idle"] == ["dev-pod", "qa-pod", "research-pod"]
    assert d["changelog"]["releases"] == []
    for name in ("velocity.md", "burndown.md", "retrospective.md", "CHANGELOG.md"):
        assert_tables_whole((repo / "reports" / name).read_text())


def test_a_sprint_with_no_activity(storied: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_PODS_NOW", "2026-06-01T00:00:00Z")  # sprint 9 (04-27..05-10) is over
    ok(storied, "all", "--sprint", "9")
    for name in ("velocity.md", "burndown.md", "retrospective.md", "CHANGELOG.md"):
        assert_tables_whole((storied / "reports" / name).read_text())
    d = doc(storied, "all", "--sprint", "9")
    assert d["window"]["label"] == "Sprint 9"
    assert totals(d) == (0, 0, 0, 0, 0)
    assert [t[0]["label"] for t in d["velocity"]["trend"]] == [f"Sprint {n}" for n in range(4, 10)]
    assert all(p["promoted"] == 0 for _w, pods in d["velocity"]["trend"] for p in pods)
    b = d["burndown"]
    assert (b["days"][0], b["days"][-1], len(b["days"])) == ("2026-04-27", "2026-05-10", 14)
    # F1.1 and F1.2 were delivered before the sprint; F1.3, F2.1, F3.1 (features F1, F2, F3) are open
    assert b["tasks_outstanding"] == [3] * 14 and b["tasks_delivered"] == ZERO_WEEKS
    assert b["features_outstanding"] == [3] * 14 and b["features_delivered"] == ZERO_WEEKS
    assert (b["ideal"][0], b["ideal"][-1], b["scope"]) == (3, 0, 3)
    still_open = [(t["task"], t["holder"]) for t in b["open_tasks"]]
    assert still_open == [("F1.3", "dev-pod"), ("F2.1", "research-pod"), ("F3.1", "dev-pod")]
    r = d["retrospective"]
    assert (r["rejections"], r["rework"], r["bypasses"], r["slowest"]) == ([], [], [], [])
    assert [q[0] for q in r["questions"]] == ["went-well", *(f"idle-{p}" for p in PODS), "next"]


# -- 2. thousands of commits ----------------------------------------------------------------------

T0 = ts("2026-01-04 23:00")  # sprint 1 starts at Berlin midnight, 01-05; slot n is T0 + n * 10 min
WAYS = ("direct", "merge", "squash", "unmerged")


def big_history(root: Path) -> None:
    """3,000 commits, one per 10-minute slot. Slots 0-2015 are sprint 1 (2016 slots = 14 days),
    2016-2999 sprint 2. Unit k (0-149) starts at slot 20k+10: pod k%3, way k%4, task F<k+1>.1:
    direct (a pod commit on main), merge (a branch commit, merged at the next slot), squash (two
    branch commits, squashed onto main at the third slot with both Patch-Id trailers) or unmerged
    (a branch commit, never merged). Every other slot is a plain commit on main. v1.0 (annotated,
    in sprint 1) tags slot 1000, v2.0 (lightweight, sprint 2) slot 2500, `nightly` (no release) the tip."""
    s = Stream()
    on_main = {0: s.commit("main", "start", T0, {".pods/config.yaml": CONFIG})}
    unit = {20 * k + 10: k for k in range(150)}
    slot = 1
    while slot < 3000:
        k = unit.get(slot)
        at = T0 + 600 * slot
        if k is None:
            on_main[slot] = s.commit("main", f"plain {slot}", at)
            slot += 1
            continue
        way, pod, task = WAYS[k % 4], PODS[k % 3], f"F{k + 1}.1"
        ids = [f"patch_{k:03d}a", f"patch_{k:03d}b"] if way == "squash" else [f"patch_{k:03d}"]
        notes = [event("assigned", at - 300, pod=pod, task=task, by="Lead")]
        for n, patch in enumerate(ids):
            notes.append(event("promoted", at + 600 * n, pod=pod, task=task, patch=patch, added=2, deleted=1))
        branch, base = f"pods/{task}", s.tips["main"]
        if way == "direct":
            s.commit("main", task + trailers(pod, task, *ids), at, notes=tuple(notes))
        elif way in ("merge", "unmerged"):
            tip = s.commit(branch, task + trailers(pod, task, *ids), at, start=base, notes=tuple(notes))
            if way == "merge":
                s.commit("main", f"Merge {branch}", at + 600, merge=tip)
        else:
            s.commit(branch, "part a" + trailers(pod, task, ids[0]), at, start=base, notes=tuple(notes[:2]))
            s.commit(branch, "part b" + trailers(pod, task, ids[1]), at + 600, notes=(notes[2],))
            s.commit("main", f"{task} (#{k})" + trailers(pod, task, *ids), at + 1200)
        slot += {"direct": 1, "merge": 2, "squash": 3, "unmerged": 1}[way]
    s.tag("v1.0", on_main[1000], "2026-01-11 21:41")  # slot 1000 is 01-11 21:40 UTC
    s.tag("v2.0", on_main[2500])
    s.tag("nightly", s.tips["main"])
    s.run(root)
    git(root, "checkout", "-q", "main")


def test_thousands_of_commits_counted_per_pod_and_sprint(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big_history(repo)
    monkeypatch.setenv("GIT_PODS_NOW", AFTER)
    one, two = doc(repo, "all", "--sprint", "1"), doc(repo, "all", "--sprint", "2")
    assert one["commits"] == 3000
    # no commit holds records: GP904 for the changelog of each of the 150 accepted patches (the
    # changelog covers all releases) and for the trace of each of the 126 promoted in sprint 1
    assert [v["rule"] for v in one["violations"]] == ["GP904"] * (150 + 126)
    # Sprint 1 holds units 0-100 (unit 100 ends at slot 2012): residues k%12 0-4 occur 9 times, 5-11
    # 8 times; residue r is pod r%3, way r%4. dev-pod: r0 direct 9, r3 unmerged 9, r6 squash 8 (16
    # patches), r9 merge 8 -> promoted 42, accepted 33. qa-pod: r1 merge 9, r4 direct 9, r7 unmerged
    # 8, r10 squash 8 -> 42, 34. research-pod: r2 squash 9, r5 merge 8, r8 direct 8, r11 unmerged 8
    # -> 42, 34. v1.0 (slot 1000) holds units 0-49 (20k+12 <= 1000): residues 0,1 five times, the
    # others four: delivered dev 5+8+4=17 (tasks 13), qa 5+4+8=17 (13), research 8+4+4=16 (12).
    assert by_pod(one) == [(42, 33, 17, 13), (42, 34, 17, 13), (42, 34, 16, 12)]
    assert totals(one) == (126, 101, 50, 38, 0)
    assert one["velocity"]["totals"]["added"] == 252 and one["velocity"]["totals"]["deleted"] == 126
    # Sprint 2 holds units 101-149 (49: residue 5 five times, the others four): dev 4+4+8+4 = 20
    # promoted, 16 accepted; qa 20, 16; research 8+5+4+4 = 21, 17. v2.0 (slot 2500) delivers units
    # 50-124 (75: residues 2,3,4 seven times, the others six): dev 6+12+6=24 (tasks 18), qa 6+7+12=25
    # (19), research 14+6+6=26 (19). Units 125-149 are accepted but in no release (nightly is none).
    assert by_pod(two) == [(20, 16, 24, 18), (20, 16, 25, 19), (21, 17, 26, 19)]
    assert totals(two) == (61, 49, 75, 56, 0)
    trend = [[p["promoted"] for p in pods] for _w, pods in two["velocity"]["trend"]]
    assert trend == [[42, 42, 42], [20, 20, 21]]
    # burndown: sprint 1's 101 tasks, 38 done by its last day; sprint 2 adds 49 tasks to the 63 open
    b1, b2 = one["burndown"], two["burndown"]
    assert (b1["scope"], b1["tasks_delivered"][-1], b1["tasks_outstanding"][-1]) == (101, 38, 63)
    assert (b2["scope"], b2["tasks_delivered"][-1], b2["tasks_outstanding"][-1]) == (112, 56, 56)
    # the changelog finds no records in these commits: every accepted patch is listed as missing
    assert len(one["changelog"]["missing"]) == 150
    assert [r["name"] for r in one["changelog"]["releases"]] == ["Unreleased", "v2.0", "v1.0"]


# -- 3. the retrospective keeps the team's answers ------------------------------------------------

WENT_WELL = "Pairing on F1.2 worked.\n\n- keep the *squash* merges\n- `pod-sync` daily | always"
BLOCKED = "Blocked on the data export."
END = "<!-- git-pods:retro-end -->\n"
PARAGRAPH = "Team notes: we meet on Fridays; answers below are ours.\n\n"


def answer(text: str, key: str, value: str) -> str:
    marker = f"<!-- answer:{key} -->\n_No answer yet._\n"
    assert text.count(marker) == 1, key
    return text.replace(marker, f"<!-- answer:{key} -->\n{value}\n")


def section(text: str, sprint: int) -> str:
    start = text.index(f'<!-- git-pods:retro id="sprint-{sprint}" -->')
    return text[start : text.index(END, start) + len(END)]


def answered(storied: Path) -> Path:
    """The story's sprint 1 retrospective, with two answers and a paragraph written into it."""
    ok(storied, "retro", "--sprint", "1")
    path = storied / "reports" / "retrospective.md"
    text = answer(path.read_text(), "went-well", WENT_WELL)
    text = answer(text, "idle-research-pod", BLOCKED)
    assert text.startswith("# Retrospective\n\n")
    path.write_text(text.replace("# Retrospective\n\n", "# Retrospective\n\n" + PARAGRAPH, 1))
    return path


def test_the_retrospective_keeps_answers_across_runs_and_sprints(
    storied: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = answered(storied)
    written = path.read_bytes()
    ok(storied, "retro", "--sprint", "1")
    assert path.read_bytes() == written  # same facts: the file comes back byte for byte
    # new events: a second GP301 rejection, and v1.2 (01-15) delivers research-pod's patch_d
    rejected = event("rejected", "2026-01-15 09:00", pod="dev-pod", patch="patch_x", rule="GP301")
    git(storied, "notes", "--ref=pods", "append", "-m", rejected, "main")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2026-01-15T10:00:00Z")
    git(storied, "tag", "-a", "-m", "v1.2", "v1.2", "pods/F2.1")
    ok(storied, "retro", "--sprint", "1")
    text = path.read_text()
    assert text.startswith("# Retrospective\n\n" + PARAGRAPH + '<!-- git-pods:retro id="sprint-1" -->\n')
    assert "- **Rejections:** 2 (GP301 ×2)" in text and "- **Pods with no delivery:** none" in text
    assert f"<!-- answer:went-well -->\n{WENT_WELL}\n<!-- /answer -->" in text
    assert "#### 2 rejection(s) for GP301" in text  # the question follows the facts, its key stays
    assert text.count("<!-- answer:idle-research-pod -->") == 1
    earlier = text.index("### Earlier answers")
    assert text.index(BLOCKED) > earlier
    assert (
        "#### research-pod delivered nothing: was it blocked, or not needed?\n\n"
        f"<!-- answer:idle-research-pod -->\n{BLOCKED}\n<!-- /answer -->"
    ) in text[earlier:]
    first = section(text, 1)
    ok(storied, "retro", "--sprint", "2")
    two = path.read_text()
    assert two.startswith("# Retrospective\n\n" + PARAGRAPH + '<!-- git-pods:retro id="sprint-2" -->\n')
    assert section(two, 1) == first and two.index("sprint-2") < two.index("sprint-1")
    assert two.endswith(first)
    ok(storied, "retro", "--sprint", "1")  # the older sprint again: both stay, each in its place
    assert path.read_text() == two


def test_a_hand_written_retrospective_is_kept_whole(storied: Path) -> None:
    path = storied / "reports" / "retrospective.md"
    path.parent.mkdir()
    mine = "Our notes, before git-pods\n\n| who | what |\n| --- | --- |\n| Ana | <b>kept</b> |\n\n_end_"
    path.write_text(mine)
    ok(storied, "retro", "--sprint", "1")
    text = path.read_text()
    assert text.startswith('# Retrospective\n\n<!-- git-pods:retro id="sprint-1" -->\n')
    assert text.endswith("<!-- git-pods:retro-end -->\n\n" + mine)
    ok(storied, "retro", "--sprint", "1")
    assert path.read_text() == text


def test_a_crlf_retrospective_keeps_its_answers(storied: Path) -> None:
    path = answered(storied)
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    ok(storied, "retro", "--sprint", "1")
    text = path.read_bytes().decode().replace("\r\n", "\n")
    assert text.count('<!-- git-pods:retro id="sprint-1" -->') == 1
    assert f"<!-- answer:went-well -->\n{WENT_WELL}\n<!-- /answer -->" in text


def odd_pod(root: Path, pod: str) -> None:
    """Sprint 1 of the story's calendar: pod is assigned F1.1, and rejected with rule=pod."""
    s = Stream()
    assigned = event("assigned", "2026-01-05 09:00", pod=pod, task="F1.1", by="Lead")
    rejected = event("rejected", "2026-01-05 10:00", pod=pod, patch="patch_1", rule=pod)
    s.commit("main", "base", "2026-01-05 08:00", {".pods/config.yaml": CONFIG}, notes=(assigned, rejected))
    s.run(root)
    git(root, "checkout", "-q", "main")


def test_retro_questions_escape_names_from_notes(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    odd_pod(repo, EVIL)
    monkeypatch.setenv("GIT_PODS_NOW", NOW)
    ok(repo, "retro", "--sprint", "1")
    text = (repo / "reports" / "retrospective.md").read_text()
    assert "<script>" not in text
    assert all(line.startswith("#### ") for line in text.split("\n") if "delivered nothing" in line)


def test_an_answer_about_a_pod_with_a_space_is_kept(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    odd_pod(repo, "ux team")
    monkeypatch.setenv("GIT_PODS_NOW", NOW)
    ok(repo, "retro", "--sprint", "1")
    path = repo / "reports" / "retrospective.md"
    path.write_text(answer(path.read_text(), "idle-" + key("ux team"), "We were on holiday."))
    ok(repo, "retro", "--sprint", "1")
    assert "We were on holiday." in path.read_text()


# -- 4. and 5. the HTML page and the SVG charts ---------------------------------------------------


class Page(HTMLParser):
    """The start tags (with their attributes) of an HTML file, and the text a browser shows."""

    def __init__(self, path: Path) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(path.read_text())
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def assert_self_contained(path: Path) -> Page:
    html = path.read_text()
    parsed = Page(path)
    names = [t for t, _a in parsed.tags]
    assert "script" not in names and "link" not in names and "iframe" not in names and "img" not in names
    assert all("src" not in attrs for _t, attrs in parsed.tags)
    assert not any(k.startswith("on") for _t, attrs in parsed.tags for k in attrs)
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", html))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xhtml"}, urls
    csp = [a for t, a in parsed.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert len(csp) == 1 and "default-src 'none'" in (csp[0]["content"] or "")
    return parsed


def test_html_is_one_self_contained_page(storied: Path) -> None:
    done = ok(storied, "all", "--sprint", "1", "--format", "html", "--out", "site")
    assert done.out == "wrote site/report.html\n"
    assert [p.name for p in (storied / "site").iterdir()] == ["report.html"]
    assert not (storied / "reports").exists()
    parsed = assert_self_contained(storied / "site" / "report.html")
    html = (storied / "site" / "report.html").read_text()
    svgs = re.findall(r"<svg .*?</svg>", html, re.S)
    assert len(svgs) == 2  # velocity and burndown, inline
    titles = [ET.fromstring(svg).findtext(f"{SVG}title") for svg in svgs]
    assert titles == ["Patches promoted per pod", "Burndown: tasks and features"]
    headings = [t for t, _a in parsed.tags if t == "h2"]
    assert len(headings) == 4
    for word in ("Velocity", "Burndown", "Retrospective", "Changelog"):
        assert f"<h2>{word}</h2>" in html


@pytest.mark.parametrize(
    ("kind", "right", "wrong"),
    [
        ("changelog", "Edge cases | <b>pipes</b> (patch_c, F1.2)", "\\<b\\>"),
        ("retro", "What went well this sprint, and how do we keep it?", "<!-- answer:went-well -->"),
    ],
)
def test_html_shows_text_not_markdown_source(storied: Path, kind: str, right: str, wrong: str) -> None:
    ok(storied, kind, "--sprint", "1", "--format", "html", "--out", "site")
    text = "".join(Page(storied / "site" / "report.html").text)
    assert right in text and wrong not in text


def test_svg_charts_beside_the_markdown(storied: Path) -> None:
    ok(storied, "velocity", "--sprint", "1")
    ok(storied, "burndown", "--sprint", "1")
    folder = storied / "reports"
    assert "![Patches promoted per pod](velocity.svg)" in (folder / "velocity.md").read_text()
    assert "![Burndown](burndown.svg)" in (folder / "burndown.md").read_text()
    velocity = ET.parse(folder / "velocity.svg").getroot()
    assert velocity.tag == f"{SVG}svg"
    legend = [g.findtext(f"{SVG}title") for g in velocity.iter(f"{SVG}g") if g.get("class") == "legend-item"]
    assert legend == ["dev-pod", "qa-pod", "research-pod"]
    bars = [r.findtext(f"{SVG}title") for r in velocity.iter(f"{SVG}rect") if r.get("class") == "bar"]
    assert bars == [f"{pod}, Sprint 1: {n} patches" for pod, n in zip(PODS, (3, 1, 1), strict=True)]
    burn = ET.parse(folder / "burndown.svg").getroot()
    lines = [p.findtext(f"{SVG}title") for p in burn.iter(f"{SVG}path") if p.get("class") == "line"]
    assert lines == ["tasks outstanding", "tasks delivered", "features outstanding", "ideal"]
    points = [c.findtext(f"{SVG}title") for c in burn.iter(f"{SVG}circle")]
    # now is 01-16 12:00 UTC: 12 of the 14 days have numbers, the ideal line has all 14
    assert sum(p.startswith("tasks outstanding, ") for p in points) == 12
    assert sum(p.startswith("ideal, ") for p in points) == 14
    assert "tasks outstanding, 01-05: 2" in points and "ideal, 01-18: 0" in points


# -- 6. JSON -------------------------------------------------------------------------------------


def test_json_to_stdout_writes_nothing(storied: Path) -> None:
    before = git(storied, "status", "--porcelain", "--untracked-files=all")
    done = ok(storied, "all", "--sprint", "1", "--format", "json")
    d = json.loads(done.out)  # one document, nothing else on stdout
    assert (d["command"], d["ok"], d["exit_code"]) == ("report", True, 0)
    assert {"velocity", "burndown", "retrospective", "changelog"} <= set(d)
    assert [v["rule"] for v in d["violations"]] == ["GP901"] and done.err == ""
    assert git(storied, "status", "--porcelain", "--untracked-files=all") == before == ""
    done = ok(storied, "velocity", "--sprint", "1", "--format", "json", "--out", "out")
    assert done.out == "wrote out/report.json\n"
    assert [p.name for p in (storied / "out").iterdir()] == ["report.json"]
    saved = json.loads((storied / "out" / "report.json").read_text())
    assert saved["velocity"]["totals"]["promoted"] == 5 and "burndown" not in saved
    done = ok(storied, "burndown", "--sprint", "1", "--json")
    d = json.loads(done.out)
    assert d["written"] == ["reports/burndown.md", "reports/burndown.svg"]
    assert d["burndown"]["scope"] == 4 and done.err == ""


# -- 7. hostile input ----------------------------------------------------------------------------


def hostile(root: Path) -> None:
    s = Stream()
    estimated = {"ts": "2026-01-05T09:50:00Z", "v": 7, "event": "estimated", "pod": "dev-pod", "pts": 5}
    future = {"ts": "2026-01-05T09:55:00Z", "v": 2, "event": "promoted", "pod": "dev-pod", "task": "F3.1"}
    future.update(patch="patch_future", added=2, reviewers=["x"], weight={"k": 1})  # keys from a newer writer
    huge = event("promoted", "2026-01-05 09:40", pod="qa-pod", task="F2.1", patch="patch_big", x="A" * 2**20)
    notes = (
        event("assigned", "2026-01-05 09:00", pod=EVIL, task="F1.1", by="<b>Lead</b>"),
        event("rejected", "2026-01-05 09:30", pod=EVIL, task="F|1", patch="p|x", rule="GP301"),
        huge,
        "x" * 2**20,
        json.dumps(estimated),
        json.dumps(future),
    )
    s.commit("main", "base", "2026-01-05 08:00", {".pods/config.yaml": CONFIG}, notes=notes)
    bad = records("patch_bad", "dev-pod", "F4.2", [{"type": "added", "description": "never shown"}])
    bad[".logs/patch_bad/changelog.yaml"] = "entries: [unclosed\n  - : :\n"
    evil = [{"type": "added", "description": "<script>x</script> | `code` \n second | line"}]
    fixed = [{"type": "fixed", "description": "ok"}]
    for patch, task, hour, files, pod in (
        ("patch_evil", "F1.1", 10, records("patch_evil", "dev-pod", "F1.1", evil), EVIL),
        ("patch_nolog", "F4.1", 11, {"src/x": "x\n"}, "dev-pod"),  # no records at all
        ("patch_bad", "F4.2", 12, bad, "dev-pod"),
        ("patch_future", "F3.1", 14, records("patch_future", "dev-pod", "F3.1", fixed), None),
    ):
        when = f"2026-01-06 {hour}:00"
        note = (event("promoted", when, pod=pod, task=task, patch=patch, added=1),) if pod else ()
        s.commit("main", task + trailers("dev-pod", task, patch), when, files, notes=note)
    binary = s.commit("main", "binary note", "2026-01-06 13:00", {"y": "y"})
    s.notes[binary] = ["\0" + event("promoted", "2026-01-06 13:00", pod="dev-pod", patch="patch_bin")]
    s.run(root)
    git(root, "checkout", "-q", "main")


def test_hostile_notes_and_records(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hostile(repo)
    monkeypatch.setenv("GIT_PODS_NOW", NOW)
    done = ok(repo, "all", "--sprint", "1")
    assert len(done.err) < 5000  # the 1 MB line is named, not echoed
    assert "GP902" in done.err and "binary note" in done.err  # the NUL note is passed over
    d = doc(repo, "all", "--sprint", "1")
    # GP901: the 1 MB line of x; GP902: the binary note; GP904: patch_nolog's changelog and trace,
    # patch_bad's changelog
    assert sorted(v["rule"] for v in d["violations"]) == ["GP901", "GP902", "GP904", "GP904", "GP904"]
    rows = {r["pod"]: (r["promoted"], r["accepted"], r["rejected"]) for r in d["velocity"]["pods"]}
    # dev-pod: patch_nolog, patch_bad and patch_future (a v2 event with unknown keys), all on main;
    # qa-pod: patch_big (1 MB of an unknown key), never committed; EVIL: patch_evil and a rejection.
    # The `estimated` event (a kind from the future) and the binary note count for nothing.
    assert rows == {"dev-pod": (3, 3, 0), "qa-pod": (1, 0, 0), "research-pod": (0, 0, 0), EVIL: (1, 1, 1)}
    assert totals(d) == (5, 4, 0, 0, 1)
    assert d["changelog"]["missing"].keys() == {"patch_bad", "patch_nolog"}
    folder = repo / "reports"
    changelog = (folder / "CHANGELOG.md").read_text()
    assert "- \\<script\\>x\\</script\\> \\| \\`code\\` second \\| line (patch_evil, F1.1)" in changelog
    assert "## Not included\n\n- patch_bad: .logs/patch_bad/changelog.yaml: YAML" in changelog
    assert "- patch_nolog: .logs/patch_nolog/changelog.yaml is not in the commit" in changelog
    velocity = (folder / "velocity.md").read_text()
    shown = "\\<script\\>alert(1)\\</script\\> \\| \\`tick\\` # h"
    assert f"| {shown} | 1 | 1 | 0 | 0 | 1 | 0 | 1 |" in velocity
    for name in ("velocity.md", "burndown.md", "CHANGELOG.md"):
        assert "<script>" not in (folder / name).read_text()
    assert assert_tables_whole(velocity) == 2 + 5 + 2 + 5 + 2 + 1  # pods + totals, lead times, trend
    assert assert_tables_whole((folder / "burndown.md").read_text()) == 2 + 14 + 2 + 5  # days, open tasks
    assert "- **Rejections:** 1 (GP301 ×1)" in (folder / "retrospective.md").read_text()
    legend = ET.parse(folder / "velocity.svg").getroot()
    assert EVIL in [g.findtext(f"{SVG}title") for g in legend.iter(f"{SVG}g")]
    ok(repo, "all", "--sprint", "1", "--format", "html", "--out", "site")
    assert_self_contained(repo / "site" / "report.html")


def test_a_notes_ref_on_a_blob_is_refused_with_the_fix(storied: Path) -> None:
    git(storied, "update-ref", "refs/notes/pods", git(storied, "rev-parse", "main:README.md").strip())
    done = cli(storied, "report")
    assert done.code == 3, done.text
    assert "refs/notes/pods points at a blob" in done.err and "git update-ref -d refs/notes/pods" in done.err
    assert "Traceback" not in done.text and not (storied / "reports").exists()


# -- 8. usage errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "rule", "says"),
    [
        (["velocty"], "GP913", "did you mean velocity?"),
        (["all", "--format", "pdf"], "GP913", "choose one of: md, html, json"),
        (["--sprint", "0"], "GP912", "--sprint '0' is not a sprint number"),
        (["--sprint", "-1"], "GP912", "--sprint '-1' is not a sprint number"),
        (["--sprint", "x"], "GP912", "--sprint 'x' is not a sprint number"),
        (["--since", "2026-01-10", "--until", "2026-01-09"], "GP911", "is not after --since"),
        (["--since", "yesterday"], "GP911", "neither a date nor a time"),
        (["--until", "2026-02-30"], "GP911", "neither a date nor a time"),
        (["--out", "reports/velocity.md"], "GP913", "is a file, not a folder"),
    ],
)
def test_usage_errors(storied: Path, args: list[str], rule: str, says: str) -> None:
    ok(storied, "velocity")  # reports/velocity.md exists for --out to name
    done = cli(storied, "report", *args)
    assert done.code == 2, done.text
    assert f"error: {rule} " in done.err and says in done.err and "Traceback" not in done.text


def test_sprint_needs_a_calendar_and_a_repository(repo: Path, tmp_path: Path) -> None:
    done = cli(repo, "report", "--sprint", "1")  # the built-in config has no calendar
    assert done.code == 2 and "GP912 --sprint 1 needs a sprint calendar" in done.err
    outside = tmp_path / "nowhere"
    outside.mkdir()
    done = cli(outside, "report")
    assert done.code == 3 and "not inside a git repository" in done.err
    done = cli(repo, "report", "-h")
    assert done.code == 0 and "Examples:" in done.out and "git pod-report velocity --sprint 3" in done.out


@pytest.mark.parametrize(
    ("args", "codes"),
    [
        (["--sprint", "1000000"], {2}),  # OverflowError: date value out of range
        (["--sprint", "99999999999999999999"], {2}),  # OverflowError: int too large to convert to C int
        (["--until", "9999-12-31"], {2}),  # OverflowError: the day after 9999-12-31
        (["--since", "0001-01-01", "--format", "json"], {0, 2}),  # Berlin's year-1 midnight, in UTC
        (["--out", "reports/velocity.md/sub"], {2}),  # NotADirectoryError, not the GP913 a file gets
    ],
)
def test_out_of_range_options_are_usage_errors(storied: Path, args: list[str], codes: set[int]) -> None:
    ok(storied, "velocity")
    done = cli(storied, "report", *args)
    assert "internal error" not in done.err and done.code in codes, done.text


def test_json_times_are_iso_8601_for_any_year() -> None:
    assert as_json(datetime(1, 1, 1, 0, 30, tzinfo=timezone.utc)) == "0001-01-01T00:30:00Z"
    assert as_json(datetime(2026, 3, 8, 3, 30, 0, 999, tzinfo=timezone(timedelta(hours=-5)))) == (
        "2026-03-08T08:30:00Z"
    )


# -- 9. a calendar across a daylight-saving change -----------------------------------------------


def dst_history(root: Path) -> None:
    """New York sprints of 7 days from Monday 2026-03-02; clocks went forward on Sunday 03-08, so
    sprint 1 is [03-02 05:00Z, 03-09 04:00Z) and its last day, 03-08, 23 hours long. One patch per
    task, promoted by a commit on main at the same moment (so accepted then too)."""
    s = Stream()
    s.commit("main", "base", "2026-03-01 12:00", {".pods/config.yaml": NEW_YORK})
    for patch, task, when in (
        ("patch_a", "F1.1", "2026-03-02 04:30"),  # 03-01 23:30 EST: before sprint 1
        ("patch_b", "F1.2", "2026-03-02 05:30"),  # 03-02 00:30 EST: sprint 1, first day
        ("patch_e", "F1.5", "2026-03-08 04:30"),  # 03-07 23:30 EST: day 03-07
        ("patch_c", "F1.3", "2026-03-09 03:30"),  # 03-08 23:30 EDT: sprint 1, last day
        ("patch_d", "F1.4", "2026-03-09 04:30"),  # 03-09 00:30 EDT: sprint 2, first day
    ):
        note = event("promoted", when, pod="dev-pod", task=task, patch=patch, added=1)
        s.commit("main", task + trailers("dev-pod", task, patch), when, notes=(note,))
    s.run(root)
    git(root, "checkout", "-q", "main")


def span(d: dict) -> tuple[str, str]:
    return d["window"]["start"], d["window"]["end"]


def test_sprint_days_are_local_days_across_dst(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dst_history(repo)
    monkeypatch.setenv("GIT_PODS_NOW", "2026-03-20T12:00:00Z")
    one = doc(repo, "all", "--sprint", "1")
    assert one["timezone"] == "America/New_York"
    assert span(one) == ("2026-03-02T05:00:00Z", "2026-03-09T04:00:00Z")  # EST start, EDT end
    assert totals(one)[:2] == (3, 3)  # b, e, c
    b = one["burndown"]
    assert b["days"] == [f"2026-03-0{d}" for d in range(2, 9)]
    # a (known 03-01) and b from the first day, e from 03-07, c on 03-08 (its 03:30Z is before 04:00Z)
    assert b["tasks_outstanding"] == [2, 2, 2, 2, 2, 3, 4]
    two = doc(repo, "all", "--sprint", "2")
    assert span(two) == ("2026-03-09T04:00:00Z", "2026-03-16T04:00:00Z")
    assert totals(two)[:2] == (1, 1)  # d
    assert two["burndown"]["tasks_outstanding"][:2] == [5, 5]
    day = doc(repo, "velocity", "--since", "2026-03-08", "--until", "2026-03-08")
    assert span(day) == ("2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z")  # a 23-hour day
    assert totals(day)[:2] == (1, 1)  # c only: e is 03-07 local, d is 03-09 local
    ok(repo, "burndown", "--sprint", "1")
    text = (repo / "reports" / "burndown.md").read_text()
    assert "**Window:** Sprint 1: 2026-03-02 to 2026-03-08" in text
    assert "| F1.3 | F1 | – | 2026-03-08 23:30 | 1 | 0 |" in text  # known since, in local time
    assert "| 2026-03-08 | 4 | 0 |" in text
