"""``python -m app`` runs the ``promoter`` command line."""

import sys

from app.cli.main import run

sys.exit(run())
