"""`git pod-sync`: notes exchanged through a bare remote between real clones; concurrent clones lose
no event; the local notes ref is never fetched into; nothing prompts; no config is written."""

from __future__ import annotations

import json
import subprocess
import threading
from pathlib import Path

import pytest

from helpers import BIN, cli, git
from promoting import events, pods_repo

NOTES = "refs/notes/pods"


def _event(clone: Path, commit: str, text: str) -> None:
    """Append one event line to a commit's note the plain git way (a different writer)."""
    git(
        clone,
        "notes",
        "--ref=pods",
        "append",
        "-m",
        json.dumps({"ts": "2026-01-01T00:00:00Z", "v": 1, "event": "reviewed", "by": text}),
        commit,
    )


@pytest.fixture
def team(repo: Path, tmp_path: Path) -> tuple[Path, list[Path]]:
    """A bare remote holding an adopted repository, and three clones of it."""
    root = pods_repo(repo)
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    git(root, "remote", "add", "origin", str(remote))
    git(root, "push", "-q", "origin", "main")
    clones = []
    for name in ("ana", "ben", "cy"):
        clone = tmp_path / name
        git(tmp_path, "clone", "-q", str(remote), str(clone))
        git(clone, "config", "user.name", name)
        git(clone, "config", "user.email", f"{name}@example.com")
        clones.append(clone)
    return remote, clones


def _config_files(clone: Path) -> bytes:
    return (clone / ".git/config").read_bytes()


def test_notes_travel_between_clones_and_are_merged(team: tuple[Path, list[Path]]) -> None:
    remote, (ana, ben, _cy) = team
    head = git(ana, "rev-parse", "HEAD").strip()
    _event(ana, head, "ana")
    before = _config_files(ana)
    done = cli(ana, "sync")
    assert done.code == 0, done.text
    assert "pushed refs/notes/pods to origin" in done.out
    assert _config_files(ana) == before  # nothing written to the user's config
    _event(ben, head, "ben")  # ben wrote before seeing ana's: the two diverge
    done = cli(ben, "sync", "origin", "--json")
    assert done.code == 0, done.text
    data = json.loads(done.out)
    assert data["merged"] == 1 and data["pushed"] is True
    assert cli(ana, "sync").code == 0
    for clone in (ana, ben):
        lines = events(clone, head)
        assert sorted(json.loads(line)["by"] for line in lines if line.strip()) == ["ana", "ben"], lines
    assert git(ana, "rev-parse", NOTES) == git(ben, "rev-parse", NOTES)
    assert (
        git(ana, "rev-parse", NOTES)
        == subprocess.run(
            ["git", "rev-parse", NOTES], cwd=remote, capture_output=True, text=True, check=True
        ).stdout
    )


def test_the_local_notes_are_never_fetched_over(team: tuple[Path, list[Path]]) -> None:
    _remote, (ana, ben, _cy) = team
    head = git(ana, "rev-parse", "HEAD").strip()
    _event(ana, head, "ana")
    assert cli(ana, "sync").code == 0
    _event(ben, head, "ben-unpushed")
    mine = git(ben, "rev-parse", NOTES).strip()
    assert cli(ben, "sync", "--no-push").code == 0
    merged = git(ben, "rev-parse", NOTES).strip()
    assert merged != mine and git(ben, "merge-base", "--is-ancestor", mine, merged) == ""
    assert "ben-unpushed" in "".join(events(ben, head))
    assert git(ben, "rev-parse", "refs/notes/remotes/origin/pods").strip() != merged  # not pushed


def test_three_clones_syncing_at_once_lose_no_event(team: tuple[Path, list[Path]], tmp_path: Path) -> None:
    _remote, clones = team
    head = git(clones[0], "rev-parse", "HEAD").strip()
    results: list[subprocess.CompletedProcess[str]] = []

    def work(clone: Path) -> None:
        for n in range(3):
            _event(clone, head, f"{clone.name}-{n}")
            results.append(
                subprocess.run(
                    [str(BIN / "git-pod-sync")], cwd=clone, capture_output=True, text=True, check=False
                )
            )

    threads = [threading.Thread(target=work, args=(c,)) for c in clones]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(r.returncode == 0 for r in results), [r.stderr for r in results]
    fresh = tmp_path / "fresh"
    git(tmp_path, "clone", "-q", str(_remote), str(fresh))
    assert cli(fresh, "sync").code == 0
    seen = sorted(
        json.loads(line)["by"] for line in events(fresh, head) if line.strip()
    )  # notes append adds blanks
    assert seen == sorted(f"{c.name}-{n}" for c in clones for n in range(3))


def test_wrong_remotes_and_unreachable_ones(team: tuple[Path, list[Path]], tmp_path: Path) -> None:
    _remote, (ana, _ben, _cy) = team
    done = cli(ana, "sync", "nowhere")
    assert done.code == 2 and "no remote named 'nowhere'" in done.err and "origin" in done.err
    done = cli(ana, "sync", "--upload-pack=touch PWNED")
    assert done.code == 2
    assert not (ana / "PWNED").exists()
    git(ana, "remote", "add", "gone", str(tmp_path / "no-such.git"))
    done = cli(ana, "sync", "gone")
    assert done.code == 3 and "cannot fetch the notes from gone" in done.err


