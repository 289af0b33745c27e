"""Model picker, background prediction and the findings panel."""
