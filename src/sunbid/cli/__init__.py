"""The ``sunbid`` command."""
