"""Headless core of GreenRFM Studio: study I/O, preprocessing, report labels, models, training and inference.

Nothing in this package imports Qt, so the same code runs in the desktop app, on a server and under torchrun.
"""

__version__ = "0.1.0"
