"""The writes: each operation on the one runner (``run.py``), and the backup every write takes first."""
