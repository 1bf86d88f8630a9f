#!/usr/bin/env bash
# git-pods demo: adopt git-pods in a throwaway repository, take a downloaded bundle in, watch the
# commit-time hooks refuse a broken bundle and accept a valid one, submit a working-tree change,
# and promote the queue into commits on the task's branch.
# Run by `make demo` with the project's .venv/bin first on PATH.
set -euo pipefail

work=$(mktemp -d "${TMPDIR:-/tmp}/git-pods-demo.XXXXXX")
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME="Demo Lead" GIT_AUTHOR_EMAIL="lead@example.com"
export GIT_COMMITTER_NAME="Demo Lead" GIT_COMMITTER_EMAIL="lead@example.com"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@" || printf '(exit %d)\n' "$?"; }

cd "$work"
git init -q -b main
mkdir -p src && printf 'def parse(text):\n    return [text]\n' > src/parser.py
git add src && git commit -qm "A parser to improve"

step "Adopt git-pods: config, prompts, queue, notes settings and hooks, in one command"
show git pod-init
show git pod-doctor
git add .pods prompts .patches .gitattributes && git commit -qm "Adopt git-pods"
echo "(the scaffold is committed: every clone shares the pods, prompts and policy)"

step "The lead assigns the task: the ledger is committed alone, the prompt is printed (here, its end)"
mkdir -p src/models/agent && printf 'def stage(symptoms):\n    return "rest" if symptoms else "play"\n' > src/models/agent/concussion_agent.py
git add src/models && git commit -qm "The agent to test"
git pod-assign --to dev-pod --task F2.1 --goal "Parse symptom lists before staging return-to-play" \
    --input-file src/models/agent/concussion_agent.py \
    --instructions 'Keep parse()'"'"'s signature; {braces} and $(this) stay literal' > prompt.txt
tail -n 22 prompt.txt
rm prompt.txt  # (a lead would paste it to the pod; here it must not end up in the pod's change)
git log --oneline -1 --stat | cat
git notes --ref=pods show HEAD

step "A dev pod's answer, downloaded as the seeds do (one file twice, with a browser suffix), taken in"
downloads="$work.downloads"
good=.patches/queue/patch_20250419_123456
mkdir -p "$downloads"
cat > "$downloads/thought_trace.yaml" <<'YAML'
patch_id: patch_20250419_123456
pod: dev-pod
task_id: F2.1
summary: Parse symptom lists before staging return-to-play
steps:
  - Read the parser and its callers
  - Added a tokenizer; kept the public function's signature
YAML
cat > "$downloads/changelog.yaml" <<'YAML'
patch_id: patch_20250419_123456
pod: dev-pod
task_id: F2.1
entries:
  - type: added
    description: Symptom parser accepts comma- and newline-separated lists
YAML
cat > "$downloads/handoff_log (1).yaml" <<'YAML'
from: dev-pod
to: qa-pod
reason: Parser done, needs edge-case tests
related_patch: patch_20250419_123456.diff
YAML
printf 'def parse(text):\n    return [t.strip() for t in text.replace("\\n", ",").split(",") if t.strip()]\n' > src/parser.py
git diff > "$downloads/patch_20250419_123456.diff"
git checkout -q src/parser.py
ls "$downloads"
show git pod-intake "$downloads"
find "$good" -type f | sort
echo "(the downloads folder is empty now: $(ls -A "$downloads" | wc -l) files left)"

step "A broken answer: a typo, YAML 1.1 surprises, a forged archive, a handoff the config forbids"
bad=.patches/queue/patch_20250419_130000
mkdir -p "$bad"
cat > "$bad/thought_trace.yaml" <<'YAML'
patch_id: patch_20250419_130000
pod: dev-pod
task_id: F2.1
sumary: Tweak the parser
steps:
  - Changed it
YAML
cat > "$bad/changelog.yaml" <<'YAML'
patch_id: patch_20250419_130000
pod: dev-pod
task_id: F2.1
entries:
  - type: fixd
    description: no
