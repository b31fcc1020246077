"""casework: event-sourced case files for Indonesian family-welfare programmes."""

__version__ = "0.1.0"
