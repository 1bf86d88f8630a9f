"""`.pods/config.yaml` as a frozen Config, with the built-in default for repositories that have none."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from git_pods.checks.artifact import check_bytes, read
from git_pods.checks.rules import violation
from git_pods.ids import glob_match
from git_pods.record import field, record, replace
from git_pods.violation import Violation
from git_pods.yamlsafe import DEFAULT_MAX_BYTES, json_path, load

CONFIG_PATH = ".pods/config.yaml"
ALWAYS_PROTECTED = (".pods/**",)  # git-pods' own policy, whatever the config says
DEFAULT_SOURCE = "built-in default config"


@record
class PodSpec:
    """One pod: what it is for, its prompt, where it may hand work, which paths it may change."""

    id: str
    description: str = ""
    prompt: str | None = None
    next: tuple[str, ...] = ()
    paths: tuple[str, ...] = ("**",)
    owners: tuple[str, ...] = ()
    may_touch_policy: bool = False


@record
class Policy:
    """Which branches enforce, which commits need a bundle, which paths are protected."""

    enforce: tuple[str, ...] = ()
    warn: tuple[str, ...] = ()
    require_bundle: str = "pod-work"
    squash_merge: tuple[str, ...] = ()
    protected_paths: tuple[str, ...] = ()


@record
class Sprints:
    """The sprint calendar: first day and length."""

    start: str
    length_days: int
    timezone: str = "UTC"


@record
class Webhook:
    """A webhook target; the URL itself stays in the environment variable named here."""

    url_env: str
    name: str = ""
    events: tuple[str, ...] = ()
    format: str = "slack"


@record
class Config:
    """The validated config; `source` says where it came from."""

    pods: MappingProxyType[str, PodSpec]
    policy: Policy
    source: str
    sprints: Sprints | None = None
    notes_ref: str = "refs/notes/pods"
    remote: str | None = None
    default_branch: str | None = None
    release_tags: str = "v*"
    webhooks: tuple[Webhook, ...] = ()
    yaml_max_bytes: int = DEFAULT_MAX_BYTES
    prompt_max_bytes: int | None = None
    prompt_history_bytes: int | None = None  # earlier patches' diffs and changed files in a prompt
    extensions: MappingProxyType[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def handoff_targets(self, sender: str, verdict: str | None = None) -> list[str]:
        """Where the sender may hand off: its next pods; a blocked answer also back to any pod that
        may hand work to it (whoever sent it the task), or to itself (for a reassignment)."""
        spec = self.pods.get(sender)
        allowed = list(spec.next) if spec is not None else []
        if verdict == "blocked" and spec is not None:
            senders = [p.id for p in self.pods.values() if sender in p.next]
            allowed += [p for p in (*senders, sender) if p not in allowed]
        return allowed

    def is_protected(self, path: str) -> bool:
        """Case-insensitively: on macOS and Windows `.Pods/x` is `.pods/x`."""
        globs = (*ALWAYS_PROTECTED, *self.policy.protected_paths)
        folded = path.casefold()
        return any(glob_match(g.casefold(), folded) for g in globs)


def with_protected(config: Config, globs: tuple[str, ...]) -> Config:
    """The config with more protected paths (e.g. a hooks folder inside the work tree)."""
    if not globs:
        return config
    policy = replace(config.policy, protected_paths=(*config.policy.protected_paths, *globs))
    return replace(config, policy=policy)


def _tuple(value: Any) -> tuple[str, ...]:
    return tuple(value or ())


def from_data(data: dict[str, Any], source: str, defaults: Config | None = None) -> Config:
    """Build a Config from schema-valid data; sections left out take the default's values."""
    pods = {
        pod_id: PodSpec(
            id=pod_id,
            description=spec.get("description", ""),
            prompt=spec.get("prompt"),
            next=_tuple(spec.get("next")),
            paths=_tuple(spec.get("paths", ["**"])),
            owners=_tuple(spec.get("owners")),
            may_touch_policy=bool(spec.get("may_touch_policy", False)),
        )
        for pod_id, spec in (data.get("pods") or {}).items()
    }
    base_policy = defaults.policy if defaults else Policy()
    raw_policy = data.get("policy") or {}
    policy = Policy(
        enforce=_tuple(raw_policy.get("enforce", base_policy.enforce)),
        warn=_tuple(raw_policy.get("warn", base_policy.warn)),
        require_bundle=raw_policy.get("require_bundle", base_policy.require_bundle),
        squash_merge=_tuple(raw_policy.get("squash_merge", base_policy.squash_merge)),
        protected_paths=_tuple(raw_policy.get("protected_paths", base_policy.protected_paths)),
    )
    sprints = data.get("sprints")
    limits = data.get("limits") or {}
    return Config(
        pods=MappingProxyType(pods),
        policy=policy,
        source=source,
        sprints=Sprints(
            start=sprints["start"],
            length_days=sprints["length_days"],
            timezone=sprints.get("timezone", "UTC"),
        )
        if sprints
        else None,
        notes_ref=data.get("notes_ref", "refs/notes/pods"),
        remote=data.get("remote"),
        default_branch=data.get("default_branch"),
        release_tags=data.get("release_tags", "v*"),
        webhooks=tuple(
            Webhook(
                url_env=w["url_env"],
                name=w.get("name", ""),
                events=_tuple(w.get("events")),
                format=w.get("format", "slack"),
            )
            for w in data.get("webhooks") or ()
        ),
        yaml_max_bytes=limits.get("yaml_max_bytes", DEFAULT_MAX_BYTES),
        prompt_max_bytes=limits.get("prompt_max_bytes"),
        prompt_history_bytes=limits.get("prompt_history_bytes"),
        extensions=MappingProxyType({k: v for k, v in data.items() if k.startswith("x-")}),
    )


