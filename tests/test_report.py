"""`git pod-report` end to end on a purpose-built history: exact counts per pod and sprint, lead times,
the burndown day by day, accepted after a merge commit and a squash merge, delivered by release tag,
the retrospective and changelog, and golden Markdown and JSON (GIT_PODS_UPDATE_GOLDEN=1 rewrites them).

The story (times UTC; the calendar is Europe/Berlin, sprint 1 is 2026-01-05..18, "now" 01-16 12:00):

- F1.1: dev-pod assigned 01-05 09:00, promotes patch_a 01-06 10:00 on pods/F1.1, merged by a merge
  commit 01-07 12:00; v1.0 (annotated) 01-09 09:00 delivers it.
- F1.2: dev-pod assigned 01-05 10:00, promotes patch_b 01-08 09:00, hands off to qa-pod 01-08 11:00
  (assigned 11:05); qa-pod promotes patch_c 01-10 11:00; both land in one squash commit 01-12 15:00;
  v1.1 (annotated) 01-14 10:00 delivers them.
- F2.1: research-pod assigned 01-06 09:00, patch_r rejected 01-07 14:00 (GP301), patch_d promoted 01-13
  16:00 and never merged.
- A --no-verify commit on main 01-13 09:00 (bypass-detected), with a garbled note line.
- F1.3: dev-pod assigned 01-13 12:00, patch_e (supersedes patch_a, a breaking change) straight on main
  01-14 08:00: accepted, in no release.
- F3.1 (sprint 2): dev-pod assigned 01-19 09:00, patch_g on main 01-20 10:00.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from reporting import NOW, story

from git_pods.report.records import CACHE_VERSION
from helpers import cli, git

GOLDEN = Path(__file__).parent / "golden" / "report"


def report_json(root: Path, *args: str) -> dict[str, object]:
    done = cli(root, "report", *args, "--format", "json")
    assert done.code == 0, done.text
    return json.loads(done.out)


def rows(doc: dict[str, object]) -> dict[str, dict[str, object]]:
    velocity = doc["velocity"]
    assert isinstance(velocity, dict)
    out = {row["pod"]: row for row in velocity["pods"]}
    out["*"] = velocity["totals"]
    return out


def counts(row: dict[str, object]) -> tuple[object, ...]:
    keys = ("promoted", "accepted", "delivered", "tasks_completed", "added", "deleted", "rejected")
    return tuple(row[k] for k in keys)


def test_velocity_counts_each_step_where_it_happened(storied: Path) -> None:
    by_pod = rows(report_json(storied, "velocity", "--sprint", "1"))
    assert counts(by_pod["dev-pod"]) == (3, 3, 2, 2, 18, 6, 0)
    assert counts(by_pod["qa-pod"]) == (1, 1, 1, 1, 20, 0, 0)
    assert counts(by_pod["research-pod"]) == (1, 0, 0, 0, 7, 0, 1)
    assert counts(by_pod["*"]) == (5, 4, 3, 2, 45, 6, 1)  # F1.2 is one task, done by two pods
    assert by_pod["dev-pod"]["lead_times"] == {
        "assigned_to_promoted": 25.0,  # 25 h (a), 71 h (b), 20 h (e)
        "promoted_to_accepted": 26.0,  # a waits for its merge commit, b for the squash, e none
        "accepted_to_delivered": 44.0,  # 45 h (a, v1.0) and 43 h (b, v1.1)
        "assigned_to_delivered": 156.0,  # 96 h (a) and 216 h (b)
    }
    assert by_pod["qa-pod"]["lead_times"]["assigned_to_promoted"] == 47.9  # 11:05 -> 11:00 two days on
    assert by_pod["qa-pod"]["handoff_cycle"] == 48.0
    assert by_pod["dev-pod"]["handoff_cycle"] is None
    later = rows(report_json(storied, "velocity", "--sprint", "2"))
    assert counts(later["dev-pod"]) == (1, 1, 0, 0, 1, 0, 0)
    assert counts(later["qa-pod"]) == (0, 0, 0, 0, 0, 0, 0)


def test_the_trend_covers_earlier_sprints(storied: Path) -> None:
    doc = report_json(storied, "velocity", "--sprint", "2")
    trend = doc["velocity"]["trend"]  # type: ignore[index]
    assert [t[0]["label"] for t in trend] == ["Sprint 1", "Sprint 2"]
    assert [[p["promoted"] for p in t[1]] for t in trend] == [[3, 1, 1], [1, 0, 0]]


def test_windows_by_dates_and_all_time(storied: Path) -> None:
    only_b = rows(report_json(storied, "velocity", "--since", "2026-01-08", "--until", "2026-01-08"))
    assert counts(only_b["*"])[:3] == (1, 0, 0)
    everything = rows(report_json(storied, "velocity", "--since", "2026-01-01"))
    assert counts(everything["*"])[:3] == (6, 5, 3)


def test_accepted_after_merge_and_squash_and_delivered_by_tag(storied: Path) -> None:
    doc = report_json(storied, "changelog")
    releases = {r["name"]: r for r in doc["changelog"]["releases"]}  # type: ignore[index]
    assert list(releases) == ["Unreleased", "v1.1", "v1.0"]
    assert releases["v1.0"]["date"] == "2026-01-09"
    assert [e["patch"] for e in releases["v1.1"]["entries"]] == ["patch_b", "patch_c"]
    assert [(e["patch"], e["breaking"]) for e in releases["Unreleased"]["entries"]] == [
        ("patch_e", False),
        ("patch_e", True),
        ("patch_g", False),
    ]
    assert "patch_d" not in json.dumps(doc)  # promoted, never merged: not in the changelog


def test_burndown_day_by_day(storied: Path) -> None:
    b = report_json(storied, "burndown", "--sprint", "1")["burndown"]
    assert isinstance(b, dict)
    assert b["days"][0] == "2026-01-05" and b["days"][-1] == "2026-01-18" and len(b["days"]) == 14
    assert b["tasks_outstanding"] == [2, 3, 3, 3, 2, 2, 2, 2, 3, 2, 2, 2, None, None]
    assert b["tasks_delivered"] == [0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, None, None]
    assert b["features_outstanding"] == [1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, None, None]
    assert b["ideal"][0] == 2 and b["ideal"][-1] == 0
    assert b["scope"] == 4
    assert [(t["task"], t["holder"], t["patches"], t["delivered"]) for t in b["open_tasks"]] == [
        ("F1.3", "dev-pod", 1, 0),
        ("F2.1", "research-pod", 1, 0),
    ]


def test_retrospective_facts(storied: Path) -> None:
    r = report_json(storied, "retro", "--sprint", "1")["retrospective"]
    assert isinstance(r, dict)
    assert r["by_rule"] == {"GP301": 1}
    assert [(w["patch"], w["how"], w["by"]) for w in r["rework"]] == [("patch_a", "superseded", "patch_e")]
    assert [e["how"] for e in r["bypasses"]] == ["no-verify"]
    assert [(h["task"], h["sender"], h["receiver"], h["hours"]) for h in r["slowest"]] == [
        ("F1.2", "dev-pod", "qa-pod", 48.0)
    ]
    assert r["idle"] == ["research-pod"]
    keys = [q[0] for q in r["questions"]]
    assert keys == [
        "went-well",
        "rule-GP301",
        "rework",
        "bypasses",
        "slowest-handoff",
        "idle-research-pod",
        "next",
    ]


def test_a_garbled_note_is_a_warning(storied: Path) -> None:
    done = cli(storied, "report", "velocity", "--sprint", "1")
    assert done.code == 0
    assert "GP901" in done.err and "not a metric event" in done.err
    doc = report_json(storied, "velocity", "--sprint", "1")
    assert [v["rule"] for v in doc["violations"]] == ["GP901"]  # type: ignore[index]


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("GIT_PODS_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8").replace("\r\n", "\n"), (
        f"{name} changed; if intended, rerun with GIT_PODS_UPDATE_GOLDEN=1 and review the diff"
    )


def test_markdown_and_json_match_the_golden_files(storied: Path) -> None:
    done = cli(storied, "report", "all", "--sprint", "1")
    assert done.code == 0, done.text
    folder = storied / "reports"
    assert sorted(p.name for p in folder.iterdir()) == [
        "CHANGELOG.md",
        "burndown.md",
        "burndown.svg",
        "retrospective.md",
        "velocity.md",
        "velocity.svg",
    ]
    for name in ("velocity.md", "burndown.md", "retrospective.md", "CHANGELOG.md"):
        _golden(name, (folder / name).read_text(encoding="utf-8"))
    for name in ("velocity.svg", "burndown.svg"):  # the README shows these very charts
        _golden(f"../../../docs/img/{name}", (folder / name).read_text(encoding="utf-8"))
    doc = report_json(storied, "all", "--sprint", "1")
    _golden("report.json", json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


def test_the_record_cache_changes_nothing_and_survives_damage(storied: Path) -> None:
    cache = storied / ".git" / "pods" / "report-cache.json"
    first = report_json(storied, "all", "--sprint", "1")
    stored = json.loads(cache.read_text())
    assert stored["version"] == CACHE_VERSION
    assert any(key.startswith("changelog.yaml:") for key in stored["records"])
    assert any(key.startswith("thought_trace.yaml:") for key in stored["records"])
    assert report_json(storied, "all", "--sprint", "1") == first  # from the cache
    cache.write_text("{ not json")
    assert report_json(storied, "all", "--sprint", "1") == first  # a broken cache is started afresh
    assert json.loads(cache.read_text())["version"] == CACHE_VERSION
    cache.unlink()
    cache.mkdir()  # cannot be written: the report goes on
    assert report_json(storied, "all", "--sprint", "1") == first


def test_a_lying_cache_entry_is_never_consulted_for_other_content(storied: Path) -> None:
    """Keys are blob ids: changing a record (a new blob) cannot be answered from the old entry."""
    report_json(storied, "changelog")
    cache = storied / ".git" / "pods" / "report-cache.json"
    stored = json.loads(cache.read_text())
    for key in stored["records"]:
        if key.startswith("changelog.yaml:"):
            stored["records"][key] = [["added", "FORGED", False]]
    cache.write_text(json.dumps(stored))
    doc = report_json(storied, "changelog")
    assert "FORGED" in json.dumps(doc)  # the cache is trusted for the blobs it names (it lives in .git)
    git(storied, "checkout", "-q", "-b", "side")
    path = storied / ".logs" / "patch_e" / "changelog.yaml"
    path.write_text(path.read_text().replace("Parser keeps order", "Parser keeps the order"))
    git(storied, "commit", "-q", "--no-verify", "-am", "edit a record")
    git(storied, "branch", "-f", "main", "side")
    entries = [
        e["description"]
        for r in report_json(storied, "changelog")["changelog"]["releases"]  # type: ignore[index]
        for e in r["entries"]
        if e["patch"] == "patch_e"
    ]
    assert entries == ["Parser keeps the order", "parse() returns a tuple"]  # a new blob: read and parsed


def test_reverts_count_as_rework(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    marks = story(repo)
    monkeypatch.setenv("GIT_PODS_NOW", NOW)
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2026-01-15T09:00:00Z")
    monkeypatch.setenv("GIT_AUTHOR_DATE", "2026-01-15T09:00:00Z")
    git(repo, "reset", "-q", "--hard", marks["e"])  # drop patch_g, then revert patch_e's commit
    git(repo, "revert", "--no-edit", marks["e"])
    r = report_json(repo, "retro", "--sprint", "1")["retrospective"]
    assert isinstance(r, dict)
    revert = git(repo, "rev-parse", "HEAD").strip()
    assert sorted((w["patch"], w["how"], w["by"]) for w in r["rework"]) == [
        ("patch_a", "superseded", "patch_e"),
        ("patch_e", "reverted", revert),
    ]


LEDGER = """\
pod: dev-pod
task_id: F2.1
goal: Follow the research
created: '2026-01-14T12:00:00.000001Z'
history:
- event: assigned
  pod: research-pod
  time: '2026-01-06T09:00:00.250000Z'
  by: Lead
