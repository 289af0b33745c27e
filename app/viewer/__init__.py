"""Three linked orthogonal slice views rendered with VTK inside Qt."""

from app.viewer.three_view import ThreeViewViewer

__all__ = ["ThreeViewViewer"]
