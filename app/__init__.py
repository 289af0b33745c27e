"""PySide6 desktop application of GreenRFM Studio (GUI code only; all computation is in greenrfm_core)."""
