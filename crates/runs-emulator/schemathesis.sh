#!/usr/bin/env bash
# Checks the emulator against the OpenAPI spec with schemathesis: starts the emulator binary on
# a free port, waits until it answers, runs every check, and fails on any failure.
#
# Usage: crates/runs-emulator/schemathesis.sh [SPEC]   (run from anywhere; needs schemathesis)
# SPEC defaults to ../shared/spec/openapi-full.yaml relative to the repository root (CI uses it;
# ../shared/spec/openapi.yaml, the runs operations alone, works too).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
spec="${1:-$root/../shared/spec/openapi-full.yaml}"
key="schemathesis-key"
max_examples="${SCHEMATHESIS_MAX_EXAMPLES:-100}"
[ -f "$spec" ] || { echo "no spec at $spec" >&2; exit 1; }
spec="$(cd "$(dirname "$spec")" && pwd)/$(basename "$spec")"

cd "$root"
cargo build --quiet -p runs-emulator --bin runs-emulator
bin="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/debug/runs-emulator"

log="$(mktemp)"
# Port 0: the emulator picks a free port and prints it, so nothing can race us for it.
# Runs finish at once (--step-seconds 0) so the stateful phase sees terminal runs too.
"$bin" --listen 127.0.0.1:0 --api-key "$key" --step-seconds 0 >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$log"' EXIT

# Wait, with a deadline, until the banner names the URL and the URL answers.
base_url=""
deadline=$((SECONDS + 30))
while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "the emulator exited early:" >&2
        cat "$log" >&2
        exit 1
    fi
    if [ -z "$base_url" ]; then
        base_url="$(sed -n 's/^runs-emulator listening on //p' "$log")"
    fi
    if [ -n "$base_url" ] && python3 -c '
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen(sys.argv[1] + "/runs", timeout=2)
except urllib.error.HTTPError:
    pass  # any HTTP answer (401 here) means it is serving
' "$base_url" 2>/dev/null; then
        break
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
        echo "the emulator did not answer within 30 s:" >&2
        cat "$log" >&2
        exit 1
    fi
    sleep 0.2
done
echo "emulator at $base_url"

# Every check (enabled in schemathesis.toml); the exceptions (a schema-valid continuation token
# is a documented 400; health's 401) are configured, with their reasons, in schemathesis.toml
# beside this script and in docs/emulator.md.
# Bounded by --max-examples (about half a minute here); `timeout` guards against a hang.
# (--max-time would not bound it: fuzzing repeats until that budget is spent.)
timeout 600 schemathesis --config-file "$here/schemathesis.toml" run "$spec" \
    --url "$base_url" \
    --header "x-api-key: $key" \
    --max-examples "$max_examples" \
    --no-color