def default_config_text() -> bytes:
    """The default config as `git pod-init` writes it."""
    return (Path(__file__).resolve().parent / "data" / "default_config.yaml").read_bytes()


@cache
def default_config() -> Config:
    doc = load(default_config_text(), DEFAULT_SOURCE)
    return from_data(doc.data, DEFAULT_SOURCE)


def parse_config(raw: bytes, file: str) -> tuple[Config | None, list[Violation]]:
    """Validate config text; the Config only when it has no errors."""
    checked = check_bytes(raw, file, "pods-config")
    if not checked.valid or checked.doc is None:
        return None, checked.violations
    doc = checked.doc
    config = from_data(doc.data, file, default_config())
    found = _consistency(config, doc.lines, file)
    if any(v.severity == "error" for v in found):
        return None, found
    return config, found


def _consistency(config: Config, lines: dict[Any, int], file: str) -> list[Violation]:
    out = []
    for pod in config.pods.values():
        for index, target in enumerate(pod.next):
            if target not in config.pods:
                out.append(
                    violation(
                        "GP600",
                        f"pod '{pod.id}' hands off to '{target}', which is not a pod",
                        file=file,
                        line=lines.get(("pods", pod.id, "next", index)),
                        path=json_path(("pods", pod.id, "next", index)),
                    )
                )
    return out


def load_config(root: Path | None) -> tuple[Config, list[Violation]]:
    """The repository's config (the default when it has none) and the problems found in it.

    An invalid config is reported and the default is used, with a GP602 warning saying so.
    """
    if root is None:
        return default_config(), []
    path = root / CONFIG_PATH
    if not (path.exists() or path.is_symlink()):
        return default_config(), []
    raw = read(path, CONFIG_PATH, DEFAULT_MAX_BYTES)
    if isinstance(raw, Violation):  # a folder, link or device must not quietly mean "the defaults"
        config, found = None, [raw]
    else:
        config, found = parse_config(raw, CONFIG_PATH)
    if config is None:
        found.append(
            violation(
                "GP602",
                "the config is invalid; pod rules use the built-in default config",
                file=CONFIG_PATH,
            )
        )
        return default_config(), found
    for pod in config.pods.values():
        if pod.prompt and not (root / pod.prompt).is_file():
            found.append(
                violation(
                    "GP601",
                    f"prompt template {pod.prompt} of pod '{pod.id}' does not exist",
                    file=CONFIG_PATH,
                )
            )
    return config, found
