#!/usr/bin/env bash
# Test of vknorm-check --html: renders the committed lavapipe report alone and lavapipe vs
# H200, plus a report whose device name carries markup, and checks the pages
#   * without a browser: device names present, the markup escaped, no http(s) resource
#     (src= / href=) -- the page must work offline;
#   * with chromium (headless): no JavaScript error on the console, and the rendered DOM
#     holds the device names. Without chromium it says so and passes, unless
#     HTML_CHECK_REQUIRE_CHROMIUM=1.
# usage: tools/check/html_check.sh [OUT_DIR]   (default: a temporary directory)
# env:   VKNORM_CHECK (binary; default build*/tools/check/vknorm-check), CHROMIUM (chromium),
#        HTML_CHECK_REQUIRE_CHROMIUM=1 (fail when chromium is absent)
# The committed bench/results/check/lavapipe-vs-h200.html is OUT_DIR/lavapipe-vs-h200.html.
set -euo pipefail
cd "$(dirname "$0")/../.."

bin="${VKNORM_CHECK:-}"
if [ -z "$bin" ]; then
  for b in build*/tools/check/vknorm-check; do [ -x "$b" ] && bin="$b" && break; done
fi
[ -n "$bin" ] && [ -x "$bin" ] || { echo "html_check: no vknorm-check binary (set VKNORM_CHECK)" >&2; exit 2; }

out="${1:-}"
if [ -z "$out" ]; then
  out="$(mktemp -d)"
  trap 'rm -rf "$out"' EXIT
fi
mkdir -p "$out"

lavapipe=bench/results/check/lavapipe.json
h200=bench/results/h200-2026-11-21/check-h200.json  # the vknorm-check report of that run
failures=0
fail() { echo "html_check: FAIL: $*" >&2; failures=$((failures + 1)); }

# A report whose device name would break the page if it were not escaped.
hostile="$out/hostile.json"
sed 's|"name": "llvmpipe (LLVM 15.0.6, 256 bits)"|"name": "llvmpipe <script>throw new Error(\\"unescaped\\")</script> \&amp; \\"q\\""|' \
  "$lavapipe" > "$hostile"
grep -q '<script>throw' "$hostile" || { echo "html_check: could not build the hostile report" >&2; exit 2; }

# page file : JSON reports : device names the page must show
pages=(
  "lavapipe.html:$lavapipe:llvmpipe"
  "lavapipe-vs-h200.html:$lavapipe $h200:llvmpipe NVIDIA"
  "hostile.html:$hostile:llvmpipe"
)

for spec in "${pages[@]}"; do
  IFS=: read -r page inputs names <<< "$spec"
  # shellcheck disable=SC2086  # inputs is a list of paths
  "$bin" --html "$out/$page" $inputs || { fail "$page: vknorm-check --html exited $?"; continue; }
  for n in $names; do grep -q "$n" "$out/$page" || fail "$page: device name '$n' missing"; done
  if grep -Eiq '(src|href)[[:space:]]*=[[:space:]]*["'"'"']?[[:space:]]*(https?:)?//' "$out/$page"; then
    fail "$page: references a network resource: $(grep -Eio '(src|href)[[:space:]]*=[^>]{0,60}//[^ >]*' "$out/$page" | head -1)"
  fi
  grep -Eiq '@import|url\(' "$out/$page" && fail "$page: CSS loads an external resource"
  echo "html_check: $page: $(wc -c < "$out/$page") bytes, static checks done"
done
grep -q '<script>throw' "$out/hostile.html" && fail "hostile.html: the device name's markup is not escaped"
grep -q 'llvmpipe &lt;script&gt;throw new Error(&quot;unescaped&quot;)&lt;/script&gt; &amp;amp; &quot;q&quot;' \
  "$out/hostile.html" || fail "hostile.html: the escaped device name is missing"

chromium="${CHROMIUM:-chromium}"
if ! command -v "$chromium" > /dev/null 2>&1; then
  if [ "${HTML_CHECK_REQUIRE_CHROMIUM:-0}" = 1 ]; then
    fail "chromium not installed and HTML_CHECK_REQUIRE_CHROMIUM=1 (VKNORM_HTML_CHECK=1 scripts/install-deps.sh installs it)"
  else
    echo "html_check: chromium not installed: skipping the browser checks (HTML_CHECK_REQUIRE_CHROMIUM=1 makes this fail)"
  fi
else
  # Loads a page headless; prints the console lines of the page (the pages log nothing, so any
  # is a problem) and fails when there is one or the DOM misses one of the names.
  # --enable-logging=stderr puts the console on stderr ("INFO:CONSOLE:N] "Uncaught ...""); the
  # dumped DOM is what the page holds after its script ran.
  browser_check() {  # page names..
    local page="$1" n ok=0
    shift
    timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --enable-logging=stderr --v=0 \
      --user-data-dir="$out/chromium-profile" --virtual-time-budget=5000 \
      --dump-dom "file://$(realpath "$out/$page")" > "$out/$page.dom" 2> "$out/$page.log" ||
      { echo "$page: chromium exited $?"; ok=1; }
    local console
    console="$(grep -E 'CONSOLE[(:]|Uncaught' "$out/$page.log" || true)"
    if [ -n "$console" ]; then
      printf '%s: console messages:\n%s\n' "$page" "$console"
      ok=1
    fi
    for n in "$@"; do grep -q "$n" "$out/$page.dom" || { echo "$page: '$n' missing from the DOM"; ok=1; }; done
    return $ok
  }
  # Control: a page with a script error must be caught, else the log format changed and the
  # checks below would pass whatever the pages do.
  printf '<!DOCTYPE html><html><body><p>llvmpipe</p><script>throw new Error("control");</script></body></html>\n' \
    > "$out/control.html"
  if browser_check control.html llvmpipe > /dev/null; then
    fail "chromium did not report the control page's script error: cannot check the pages"
  fi
  for spec in "${pages[@]}"; do
    IFS=: read -r page inputs names <<< "$spec"
    [ -f "$out/$page" ] || continue
    # shellcheck disable=SC2086  # names is a list
    if msg="$(browser_check "$page" $names 'id="filter"')"; then
      echo "html_check: $page: chromium loaded it without a console message, $(wc -c < "$out/$page.dom") bytes of DOM"
    else
      fail "$msg"
    fi
  done
fi

if [ "$failures" -gt 0 ]; then
  echo "html_check: $failures failure(s)" >&2
  exit 1
fi
echo "html_check: PASS"
