"""The verify's shortcut: a download holding the very compressed bytes of the zip that was sent is
not parsed again; anything else (one byte, other compression, a lying header) gets the full check."""

from __future__ import annotations

import zipfile

import pytest

from app.configdoc.known import recognise
from app.configdoc.zipcheck import check_config_zip
from app.errors import InvalidConfigZip
from tests.helpers import MAP_DOC

DOC = (
    b'<?xml version="1.0" standalone="yes"?>\n<NewDataSet>\n  <Database>\n    <ID>0</ID>\n'
    b"    <ConfigVersion>1.2.3</ConfigVersion>\n  </Database>\n"
    + b"".join(
        b"  <Rule>\n    <Name>r%d</Name>\n    <Code>return %d;</Code>\n  </Rule>\n" % (i, i)
        for i in range(500)
    )
    + b"</NewDataSet>\n"
)


def _zip(path, app_id=7, doc=DOC, level=6):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        z.writestr(f"duradosappsys{app_id}", doc)
        z.writestr(f"duradosappsys{app_id}xml", MAP_DOC)
    return path


def test_the_same_bytes_under_another_app_s_names_are_known(tmp_path):
    sent, served = _zip(tmp_path / "sent.zip"), _zip(tmp_path / "served.zip", app_id=9)
    info = check_config_zip(served, collect=True, known=(sent, "1.2.3"))
    assert info.same_as_known and info.docs is None
    assert (info.app_entry, info.app_id, info.config_version) == ("duradosappsys9", "9", "1.2.3")
    with zipfile.ZipFile(served) as z:
        assert recognise(z, sent) == (True, None)  # told by the bytes: nothing inflated


def test_other_text_is_checked_in_full(tmp_path):
    sent = _zip(tmp_path / "sent.zip")
    served = _zip(tmp_path / "served.zip", doc=DOC.replace(b"return 7;", b"return 8;"))
    info = check_config_zip(served, collect=True, known=(sent, "1.2.3"))
    assert not info.same_as_known and info.docs is not None and len(info.docs.app.tables["Rule"]) == 500


def test_the_same_text_compressed_otherwise_is_known_by_its_text(tmp_path):
    sent, served = _zip(tmp_path / "sent.zip"), _zip(tmp_path / "served.zip", level=9)
    with zipfile.ZipFile(served) as z:
        assert recognise(z, sent) == (True, "1.2.3")  # told by the text (the bytes differ)
    assert check_config_zip(served, collect=True, known=(sent, "1.2.3")).same_as_known


def test_bytes_are_compared_not_only_the_crc(tmp_path):
    """A copy with one compressed byte changed still claims the sent CRC in its directory: it is
    not taken as known, and the full check then refuses it."""
    sent = _zip(tmp_path / "sent.zip")
    raw = bytearray(sent.read_bytes())
    with zipfile.ZipFile(sent) as z:
        info = z.infolist()[0]
    middle = info.header_offset + 30 + len(info.filename) + info.compress_size // 2
    raw[middle] ^= 0xFF
    served = tmp_path / "served.zip"
    served.write_bytes(bytes(raw))
    with zipfile.ZipFile(served) as z:
        assert z.infolist()[0].CRC == info.CRC and recognise(z, sent) == (False, None)
    with pytest.raises(InvalidConfigZip):
        check_config_zip(served, collect=True, known=(sent, "1.2.3"))


def test_a_local_header_that_disagrees_with_the_directory_is_not_known(tmp_path):
    sent = _zip(tmp_path / "sent.zip")
    raw = sent.read_bytes().replace(b"duradosappsys7", b"duradosappsys8", 1)  # the first local header
    served = tmp_path / "served.zip"
    served.write_bytes(raw)
    with zipfile.ZipFile(served) as z:
        assert recognise(z, sent) == (False, None)


UPLOADS = DOC.replace(
    b"  </Database>\n",
    b"  </Database>\n  <Upload>\n    <UploadFileType>Image</UploadFileType>\n"
    b"    <UploadVirtualPath>/Uploads/7/images/</UploadVirtualPath>\n  </Upload>\n",
)


def test_a_text_equal_but_for_upload_ids_and_version_is_known(tmp_path):
    """What an import rewrites (Backand, and the sandbox, put the app's id in upload paths and may
    set a new version) is not a difference: the text is hashed with those values blanked."""
    sent = _zip(tmp_path / "sent.zip", doc=UPLOADS)
    served_doc = UPLOADS.replace(b"/Uploads/7/", b"/Uploads/102/").replace(b"1.2.3", b"1.2.4")
    served = _zip(tmp_path / "served.zip", app_id=102, doc=served_doc, level=1)
    info = check_config_zip(served, collect=True, known=(sent, "1.2.3"))
    assert info.same_as_known and info.config_version == "1.2.4"


@pytest.mark.parametrize(
    "change",
    [
        (b"/Uploads/7/", b"/Uploads/7<x/"),  # markup in the rewritten value: not a plain rewrite
        (b"/Uploads/7/images/", b"/Uploads/7/photos/"),  # the path itself changed
        (b"return 499;", b"return 500;"),
    ],
)
def test_any_other_difference_is_parsed(tmp_path, change):
    sent = _zip(tmp_path / "sent.zip", doc=UPLOADS)
    served = _zip(tmp_path / "served.zip", doc=UPLOADS.replace(*change), level=1)
    try:
        info = check_config_zip(served, collect=True, known=(sent, "1.2.3"))
    except InvalidConfigZip:
        return  # the markup case is not even well-formed: refused by the full check
    assert not info.same_as_known and info.docs is not None


def test_the_sent_zips_text_taken_ahead_is_used_only_for_that_very_file(tmp_path, monkeypatch):
    """The verify's comparison hashes what it downloaded; the sent zip's text was hashed while the
    upload waited on the server. A file changed since is hashed again, never matched by the old."""
    import os

    from app.configdoc import known

    sent, served = _zip(tmp_path / "sent.zip"), _zip(tmp_path / "served.zip", level=9)
    known.take_text_ahead(sent)
    hashed: list[str] = []
    real = known._blanked_digest
    monkeypatch.setattr(known, "_blanked_digest", lambda z, info: hashed.append(z.filename) or real(z, info))
    with zipfile.ZipFile(served) as z:
        assert recognise(z, sent) == (True, "1.2.3")
    assert hashed == [str(served)] * 2, "only the download's two members were hashed"

    other = DOC.replace(b"return 7;", b"return 8;")
    _zip(sent, doc=other, level=1)  # the same path, other bytes (and other mtime and size)
    os.utime(sent, ns=(1, 1))
    hashed.clear()
    with zipfile.ZipFile(served) as z:
        assert recognise(z, sent) == (False, None)
    assert str(sent) in hashed, "the changed file was hashed, not matched by what was taken before"
