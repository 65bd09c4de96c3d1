#!/usr/bin/env bash
# Builds the queue-e2e worker of another revision of Courier, for BENCH_BASELINE_WORKER: a
# detached worktree of <git-ref> (under $BASELINE_DIR, default a temp dir), its own `npm ci`, and
# that revision's own compileWorkerEntry (its `npm run build` + bundle). Prints the two settings.
#   eval "$(bash apps/bench/scripts/baseline-worker.sh f197d71)"
#   npm run bench -- --suite queue-e2e
# The worker child speaks the bench's IPC protocol and reads the same COURIER_* environment, which
# holds for revisions since the suite compiled its workers (2026-11-21).
set -euo pipefail
ref="${1:?usage: baseline-worker.sh <git-ref>}"
root="$(git rev-parse --show-toplevel)"
short="$(git -C "$root" rev-parse --short "$ref^{commit}")"
dir="${BASELINE_DIR:-$(mktemp -d)}/courier-$short"
if [ ! -d "$dir" ]; then
  git -C "$root" worktree add --detach "$dir" "$short" >&2
fi
(cd "$dir" && npm ci --no-audit --no-fund >&2)
entry="$(cd "$dir" && NX_DAEMON=false node --conditions=@courier/source --import tsx --input-type=module \
  -e "const m = await import('./apps/bench/src/queue-e2e/worker-process.ts'); console.log(await m.compileWorkerEntry());" | tail -1)"
echo "export BENCH_BASELINE_WORKER='$entry' BENCH_BASELINE_NAME='$short'"
