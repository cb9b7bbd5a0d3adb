"""The frozen app's entry point: the same ``promoter`` command line."""

import sys

from app.cli.entry import run

if __name__ == "__main__":
    sys.exit(run())
