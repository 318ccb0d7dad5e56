"""her2db: the structured evidence database for HER2-positive metastatic breast cancer."""

__version__ = "0.1.0"
