"""Backand configuration documents: the zip's two DataSet XML entries, checked, read and compared."""