YAML
cat > "$bad/handoff_log.yaml" <<'YAML'
from: dev-pod
to: delivery-pod
reason: Ship it
related_patch: patch_20250419_130000.diff
YAML
cat > "$bad/patch.diff" <<'DIFF'
diff --git a/.logs/patch_20250419_123456/changelog.yaml b/.logs/patch_20250419_123456/changelog.yaml
new file mode 100644
--- /dev/null
+++ b/.logs/patch_20250419_123456/changelog.yaml
@@ -0,0 +1 @@
+forged: true
DIFF
show git pod-validate "$bad"

step "Commit the broken answer: the pre-commit hook refuses it (staged content, file:line, rule, fix)"
git add "$bad"
show git commit -qm "Queue patch_20250419_130000"
git reset -q -- "$bad"

step "Commit the valid answer: accepted, and the hook marks the tree it validated"
git add "$good"
show git commit -qm "Queue patch_20250419_123456"
git log --oneline -1
tail -n 1 .git/pods/hook-marks   # <tree> <hook> <status> <time>

step "A trailer claiming pod work without its bundle: the commit-msg hook refuses it"
echo "# notes" > NOTES.md && git add NOTES.md
show git commit -qm $'Add notes\n\nPatch-Id: patch_20250419_999999'
git commit -qm "Add notes"
echo "(an ordinary human commit passes untouched)"

step "An agent in the repository: git pod-submit turns its working-tree change into a bundle"
mkdir -p tests && printf 'from src.parser import parse\n\ndef test_commas():\n    assert parse("a, b") == ["a", "b"]\n' > tests/test_parser.py
show git pod-submit --task F2.1 --pod qa-pod --summary "Edge-case tests for the parser" \
    --step "Listed the separators the goal names" --entry "tests:Comma-separated symptoms" --to delivery-pod
ls .patches/queue

step "The whole record at once (no paths): every bundle, ledger and orphan, every problem"
show git pod-validate

step "The same for machines: --json (first violation)"
git pod-validate --json > report.json || true
python3 -c 'import json; d = json.load(open("report.json")); print(json.dumps(d["violations"][0], indent=2)); print("exit_code:", d["exit_code"], "violations:", len(d["violations"]))'

step "What a rule means and how to fix it"
show git pod-validate --explain GP302

step "Promote: check everything first, change nothing (--dry-run)"
show git pod-promote --all --dry-run

step "Promote: each valid bundle becomes one commit on its task's branch; the broken one is rejected"
echo "(built in a temporary index: your working tree and index are not touched)"
show git pod-promote --all
git log --oneline -3 pods/F2.1

step "A promoted commit: the code, .patches/<ID>.diff and .logs/<ID>/, the changelog as message, the trailers"
git show --stat --format='%B' pods/F2.1~1 | sed '/^$/N;/^\n$/D'

step "The promoted events, kept in git notes (refs/notes/pods), one JSON line each"
git notes --ref=pods show pods/F2.1~1
git notes --ref=pods show pods/F2.1

step "Why the broken bundle was refused: .patches/rejected/<ID>/reason.yaml (it is kept, never lost)"
head -n 9 .patches/rejected/patch_20250419_130000/reason.yaml

step "Promoting again commits nothing twice (the queue copy committed on main stays until you remove it)"
show git pod-promote --all

step "Hand the task on: the handoff (with the patch's digests) is appended to the task's ledger"
show git pod-handoff --to qa-pod --reason "Parser done, needs edge-case tests" --patch patch_20250419_123456

step "Assign the pod the latest handoff names: qa-pod builds on pods/F2.1's tip and sees the dev's work"
git pod-assign --from F2.1 --accept "an empty symptom list parses to []" > prompt-qa.txt
sed -n '/=== TASK PACKET/,/^$/p' prompt-qa.txt | grep -E '^(pod|branch|base_commit|from_handoff|  )'
sed -n '/=== ACCEPTANCE/,/^$/p' prompt-qa.txt
sed -n '/=== WORK SO FAR/,/^=== INPUT FILES/p' prompt-qa.txt | sed '$d' | head -n 40

