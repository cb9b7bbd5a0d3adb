"""``python -m app`` runs the ``promoter`` command line."""

import sys

from app.cli.entry import run

sys.exit(run())
