"""Demo data and the guided demo (``sunbid demo``)."""
