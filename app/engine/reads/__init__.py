"""The reads: plans, the overview, backups into the archive, drills, releases, the head start."""
