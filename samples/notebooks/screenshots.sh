#!/usr/bin/env bash
# Screenshots of the executed notebooks for docs/notebooks.md: the notebook tests write each notebook with
# its outputs to TestResults/notebooks; this converts them to HTML (Jupyter's nbconvert), photographs the
# page with headless Chromium and trims the margin (ImageMagick) into docs/images/notebook-<name>.png.
# Needs: apt-get install -y chromium jupyter-nbconvert imagemagick, and a test run first
# (dotnet test FunctionalDnn.sln -c Release --filter "FullyQualifiedName~NotebookTests").
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
executed=$root/TestResults/notebooks
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for source in "$root"/samples/notebooks/*.ipynb; do
  name=$(basename "$source" .ipynb)
  notebook=$executed/$name.ipynb
  if [ ! -f "$notebook" ]; then
    echo "$notebook is missing: run the notebook tests first" >&2
    exit 1
  fi
  jupyter nbconvert --to html --output-dir "$work" "$notebook" > "$work/$name.log" 2>&1 || { cat "$work/$name.log" >&2; exit 1; }
  # A tall window, then the white below the page trimmed away.
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1100,9000 \
    --screenshot="$work/$name.png" "file://$work/$name.html" > /dev/null 2>&1
  # 256 colours keep the text and charts crisp at a third of the size.
  convert "$work/$name.png" -trim +repage -bordercolor white -border 12 -colors 256 "PNG8:$root/docs/images/notebook-$name.png"
  echo "docs/images/notebook-$name.png"
done
