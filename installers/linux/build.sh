#!/usr/bin/env bash
# Build the GreenRFM Studio one-folder bundle with PyInstaller and package it as a Debian package.
#
# Usage: installers/linux/build.sh [--skip-bundle]
#   --skip-bundle   reuse dist/greenrfm-studio from an earlier run and only rebuild the .deb
# Environment:
#   DEB_COMPRESSION  dpkg-deb compressor: gzip (default, readable by every dpkg), xz or zstd (dpkg >= 1.21.18)
#   DEB_MAINTAINER   Maintainer field of the package, "Name <email>"
#   DIST_DIR         output folder instead of dist/ (the bundle is dist/greenrfm-studio inside it)
#
# Output: dist/greenrfm-studio/ (the bundle) and dist/greenrfm-studio_<version>_<arch>.deb.
# Needs: the project installed with the installer extra (pip install -e ".[installer]"), dpkg-deb.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$REPO_ROOT"

SKIP_BUNDLE=0
for argument in "$@"; do
    case "$argument" in
        --skip-bundle) SKIP_BUNDLE=1 ;;
        *) echo "build.sh: unknown option $argument (expected --skip-bundle)" >&2; exit 2 ;;
    esac
done

PYTHON="${PYTHON:-python3}"
PACKAGE=greenrfm-studio
VERSION="$(sed -n 's/^__version__ = "\(.*\)"/\1/p' greenrfm_core/__init__.py)"
ARCH="$(dpkg --print-architecture)"
DIST_DIR="${DIST_DIR:-$REPO_ROOT/dist}"
BUNDLE_DIR="$DIST_DIR/$PACKAGE"
WORK_DIR="$REPO_ROOT/build/pyinstaller"
STAGE_DIR="$REPO_ROOT/build/deb/${PACKAGE}_${VERSION}_${ARCH}"
DEB_FILE="$DIST_DIR/${PACKAGE}_${VERSION}_${ARCH}.deb"
DEB_COMPRESSION="${DEB_COMPRESSION:-gzip}"
# NOTE: the default maintainer is a placeholder; release builds set DEB_MAINTAINER.
DEB_MAINTAINER="${DEB_MAINTAINER:-GreenRFM Studio developers <greenrfm-studio@localhost>}"

if [[ -z "$VERSION" ]]; then
    echo "build.sh: could not read __version__ from greenrfm_core/__init__.py" >&2
    exit 1
fi

start_seconds=$SECONDS

# 1. The bundle.
if [[ "$SKIP_BUNDLE" == 0 ]]; then
    if ! "$PYTHON" -m PyInstaller --version >/dev/null 2>&1; then
        echo "build.sh: PyInstaller not found; install it with: pip install -e \".[installer]\"" >&2
        exit 1
    fi
    echo "== PyInstaller bundle (version $VERSION)"
    "$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
        --distpath "$DIST_DIR" --workpath "$WORK_DIR" installers/pyinstaller/greenrfm-studio.spec
fi
if [[ ! -x "$BUNDLE_DIR/$PACKAGE" ]]; then
    echo "build.sh: $BUNDLE_DIR/$PACKAGE not found; run without --skip-bundle" >&2
    exit 1
fi
bundle_seconds=$((SECONDS - start_seconds))

# PyInstaller keeps source file modes, and a data file saved with mode 600 would be unreadable for users
# once root owns it in /opt. Every file becomes readable by all and writable only by the owner.
chmod -R u+rwX,go+rX,go-w "$BUNDLE_DIR"

echo "== Checking the bundle for development files and missing resources"
"$PYTHON" installers/linux/check_bundle.py "$BUNDLE_DIR"

# 2. The package tree.
echo "== Staging $STAGE_DIR"
rm -rf "$STAGE_DIR"
mkdir -p "$STAGE_DIR/DEBIAN" "$STAGE_DIR/opt" "$STAGE_DIR/usr/bin" \
    "$STAGE_DIR/usr/share/applications" "$STAGE_DIR/usr/share/doc/$PACKAGE" \
    "$STAGE_DIR/usr/share/icons/hicolor/256x256/apps" "$STAGE_DIR/usr/share/icons/hicolor/scalable/apps"
# Hard links make staging instant and use no extra disk space; cp -a is the fallback across file systems.
cp -al "$BUNDLE_DIR" "$STAGE_DIR/opt/$PACKAGE" 2>/dev/null || cp -a "$BUNDLE_DIR" "$STAGE_DIR/opt/$PACKAGE"
# The PyInstaller executables resolve their own path, so symlinks in /usr/bin find the bundle in /opt.
ln -s "/opt/$PACKAGE/greenrfm-studio" "$STAGE_DIR/usr/bin/greenrfm-studio"
ln -s "/opt/$PACKAGE/greenrfm" "$STAGE_DIR/usr/bin/greenrfm"
install -m 644 installers/linux/greenrfm-studio.desktop "$STAGE_DIR/usr/share/applications/"
install -m 644 resources/icons/greenrfm-studio.png "$STAGE_DIR/usr/share/icons/hicolor/256x256/apps/"
install -m 644 resources/icons/greenrfm-studio.svg "$STAGE_DIR/usr/share/icons/hicolor/scalable/apps/"
install -m 644 installers/linux/copyright "$STAGE_DIR/usr/share/doc/$PACKAGE/copyright"
install -m 755 installers/linux/postinst installers/linux/postrm "$STAGE_DIR/DEBIAN/"

installed_size_kib="$(du -sk --exclude=DEBIAN "$STAGE_DIR" | cut -f1)"
sed -e "s/@VERSION@/$VERSION/" -e "s|@MAINTAINER@|$DEB_MAINTAINER|" -e "s/@ARCH@/$ARCH/" -e "s/@INSTALLED_SIZE@/$installed_size_kib/" \
    installers/linux/control.in > "$STAGE_DIR/DEBIAN/control"

# 3. The .deb.
echo "== dpkg-deb ($DEB_COMPRESSION)"
rm -f "$DEB_FILE"
dpkg-deb --root-owner-group -Z"$DEB_COMPRESSION" --build "$STAGE_DIR" "$DEB_FILE"
rm -rf "$STAGE_DIR"
total_seconds=$((SECONDS - start_seconds))

bundle_size="$(du -sh "$BUNDLE_DIR" | cut -f1)"
deb_size="$(du -h "$DEB_FILE" | cut -f1)"
echo "== Done"
echo "bundle:  $BUNDLE_DIR ($bundle_size)"
echo "package: $DEB_FILE ($deb_size, installed size ${installed_size_kib} KiB)"
echo "time:    bundle ${bundle_seconds} s, total ${total_seconds} s"
