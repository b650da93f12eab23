"""阳光招标 sunbid: full-process electronic tendering with tamper-evident supervision."""

__version__ = "0.1.0"
