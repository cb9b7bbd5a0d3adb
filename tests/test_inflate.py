"""The zip members' reader gives zipfile's bytes with ISA-L or with zlib, and names damage."""

from __future__ import annotations

import zipfile
import zlib

import pytest

from app.configdoc import inflate
from app.configdoc.inflate import DamagedMember, MemberReader

TEXT = b"".join(b"<Row><Name>n%d</Name><Code>return %d * 7;</Code></Row>\n" % (i, i) for i in range(3_000))


@pytest.fixture(params=["installed", "zlib"])
def codec(request, monkeypatch):
    if request.param == "zlib":
        monkeypatch.setattr(inflate, "_codec", zlib)
    return request.param


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
@pytest.mark.parametrize("size", [1, 7, 65_536, -1])
def test_reads_what_zipfile_reads(tmp_path, codec, method, size):
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w", method) as z:
        z.writestr("duradosappsys7", TEXT)
        z.writestr("empty", b"")
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            reader = MemberReader(z, info)
            pieces = []
            while piece := reader.read(size):
                pieces.append(piece)
                assert size < 0 or len(piece) <= size
            assert b"".join(pieces) == z.read(info)


def test_a_wrong_crc_or_size_is_damage(tmp_path, codec):
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("duradosappsys7", TEXT)
    with zipfile.ZipFile(path) as z:
        info = z.infolist()[0]
        info.CRC ^= 1
        with pytest.raises(DamagedMember, match="CRC"):
            _drain(MemberReader(z, info))
        info.CRC ^= 1
        info.file_size -= 1
        with pytest.raises(DamagedMember, match="declares"):
            _drain(MemberReader(z, info))


def _drain(reader):
    while reader.read(100_000):
        pass


def test_inflating_ahead_gives_the_same_bytes_and_stops_when_asked(tmp_path, codec):
    import threading

    from app.configdoc.inflate import Prefetching

    path = tmp_path / "a.zip"
    big = TEXT * 40
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("duradosappsys7", big)
    with zipfile.ZipFile(path) as z:
        info = z.infolist()[0]
        with Prefetching(MemberReader(z, info)) as reader:
            assert b"".join(iter(lambda: reader.read(100_000), b"")) == big
        with Prefetching(MemberReader(z, info)) as reader:  # the reader gives up after one block
            assert reader.read(10) == big[:10]
        info.CRC ^= 1
        with Prefetching(MemberReader(z, info)) as reader, pytest.raises(DamagedMember, match="CRC"):
            _drain(reader)
    assert not [t for t in threading.enumerate() if t.name == "inflate ahead"]
