"""Datasets for training and evaluation: id matching, generic and CT-RATE layouts, patient-level splits."""

from greenrfm_core.data.dataset import StudyDataset, collate_studies, data_fingerprint, preprocess_records
from greenrfm_core.data.loading import finding_column_map, load_cohort, normalise_name
from greenrfm_core.data.matching import MatchReport, StudyRecord, hash_patient_key, match_studies
from greenrfm_core.data.splits import patient_split
from greenrfm_core.data.tables import read_labels_csv

__all__ = [
    "MatchReport",
    "StudyDataset",
    "StudyRecord",
    "collate_studies",
    "data_fingerprint",
    "finding_column_map",
    "hash_patient_key",
    "load_cohort",
    "match_studies",
    "normalise_name",
    "patient_split",
    "preprocess_records",
    "read_labels_csv",
]
