"""The package's version (kept here so that any module may name it without importing asl)."""

__version__ = "0.1.0"
