"""Exceptions raised while scanning and loading studies, one type per kind of failure."""

from __future__ import annotations


class StudyLoadError(Exception):
    """Base class for every study loading failure; the message states what failed and what to do."""


class UnreadableSeriesError(StudyLoadError):
    """The series has no readable image: missing files, damaged pixel data or no geometry."""


class SeriesGeometryError(StudyLoadError):
    """The slice positions cannot form one volume: large gaps, conflicting duplicates or mixed orientations."""


class NoUsableSeriesError(StudyLoadError):
    """A folder contains no series that can be used as a CT or MR volume."""
