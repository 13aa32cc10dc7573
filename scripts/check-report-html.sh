#!/bin/sh
# Render the demo household's HTML report, open it in headless Chromium at phone size and check
# the screenshot is not blank and shows both partners' bars.
# Usage: scripts/check-report-html.sh [OUTPUT_DIR]   (CHROMIUM=/path/to/chromium to choose the browser)
# Exit: 0 ok, 1 the page did not render, 2 no Chromium found.
set -eu
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
[ -x "$PY" ] || PY=python3
OUT=${1:-$(mktemp -d "${TMPDIR:-/tmp}/calsync-report-html.XXXXXX")}
mkdir -p "$OUT"
NOW=${NOW:-2026-11-26T09:00}

calsync() { "$PY" -c 'import sys; from calsync.cli import main; sys.exit(main(sys.argv[1:]))' "$@"; }
calsync demo --dir "$OUT/demo" --now "$NOW" >/dev/null
calsync report --config "$OUT/demo/calsync.yaml" --now "$NOW" --format html --output "$OUT/report.html"
echo "report: $OUT/report.html ($(wc -c < "$OUT/report.html") bytes)"

set +e
"$PY" -m tests.report.browser "$OUT/report.html" "$OUT/report.png"
status=$?
set -e
if [ "$status" -eq 2 ]; then
    echo "no chromium found: install it (apt-get install chromium) or set CHROMIUM=..." >&2
    exit 2
fi
[ "$status" -eq 0 ] || exit 1
echo "screenshot: $OUT/report.png"
"$PY" -m tests.report.png "$OUT/report.png"
