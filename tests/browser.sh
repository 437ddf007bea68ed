#!/usr/bin/env bash
# index.html in a real browser (headless Chromium), as a person opens it from a results folder:
# at 1400 and 800 px wide the body must not overflow sideways (wide tables scroll on their own),
# and every image must load. A copy of the page with a small script appended measures it; the
# script writes its findings into the DOM Chromium dumps. The folder is copied first (it is
# sealed: nothing is added to it); the screenshots (browser-<width>.png) go to SHOTS_DIR, for a
# person to look at.
# Usage: tests/browser.sh RESULTS_DIR [SHOTS_DIR]
set -u
src=$1
shots=${2:-$(mktemp -d /tmp/pinbench-browser-XXXXXX)}
mkdir -p "$shots"
work=$(mktemp -d /tmp/pinbench-page-XXXXXX)
cp -a "$src/." "$work/"
dir=$work
chrome=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$chrome" ]; then
  echo "browser: no Chromium (scripts/deps.sh browser installs it)" >&2
  exit 2
fi
pass=0 fail=0
page="$dir/browser-check.html"
trap 'rm -rf "$work"' EXIT
{
  cat "$dir/index.html"
  cat <<'JS'
<script>
window.addEventListener("load", function () {
  var imgs = Array.prototype.slice.call(document.images);
  var broken = imgs.filter(function (i) { return !i.complete || i.naturalWidth === 0; }).length;
  var over = document.documentElement.scrollWidth > window.innerWidth ? 1 : 0;
  document.body.setAttribute("data-pb-check", "overflow=" + over + " width=" +
    document.documentElement.scrollWidth + "/" + window.innerWidth + " images=" + imgs.length +
    " broken=" + broken);
});
</script>
JS
} >"$page"
for w in 1400 800; do
  out=$(timeout 120 "$chrome" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --window-size="$w,1000" --virtual-time-budget=10000 --dump-dom "file://$(realpath "$page")" \
    2>/dev/null | grep -o 'data-pb-check="[^"]*"')
  timeout 120 "$chrome" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --window-size="$w,1000" --screenshot="$shots/browser-$w.png" "file://$(realpath "$page")" \
    >/dev/null 2>&1
  if printf '%s' "$out" | grep -q 'overflow=0 ' && printf '%s' "$out" | grep -q 'broken=0"' &&
     ! printf '%s' "$out" | grep -q 'images=0 '; then
    pass=$((pass + 1)); echo "ok: index.html at $w px: $out"
  else
    fail=$((fail + 1)); echo "FAIL: index.html at $w px: ${out:-no result from Chromium}"
  fi
done
echo "browser: screenshots in $shots"
echo "browser: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
