"""Train-on-my-data wizard and its background training worker.

Importing this package loads Qt and pyqtgraph, so the main window imports it lazily from its Training menu.
"""

from app.wizard.wizard import TrainingWizard, find_pending_job

__all__ = ["TrainingWizard", "find_pending_job"]