"""


def test_task_ledgers_fill_in_what_the_notes_lack(storied: Path) -> None:
    (storied / ".pods" / "tasks").mkdir()
    (storied / ".pods" / "tasks" / "F2.1.yaml").write_text(LEDGER)
    (storied / ".pods" / "tasks" / "F9.yaml").write_text("pod: [unclosed\n")
    git(storied, "add", ".pods/tasks")
    git(storied, "commit", "-q", "-m", "ledgers")
    with_notes = report_json(storied, "all", "--sprint", "1")
    b = with_notes["burndown"]
    assert isinstance(b, dict)
    assert [(t["task"], t["holder"]) for t in b["open_tasks"]] == [("F1.3", "dev-pod"), ("F2.1", "dev-pod")]
    assert (
        rows(with_notes)["research-pod"]["lead_times"]["assigned_to_promoted"] == 175.0
    )  # one step, not two
    assert [v["rule"] for v in with_notes["violations"]] == ["GP901", "GP904"]  # type: ignore[index]
    git(storied, "update-ref", "-d", "refs/notes/pods")  # a clone that never synced the notes
    without = report_json(storied, "velocity", "--sprint", "1")
    research = rows(without)["research-pod"]
    assert (research["promoted"], research["added"]) == (1, 0)  # promoted when committed; lines unknown
    assert research["lead_times"]["assigned_to_promoted"] == 175.0  # the ledger's assignment
    burn = report_json(storied, "burndown", "--sprint", "1")["burndown"]
    assert isinstance(burn, dict)
    assert ("F2.1", "dev-pod") in [(t["task"], t["holder"]) for t in burn["open_tasks"]]


def test_the_html_page_shows_the_answers_written_in_the_markdown(storied: Path) -> None:
    assert cli(storied, "report", "retro", "--sprint", "1").code == 0
    path = storied / "reports" / "retrospective.md"
    marker = "<!-- answer:went-well -->\n"
    path.write_text(path.read_text().replace(marker + "_No answer yet._", marker + "Pairing on reviews"))
    assert cli(storied, "report", "retro", "--sprint", "1", "--format", "html", "--out", "site").code == 0
    page = (storied / "site" / "report.html").read_text()
    assert "Pairing on reviews" in page and "answer:went-well" not in page
    assert not (storied / "site" / "retrospective.md").exists()


def test_kinds_and_formats_ignore_case(storied: Path) -> None:
    done = cli(storied, "report", "Velocity", "--format", "JSON", "--sprint", "1")
    assert done.code == 0, done.text
    assert counts(rows(json.loads(done.out))["*"])[:3] == (5, 4, 3)
    done = cli(storied, "report", "Retrospective", "--format", "Html", "--out", "site", "--sprint", "1")
    assert done.code == 0 and (storied / "site" / "report.html").is_file()
