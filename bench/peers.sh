#!/usr/bin/env bash
# Peers that run here, measured in one run on the same bytes:
#   jq (Debian's jq, C) parsing and re-serialising JSON lines, versus vigil's
#   JSON scanner and cJSON (bench_json), on the OTRF corpus.
#   bench/peers.sh BUILD_DIR
set -euo pipefail
build=${1:-build/release}
command -v jq >/dev/null || { echo "peers: jq not installed (apt-get install jq)"; exit 3; }
# Only files jq accepts whole (it stops at its first error), so both parse the same bytes.
files=""
while IFS= read -r f; do
    jq -c . "$f" >/dev/null 2>&1 && files="$files $f"
done < <("$(dirname "$0")/otrf.sh" "$build/otrf-json" | head -40)
# shellcheck disable=SC2086
bytes=$(cat $files | wc -c)
lines=$(cat $files | wc -l)
t0=$(date +%s.%N)
# shellcheck disable=SC2086
cat $files | jq -c . >/dev/null
t1=$(date +%s.%N)
jq_s=$(echo "$t1 - $t0" | bc -l)
printf 'peer.jq.corpus lines=%d lines/s=%.0f MB/s=%.0f\n' "$lines" "$(echo "$lines / $jq_s" | bc -l)" \
    "$(echo "$bytes / $jq_s / 1000000" | bc -l)"
# shellcheck disable=SC2086
"$build/bench_json" $files | tee /tmp/vigil-peers-json.txt
v=$(awk '/^json.flatten/ { for (i = 1; i <= NF; i++) if ($i ~ /^lines\/s=/) { sub("lines/s=", "", $i); print $i } }' /tmp/vigil-peers-json.txt)
printf 'peer.ratio.corpus vigil_flatten/jq=%.1f\n' "$(echo "$v / ($lines / $jq_s)" | bc -l)"
