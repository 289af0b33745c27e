#!/usr/bin/env bash
# Install the GreenRFM Studio .deb on this machine, run its self-test and command line, then remove it.
#
# Usage (as root): installers/linux/test_deb.sh [PACKAGE.deb]
#   PACKAGE.deb defaults to the newest dist/greenrfm-studio_*.deb written by build.sh.
#
# Steps, each of which must pass:
#   1. dpkg -i; the launchers /usr/bin/greenrfm-studio and /usr/bin/greenrfm exist
#   2. check_bundle.py on /opt/greenrfm-studio (no development files, every resource present)
#   3. greenrfm-studio --self-test --screenshot under Xvfb exits 0, and the screenshot is not blank
#   4. greenrfm --help, then greenrfm predict with the demo model on the demo study
#   5. dpkg -r removes /opt/greenrfm-studio, both launchers and the desktop entry; dpkg --purge follows
# The installed programs run from an empty working folder with GREENRFM_HOME in a temporary folder and
# PYTHONPATH/PYTHONHOME unset, so they cannot fall back to this checkout or to the user's settings.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PYTHON="${PYTHON:-python3}"
PACKAGE=greenrfm-studio
INSTALL_DIR="/opt/$PACKAGE"
SELF_TEST_TIMEOUT_S="${SELF_TEST_TIMEOUT_S:-900}"

DEB_FILE="${1:-}"
if [[ -z "$DEB_FILE" ]]; then
    DEB_FILE="$(ls -t "$REPO_ROOT"/dist/${PACKAGE}_*.deb 2>/dev/null | head -n 1 || true)"
fi
if [[ -z "$DEB_FILE" || ! -f "$DEB_FILE" ]]; then
    echo "test_deb.sh: no .deb found (${DEB_FILE:-dist/${PACKAGE}_*.deb}); build it with installers/linux/build.sh" >&2
    exit 1
fi
DEB_FILE="$(cd "$(dirname "$DEB_FILE")" && pwd)/$(basename "$DEB_FILE")"
if [[ "$(id -u)" != 0 ]]; then
    echo "test_deb.sh: dpkg -i needs root; run it with sudo" >&2
    exit 1
fi
if dpkg-query -W -f='${Status}' "$PACKAGE" 2>/dev/null | grep -q "install ok installed"; then
    echo "test_deb.sh: $PACKAGE is already installed; remove it first (dpkg -r $PACKAGE) so this test does not replace it" >&2
    exit 1
fi

WORK_DIR="$(mktemp -d -t greenrfm-deb-test.XXXXXX)"
INSTALLED=0
cleanup() {
    if [[ "$INSTALLED" == 1 ]]; then
        echo "== Cleaning up: dpkg --purge $PACKAGE"
        dpkg --purge "$PACKAGE" >/dev/null || true
    fi
    rm -rf "$WORK_DIR"
}
trap cleanup EXIT

step() { echo; echo "== $*"; }
fail() { echo "test_deb.sh: FAILED: $*" >&2; exit 1; }

# Runs an installed program the way a user would: empty working folder, isolated home, no Python paths.
run_installed() {
    (cd "$WORK_DIR/cwd" && env -u PYTHONPATH -u PYTHONHOME GREENRFM_HOME="$WORK_DIR/home" "$@")
}
mkdir -p "$WORK_DIR/cwd" "$WORK_DIR/home"

step "Installing $DEB_FILE"
dpkg -i "$DEB_FILE"
INSTALLED=1
[[ -x "$INSTALL_DIR/greenrfm-studio" ]] || fail "$INSTALL_DIR/greenrfm-studio missing after install"
# The programs run through /usr/bin by absolute path, because a pip install of the project may put
# scripts with the same names earlier on PATH.
[[ -L /usr/bin/greenrfm-studio && -x /usr/bin/greenrfm-studio ]] || fail "launcher /usr/bin/greenrfm-studio missing"
[[ -L /usr/bin/greenrfm && -x /usr/bin/greenrfm ]] || fail "launcher /usr/bin/greenrfm missing"
[[ -f /usr/share/applications/greenrfm-studio.desktop ]] || fail "desktop entry missing"

step "Checking the installed bundle"
"$PYTHON" "$REPO_ROOT/installers/linux/check_bundle.py" "$INSTALL_DIR"

step "greenrfm-studio --self-test under Xvfb"
SCREENSHOT="$WORK_DIR/self-test.png"
self_test_start=$SECONDS
run_installed timeout "$SELF_TEST_TIMEOUT_S" xvfb-run -a -s "-screen 0 1280x800x24" \
    /usr/bin/greenrfm-studio --self-test --screenshot "$SCREENSHOT" \
    || fail "greenrfm-studio --self-test exited with status $?"
echo "self-test took $((SECONDS - self_test_start)) s"
"$PYTHON" "$REPO_ROOT/installers/linux/check_screenshot.py" "$SCREENSHOT" || fail "the self-test screenshot is blank"
if [[ -n "${KEEP_SCREENSHOT:-}" ]]; then
    cp "$SCREENSHOT" "$KEEP_SCREENSHOT"
    echo "screenshot copied to $KEEP_SCREENSHOT"
fi

step "greenrfm --help"
run_installed /usr/bin/greenrfm --help > "$WORK_DIR/help.txt" || fail "greenrfm --help exited with status $?"
grep -q "predict" "$WORK_DIR/help.txt" || fail "greenrfm --help does not list the predict command"

step "greenrfm predict on the demo study"
DEMO_MODEL="$INSTALL_DIR/_internal/resources/models/demo-chest-ct"
DEMO_STUDY="$INSTALL_DIR/_internal/resources/demo"
if [[ -d "$DEMO_STUDY/chest-ct-phantom" ]]; then
    DEMO_STUDY="$DEMO_STUDY/chest-ct-phantom"
fi
predict_start=$SECONDS
run_installed /usr/bin/greenrfm predict "$DEMO_STUDY" --model "$DEMO_MODEL" --json > "$WORK_DIR/predictions.json" \
    || fail "greenrfm predict exited with status $?"
echo "predict took $((SECONDS - predict_start)) s"
"$PYTHON" - "$WORK_DIR/predictions.json" <<'PYTHON_CHECK' || fail "greenrfm predict printed no findings (see $WORK_DIR/predictions.json)"
import json, sys
result = json.load(open(sys.argv[1], encoding="utf-8"))
findings = result["findings"]
assert findings, "no findings"
assert all(0.0 <= finding["probability"] <= 1.0 for finding in findings), "probability outside [0, 1]"
print(f"{len(findings)} findings, engine {result.get('engine')} on {result.get('device')}")
PYTHON_CHECK

step "Removing the package"
dpkg -r "$PACKAGE"
INSTALLED=0
[[ ! -e "$INSTALL_DIR" ]] || fail "$INSTALL_DIR still exists after dpkg -r: $(find "$INSTALL_DIR" | head -n 5)"
[[ ! -e /usr/bin/greenrfm-studio && ! -L /usr/bin/greenrfm-studio ]] || fail "/usr/bin/greenrfm-studio left behind"
[[ ! -e /usr/bin/greenrfm && ! -L /usr/bin/greenrfm ]] || fail "/usr/bin/greenrfm left behind"
[[ ! -e /usr/share/applications/greenrfm-studio.desktop ]] || fail "desktop entry left behind"
# A package with a postrm script stays in the config-files state after dpkg -r; purge clears that record.
dpkg --purge "$PACKAGE" >/dev/null

echo
echo "test_deb.sh: all checks passed for $(basename "$DEB_FILE")"
