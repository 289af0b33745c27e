"""Entry script of the bundled ``greenrfm`` command-line executable (the same as the ``greenrfm`` script).

``greenrfm -m MODULE ARGS...`` runs a ``greenrfm_core`` module like ``python -m MODULE ARGS...``, because
a frozen bundle has no Python interpreter. The GUI starts training jobs this way, through
``greenrfm_core.resource_paths.python_executable()``.
"""

import multiprocessing
import runpy
import sys

MODULE_PACKAGE = "greenrfm_core"


def run_module(module: str, arguments: list[str]) -> int:
    """Run ``module`` as ``__main__`` with ``arguments``, the way ``python -m`` does."""
    if module != MODULE_PACKAGE and not module.startswith(MODULE_PACKAGE + "."):
        print(f"greenrfm: -m runs only {MODULE_PACKAGE} modules, not {module!r}", file=sys.stderr)
        return 2
    sys.argv = [module, *arguments]
    runpy.run_module(module, run_name="__main__", alter_sys=True)
    return 0


if __name__ == "__main__":
    # Data-loader workers of a frozen app re-run this executable; freeze_support() hands them to multiprocessing.
    multiprocessing.freeze_support()
    if len(sys.argv) >= 3 and sys.argv[1] == "-m":
        sys.exit(run_module(sys.argv[2], sys.argv[3:]))
    from greenrfm_core.cli import main

    sys.exit(main())
