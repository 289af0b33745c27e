"""Score the rule-based report labeler against the hand-labelled report sets in tests/data/reports.

Run ``python benchmarks/labeler.py`` (add ``--details`` for per-finding tables and every disagreement, and
``--throughput 2000`` to time 2000 phantom reports per task and language). For
each set it prints the pooled three-class macro-F1 (mean over the classes 1, 0, -1 of the F1 computed over all
finding cells, see ``greenrfm_core.labels.evaluate``), the per-class F1, the quality bar, and labelling speed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from greenrfm_core.labels import (
    RuleLabeler,
    evaluate_labels,
    format_evaluation,
    read_labels_csv,
    read_reports,
)

DATA_DIR = Path(__file__).resolve().parent.parent / "tests" / "data" / "reports"

# (file, task, minimum macro-F1)
SETS = (
    ("chest_ct_en.csv", "chest-ct", 0.95),
    ("chest_ct_zh.csv", "chest-ct", 0.93),
    ("knee_mr_zh.csv", "knee-mri", 0.93),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA_DIR, help="folder holding the report sets")
    parser.add_argument("--details", action="store_true", help="print per-finding tables and disagreements")
    parser.add_argument("--throughput", type=int, default=0, metavar="N",
                        help="also time the labeler on N phantom reports per task and language")
    args = parser.parse_args(argv)

    print(f"{'set':<18} {'task':<9} {'reports':>7} {'cells':>6} {'F1(1)':>6} {'F1(0)':>6} {'F1(-1)':>6} "
          f"{'macro':>6} {'bar':>5} {'ms/report':>9}  result")
    failed = False
    for file_name, task, bar in SETS:
        path = args.data / file_name
        table = read_reports(path)
        labeler = RuleLabeler(task)
        started = time.perf_counter()
        results = [labeler.label(row.study_id, row.text) for row in table.rows]
        elapsed_ms = (time.perf_counter() - started) * 1000 / max(1, len(results))
        finding_ids, reference = read_labels_csv(path)
        predicted = {result.study_id: result.labels for result in results}
        evaluation = evaluate_labels(reference, predicted, finding_ids)
        f1 = {label: evaluation.pooled[label].f1 for label in (1, 0, -1)}
        passed = evaluation.macro_f1 >= bar
        failed |= not passed
        print(f"{path.stem:<18} {task:<9} {len(results):>7} {evaluation.cells:>6} {f1[1]:6.3f} {f1[0]:6.3f} "
              f"{f1[-1]:6.3f} {evaluation.macro_f1:6.3f} {bar:5.2f} {elapsed_ms:9.2f}  "
              f"{'pass' if passed else 'FAIL'}")
        if args.details:
            print(format_evaluation(evaluation))
            for result in results:
                for finding_id in finding_ids:
                    expected = reference[result.study_id][finding_id]
                    if result.labels[finding_id] != expected:
                        print(f"  {result.study_id} {finding_id}: expected {expected}, got "
                              f"{result.labels[finding_id]}")
            print()
    if args.throughput:
        measure_throughput(args.throughput)
    return 1 if failed else 0


def measure_throughput(count: int) -> None:
    """Print reports per second for phantom reports of each task and language."""
    import numpy as np

    from greenrfm_core.phantom import write_report

    print(f"\nthroughput on {count} phantom reports per task and language")
    for task in ("chest-ct", "knee-mri"):
        labeler = RuleLabeler(task)
        finding_ids = [finding.id for finding in labeler.schema.findings if not finding.derived]
        for language in ("en", "zh"):
            rng = np.random.default_rng(0)
            reports = []
            for _ in range(count):
                draws = rng.random(len(finding_ids))
                labels = {finding: int(draw < 0.25) - int(0.25 <= draw < 0.35)
                          for finding, draw in zip(finding_ids, draws)}
                reports.append(write_report(labels, rng, language))
            started = time.perf_counter()
            for index, report in enumerate(reports):
                labeler.label(str(index), report)
            elapsed = time.perf_counter() - started
            mean_chars = sum(map(len, reports)) / count
            print(f"  {task:<9} {language}: {count / elapsed:8.0f} reports/s (mean {mean_chars:.0f} characters)")


if __name__ == "__main__":
    sys.exit(main())
