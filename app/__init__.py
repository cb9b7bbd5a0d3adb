"""Backand Promoter: promote a Backand app's model and configuration between environments."""

__version__ = "0.1.0"
