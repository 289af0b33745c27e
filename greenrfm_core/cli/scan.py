"""``greenrfm scan DIR``: list the studies and series in a folder, mark the series that would be loaded."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from greenrfm_core.cli._logging import io_warnings_printed_by_command


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "scan",
        help="list the DICOM studies and series in a folder",
        description="Scan a folder recursively (DICOMDIR not needed), list each study's series and mark with * "
        "the series that load_study and convert would use. Patient names and IDs are hidden unless "
        "--show-patient is given.",
    )
    parser.add_argument("folder", help="folder to scan (searched recursively)")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of a table")
    parser.add_argument(
        "--show-patient", action="store_true", help="also print patient name, ID, birth date and sex"
    )
    parser.set_defaults(func=run)


def _series_record(series, selected: bool, reason: str) -> dict[str, Any]:
    from greenrfm_core.io import sequence_label

    return {
        "key": series.key,
        "series_uid": series.series_uid,
        "series_number": series.series_number,
        "description": series.description,
        "modality": series.modality,
        "sop_class": series.sop_class_name,
        "image_type": list(series.image_type),
        "orientation": series.orientation,
        "plane": series.plane,
        "sequence": sequence_label(series) if series.modality == "MR" and not reason else None,
        "instances": series.number_of_instances,
        "slices": series.number_of_slices,
        "slice_spacing_mm": round(series.slice_spacing, 4) if series.slice_spacing else None,
        "selected": selected,
        "excluded_because": reason or None,
        "warnings": list(series.warnings),
    }


def build_report(result, show_patient: bool) -> dict[str, Any]:
    """Turn a ScanResult into a JSON-ready dictionary; patient facts only when ``show_patient`` is set."""
    from greenrfm_core.io import exclusion_reason, select_series

    studies = []
    for study in result.studies:
        chosen = {series.key for series in select_series(study)}
        record: dict[str, Any] = {
            "study_uid": study.study_uid,
            "study_date": study.attributes.get("study_date", ""),
            "study_description": study.attributes.get("study_description", ""),
            "modalities": study.modalities,
            "series": [_series_record(s, s.key in chosen, exclusion_reason(s)) for s in study.series],
        }
        if show_patient:
            record["patient"] = dict(study.display)
        studies.append(record)
    return {
        "folder": str(result.root),
        "files": result.files_seen,
        "dicom_files": result.dicom_files,
        "non_dicom_files": result.non_dicom_files,
        "cancelled": result.cancelled,
        "studies": studies,
        "warnings": list(result.warnings),
    }


def _print_table(report: dict[str, Any]) -> None:
    print(
        f"{report['folder']}: {report['files']} files, {report['dicom_files']} DICOM, "
        f"{report['non_dicom_files']} not DICOM, {len(report['studies'])} studies"
    )
    for number, study in enumerate(report["studies"], start=1):
        print()
        print(
            f"Study {number}: {study['study_date'] or 'no date'}  {study['study_description'] or '(no description)'}"
            f"  [{', '.join(study['modalities'])}]  {study['study_uid']}"
        )
        patient = study.get("patient")
        if patient:
            print(
                f"  Patient: {patient['patient_name']}  ID {patient['patient_id']}  "
                f"born {patient['patient_birth_date'] or '?'}  sex {patient['patient_sex'] or '?'}"
            )
        for series in study["series"]:
            mark = "*" if series["selected"] else " "
            spacing = f"{series['slice_spacing_mm']:.2f} mm" if series["slice_spacing_mm"] else "-"
            label = series["orientation"] or "-"
            if series["sequence"]:
                label = f"{label} {series['sequence']}"
            note = f"  ({series['excluded_because']})" if series["excluded_because"] else ""
            number_text = "-" if series["series_number"] is None else str(series["series_number"])
            print(
                f"  {mark} {number_text:>4} {series['modality'] or '?':3} {label:16} {series['slices']:5d} sl "
                f"{spacing:>9}  {series['description'][:32]:32}  {series['key']}{note}"
            )
    if report["warnings"]:
        print()
        print(f"Warnings ({len(report['warnings'])}):")
        for warning in report["warnings"]:
            print(f"  - {warning}")
    if report["cancelled"]:
        print("\nThe scan was cancelled; the list is incomplete.")


def _run(args: argparse.Namespace) -> int:
    from greenrfm_core.io import scan

    try:
        result = scan(args.folder)
    except FileNotFoundError as error:
        print(f"greenrfm scan: {error}", file=sys.stderr)
        return 2
    report = build_report(result, args.show_patient)
    if args.json:
        json.dump(report, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        _print_table(report)
    if not report["studies"] and not report["cancelled"]:
        print(
            f"no DICOM study found in {result.root}; choose the folder that contains the exported study "
            "(or a DICOMDIR)",
            file=sys.stderr,
        )
        return 1
    return 0


def run(args: argparse.Namespace) -> int:
    with io_warnings_printed_by_command(getattr(args, "verbose", False)):
        return _run(args)
