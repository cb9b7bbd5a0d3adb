"""The frozen app's entry point: the same ``promoter`` command line."""

import sys

from app.cli.entry import run

if __name__ == "__main__":
    if sys.argv[1:2] == ["--multiprocessing-fork"] or "-c" in sys.argv[1:]:
        # a child this program started (a replace rule's regex runs in one: app/shaping/regexrun.py)
        import multiprocessing

        multiprocessing.freeze_support()
    sys.exit(run())
