"""xl-sakip: traceable SAKIP performance cascading in Excel."""

__version__ = "0.1.0"
