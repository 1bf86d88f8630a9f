"""Many objects read in one `git cat-file --batch`: commits, trees and blobs by any name git takes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from git_pods.gitio.runner import Git
from git_pods.record import record


@record
class Obj:
    """One object: its id, type (commit, tree, blob, tag) and content."""

    sha: str
    kind: str
    data: bytes


def read_objects(
    git: Git, specs: Iterable[str], env: Mapping[str, str] | None = None
) -> dict[str, Obj | None]:
    """Objects by name (`REV`, `REV:path`, a blob id); a name git cannot resolve maps to None.
    env may point git at another object store (a dry run's)."""
    wanted = list(dict.fromkeys(specs))
    if not wanted:
        return {}
    for spec in wanted:
        if "\n" in spec:
            raise ValueError(f"an object name cannot hold a newline: {spec!r}")
    request = "".join(f"{spec}\n" for spec in wanted).encode("utf-8", "surrogateescape")
    raw = git.run(["cat-file", "--batch", "--buffer"], input=request, env=env).stdout
    found: dict[str, Obj | None] = {}
    at = 0
    for spec in wanted:
        end = raw.index(b"\n", at)
        header = raw[at:end]
        at = end + 1
        parts = header.rsplit(b" ", 2)
        if header.endswith((b" missing", b" ambiguous")) or len(parts) != 3 or not parts[2].isdigit():
            found[spec] = None
            continue
        size = int(parts[2])
        found[spec] = Obj(parts[0].decode("ascii"), parts[1].decode("ascii"), raw[at : at + size])
        at += size + 1
    return found


def tree_entries(tree: Obj) -> list[tuple[str, str, str]]:
    """A tree object's entries as (mode, name, id): `<mode> <name>\\0<binary id>` records, each id
    as long as the tree's own (20 bytes in a SHA-1 repository, 32 in a SHA-256 one)."""
    width = len(tree.sha) // 2
    data = tree.data
    out = []
    at = 0
    while at < len(data):
        space = data.index(b" ", at)
        nul = data.index(b"\0", space)
        mode = data[at:space].decode("ascii").rjust(6, "0")
        name = data[space + 1 : nul].decode("utf-8", "surrogateescape")
        out.append((mode, name, data[nul + 1 : nul + 1 + width].hex()))
        at = nul + 1 + width
    return out


def tree_names(tree: Obj) -> list[str]:
    """The entry names of a tree object."""
    return [name for _mode, name, _sha in tree_entries(tree)]
