"""Widgets every screen shares: diff trees, the log panel, colours, sizes."""
