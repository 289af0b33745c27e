"""Export of prediction results: CSV, JSON and a one-page PDF report."""
