#!/usr/bin/env bash
# kill -9 during ingest, then resume: the store must hold exactly the records
# before the committed offset (no partial batch), and a re-run must finish the
# file with no duplicates and no gaps. Checked with the sqlite3 shell as an
# independent oracle.
set -euo pipefail
BIN=${VIGIL_BIN:?VIGIL_BIN not set}
command -v sqlite3 >/dev/null || { echo "sqlite3 shell missing (scripts/bootstrap installs it)"; exit 1; }
tmp=$(mktemp -d)
trap 'kill -9 $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
pid=0
N=400000
awk -v n=$N 'BEGIN { for (i = 1; i <= n; i++)
    printf "{\"seq\":%d,\"@timestamp\":\"2026-11-20T%02d:%02d:%02dZ\",\"host\":\"h%d\",\"msg\":\"event number %d\"}\n",
           i, (i / 3600) % 24, (i / 60) % 60, i % 60, i % 7, i }' > "$tmp/f.jsonl"
home="$tmp/home"
db="$home/vigil.db"

committed() { # events committed so far for the file (0 before the first commit)
    sqlite3 -cmd ".timeout 5000" "$db" "SELECT coalesce(sum(events),0) FROM source_files" 2>/dev/null || echo 0
}

check_prefix() { # everything before the committed offset is stored exactly once
    local row count distinct maxseq offset bytes
    row=$(sqlite3 -cmd ".timeout 5000" "$db" "SELECT count(*), count(DISTINCT json_extract(fields,'\$.seq')), coalesce(max(json_extract(fields,'\$.seq')),0) FROM ev_20261120")
    IFS='|' read -r count distinct maxseq <<<"$row"
    offset=$(sqlite3 "$db" "SELECT offset FROM source_files")
    bytes=$(head -n "$count" "$tmp/f.jsonl" | wc -c)
    echo "rows=$count distinct=$distinct max_seq=$maxseq offset=$offset prefix_bytes=$bytes"
    [ "$count" = "$distinct" ] || { echo "FAIL: duplicate events"; exit 1; }
    [ "$count" = "$maxseq" ] || { echo "FAIL: gap: $count rows but max seq $maxseq"; exit 1; }
    [ "$offset" = "$bytes" ] || { echo "FAIL: committed offset $offset != bytes of first $count lines ($bytes)"; exit 1; }
}

for round in 1 2 3; do
    "$BIN" --home "$home" ingest --quiet --source crash "$tmp/f.jsonl" >/dev/null 2>&1 &
    pid=$!
    # Wait (bounded) for at least one commit past the previous round, then kill.
    before=$( [ -f "$db" ] && committed || echo 0 )
    for _ in $(seq 1 600); do
        [ -f "$db" ] && [ "$(committed)" -gt "$before" ] && break
        sleep 0.02
    done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    echo "round $round: killed after $(committed) committed events"
    check_prefix
done

"$BIN" --home "$home" ingest --quiet --source crash "$tmp/f.jsonl"
check_prefix
total=$(sqlite3 "$db" "SELECT count(*) FROM ev_20261120")
[ "$total" = "$N" ] || { echo "FAIL: $total events after resume, expected $N"; exit 1; }
fts=$(sqlite3 "$db" "SELECT count(*) FROM fts_20261120 WHERE fts_20261120 MATCH '\"event number 4242\"'")
[ "$fts" = "1" ] || { echo "FAIL: full-text index has $fts matches for one event"; exit 1; }
# A re-run of a finished file adds nothing.
"$BIN" --home "$home" ingest --quiet --source crash "$tmp/f.jsonl"
total=$(sqlite3 "$db" "SELECT count(*) FROM ev_20261120")
[ "$total" = "$N" ] || { echo "FAIL: re-run added events ($total)"; exit 1; }
echo "1 passed, 0 failed"
