"""The ``promoter`` command line."""
