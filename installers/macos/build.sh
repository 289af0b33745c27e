#!/usr/bin/env bash
# Build "GreenRFM Studio.app" with PyInstaller and wrap it in a compressed disk image (.dmg) on macOS.
#
# Usage: installers/macos/build.sh
# Environment:
#   CODESIGN_IDENTITY  Developer ID to sign the app with; without it PyInstaller's ad-hoc signature stays,
#                      and Gatekeeper asks the user to confirm the first start (right-click, Open).
# Output: "dist/GreenRFM Studio.app" and dist/greenrfm-studio-<version>-macos-<arch>.dmg
# Needs: macOS 12 or newer, the project installed with the installer extra (pip install -e ".[installer]").
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$REPO_ROOT"

if [[ "$(uname -s)" != Darwin ]]; then
    echo "macos/build.sh: hdiutil and the .app bundle need macOS; on Linux use installers/linux/build.sh" >&2
    exit 1
fi

PYTHON="${PYTHON:-python3}"
VERSION="$(sed -n 's/^__version__ = "\(.*\)"/\1/p' greenrfm_core/__init__.py)"
ARCH="$(uname -m)"
APP_NAME="GreenRFM Studio"
APP_DIR="dist/$APP_NAME.app"
DMG_FILE="dist/greenrfm-studio-${VERSION}-macos-${ARCH}.dmg"
STAGE_DIR="build/dmg"

start_seconds=$SECONDS

echo "== PyInstaller app bundle (version $VERSION, $ARCH)"
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller installers/pyinstaller/greenrfm-studio.spec

echo "== Checking the app bundle"
"$PYTHON" installers/linux/check_bundle.py "$APP_DIR" --platform darwin

if [[ -n "${CODESIGN_IDENTITY:-}" ]]; then
    echo "== Signing with $CODESIGN_IDENTITY"
    codesign --force --deep --options runtime --timestamp --sign "$CODESIGN_IDENTITY" "$APP_DIR"
    codesign --verify --deep --strict "$APP_DIR"
fi

echo "== Disk image"
rm -rf "$STAGE_DIR" "$DMG_FILE"
mkdir -p "$STAGE_DIR"
cp -R "$APP_DIR" "$STAGE_DIR/"
ln -s /Applications "$STAGE_DIR/Applications"
hdiutil create -volname "$APP_NAME" -srcfolder "$STAGE_DIR" -ov -format UDZO "$DMG_FILE"

echo "== Done"
echo "app:  $APP_DIR ($(du -sh "$APP_DIR" | cut -f1))"
echo "dmg:  $DMG_FILE ($(du -h "$DMG_FILE" | cut -f1))"
echo "time: $((SECONDS - start_seconds)) s"
