"""``greenrfm label``: distil reports into finding labels, and score labels against a reference."""

from __future__ import annotations

import argparse
import logging
import sys
from collections import Counter
from pathlib import Path

from greenrfm_core.labels import (
    LabelsFileError,
    LLMConfig,
    LLMError,
    LLMLabeler,
    ReportsError,
    RuleLabeler,
    evaluate_labels,
    format_evaluation,
    read_labels_csv,
    read_reports,
    write_evidence_csv,
    write_labels_csv,
)
from greenrfm_core.labels.llm import is_loopback_url
from greenrfm_core.schemas import SchemaError, list_tasks, load_schema

logger = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``label`` subcommand."""
    parser = subparsers.add_parser(
        "label",
        help="label findings in radiology reports (1 present, 0 absent, -1 uncertain) and evaluate labels",
        description="Label each report of a CSV or XLSX table with the findings of a task, writing a labels "
        "CSV and an evidence CSV naming the sentence behind each label. With --evaluate, print per-finding "
        "precision, recall and F1 for the classes 1, 0, -1 and the macro-F1 against a reference table.",
    )

    parser.add_argument("--reports", type=Path, help="CSV or XLSX file of reports to label")
    parser.add_argument("--task", default="chest-ct",
                        help=f"task name ({', '.join(list_tasks())}) or path of a schema JSON file "
                        "(default: chest-ct)")
    parser.add_argument("--lang", choices=("auto", "en", "zh"), default="auto",
                        help="report language; auto picks it per sentence (default: auto)")
    parser.add_argument("--id-column", help="column holding the study id (default: detected)")
    parser.add_argument("--text-column", action="append", dest="text_columns",
                        help="column holding report text; repeat to join several columns (default: detected)")

    parser.add_argument("--out", type=Path, help="labels CSV to write")
    parser.add_argument("--evidence", type=Path, help="evidence CSV to write (default: <out stem>.evidence.csv)")
    parser.add_argument("--evaluate", type=Path, metavar="REFERENCE",
                        help="reference labels CSV to score against (with --labels, or after labelling)")
    parser.add_argument("--labels", type=Path, help="labels CSV to score with --evaluate")

    llm = parser.add_argument_group("LLM labeler (off unless --llm or --llm-url is given)")
    llm.add_argument("--llm", action="store_true", help="use the LLM endpoint from GREENRFM_LLM_URL/MODEL")
    llm.add_argument("--llm-url", help="base URL of an OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1")
    llm.add_argument("--llm-model", help="model name (default: GREENRFM_LLM_MODEL)")
    llm.add_argument("--llm-api-key", help="API key (prefer GREENRFM_LLM_API_KEY: arguments are visible to "
                     "other users of the computer)")
    llm.add_argument("--llm-allow-remote", action="store_true",
                     help="allow an endpoint on another computer; the reports are sent to it")
    llm.add_argument("--llm-concurrency", type=int, default=4, help="requests in flight (default: 4)")
    llm.add_argument("--llm-timeout", type=float, default=60.0, help="seconds per request (default: 60)")

    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the subcommand; return 0 on success, 1 when some reports failed, 2 on invalid input."""
    if args.reports is None and args.evaluate is None:
        print("error: pass --reports FILE --out labels.csv to label, or --evaluate REFERENCE --labels FILE",
              file=sys.stderr)
        return 2
    status = 0
    labels_path = args.labels
    if args.reports is not None:
        if args.out is None:
            print("error: --out labels.csv is required with --reports", file=sys.stderr)
            return 2
        reading_logger = logging.getLogger("greenrfm_core.labels.reading")
        previous = reading_logger.level
        if not getattr(args, "verbose", False):
            # The command prints each reading warning with its rows and ids, so the log would repeat it.
            reading_logger.setLevel(logging.ERROR)
        try:
            status = _label(args)
        except (ReportsError, SchemaError, LLMError, OSError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        finally:
            reading_logger.setLevel(previous)
        labels_path = args.out
    if args.evaluate is not None:
        if labels_path is None:
            print("error: --evaluate needs --labels FILE or --reports FILE --out FILE", file=sys.stderr)
            return 2
        try:
            _evaluate(args.evaluate, labels_path)
        except LabelsFileError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    return status


def _label(args: argparse.Namespace) -> int:
    schema = load_schema(args.task)
    table = read_reports(args.reports, id_column=args.id_column, text_columns=args.text_columns)
    print(f"read {len(table)} reports from {args.reports} (id column {table.id_column!r}, text "
          f"{', '.join(repr(column) for column in table.text_columns)}, encoding {table.encoding or 'xlsx'})")
    for kind, count in sorted(table.warnings.items()):
        action = "flagged" if kind == "long_report" else "skipped"
        rows = _first_few(table.warning_rows.get(kind, []), count)
        print(f"warning: {count} row(s) {action}, {kind.replace('_', ' ')}: {rows}", file=sys.stderr)

    rules = RuleLabeler(schema, language=args.lang)
    use_llm = bool(args.llm or args.llm_url)
    status = 0
    if use_llm:
        config = LLMConfig.from_env(args.llm_url, args.llm_model, args.llm_api_key,
                                    allow_remote=args.llm_allow_remote, concurrency=args.llm_concurrency,
                                    timeout_s=args.llm_timeout)
        if not is_loopback_url(config.base_url) and config.allow_remote:
            print(f"warning: sending {len(table)} reports to {config.base_url}, which is not on this computer",
                  file=sys.stderr)
        labeler = LLMLabeler(schema, config)
        llm_results, failures = labeler.label_many(table.rows)
        results = [result if result is not None else rules.label(row.study_id, row.text)
                   for row, result in zip(table.rows, llm_results)]
        if failures:
            print(f"warning: the LLM failed on {len(failures)} report(s); they were labelled by the rules "
                  "instead (see the log for each study id)", file=sys.stderr)
            status = 1
    else:
        results = [rules.label(row.study_id, row.text) for row in table.rows]
    unrecognised = [f"row {row.row} (id {row.study_id})" for row in table.rows if not rules.recognises(row.text)]
    if unrecognised:
        print(f"warning: {len(unrecognised)} report(s) contain no English or Chinese finding, cue or section "
              f"header, so every finding got its default label: {_first_few(unrecognised, len(unrecognised))}. "
              "Check the report language and the --text-column before training on these labels",
              file=sys.stderr)

    evidence_path = args.evidence or args.out.with_name(f"{args.out.stem}.evidence.csv")
    write_labels_csv(args.out, schema.finding_ids, results)
    write_evidence_csv(evidence_path, results)

    counts = Counter()
    for result in results:
        for finding_id, value in result.labels.items():
            counts[(finding_id, value)] += 1
    print(f"{'finding':<36} {'1':>5} {'0':>5} {'-1':>5}")
    for finding_id in schema.finding_ids:
        print(f"{finding_id:<36} {counts[(finding_id, 1)]:>5} {counts[(finding_id, 0)]:>5} "
              f"{counts[(finding_id, -1)]:>5}")
    print(f"wrote {args.out} and {evidence_path}")
    return status


def _first_few(descriptions: list[str], count: int, limit: int = 5) -> str:
    """Join the first ``limit`` row descriptions, then say how many more there are."""
    text = ", ".join(descriptions[:limit])
    return f"{text} and {count - limit} more" if count > limit else text


def _evaluate(reference_path: Path, labels_path: Path) -> None:
    reference_ids, reference = read_labels_csv(reference_path)
    predicted_ids, predicted = read_labels_csv(labels_path)
    finding_ids = [finding_id for finding_id in reference_ids if finding_id in predicted_ids]
    missing = [finding_id for finding_id in reference_ids if finding_id not in predicted_ids]
    if missing:
        print(f"warning: findings in the reference but not in {labels_path}: {', '.join(missing)}",
              file=sys.stderr)
    evaluation = evaluate_labels(reference, predicted, finding_ids)
    print(format_evaluation(evaluation))
