"""PyInstaller spec and bundle contents, and check_bundle on fake bundle folders (no PyInstaller build)."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SPEC_FILE = REPO_ROOT / "installers" / "pyinstaller" / "greenrfm-studio.spec"


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


check_bundle = _load("check_bundle", REPO_ROOT / "installers" / "linux" / "check_bundle.py")
bundle_contents = _load("bundle_contents", REPO_ROOT / "installers" / "pyinstaller" / "bundle_contents.py")


def _call_names(tree: ast.AST) -> list[str]:
    return [
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    ]


def _keyword_values(tree: ast.AST, keyword: str) -> list[object]:
    values = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            values += [
                ast.literal_eval(item.value)
                for item in node.keywords
                if item.arg == keyword and isinstance(item.value, ast.Constant)
            ]
    return values


def test_spec_parses_with_both_executables():
    tree = ast.parse(SPEC_FILE.read_text(), filename=str(SPEC_FILE))
    calls = _call_names(tree)
    for name in ("Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE"):
        assert name in calls
    assert calls.count("EXE") == 2
    names = _keyword_values(tree, "name")
    assert "greenrfm-studio" in names
    assert "greenrfm" in names
    assert "GreenRFM Studio.app" in names


def test_spec_entry_scripts_exist():
    for script in ("launch_studio.py", "launch_greenrfm.py"):
        path = SPEC_FILE.parent / script
        assert path.is_file()
        ast.parse(path.read_text())


def test_resource_datas_cover_resources():
    datas = bundle_contents.resource_datas()
    sources = {Path(source) for source, _destination in datas}
    for path in (REPO_ROOT / "resources").rglob("*"):
        if path.is_file() and not bundle_contents.is_forbidden(path.relative_to(REPO_ROOT).as_posix()):
            assert path in sources, f"{path} is missing from the bundle data"
    destinations = {Path(source).name: destination for source, destination in datas}
    assert destinations["greenrfm_installer_zh_CN.qm"] == "resources/translations"
    assert destinations["greenrfm-studio.png"] == "resources/icons"
    assert not [source for source in sources if source.suffix == ".ts"]


def test_resource_datas_include_demo_model_when_present():
    model = REPO_ROOT / "resources" / "models" / "demo-chest-ct"
    if not (model / "manifest.json").is_file():
        pytest.skip("the demo model is not in this checkout yet")
    sources = {Path(source) for source, _destination in bundle_contents.resource_datas()}
    assert model / "manifest.json" in sources
    assert [path for path in model.glob("*.safetensors") if path in sources]


def test_package_datas_include_schemas_and_specs():
    sources = {Path(source) for source, _destination in bundle_contents.package_datas()}
    json_files = [
        *sorted((REPO_ROOT / "greenrfm_core" / "schemas").glob("*.json")),
        *sorted((REPO_ROOT / "greenrfm_core" / "preprocess" / "specs").glob("*.json")),
    ]
    assert json_files, "no schema or preprocessing spec JSON files found"
    for path in json_files:
        assert path in sources
    assert not [source for source in sources if source.suffix in (".py", ".pyc")]


@pytest.mark.parametrize(
    ("relative_path", "forbidden"),
    [
        ("_internal/torch/lib/libtorch_cpu.so", False),
        ("_internal/resources/translations/greenrfm_app_zh_CN.qm", False),
        ("_internal/resources/translations/greenrfm_app_zh_CN.ts", True),
        ("_internal/torch/include/ATen/ATen.h", True),
        ("_internal/numpy/_core/lib/libnpymath.a", True),
        ("_internal/scipy/linalg/tests/test_basic.py", True),
        ("_internal/pydicom/data/test_files/CT_small.dcm", True),
        ("_internal/app/__pycache__/main.cpython-311.pyc", True),
        ("_internal/PySide6/Qt/qml/QtQuick/Controls/qmldir", True),
        ("_internal/PySide6/Qt/lib/libQt6Quick.so.6", True),
        ("_internal/PySide6/Qt/lib/libQt6Widgets.so.6", False),
        ("_internal/torch/testing/_comparison.py", False),
        ("_internal/torch/bin/test_api", True),
        ("_internal/torch/bin/TCPStoreTest", True),
        ("_internal/torch/bin/torch_shm_manager", False),
        ("_internal/torch/lib/libtorchbind_test.so", True),
        ("_internal\\torch\\include\\c10\\macros.h", True),
    ],
)
def test_is_forbidden(relative_path, forbidden):
    assert bundle_contents.is_forbidden(relative_path) == forbidden


def test_filter_toc():
    toc = [
        ("torch/lib/libtorch_cpu.so", "/x/libtorch_cpu.so", "BINARY"),
        ("torch/include/torch/torch.h", "/x/torch.h", "DATA"),
        ("monai/__pycache__/x.pyc", "/x/x.pyc", "DATA"),
    ]
    assert bundle_contents.filter_toc(toc) == [toc[0]]


def test_split_scripts():
    scripts = [
        ("pyiboot01_bootstrap", "/b.py", "PYSOURCE"),
        ("pyi_rth_pkgutil", "/r.py", "PYSOURCE"),
        ("launch_studio", "/s.py", "PYSOURCE"),
        ("launch_greenrfm", "/c.py", "PYSOURCE"),
    ]
    studio = bundle_contents.split_scripts(scripts, "launch_studio", ["launch_greenrfm"])
    cli = bundle_contents.split_scripts(scripts, "launch_greenrfm", ["launch_studio"])
    assert [entry[0] for entry in studio] == ["pyiboot01_bootstrap", "pyi_rth_pkgutil", "launch_studio"]
    assert [entry[0] for entry in cli] == ["pyiboot01_bootstrap", "pyi_rth_pkgutil", "launch_greenrfm"]


def _fake_bundle(root: Path, platform: str = "linux") -> Path:
    """Create a bundle folder with every required file (empty) and return it."""
    bundle = root / "greenrfm-studio"
    files = [
        "greenrfm-studio",
        "greenrfm",
        "_internal/resources/models/demo-chest-ct/manifest.json",
        "_internal/resources/models/demo-chest-ct/model.safetensors",
        "_internal/resources/demo/study/IM0001.dcm",
        "_internal/resources/translations/greenrfm_installer_zh_CN.qm",
        "_internal/resources/icons/greenrfm-studio.png",
        "_internal/greenrfm_core/schemas/chest-ct.json",
        "_internal/greenrfm_core/preprocess/specs/chest-ct.json",
        "_internal/PySide6/Qt/plugins/platforms/libqxcb.so",
        "_internal/licenses/greenrfm-studio/LICENSE",
        "_internal/licenses/THIRD-PARTY-LICENSES.md",
        "_internal/licenses/python-3.11/LICENSE.txt",
        "_internal/licenses/torch-2.13.0/LICENSE",
        "_internal/licenses/pyside6-essentials-6.12.0/LGPL-3.0.txt",
        "_internal/licenses/vtk-9.7.2/LICENSE",
        "_internal/licenses/onnxruntime-1.32.0/onnxruntime.LICENSE",
    ]
    for relative in files:
        path = bundle / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    return bundle


def test_check_bundle_clean(tmp_path):
    bundle = _fake_bundle(tmp_path)
    assert check_bundle.check_bundle(bundle, "linux", check_modules=False) == []


@pytest.mark.parametrize(
    "relative_path",
    [
        "_internal/scipy/special/tests/test_basic.py",
        "_internal/app/__pycache__/main.cpython-311.pyc",
        "_internal/torch/include/ATen/ATen.h",
        "_internal/resources/translations/greenrfm_installer_zh_CN.ts",
        "_internal/pydicom/data/test_files/CT_small.dcm",
        "_internal/.pytest_cache/v/cache/lastfailed",
    ],
)
def test_check_bundle_forbidden_file(tmp_path, relative_path):
    bundle = _fake_bundle(tmp_path)
    path = bundle / relative_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    problems = check_bundle.check_bundle(bundle, "linux", check_modules=False)
    assert problems
    assert all(problem.startswith("forbidden") for problem in problems)
    assert any(relative_path in problem for problem in problems)


def test_check_bundle_missing_demo_model(tmp_path):
    bundle = _fake_bundle(tmp_path)
    (bundle / "_internal/resources/models/demo-chest-ct/manifest.json").unlink()
    problems = check_bundle.check_bundle(bundle, "linux", check_modules=False)
    assert len(problems) == 1
    assert "demo model manifest" in problems[0]


def test_check_bundle_missing_cli_executable(tmp_path):
    bundle = _fake_bundle(tmp_path)
    (bundle / "greenrfm").unlink()
    problems = check_bundle.check_bundle(bundle, "linux", check_modules=False)
    assert problems == ["missing (executable): no file matches greenrfm"]


def test_check_bundle_rejects_non_pyinstaller_executable(tmp_path):
    pytest.importorskip("PyInstaller")
    bundle = _fake_bundle(tmp_path)
    problems = check_bundle.check_bundle(bundle, "linux", check_modules=True)
    assert len(problems) == 2
    assert all("not a PyInstaller executable" in problem for problem in problems)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_check_bundle_unreadable_file(tmp_path):
    bundle = _fake_bundle(tmp_path)
    (bundle / "_internal/resources/models/demo-chest-ct/manifest.json").chmod(0o600)
    problems = check_bundle.check_bundle(bundle, "linux", check_modules=False)
    assert problems == [
        "not readable by all users (chmod go+r): /_internal/resources/models/demo-chest-ct/manifest.json"
    ]


def test_check_bundle_missing_folder(tmp_path):
    problems = check_bundle.check_bundle(tmp_path / "dist" / "greenrfm-studio", "linux")
    assert len(problems) == 1
    assert "not found" in problems[0]


def test_forbidden_module_names():
    names = [
        "jinja2.tests",
        "torch.testing",
        "torch.testing._internal.common_dtype",
        "pytest",
        "_pytest.main",
        "scipy.linalg.tests.test_basic",
        "tests.test_installer_bundle",
        "unittest.mock",
    ]
    assert check_bundle.match_forbidden_modules(names) == [
        "pytest",
        "_pytest.main",
        "scipy.linalg.tests.test_basic",
        "tests.test_installer_bundle",
    ]


def test_check_bundle_command_line_exit_code(tmp_path):
    bundle = _fake_bundle(tmp_path)
    script = REPO_ROOT / "installers" / "linux" / "check_bundle.py"
    command = [sys.executable, str(script), str(bundle), "--platform", "linux", "--skip-modules"]
    clean = subprocess.run(command, check=False, capture_output=True, text=True, timeout=60)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    (bundle / "_internal" / "tests").mkdir()
    (bundle / "_internal" / "tests" / "data.csv").write_text("x")
    dirty = subprocess.run(command, check=False, capture_output=True, text=True, timeout=60)
    assert dirty.returncode == 1
    assert "_internal/tests/data.csv" in dirty.stdout


LAUNCH_GREENRFM = REPO_ROOT / "installers" / "pyinstaller" / "launch_greenrfm.py"


def test_cli_entry_runs_core_module(tmp_path):
    log = tmp_path / "launch.log"
    command = [
        sys.executable,
        str(LAUNCH_GREENRFM),
        "-m",
        "greenrfm_core.library.launch",
        "--log",
        str(log),
        "--",
        sys.executable,
        "-c",
        "import sys; print('child output'); sys.exit(3)",
    ]
    completed = subprocess.run(
        command, check=False, capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert completed.returncode == 3, completed.stderr
    assert "child output" in log.read_text()


def test_cli_entry_rejects_other_modules(tmp_path):
    command = [sys.executable, str(LAUNCH_GREENRFM), "-m", "http.server"]
    completed = subprocess.run(
        command, check=False, capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert completed.returncode == 2
    assert "only greenrfm_core modules" in completed.stderr