step "qa-pod answers with a review that changes no code: two files, taken in, recorded on pods/F2.1"
qa_id=$(sed -n 's/^Answer with one bundle named \([^,]*\),.*/\1/p' prompt-qa.txt)
review="$work.review" && mkdir -p "$review"
cat > "$review/thought_trace.yaml" <<EOF
patch_id: $qa_id
pod: qa-pod
task_id: F2.1
summary: The parser and its test meet the criteria
steps:
  - Read the dev diff and ran the test it adds
review:
  verdict: approved
  ran:
    - command: python -m pytest -q tests/test_parser.py
      result: passed
EOF
printf 'from: qa-pod\nto: delivery-pod\nreason: Approved\nrelated_patch: %s\n' "$qa_id" > "$review/handoff_log.yaml"
show git pod-intake "$review"
show git pod-promote "$qa_id"
git log -1 --format=%B pods/F2.1

step "The daily view: queue, rejected bundles, who holds each task since when, what is not merged yet"
show git pod-status

step "Merge the task branch; git pod-verify judges every commit as the hooks would have (CI runs it)"
rm -f prompt-qa.txt tests/test_parser.py  # the submitted test arrives with the branch
git merge -q --no-edit pods/F2.1
git rm -r -q .patches/queue/patch_20250419_123456 && git commit -qm "Drop the promoted bundle's queue copy"
show git pod-verify --all

step "A commit that skips the hooks (--no-verify) and edits a promoted record"
printf '  - Edited after review\n' >> .logs/patch_20250419_123456/thought_trace.yaml
git commit -q --no-verify -am "Polish the record"
echo "(the post-commit hook still ran: it recorded the bypass in the notes)"
git notes --ref=pods show HEAD
show git pod-verify --range HEAD~1..HEAD

step "Pushing it is refused by the pre-push hook; without it the push goes through"
git init -q --bare -b main "$work.remote.git"
git remote add origin "$work.remote.git"
show git push -q origin main
git reset -q --hard HEAD~1
show git push -q origin main
git log --oneline -1 origin/main
echo "(the pre-push hook took the notes along: the remote holds every event)"
git --git-dir="$work.remote.git" notes --ref=pods list | wc -l | xargs printf '%s notes on the remote\n'

step "A teammate's clone gets the events with git pod-sync (a plain clone brings no notes)"
git clone -q "$work.remote.git" "$work.teammate"
(cd "$work.teammate" && show git pod-sync && git notes --ref=pods list | wc -l | xargs printf '%s notes here now\n')

step "Release and report: tag v0.1.0, give the team a sprint calendar, write the sprint's reports"
git tag -a v0.1.0 -m "Release v0.1.0"
printf 'sprints:\n  start: "%s"\n  length_days: 14\n' "$(date -u +%Y-%m-%d)" >> .pods/config.yaml
git commit -q -m "Sprint calendar" .pods/config.yaml
show git pod-report
sed -n '1,14p' reports/velocity.md
echo "(…) and from reports/burndown.md:"
sed -n '/^## Still open/,$p' reports/burndown.md
cat reports/CHANGELOG.md
echo "(the charts are reports/velocity.svg and reports/burndown.svg; --format html makes one page)"

step "Running git pod-init again changes nothing, and says so"
show git pod-init

step "Done"
rmdir "$downloads" 2>/dev/null || true
echo "Reports: $work/reports (velocity.md, burndown.md, retrospective.md, CHANGELOG.md, charts as .svg)"
echo "The demo repository is $work, its remote $work.remote.git, a teammate's clone $work.teammate"
echo "(throwaways: delete them when you are done)."
