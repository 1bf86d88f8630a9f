"""The rule catalogue: every stable rule id, what it means and how to fix it (`--explain`)."""

from __future__ import annotations

from git_pods.record import record
from git_pods.violation import Severity, Violation

RANGES = {
    "GP1": "YAML and schemas",
    "GP2": "bundle consistency",
    "GP3": "diff safety and path policy",
    "GP4": "applying and promoting",
    "GP5": "history and verify",
    "GP6": "install, hooks and config",
    "GP7": "assign and handoff",
    "GP8": "notes and sync",
    "GP9": "reports",
}


@record
class Rule:
    """A rule: its id, one-line title, what it means and the usual fix."""

    id: str
    title: str
    explain: str
    fix: str
    severity: Severity = "error"


def _r(rule_id: str, title: str, explain: str, fix: str, severity: Severity = "error") -> Rule:
    return Rule(rule_id, title, explain, fix, severity)


_RULES = [
    _r(
        "GP100",
        "not UTF-8 text",
        "Artifacts are UTF-8 text. The file holds bytes that are not valid UTF-8, often a file "
        "saved in Latin-1 or UTF-16 by an editor, or a binary file given a .yaml name.",
        "save the file as UTF-8 (most editors: 'Save with encoding')",
    ),
    _r(
        "GP101",
        "YAML syntax error",
        "The file is not well-formed YAML: bad indentation, an unclosed quote or bracket, a tab "
        "used for indentation, or more than one document (---) in one file.",
        "correct the YAML at the line shown; quote text that contains ': ' or starts with a symbol",
    ),
    _r(
        "GP102",
        "file too large",
        "YAML artifacts are small. Files over the limit (1 MiB unless .pods/config.yaml sets "
        "limits.yaml_max_bytes) are refused before they are parsed, so a huge or generated file "
        "cannot stall a hook.",
        "keep logs short and link large material (a transcript URL or digest) instead of pasting it",
    ),
    _r(
        "GP103",
        "duplicate key",
        "A key appears twice in one mapping. YAML parsers silently keep the last value, so half of "
        "what was written would be lost.",
        "keep one of the two keys (merge their values)",
    ),
    _r(
        "GP104",
        "YAML alias or anchor use",
        "Aliases (*name) are refused: they make one value appear in many places and allow 'billion "
        "laughs' files that explode when read.",
        "write the value out in full where it is needed",
    ),
    _r(
        "GP105",
        "YAML tag not allowed",
        "Only the standard YAML tags for text, numbers, booleans, null, lists and mappings are "
        "accepted. Tags such as !!python/object, !!binary, !!set or custom !tags are refused: they "
        "can run code or produce values JSON cannot hold.",
        "remove the tag and write a plain value",
    ),
    _r(
        "GP106",
        "ambiguous number",
        "YAML 1.1 (PyYAML) reads 0755 as the octal number 493 and 1:30 as 90, while YAML 1.2 tools "
        "read 755 and the text '1:30'. Such values mean different things to different readers.",
        "quote it ('0755') if it is text, or write the number plainly (755)",
    ),
    _r(
        "GP107",
        "key that is not plain text",
        "Mapping keys must be plain text. Lists or mappings used as keys, and YAML merge keys (<<), "
        "are refused.",
        "use a plain text key and write merged values out",
    ),
    _r(
        "GP108",
        "empty document",
        "The file holds no YAML document (it is empty or only comments).",
        "write the artifact's fields; see the smallest valid bundle in the README",
    ),
    _r(
        "GP109",
        "unquoted value read as another type",
        "YAML 1.1 reads some unquoted text as something else: no/yes/on/off become booleans, "
        "1.10 becomes the number 1.1, an empty value becomes null. Where the schema expects text "
        "this is reported with the value as written.",
        "quote the value: reason: 'no'",
    ),
    _r(
        "GP110",
        "required key missing",
        "The schema requires this key and the artifact does not have it.",
        "add the key with a value",
    ),
    _r(
        "GP111",
        "unknown key",
        "The schema does not know this key. Unknown keys are errors so that a misspelled key is "
        "caught instead of silently ignored. Keys starting with x- are free for extensions.",
        "correct the spelling (see the did-you-mean hint) or prefix your own keys with x-",
    ),
    _r(
        "GP112",
        "wrong type",
        "The value has the wrong type: text where a list is expected, a list where a mapping is "
        "expected, and so on.",
        "write the value as the type the schema expects",
    ),
    _r(
        "GP113",
        "value not allowed",
        "The value is not one of those the schema allows.",
        "use one of the listed values",
    ),
    _r(
        "GP114",
        "value has the wrong form",
        "The value does not have the required form: a time that is not an RFC 3339 date-time, a "
        "digest that is not sha256:<64 hex>, a reference that is neither a URL nor a digest.",
        "write the value in the form shown in the message",
    ),
    _r(
        "GP115",
        "value out of bounds",
        "The value is too short, too long, or a list has too few or too many items (an empty "
        "summary, an empty list of steps).",
        "fill in the value, or shorten it to the limit",
    ),
    _r(
        "GP116",
        "schema violation",
        "The artifact breaks a schema rule not covered by a more specific id.",
        "see the message; the schemas are in the package's schemas/ folder",
    ),
    _r(
        "GP117",
        "nested too deeply",
        "Artifacts are shallow; a document nested more than 64 levels is refused.",
        "flatten the structure",
    ),
    _r(
        "GP118",
        "file cannot be read",
        "The file exists but could not be read (a permission problem, or a folder where a file "
        "was expected).",
        "check the file's permissions and type",
    ),
    _r(
        "GP119",
        "not one JSON object per line",
        "Metric events are stored one compact JSON object per line; this line is not a JSON object.",
        "write each event as one JSON object on its own line",
    ),
    _r(
        "GP200",
        "bundle incomplete",
        "A bundle is four files: patch.diff (or a files/ folder of whole files), "
        "thought_trace.yaml, changelog.yaml and handoff_log.yaml. One is missing. A review or "
        "blocked answer that changes no code (thought_trace.yaml has review: with a verdict) "
        "needs only thought_trace.yaml and handoff_log.yaml.",
        "add the missing file; `git pod-submit` writes all four from the working tree",
    ),
    _r(
        "GP201",
        "patch ids disagree",
        "The bundle's folder and its files must name the same patch id (patch_id in the trace and "
        "changelog).",
        "make every patch_id equal to the bundle folder's name",
    ),
    _r(
        "GP202",
        "pods disagree",
        "The trace, the changelog and the handoff's sender must name the same pod.",
        "write the same pod id in all three files",
    ),
    _r(
        "GP203",
        "tasks disagree",
        "The trace, the changelog and the handoff (when it names a task) must name the same task.",
        "write the same task_id in all three files",
    ),
    _r(
        "GP204",
        "handoff does not name the bundle",
        "The handoff log links the handoff to its patch through related_patch, which must name "
        "this bundle (its patch id, or the id with .diff).",
        "set related_patch: <patch id>.diff in handoff_log.yaml",
    ),
    _r(
        "GP205",
        "unknown pod",
        "The pod is not in the pods registry (.pods/config.yaml, or the built-in default pods "
        "when the repository has no config).",
        "use a registered pod id, or add the pod to .pods/config.yaml",
    ),
    _r(
        "GP206",
        "handoff not allowed",
        "The config lists, for each pod, the pods it may hand work to (next). This handoff goes "
        "somewhere the sender may not hand off to.",
        "hand off to one of the allowed pods, or add the target to the sender's next list",
    ),
    _r(
        "GP207",
        "digest mismatch",
        "The handoff log records sha256 digests of the files it hands over; a file's content "
        "does not match its digest, so it changed after the handoff was written.",
        "restore the file that was handed over, or recompute the digest (sha256sum FILE)",
    ),
    _r(
        "GP208",
        "invalid id",
        "Patch ids are a letter or digit then letters, digits, '_' or '-', at most 100 "
        "characters, unique ignoring case. Task ids are a letter then letters, digits, '_' or "
        "'-', optionally followed by .parts (F2.1), at most 64 characters. Pod ids are lower-case "
        "letters, digits, '_' and '-', starting with a letter.",
        "rename the id to follow the grammar, e.g. patch_20250419_123456, F2.1, dev-pod",
    ),
    _r(
        "GP209",
        "orphan record",
        "An archived diff (.patches/<ID>.diff) needs its logs in .logs/<ID>/, and logs need their "
        "diff: one without the other is an orphan.",
        "restore the missing half from history (git log -- .patches/<ID>.diff), or remove the orphan",
    ),
    _r(
        "GP210",
        "ambiguous or unsafe whole-file bundle",
        "A bundle carries its change either as patch.diff or as whole files under files/, not "
        "both; every path under files/ must be a plain relative path inside the repository.",
        "keep one of patch.diff and files/, and remove unsafe entries",
    ),
    _r(
        "GP211",
        "unexpected file in bundle",
        "The bundle folder holds a file git-pods does not know; it is ignored.",
        "remove it, or keep notes in the trace instead",
        "warning",
    ),
    _r(
        "GP212",
        "patch id already promoted",
        "A queued bundle has the id of a patch already archived in .patches/; promoting it "
        "again would be refused unless it is the same bundle.",
        "give the new bundle a new patch id (and supersedes: <old id> in its trace)",
        "warning",
    ),
    _r(
        "GP213",
        "loose file in the queue",
        "The queue holds bundles as folders (.patches/queue/<ID>/); a loose file there (the seeds' "
        "flat download) is not a bundle.",
        "run `git pod-intake .patches/queue` to group loose files into bundle folders",
    ),
    _r(
        "GP214",
        "flat logs layout",
        "The seeds keep single .logs/*.yaml files; git-pods keeps one folder per patch "
        "(.logs/<ID>/) so branches promoting in parallel never conflict.",
        "move the files into .logs/<patch id>/ (git pod-intake does this for downloads)",
    ),
    _r(
        "GP215",
        "ambiguous downloads",
        "The downloads hold more than one different file of the same kind for one patch id (say "
        "changelog.yaml and changelog (1).yaml with different contents), so intake cannot tell "
        "which belongs to the bundle. Identical copies are fine.",
        "delete or move the wrong candidates from the downloads folder and run git pod-intake again",
    ),
    _r(
        "GP216",
        "incomplete downloads",
        "The downloads for a patch id lack some of the bundle's four files (patch.diff, "
        "thought_trace.yaml, changelog.yaml, handoff_log.yaml); nothing is queued or removed.",
        "download the missing files from the pod's answer, then run git pod-intake again",
    ),
    _r(
        "GP217",
        "download belongs to no bundle",
        "A bundle file in the downloads names no patch id (or one no other file names) and "
        "could not be matched to a bundle; it is left where it is.",
        "add patch_id to the log (or name the diff patch_<ID>.diff), or queue it by hand",
        "warning",
    ),
    _r(
        "GP218",
        "a different bundle is queued under that id",
        "The queue already holds a bundle with this patch id whose files differ from the downloads; "
        "intake never overwrites a queued bundle.",
        "promote or remove the queued bundle first, or give the new answer its own patch id",
    ),
    _r(
        "GP219",
        "whole files could not become a diff",
        "A bundle of whole files (files/<path>) is turned into patch.diff against the base commit "
        "its trace names (else HEAD); the base is missing here, or git refused one of the paths.",
        "fetch the base commit, or fix the file paths inside files/",
    ),
    _r(
        "GP220",
        "archive commit without its trailers",
        "A commit that archives a bundle (adds .patches/<ID>.diff and .logs/<ID>/) says so in its "
        "message's last paragraph: Pod, Task, Patch-Id and Pod-Bundle trailers (and Assisted-by when "
        "the trace names its agent), so history, reports and squash merges can find the bundle. "
        "Adding a bundle to the queue needs none.",
        "end the message with the trailer lines shown (a blank line before them)",
    ),
    _r(
        "GP221",
        "trailer does not match the bundle",
        "A trailer's value differs from what the archived bundle says: another pod or task, or a "
        "Pod-Bundle digest that is not the digest of the four files (sha256sum changelog.yaml "
        "handoff_log.yaml patch.diff thought_trace.yaml | sha256sum, in the bundle's folder).",
        "use the value shown; if the files changed after the message was written, recompute it",
    ),
    _r(
        "GP222",
        "trailer claims a bundle the commit does not carry",
        "A Pod, Patch-Id or Pod-Bundle trailer claims pod work, but the commit's tree has no "
        "archived bundle it could belong to (.patches/<ID>.diff with .logs/<ID>/).",
        "archive the bundle in the same commit (git pod-promote does), or remove the trailer",
    ),
    _r(
        "GP224",
        "download not removed",
        "The bundle was queued, but its download could not be removed (a read-only folder, say); "
        "nothing is lost, and running intake again says it is already queued.",
        "remove the download by hand",
        "warning",
    ),
    _r(
        "GP225",
        "trailer value on several lines",
        "The trace's agent and model become the commit's Assisted-by trailer. A line break in "
        "them would start new trailer lines in the message, so a bundle could forge a "
        "Signed-off-by, Reviewed-by or Pod-Bundle line the lead never wrote.",
        "write agent and model on one line each (e.g. agent: claude-code, model: claude-sonnet)",
    ),
    _r(
        "GP300",
        "diff does not parse",
        "patch.diff must be a unified diff as `git diff` writes it; this one is empty or broken "
        "(often hunk counts that do not match the lines, which models get wrong).",
        "regenerate the diff with `git diff --binary`, or send whole files under files/ instead",
    ),
    _r(
        "GP301",
        "unsafe path in diff",
        "The diff names a path outside the repository: absolute, with '..', or inside .git "
        "(in any spelling).",
        "diff only files inside the repository, with paths relative to its top",
    ),
    _r(
        "GP302",
        "diff writes git-pods' archive",
        "Only promote writes .patches/ and .logs/, so that no archive can be forged by a diff.",
        "remove the .patches/ and .logs/ changes from the diff",
    ),
    _r(
        "GP303",
        "path not allowed for the pod",
        "The config's path policy does not let this pod change this path (policy files such as "
        ".pods/ and .pre-commit-config.yaml are protected unless the pod may_touch_policy).",
        "leave the path to a pod that may change it, or change the policy in .pods/config.yaml",
    ),
    _r(
        "GP304",
        "unsafe symlink",
        "The diff creates a symbolic link that points outside the repository or into .git, or "
        "writes a file through a symbolic link (a folder that is a link, in the tree or made by "
        "the same diff), which would land wherever the link points.",
        "use a relative link that stays inside the repository, or a regular file; write files "
        "at their real paths",
    ),
    _r(
        "GP305",
        "submodule change",
        "The diff adds or changes a submodule (a gitlink, mode 160000) or .gitmodules; pods may "
        "not change what code the repository pulls in.",
        "leave submodule changes to a human commit",
    ),
    _r(
        "GP306",
        "diff headers disagree",
        "The ---/+++ names differ from the 'diff --git' header, so tools would apply the change "
        "to a different file than reviewers see.",
        "regenerate the diff with `git diff`",
    ),
    _r(
        "GP307",
        "binary change without data",
        "The diff says 'Binary files ... differ' but carries no binary data, so it cannot be applied.",
        "regenerate the diff with `git diff --binary`",
    ),
    _r(
        "GP308",
        "diff line endings changed",
        "The diff's header lines end in CRLF: a download or editor converted its line endings, "
        "and git will not apply it.",
        "download the diff again as-is, or convert it back with dos2unix",
    ),
    _r(
        "GP309",
        "likely secret",
        "The change or its logs hold what looks like a secret (a private key, a cloud, forge or "
        "chat token, a webhook URL, a password in a URL), or add a file whose name marks it as "
        "one (.env, id_rsa, *.pem, *.key). A secret committed once stays in every clone, so it is "
        "refused before it reaches history.",
        "remove the secret and rotate it if it was real; for a deliberate fake (a test fixture), "
        "put `pods:allow-secret` in a comment on that line",
    ),
    _r(
        "GP310",
        "wrong hunk counts",
        "A hunk's @@ header says how many old and new lines follow; here the lines do not match "
        "the counts (models writing diffs by hand get them wrong, and a truncated download ends "
        "a hunk early). git will not apply it as written. `git pod-promote --recount` counts the "
        "lines instead, which also accepts a truncated hunk: review the result.",
        "regenerate the diff with `git diff`, send whole files under files/, or promote with --recount",
    ),
    _r(
        "GP311",
        "binary data and index line disagree",
        "A `GIT binary patch` literal carries the file's bytes, and the diff's `index` line names the "
        "blob they make. git applies the named blob instead of the data whenever it already has it, "
        "so a diff whose data and index line disagree shows reviewers one file and installs another.",
        "regenerate the diff with `git diff --binary`",
    ),
    _r(
        "GP400",
        "patch does not apply",
        "The bundle's diff does not apply to the target branch's tip: a file it changes was "
        "changed since the pod read it, is missing, or already exists. The bundle stays in the "
        "queue (exit 4); the message names the file, the hunk and the context git looked for.",
        "ask the pod for a diff against the branch's tip, or retry with git pod-promote --3way "
        "(a three-way merge using the blobs the diff names) or --recount (wrong hunk counts)",
    ),
    _r(
        "GP401",
        "patch id already promoted with other content",
        "A bundle with this patch id is already promoted on the target branch, and its files "
        "differ from the queued ones. Promoted records never change, so the queued bundle is "
        "refused rather than committed twice under one id.",
        "give the new bundle a new patch id; its trace may say supersedes: <old id>",
    ),
    _r(
        "GP402",
        "no usable target branch",
        "The branch the bundle would be promoted onto cannot be used: the task id does not make a "
        "valid branch name, the branch is checked out with uncommitted changes or in another "
        "worktree, or a merge or rebase is in progress there. The bundle stays in the queue.",
        "commit or stash the changes (or finish the merge), or promote with --onto BRANCH",
    ),
    _r(
        "GP403",
        "whole files not turned into a diff",
        "The queued bundle carries whole files under files/ instead of patch.diff. git pod-intake "
        "and git pod-submit turn them into a diff against the base commit; promote applies diffs.",
        "move the folder out of the queue and run git pod-intake on it",
    ),
    _r(
        "GP404",
        "rejected by the lead",
        "The lead rejected the queued bundle (git pod-reject) with the reason in reason.yaml. It is "
        "kept in .patches/rejected/<ID>/ with its files as they were, and a rejected event is noted.",
        "read the reason; git pod-requeue <ID> puts the bundle back in the queue",
    ),
    _r(
        "GP405",
        "another attempt was chosen",
        "Several answers to one prompt were queued as attempts (a patch id and <id>-2, <id>-3...); "
        "the lead promoted another of them, so this one was moved to .patches/rejected/ as not "
        "chosen. Nothing was lost.",
        "git pod-requeue <ID> puts it back in the queue if it is wanted after all",
    ),
    _r(
        "GP406",
        "several attempts at one prompt",
        "Two or more queued bundles are attempts at the same prompt (a patch id and <id>-2...). "
        "Only one of them can be promoted: promote the one you choose by its id, and the others "
        "then move to .patches/rejected/ as not chosen (GP405).",
        "git pod-status shows the attempts side by side; git pod-promote <the chosen ID>",
    ),
    _r(
        "GP500",
        "promoted record changed",
        "Promoted records never change: once .patches/<ID>.diff and .logs/<ID>/ are committed they "
        "stay as they were, so the record proves what was reviewed. A correction is a new bundle "
        "whose thought_trace says supersedes: <ID>.",
        "restore the file from HEAD and promote a correcting bundle instead",
    ),
    _r(
        "GP501",
        "archived diffs differ from the commit's change",
        "A commit that archives bundles must change exactly what their diffs say, applied to its "
        "parent in queue order: that is what reviewers read and what the record proves. Here the "
        "commit's real change (outside .patches/ and .logs/) differs, or a diff does not apply to "
        "the parent: the code was edited by hand in the same commit, or the archive was written by "
        "hand.",
        "promote the bundle with git pod-promote (it builds the commit from the diff), and commit "
        "human edits separately",
    ),
    _r(
        "GP502",
        "human edits in a squash merge",
        "On a branch the policy marks as a squash-merge target (policy.squash_merge), a commit "
        "that archives bundles may change more than their diffs: a reviewer's fix-ups squashed in "
        "with them. git pod-verify reports those paths so the record says who wrote what; it "
        "refuses nothing.",
        "none needed; to keep pod work and human edits apart, merge without squashing",
        "warning",
    ),
    _r(
        "GP503",
        "handoff digest differs from the patch",
        "A task ledger's handoff records the sha256 digests of the patch it handed over. The "
        "patch's files in the same commit (archived, or queued) differ from them: the patch was "
        "changed after the handoff, or the ledger was edited by hand.",
        "hand the patch over again (git pod-handoff --patch ID) so the ledger records what was "
        "really handed over",
    ),
    _r(
        "GP600",
        "config names an unknown pod",
        "A pod's next list names a pod that is not in the registry.",
        "add the pod to pods:, or remove it from next",
    ),
    _r(
        "GP601",
        "prompt template missing",
        "A pod's prompt template file does not exist; assignments would use the built-in one.",
        "create the file (git pod-init writes one per pod) or fix the prompt path",
        "warning",
    ),
    _r(
        "GP602",
        "config invalid",
        "The pods config is invalid, so rules that need it (known pods, allowed handoffs, path "
        "policy) are checked against the built-in default config instead.",
        "fix .pods/config.yaml (git pod-validate .pods/config.yaml lists the problems)",
        "warning",
    ),
    _r(
        "GP603",
        "hook missing",
        "A git-pods hook is not installed in the repository's effective hooks folder (git "
        "rev-parse --git-path hooks), so commits are not checked before they are made. Tools that "
        "manage core.hooksPath (husky, lefthook) may have replaced the folder.",
        "git pod-init",
    ),
    _r(
        "GP604",
        "hook not executable",
        "The hook file exists but git will not run it: it lacks the executable bit.",
        "chmod +x the hook file, or run git pod-init",
    ),
    _r(
        "GP605",
        "hook's interpreter missing",
        "An installed hook names the Python that installed it (so it works from GUI clients and "
        "outside the virtualenv); that interpreter is gone or no longer has git-pods installed.",
        "git pod-init (from the environment where git-pods is installed now)",
    ),
    _r(
        "GP606",
        "hook out of date",
        "The installed hook differs from the one this git-pods version installs.",
        "git pod-init",
        "warning",
    ),
    _r(
        "GP607",
        "chained hook not runnable",
        "git pod-init kept the hook that was already there and runs it first; that hook is missing "
        "or not executable, so the git-pods hook stops the commit rather than skip it silently.",
        "restore the chained file or make it executable; git pod-init --uninstall puts it back",
    ),
    _r(
        "GP608",
        "notes config missing",
        "git-pods keeps metric events in refs/notes/pods. Without notes.rewriteRef they are lost on "
        "amend and rebase; without the cat_sort_uniq merge strategy concurrent notes conflict; "
        "without the fetch refspec a plain git fetch never brings the team's notes.",
        "git pod-init",
    ),
    _r(
        "GP609",
        "notes pushed by a push refspec",
        "A remote's push refspec names a notes ref: a plain git push then pushes only that ref, "
        "not the branch. git-pods pushes notes itself (git pod-sync).",
        "remove the refspec with git config --unset remote.<name>.push <refspec>",
    ),
    _r(
        "GP610",
        "git too old",
        "git-pods needs git 2.31 or newer (git rev-parse --path-format, notes merge strategies).",
        "upgrade git",
    ),
    _r(
        "GP611",
        "pre-commit framework hooks not set up",
        "The repository uses the pre-commit framework (.pre-commit-config.yaml) but its config "
        "lacks the git-pods hooks, or the framework's hook script is not installed for a hook type "
        "they need (pre-commit, commit-msg, pre-push, post-commit).",
        "git pod-init (adds the hooks and runs pre-commit install for each hook type)",
    ),
    _r(
        "GP612",
        "hook skipped",
        "A git-pods hook was skipped with SKIP=<hook id>. The skip is recorded, and git pod-verify "
        "in CI checks the commit anyway.",
        "none needed when the skip was deliberate; otherwise commit again without SKIP",
        "warning",
    ),
    _r(
        "GP613",
        "schemas not readable",
        "The JSON Schemas shipped in the git-pods package cannot be loaded: the installation is damaged.",
        "reinstall git-pods (pip install --force-reinstall git-pods)",
    ),
    _r(
        "GP620",
        "commit hooks bypassed",
        "A commit that carries pod work (pod trailers, or changes under .pods/, .patches/, .logs/) was "
        "made without the commit-time hooks: they left no mark for it (git commit --no-verify, or the "
        "hooks are not installed), or SKIP named them. post-commit records a bypass-detected event on "
        "the commit; git pod-pre-push and git pod-verify in CI check it anyway.",
        "check it now: git pod-verify --range HEAD~1..HEAD; next time commit without --no-verify or SKIP",
        "warning",
    ),
    _r(
        "GP621",
        "metric events not recorded",
        "post-commit or post-rewrite could not write its events to the notes ref (git failed, a lock "
        "was held, or other writers kept moving the ref). The commit or rewrite itself is done.",
        "run the hook again (git-pods-hook post-commit is safe to repeat); git pod-doctor checks the set-up",
        "warning",
    ),
    _r(
        "GP622",
        "notes ref broken",
        "The notes ref that holds the metric events (refs/notes/pods unless the config's notes_ref says "
        "otherwise) does not point at a notes commit: it names a missing object, a blob or tree, or "
        "its file is damaged. Events cannot be added until it is repaired.",
        "look at what it held (git reflog refs/notes/pods), then restore it with git update-ref, or "
        "remove it with git update-ref -d refs/notes/pods",
        "warning",
    ),
    _r(
        "GP623",
        "unreadable metric event",
        "A line in a commit's note is not a JSON object (a hand-edited or damaged note). It is left as "
        "it is and ignored; events are still added next to it.",
        "edit the note (git notes --ref=pods edit COMMIT) to remove or repair the line",
        "warning",
    ),
    _r(
        "GP624",
        "rewrite list unreadable",
        "post-rewrite takes amend or rebase as its argument and git's `<old> <new>` lines on stdin; "
        "what it got was something else, so the lines that could not be read were passed over.",
        "run it as git does: printf '%s %s\\n' OLD NEW | git-pods-hook post-rewrite rebase",
        "warning",
    ),
    _r(
        "GP800",
        "notes not synced",
        "This clone holds metric events (refs/notes/pods) that the remote did not have when it was "
        "last synced, or it was never synced: teammates' reports do not see them yet. git-pods "
        "pushes notes with git pod-sync, git pod-promote --push and the pre-push hook.",
        "git pod-sync",
        "warning",
    ),
    _r(
        "GP801",
        "forge CLI missing",
        "The remote is on GitHub or GitLab, but its CLI (gh or glab) is not installed, so "
        "git pod-promote --push cannot open the pull request itself: it writes the body to a file "
        "and prints the forge's compare URL instead.",
        "install gh (or glab) and log in: gh auth login",
        "warning",
    ),
    _r(
        "GP802",
        "notes not exchanged with the remote",
        "git pod-sync (and promote --push, and the pre-push hook) could not fetch, merge or push the "
        "metric events: the remote cannot be reached without a prompt, refuses notes, holds a "
        "notes ref that is no notes commit, or kept a lock. Nothing local is lost: the notes stay "
        "in refs/notes/pods and the remote's in refs/notes/remotes/<remote>/.",
        "the message says which; fix it, then run git pod-sync again",
    ),
    _r(
        "GP700",
        "ledger name and task differ",
        "A task's ledger is .pods/tasks/<TASK>.yaml and holds that task's packet; the file name and "
        "task_id must agree.",
        "rename the file to the task id, or correct task_id",
    ),
    _r(
        "GP701",
        "input file outside the repository",
        "An assignment's input files are read from the repository: an absolute path, a path with "
        "'..', or a symbolic link that leads out of the work tree could put any file on the "
        "machine into a prompt that leaves it.",
        "name a file inside the repository, relative to its top",
    ),
    _r(
        "GP702",
        "input file ignored by git",
        "git ignores this file (.gitignore, .git/info/exclude): ignored files are build output, "
        "local settings and secrets more often than code, so they stay out of prompts.",
        "name a tracked file, or pass --allow-secret PATH if the file really belongs in the prompt",
    ),
    _r(
        "GP703",
        "input file looks like a secret",
        "The file's name (.env, a private key, .netrc) or its content (keys, tokens, passwords in "
        "URLs) looks secret. A prompt goes to a model outside your machine, so the file is "
        "refused and its content is never printed.",
        "leave the file out, or pass --allow-secret PATH when it holds no real secret",
    ),
    _r(
        "GP704",
        "prompt over its size budget",
        "The rendered prompt is larger than the budget (limits.prompt_max_bytes in .pods/config.yaml, "
        "256 KiB unless set), usually because of large input files; the estimate is shown.",
        "name fewer or smaller input files, or raise limits.prompt_max_bytes",
    ),
    _r(
        "GP705",
        "handoff not in the graph",
        "The config's handoff graph (each pod's next) does not let the sending pod hand the task to "
        "the receiving pod.",
        "hand off to one of the pods listed, change the pod's next in .pods/config.yaml, or --force "
        "(recorded in the ledger as forced)",
    ),
    _r(
        "GP706",
        "task closed",
        "The task's ledger says it was closed (git pod-close, done or abandoned): it holds no pod and "
        "takes no handoff until it is assigned again.",
        "assign it again (git pod-assign --to POD --task ID) to reopen it",
    ),
    _r(
        "GP810",
        "webhook URL variable not set",
        "A webhook target in .pods/config.yaml names an environment variable (url_env) for its URL, "
        "and that variable is unset or empty here, so the target was skipped. URLs are secrets: they "
        "live in the environment (a CI secret, a shell profile), never in the config. Nothing else "
        "changes: the promote or handoff went through.",
        "set the variable named in the message (e.g. a CI secret), or remove the target from webhooks",
        "warning",
    ),
    _r(
        "GP811",
        "webhook URL refused",
        "The environment variable holds something that is not an http:// or https:// URL with a host "
        "(a file:// URL, another scheme, a URL with a user name or password, spaces or control "
        "characters, or garbage), so nothing was sent. The value itself is never printed.",
        "put the webhook's https:// URL in the variable named in the message",
        "warning",
    ),
    _r(
        "GP812",
        "webhook unreachable",
        "The webhook's host could not be reached: connection refused, the host name did not resolve, "
        "TLS failed, or the connection broke. The event was not delivered and is not retried; it stays "
        "in the notes, and the promote or handoff is unaffected.",
        "check the URL in the variable and the network (https_proxy, no_proxy); the event stays in the notes",
        "warning",
    ),
    _r(
        "GP813",
        "webhook timed out",
        "The webhook did not answer within the time budget (a few seconds), so git-pods stopped "
        "waiting: a slow chat service must not slow a promote. The event may or may not have arrived; "
        "it is not retried.",
        "check the service's status; the events stay in the notes",
        "warning",
    ),
    _r(
        "GP814",
        "webhook answered with an error",
        "The webhook answered with an HTTP error (4xx: the URL is wrong, revoked, or the payload was "
        "refused; 5xx: the service failed) or a redirect, which is not followed. The event was not "
        "delivered and is not retried.",
        "for 403/404/410 renew the webhook URL and update the variable; for 5xx check the service",
        "warning",
    ),
    _r(
        "GP815",
        "pull request not opened",
        "After promote pushed a task branch, no pull or merge request could be opened or updated "
        "for it: the remote is not on a forge git-pods knows (github.com, GH_HOST, gitlab.com, "
        "GITLAB_HOST), the forge's CLI (gh, glab) is not on PATH, or it failed (not logged in, no "
        "permission, no network). The branch is pushed; the request's body was written to "
        "<git-common-dir>/pods/pr/<branch>.md and, for a known forge, the URL to open it by hand "
        "was printed. Nothing prompted for credentials.",
        "install the forge's CLI and log in (gh auth login, glab auth login), then promote again with "
        "--push; or open the printed URL and paste the body file",
        "warning",
    ),
    _r(
        "GP816",
        "pull request labels not added",
        "The pull or merge request was opened or updated, but its pod:<pod> labels could not be "
        "added or created (the token may not write issues or labels: in GitHub Actions that needs "
        "`issues: write`).",
        "give the token permission to create labels, or create the pod:<pod> labels by hand",
        "warning",
    ),
    _r(
        "GP817",
        "pod without owners",
        "git pod-init --codeowners writes CODEOWNERS lines from each pod's paths and owners in "
        ".pods/config.yaml; a pod that lists no owners gets no lines, so its paths keep whatever "
        "owners other lines give them.",
        "add owners to the pod in .pods/config.yaml (owners: ['@org/team']), then run git pod-init "
        "--codeowners again",
        "warning",
    ),
    _r(
        "GP818",
        "path glob not expressible in CODEOWNERS",
        "A pod's path glob holds a character that CODEOWNERS files read differently on GitHub and "
        "GitLab or cannot hold at all (white space, [ ], { }, a backslash) or an empty folder name, "
        "so it was left out of CODEOWNERS.",
        "rename the glob in .pods/config.yaml to use only names, / and the wildcards *, ** and ?",
        "warning",
    ),
    _r(
        "GP819",
        "owner not usable in CODEOWNERS",
        "CODEOWNERS names an owner as @user, @org/team (GitHub), @group/subgroup or @@role (GitLab), "
        "or an email address; an owner written otherwise (or holding white space) would make the "
        "forge ignore the whole line, so that owner was left out.",
        "write the owner as @name, @org/team or an email address in .pods/config.yaml",
        "warning",
    ),
    _r(
        "GP901",
        "note line is not a metric event",
        "A line in refs/notes/pods is not a metric event: not JSON, not an object, or missing `event`, "
        "`v` (a version from 1) or `ts` (an ISO 8601 time with its offset). Reports pass over the line "
        "and count everything else; nothing is changed.",
        "find the line with `git notes --ref=pods show <commit>`; fix or remove it with `git notes "
        "--ref=pods edit <commit>`, then `git pod-sync` so other clones get the fix",
        "warning",
    ),
    _r(
        "GP902",
        "binary note passed over",
        "A note in refs/notes/pods holds a NUL byte, so it is not text and holds no events. Reports "
        "pass over it.",
        "see it with `git notes --ref=pods show <commit> | od -c | head`, and remove it with `git notes "
        "--ref=pods remove <commit>` if it is not yours to keep",
        "warning",
    ),
    _r(
        "GP903",
        "default branch not found",
        "Reports count a patch as accepted when its commit reaches the default branch. That branch (the "
        "config's default_branch, else the remote's HEAD, else main or master) does not exist here, so "
        "no patch counts as accepted.",
        "set default_branch in .pods/config.yaml, or fetch or create the branch",
        "warning",
    ),
    _r(
        "GP904",
        "promoted record unreadable",
        "A report needed a promoted record (.logs/<ID>/changelog.yaml for the changelog, "
        "thought_trace.yaml for rework) and the commit that carries the patch does not hold it, or it "
        "is not valid YAML of the schema's shape. The report goes on without it and lists the patch "
        'under "Not included".',
        "run `git pod-verify --all` to see how the record came to be missing or broken; a correction is "
        "a new bundle whose trace says `supersedes: <ID>`",
        "warning",
    ),
    _r(
        "GP905",
        "shallow clone",
        "Reports count what history shows. This clone is shallow (git clone --depth, CI checkouts), so "
        "commits, merges and tags before its boundary are missing and patches may not count as "
        "accepted or delivered.",
        "fetch the whole history: git fetch --unshallow (in CI: fetch-depth: 0)",
        "warning",
    ),
    _r(
        "GP910",
        "sprint calendar unusable",
        "The config's sprints section names a time zone that is not an IANA name, or a start that is not "
        "a date, so no sprint can be placed in time.",
        "write `sprints: {start: 'YYYY-MM-DD', length_days: 14, timezone: Europe/Berlin}` (quote the date)",
    ),
    _r(
        "GP911",
        "report window not understood",
        "--since and --until take a date (YYYY-MM-DD: a local midnight in the calendar's zone; --until's "
        "day is included) or an ISO 8601 time, and --until must come after --since.",
        "write --since 2026-01-05 --until 2026-01-16, or times such as 2026-01-05T10:00:00+01:00",
    ),
    _r(
        "GP912",
        "sprint not usable",
        "--sprint takes a sprint number from 1 and needs a sprint calendar in .pods/config.yaml.",
        "add `sprints: {start: 'YYYY-MM-DD', length_days: 14}` to .pods/config.yaml, or use --since/--until",
    ),
    _r(
        "GP913",
        "report option not understood",
        "git pod-report takes a report (velocity, burndown, retro, changelog or all), a --format (md, html "
        "or json) and an --out folder; the value given is none of those, or --out names a file.",
        "see git pod-report -h",
    ),
]

RULES: dict[str, Rule] = {rule.id: rule for rule in _RULES}


def violation(
    rule_id: str,
    message: str,
    *,
    hint: str | None = None,
    file: str | None = None,
    line: int | None = None,
    path: str | None = None,
    commit: str | None = None,
) -> Violation:
    """A violation of a catalogued rule; the hint defaults to the rule's usual fix."""
    rule = RULES[rule_id]
    return Violation(
        rule=rule_id,
        message=message,
        severity=rule.severity,
        hint=hint if hint is not None else rule.fix,
        file=file,
        line=line,
        path=path,
        commit=commit,
    )


def explain(rule_id: str) -> str:
    """The text `git pod-validate --explain RULE` prints."""
    rule = RULES[rule_id.upper()]
    area = RANGES.get(rule.id[:3], "")
    return f"{rule.id}: {rule.title} ({area}; {rule.severity})\n\n{rule.explain}\n\nHow to fix: {rule.fix}\n"
