"""Synthetic chest CT and knee MRI cohorts with known findings, reports and labels, for tests and demos."""

from greenrfm_core.phantom.chest import CHEST_SIZES, render_chest_ct
from greenrfm_core.phantom.chest_anatomy import ChestPatient
from greenrfm_core.phantom.chest_findings import CHEST_FINDINGS
from greenrfm_core.phantom.cohort import CohortSummary, generate_cohort, to_acquisition_frame
from greenrfm_core.phantom.knee import KNEE_FINDINGS, KNEE_SIZES, render_knee_mri
from greenrfm_core.phantom.reports import write_report

__all__ = [
    "CHEST_FINDINGS",
    "CHEST_SIZES",
    "KNEE_FINDINGS",
    "KNEE_SIZES",
    "ChestPatient",
    "CohortSummary",
    "generate_cohort",
    "render_chest_ct",
    "render_knee_mri",
    "to_acquisition_frame",
    "write_report",
]
