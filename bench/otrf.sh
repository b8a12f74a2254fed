#!/usr/bin/env bash
# Extract the OTRF Security-Datasets JSON (zip and tar.gz archives) once into
# a cache directory and print the extracted file paths, one per line.
#   bench/otrf.sh [CACHE_DIR]
set -euo pipefail
corpus=${VIGIL_CORPUS:-$(cd "$(dirname "$0")/../.." && pwd)/shared/data}
cache=${1:-build/otrf-json}
src="$corpus/otrf/datasets"
if [ ! -d "$src" ]; then
    echo "otrf.sh: no OTRF data at $src (set VIGIL_CORPUS)" >&2
    exit 3
fi
if [ ! -f "$cache/.done" ]; then
    rm -rf "$cache" && mkdir -p "$cache"
    n=0
    while IFS= read -r -d '' a; do
        n=$((n + 1))
        d="$cache/$n"
        mkdir -p "$d"
        case "$a" in
        *.zip) unzip -qq -o "$a" -d "$d" 2>/dev/null || true ;;
        *.tar.gz) tar -xzf "$a" -C "$d" 2>/dev/null || true ;;
        esac
    done < <(find "$src" \( -name '*.zip' -o -name '*.tar.gz' \) -print0 | sort -z)
    touch "$cache/.done"
fi
find "$cache" -type f \( -name '*.json' -o -name '*.log' \) -size +0 -not -path '*/__MACOSX/*' | sort
