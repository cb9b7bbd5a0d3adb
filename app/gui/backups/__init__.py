"""Backing up every environment, and the Backups dialog (schedule, retention)."""
