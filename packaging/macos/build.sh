#!/usr/bin/env bash
# Build Tracklens.app and Tracklens-<version>-macos-<arch>.dmg on macOS.
#
#   packaging/macos/build.sh app    PyInstaller: dist/Tracklens.app (signed if an identity is set)
#   packaging/macos/build.sh dmg    dist/Tracklens-<v>-macos-<arch>.dmg with an Applications link;
#                                   signed, notarized and stapled when the secrets are set
#   packaging/macos/build.sh all    both (default)
#
# Signing and notarization are optional and driven by the environment (the release workflow sets
# these from repository secrets; see docs/install.md):
#   MACOS_SIGN_IDENTITY   "Developer ID Application: Name (TEAMID)", in an unlocked keychain.
#                         Unset: PyInstaller signs ad hoc (runs locally; Gatekeeper warns on
#                         other Macs), and notarization is skipped.
#   Notarization, with an App Store Connect API key (preferred):
#     NOTARY_KEY_FILE (path to AuthKey_XXXX.p8), NOTARY_KEY_ID, NOTARY_ISSUER_ID
#   or with an Apple ID:
#     NOTARY_APPLE_ID, NOTARY_TEAM_ID, NOTARY_PASSWORD (an app-specific password)
# PYTHON (default: python3) must have `pip install '.[packaging]'` done.
set -euo pipefail
cd "$(dirname "$0")/../.."

[ "$(uname -s)" = Darwin ] || { echo "build.sh: macOS only (use packaging/check_linux.sh on Linux)" >&2; exit 2; }
MODE="${1:-all}"
PYTHON="${PYTHON:-python3}"
DIST="${DIST:-$PWD/dist}"
WORK="${WORK:-$PWD/build}"
APP="$DIST/Tracklens.app"
VERSION="$("$PYTHON" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')"
ARCH="$(uname -m)"   # arm64 or x86_64: the build matches the Python that runs PyInstaller
DMG="$DIST/Tracklens-$VERSION-macos-$ARCH.dmg"

build_app() {
  echo "== building Tracklens.app $VERSION ($ARCH)"
  # The spec passes this to PyInstaller, which signs every binary with the hardened runtime and
  # the entitlements in packaging/macos/entitlements.plist, then the bundle itself.
  export TRACKLENS_CODESIGN_IDENTITY="${MACOS_SIGN_IDENTITY:-}"
  "$PYTHON" -m PyInstaller --noconfirm --clean --distpath "$DIST" --workpath "$WORK" packaging/tracklens.spec
  [ -x "$APP/Contents/MacOS/tracklens" ] || { echo "no executable in $APP" >&2; exit 1; }
  plutil -lint "$APP/Contents/Info.plist"
  [ "$(/usr/libexec/PlistBuddy -c 'Print :CFBundleShortVersionString' "$APP/Contents/Info.plist")" = "$VERSION" ] \
    || { echo "Info.plist version is not $VERSION" >&2; exit 1; }
  codesign --verify --deep --strict --verbose=2 "$APP"
  du -sh "$APP"
}

notarize() {
  local file="$1" result="$WORK/notary-result.json"
  local auth=()
  if [ -n "${NOTARY_KEY_FILE:-}" ] && [ -n "${NOTARY_KEY_ID:-}" ] && [ -n "${NOTARY_ISSUER_ID:-}" ]; then
    auth=(--key "$NOTARY_KEY_FILE" --key-id "$NOTARY_KEY_ID" --issuer "$NOTARY_ISSUER_ID")
  elif [ -n "${NOTARY_APPLE_ID:-}" ] && [ -n "${NOTARY_TEAM_ID:-}" ] && [ -n "${NOTARY_PASSWORD:-}" ]; then
    auth=(--apple-id "$NOTARY_APPLE_ID" --team-id "$NOTARY_TEAM_ID" --password "$NOTARY_PASSWORD")
  else
    echo "== notarization skipped: no NOTARY_* credentials"
    return 0
  fi
  echo "== notarizing $(basename "$file") (waits for Apple)"
  mkdir -p "$WORK"
  xcrun notarytool submit "$file" "${auth[@]}" --wait --timeout 45m --output-format json > "$result"
  cat "$result"; echo
  local status id
  status="$(plutil -extract status raw -o - "$result")"
  id="$(plutil -extract id raw -o - "$result")"
  if [ "$status" != "Accepted" ]; then
    echo "notarization $status; Apple's log:" >&2
    xcrun notarytool log "$id" "${auth[@]}" >&2 || true
    exit 1
  fi
  xcrun stapler staple "$file"
  xcrun stapler validate "$file"
}

build_dmg() {
  [ -d "$APP" ] || { echo "$APP is missing: run '$0 app' first" >&2; exit 1; }
  echo "== building $(basename "$DMG")"
  local stage
  stage="$(mktemp -d)"
  # ditto keeps the bundle's symlinks, extended attributes and signatures intact.
  ditto "$APP" "$stage/Tracklens.app"
  ln -s /Applications "$stage/Applications"
  rm -f "$DMG"
  hdiutil create -volname "Tracklens $VERSION" -srcfolder "$stage" -fs HFS+ -format UDZO -ov "$DMG"
  rm -rf "$stage"
  hdiutil verify "$DMG"
  if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
    codesign --sign "$MACOS_SIGN_IDENTITY" --timestamp "$DMG"
    codesign --verify --verbose=2 "$DMG"
    notarize "$DMG"
    spctl --assess --type open --context context:primary-signature --verbose=2 "$DMG"
  else
    echo "== signing skipped: MACOS_SIGN_IDENTITY is not set (ad-hoc signed app, unsigned DMG)"
  fi
  du -h "$DMG"
}

case "$MODE" in
  app) build_app ;;
  dmg) build_dmg ;;
  all) build_app; build_dmg ;;
  *) echo "usage: $0 [app|dmg|all]" >&2; exit 2 ;;
esac
