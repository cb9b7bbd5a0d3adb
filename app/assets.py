"""The application's resources (icon, desktop entry, metainfo), found the same way everywhere.

They live in ``resources/`` at the top of the repository; ``app/resources`` points there in a source
checkout, the wheel carries them as package data and the frozen app as data files at the same place,
so ``importlib.resources`` finds them in all three.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def resource(name: str) -> Traversable:
    """A file under ``resources/`` (e.g. ``"backand-promoter.svg"`` or ``"icons/...png"``)."""
    return files("app").joinpath("resources", *name.split("/"))


def icon_files() -> list[Traversable]:
    return [resource(f"icons/backand-promoter-{size}.png") for size in ICON_SIZES]


def read_bytes(name: str) -> bytes:
    return resource(name).read_bytes()
