#!/usr/bin/env bash
# Regenerate the app's Simplified Chinese catalogue from the Python sources and compile it to .qm.
# New strings arrive as type="unfinished"; translate them in the .ts (Qt Linguist or an editor), then run
# this script again. The training wizard (app/wizard) and the first-run dialog have their own catalogues.
set -euo pipefail
cd "$(dirname "$0")/../.."
mapfile -t sources < <(find app -name '*.py' -not -path 'app/wizard/*' -not -name 'first_run.py' | sort)
pyside6-lupdate "${sources[@]}" -locations none -no-obsolete -ts resources/translations/greenrfm_app_zh_CN.ts
pyside6-lrelease resources/translations/greenrfm_app_zh_CN.ts -qm resources/translations/greenrfm_app_zh_CN.qm
