"""Trim the ICU data library the Qt wheels ship (30.6 MiB) to what Qt uses ICU for.

Qt uses ICU for collation (QCollator, locale-aware sorting), locale case mapping (QLocale::toUpper
and toLower) and the names of encodings; its locale data, time-zone names, number and date formats
come from Qt's own tables. So the data keeps the collation tree (``coll/``), the core property,
normalisation and alias files and the few resource bundles that locale fallback reads, and leaves
out display names of languages, regions, currencies, units and zones, transliterators, spell-out
rules, break-iterator dictionaries, every legacy codepage converter and the per-locale formatting
bundles (about 26 MiB). ``promoter --self-check`` (run on the bundle by the tests) proves that
collation and case mapping of non-ASCII names are still right.

Run by ``packaging/promoter.spec`` after the bundle is collected. Needs ``objcopy`` (binutils),
``icupkg`` and ``genccode`` (icu-devtools) and a C compiler; without them the library stays whole
and this says so.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DROP_DIRS = ("unit/", "curr/", "zone/", "lang/", "region/", "translit/", "rbnf/", "brkitr/")
KEEP_BUNDLES = re.compile(
    r"(root|res_index|pool|likelySubtags|supplementalData|zoneinfo64|timezoneTypes|metaZones|windowsZones"
    r"|keyTypeData|numberingSystems|icustd|icuver|plurals|dayPeriods|grammaticalFeatures|units"
    r"|currencyNumericCodes|genderList)\.res"
)
TOOLS = ("objcopy", "icupkg", "genccode", "cc")


def items_to_drop(items: list[str]) -> list[str]:
    drop = []
    for item in items:
        if item.startswith(DROP_DIRS):
            drop.append(item)
        elif "/" not in item and (item.endswith(".cnv") or (item.endswith(".res") and not KEEP_BUNDLES.fullmatch(item))):
            drop.append(item)
    return drop


def trim(library: Path) -> str:
    """Replace *library* (``libicudataNN.so``) by its trimmed build; a sentence saying what happened."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        return f"ICU data left whole: {', '.join(missing)} not installed"
    match = re.match(r"libicudata\.so\.(\d+)", library.name)
    if not match:
        return f"ICU data left whole: {library.name} is not libicudata.so.NN"
    version = match.group(1)
    name = f"icudt{version}l"
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        data = work / f"{name}.dat"

        def run(*args: str) -> str:
            return subprocess.run(args, cwd=work, check=True, capture_output=True, text=True).stdout

        run("objcopy", "-O", "binary", "--only-section=.rodata", str(library), str(data))
        items = [line.strip() for line in run("icupkg", "-l", data.name).splitlines() if line.strip()]
        drop = items_to_drop(items)
        (work / "drop.lst").write_text("\n".join(drop) + "\n")
        run("icupkg", "-r", "drop.lst", data.name)
        run("genccode", "-a", "gcc", "-e", f"icudt{version}", data.name)
        run("cc", "-c", "-o", "icudata.o", f"{name}_dat.S")
        built = work / library.name
        run("cc", "-shared", "-nostdlib", "-o", built.name, "icudata.o", f"-Wl,-soname,{library.name}")
        before = library.stat().st_size
        shutil.copyfile(built, library)
    after = library.stat().st_size
    return (
        f"ICU data trimmed: {len(items) - len(drop)} of {len(items)} items kept, "
        f"{before / 1048576:.1f} -> {after / 1048576:.1f} MiB"
    )


if __name__ == "__main__":
    print(trim(Path(sys.argv[1])))
