"""mplan publisher: Japanese municipal comprehensive plans as linked open data."""

__version__ = "0.1.0"