def test_a_remote_that_refuses_notes_is_told_plainly(team: tuple[Path, list[Path]]) -> None:
    remote, (ana, _ben, _cy) = team
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'notes are not allowed here' >&2\nexit 1\n")
    hook.chmod(0o755)
    _event(ana, git(ana, "rev-parse", "HEAD").strip(), "ana")
    done = cli(ana, "sync")
    assert done.code == 3, done.text
    assert "cannot push the notes to origin" in done.err
    assert "notes stay here" in done.err


def test_nothing_to_sync(team: tuple[Path, list[Path]]) -> None:
    _remote, (ana, _ben, _cy) = team
    done = cli(ana, "sync")
    assert done.code == 0 and "nothing to sync" in done.out


def _queue_change(clone: Path, task: str, pid: str) -> None:
    from promoting import bundle, diff_of_change

    raw, _ = diff_of_change(clone, lambda r: (r / f"{task}.md").write_text(f"# {task}\n"))
    bundle(clone, pid, raw, task=task)


def test_three_clones_promoting_with_push_at_once_lose_nothing(
    team: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    remote, clones = team
    for n, clone in enumerate(clones):
        _queue_change(clone, f"T{n}", f"patch_{n}")
    env = dict(__import__("os").environ, PATH=f"{tmp_path / 'nobin'}:{__import__('os').environ['PATH']}")
    procs = [
        subprocess.Popen(
            [str(BIN / "git-pod-promote"), "--all", "--push"],
            cwd=clone,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for clone in clones
    ]
    outputs = [p.communicate() for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outputs
    for (out, _err), n in zip(outputs, range(3), strict=True):
        assert f"pushed pods/T{n} to origin" in out and "notes synced with origin" in out
    fresh = tmp_path / "fresh"
    git(tmp_path, "clone", "-q", str(remote), str(fresh))
    assert cli(fresh, "sync").code == 0
    for n in range(3):
        tip = git(fresh, "rev-parse", f"origin/pods/T{n}").strip()
        (line,) = events(fresh, tip)
        assert json.loads(line)["patch"] == f"patch_{n}" and json.loads(line)["event"] == "promoted"


def test_promote_push_without_a_remote_keeps_the_promotion(repo: Path) -> None:
    root = pods_repo(repo)
    _queue_change(root, "T9", "patch_9")
    done = cli(root, "promote", "--all", "--push")
    assert done.code == 3, done.text
    assert "promoted patch_9 -> pods/T9" in done.out and "not pushed: no remote named 'origin'" in done.out
    assert git(root, "rev-parse", "--verify", "pods/T9").strip()
    wrong = cli(root, "promote", "--all", "--push", "--dry-run")
    assert wrong.code == 2 and "--dry-run" in wrong.err


def test_a_remote_wanting_credentials_never_prompts_and_no_outside_config_changes(
    team: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    """A remote answering 401 (an HTTP forge without stored credentials): git is never allowed to
    ask (no terminal prompt, no askpass program, even one the user configured), the sync fails
    with exit 3 and the fix, and the global config is untouched."""
    import http.server
    import os

    class Unauthorized(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="forge"')
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    server = http.server.HTTPServer(("127.0.0.1", 0), Unauthorized)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _remote, (ana, _ben, _cy) = team
    asked = tmp_path / "asked"
    askpass = tmp_path / "askpass"
    askpass.write_text(f"#!/bin/sh\ntouch {asked}\necho secret\n")
    askpass.chmod(0o755)
    global_config = tmp_path / "global.gitconfig"
    global_config.write_text(f"[core]\n\taskPass = {askpass}\n")
    before = global_config.read_bytes()
    git(ana, "remote", "add", "web", f"http://127.0.0.1:{server.server_address[1]}/repo.git")
    env = dict(os.environ, GIT_ASKPASS=str(askpass), GIT_CONFIG_GLOBAL=str(global_config))
    try:
        done = subprocess.run(
            [str(BIN / "git-pod-sync"), "web"],
            cwd=ana,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        server.shutdown()
    assert done.returncode == 3, done.stderr
    assert "cannot fetch the notes from web" in done.stderr and "without a prompt" in done.stderr
    assert not asked.exists()
    assert global_config.read_bytes() == before


def _blob(repo: Path, text: str) -> str:
    done = subprocess.run(
        ["git", "hash-object", "-w", "--stdin"],
        cwd=repo,
        input=text,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_a_notes_ref_that_is_no_commit_is_never_merged_nor_pushed(team: tuple[Path, list[Path]]) -> None:
    remote, (ana, ben, _cy) = team
    git(ana, "update-ref", NOTES, _blob(ana, "garbage\n"))
    done = cli(ana, "sync")
    assert done.code == 3 and "is a blob, not a notes commit" in done.err, done.text
    assert (
        subprocess.run(["git", "rev-parse", "-q", "--verify", NOTES], cwd=remote, check=False).returncode != 0
    )
    git(remote, "update-ref", NOTES, _blob(remote, "junk\n"))
    done = cli(ben, "sync")
    assert done.code == 3 and "origin's refs/notes/pods is a blob" in done.err, done.text


def test_a_lock_left_on_the_remote_is_a_failure_not_a_race(team: tuple[Path, list[Path]]) -> None:
    remote, (ana, _ben, _cy) = team
    _event(ana, git(ana, "rev-parse", "HEAD").strip(), "ana")
    (remote / "refs/notes").mkdir(parents=True, exist_ok=True)
    (remote / "refs/notes/pods.lock").write_text("")
    done = cli(ana, "sync")
    assert done.code == 3, done.text
    assert "cannot push the notes to origin" in done.err and "kept moving" not in done.err
