"""Configuration download/upload, versions, cache, faults and transport rules, over real HTTP."""

from __future__ import annotations

import zipfile

import pytest
import requests

from app.backand import BackandClient, PasswordLogin, Timeouts, errors
from app.backand.quirks import sort_versions
from app.backand.transport import server_text
from app.backand.urlpolicy import normalise_base_url
from app.errors import Cancelled, UsageError
from app.sandbox import seed
from app.sandbox.server import SandboxServer
from tests.helpers import MAP_DOC, big_config_zip, list_apps, make_config_zip, sync


def test_download_is_the_two_entry_zip(client_for, tmp_path):
    result = client_for("shop-dev").download_config(tmp_path / "dev.zip")
    assert result.size == (tmp_path / "dev.zip").stat().st_size and len(result.sha256) == 64
    with zipfile.ZipFile(result.path) as archive:
        assert archive.namelist() == ["duradosappsys101", "duradosappsys101xml"]
        assert b"<ConfigVersion>1.1.4</ConfigVersion>" in archive.read("duradosappsys101")
    assert [p.name for p in tmp_path.iterdir()] == ["dev.zip"]


def test_upload_leaves_cache_stale_until_reload(client_for, control, tmp_path):
    dev, qa = client_for("shop-dev"), client_for("shop-qa")
    zip_path = dev.download_config(tmp_path / "dev.zip").path
    message = qa.upload_config(zip_path)
    assert message.startswith("Config Version up") and "was succesfuly loaded to shop-qa" in message
    state = control.state("shop-qa")
    assert state["cache_stale"] and state["stored_version"] == "1.1.4"
    assert qa.list_versions().current == "1.1.1"
    qa.reload_cache()
    assert qa.list_versions().current == "1.1.4"
    with zipfile.ZipFile(qa.download_config(tmp_path / "qa.zip").path) as archive:
        doc = archive.read("duradosappsys102")
    assert b"/Uploads/102/" in doc and b"/Uploads/101/" not in doc


def test_versions_are_sorted_by_the_client(client_for, sandbox):
    qa = client_for("shop-qa")
    raw = requests.get(
        f"{sandbox.url}/1/app/versions",
        headers={"Authorization": qa.credentials.header(), "AppName": "shop-qa"},
        timeout=10,
    ).json()
    assert raw["versions"] == ["1.0.8", "1.0.9", "1.1.0", "1.0.10"]  # the server's order
    assert qa.list_versions().versions == ["1.0.8", "1.0.9", "1.0.10", "1.1.0"]
    assert sort_versions(["1.0.10", "1.0.9", "1.1.0", "1.0.2"]) == ["1.0.2", "1.0.9", "1.0.10", "1.1.0"]


def test_restore_and_export_a_version(client_for, tmp_path):
    qa = client_for("shop-qa")
    qa.set_version("1.0.10")
    assert qa.list_versions().current == "1.0.10"
    assert "1.1.1" in qa.list_versions().versions  # the current one was saved first
    exported = qa.download_config(tmp_path / "v.zip", version="1.1.1")
    with zipfile.ZipFile(exported.path) as archive:
        assert b"<ConfigVersion>1.1.1</ConfigVersion>" in archive.read("duradosappsys102")
    with pytest.raises(errors.ServerError, match="Could not find configuration version 9.9.9"):
        qa.set_version("9.9.9")
    with pytest.raises(errors.ServerError):
        qa.download_config(tmp_path / "none.zip", version="9.9.9")
    assert not (tmp_path / "none.zip").exists()


def test_only_five_versions_are_kept(client_for):
    qa = client_for("shop-qa")
    for _ in range(3):
        sync(qa)
        qa.set_version(qa.list_versions().versions[0])
    assert len(qa.list_versions().versions) == 5


def test_sixty_mib_zip_is_refused_before_sending(client_for, control, tmp_path):
    qa = client_for("shop-qa")
    big = tmp_path / "big.zip"
    with open(big, "wb") as handle:
        handle.truncate(60 * 1024 * 1024)
    before = control.state("shop-qa")
    control.fault(path="/1/app/upload", status=500, body="the request reached the server")
    with pytest.raises(errors.TooLargeError) as info:
        qa.upload_config(big)
    assert "62,914,560 bytes" in str(info.value) and "50 MiB" in str(info.value)
    assert control.state("shop-qa") == before
    assert requests.get(f"{control.url}/_sandbox/faults", timeout=5).json()  # never consumed


def test_missing_upload_parameters_are_409(client_for, sandbox):
    qa = client_for("shop-qa")
    response = requests.post(
        f"{sandbox.url}/1/app/upload",
        json={"filename": "x.zip"},
        headers={"Authorization": qa.credentials.header(), "AppName": "shop-qa", "Accept": "*/*"},
        timeout=10,
    )
    assert response.status_code == 409
    assert response.headers["Content-Type"].startswith("text/plain")
    assert server_text(response) == "You must send the filedata parameter"
    response = requests.post(
        f"{sandbox.url}/1/app/upload",
        json={"filedata": "AAAA"},
        headers={
            "Authorization": qa.credentials.header(),
            "AppName": "shop-qa",
            "Accept": "application/json",
        },
        timeout=10,
    )
    assert response.text == '"You must send the filename parameter"'
    assert server_text(response) == "You must send the filename parameter"


def test_cancel_mid_transfer_leaves_no_file_and_no_change(client_for, control, tmp_path):
    qa = client_for("shop-qa")
    big = big_config_zip(tmp_path / "big.zip", 3)
    sent: list[int] = []
    before = control.state("shop-qa")
    with pytest.raises(Cancelled):
        qa.upload_config(big, progress=lambda d, t: sent.append(d), cancel=lambda: bool(sent))
    assert sent and sent[-1] < big.stat().st_size
    assert control.state("shop-qa") == before
    qa.upload_config(big)
    got: list[int] = []
    dest = tmp_path / "down" / "qa.zip"
    with pytest.raises(Cancelled):
        qa.download_config(dest, progress=lambda d, t: got.append(d), cancel=lambda: bool(got))
    assert (got and not dest.parent.exists()) or list(dest.parent.iterdir()) == []


def test_dropped_download_leaves_no_file(client_for, control, tmp_path):
    dev = client_for("shop-dev", retries=0)
    control.fault(path="/1/app/download", drop_after=100)
    with pytest.raises(errors.NetworkError, match="connection"):
        dev.download_config(tmp_path / "dev.zip")
    assert list(tmp_path.iterdir()) == []


def test_dropped_upload_is_a_network_error_and_changes_nothing(client_for, control, tmp_path):
    dev, qa = client_for("shop-dev"), client_for("shop-qa")
    zip_path = dev.download_config(tmp_path / "dev.zip").path
    before = control.state("shop-qa")
    control.fault(path="/1/app/upload", drop_after=1000)
    with pytest.raises(errors.NetworkError):
        qa.upload_config(zip_path)
    assert control.state("shop-qa") == before


def test_server_error_text_and_html_pages(client_for, control, tmp_path):
    qa = client_for("shop-qa", retries=0)
    control.fault(path="/1/app/reload", status=500)
    with pytest.raises(errors.ServerError, match="An error occurred, please try again"):
        qa.reload_cache()
    control.fault(path="/1/model", method="GET", status=502, body="<html><body>Bad gateway</body></html>")
    with pytest.raises(errors.ProtocolError, match="HTML page"):
        qa.get_model()


def test_idempotent_reads_are_retried(client_for, control):
    qa = client_for("shop-qa", retries=2)
    control.fault(path="/1/model", method="GET", status=503, times=2)
    assert qa.get_model()


def test_read_timeout(client_for, control):
    qa = client_for("shop-qa", retries=0, timeouts=Timeouts(connect=5, read=0.3))
    control.fault(path="/1/app/versions", delay=1.5)
    with pytest.raises(errors.TimeoutError_, match="did not answer within 0.3 s"):
        qa.list_versions()


def test_redirect_to_another_host_is_not_followed(client_for, control):
    qa = client_for("shop-qa")
    control.fault(path="/1/model", method="GET", redirect="http://127.0.0.2:9/steal")
    with pytest.raises(errors.ProtocolError, match="redirected to another host"):
        qa.get_model()


def test_invalid_json_and_wrong_content_type(client_for, control):
    qa = client_for("shop-qa", retries=0)
    control.fault(path="/1/app/versions", status=200, body="not json")
    with pytest.raises(errors.ProtocolError, match="not valid JSON"):
        qa.list_versions()
    control.fault(path="/1/app/versions", status=200, body="{}", content_type="text/plain")
    with pytest.raises(errors.ProtocolError, match="expected JSON, got content type text/plain"):
        qa.list_versions()


def test_plain_http_only_to_loopback():
    assert normalise_base_url("http://127.0.0.1:8080/") == "http://127.0.0.1:8080"
    assert normalise_base_url("https://api.backand.com") == "https://api.backand.com"
    with pytest.raises(UsageError, match="plain http"):
        normalise_base_url("http://api.backand.com")
    assert normalise_base_url("http://intranet:80", allow_insecure_http=True)
    with pytest.raises(UsageError):
        normalise_base_url("ftp://x")


def test_network_error_when_nothing_listens(tmp_path):
    client = BackandClient("http://127.0.0.1:9", "shop-qa", errors_creds(), retries=0)
    with pytest.raises(errors.NetworkError, match="could not reach 127.0.0.1:9"):
        client.get_model()


def errors_creds():
    from app.backand import BearerCredentials

    return BearerCredentials("x")


def test_apps_calls(client_for):
    qa = client_for("shop-qa")
    names = [a["Name"] for a in list_apps(qa)]
    assert names == ["shop-dev", "shop-prod", "shop-qa", "shop-staging"]
    assert qa.get_app()["Title"] == "Shop (QA)"
    with pytest.raises(errors.NotFoundError, match='The app "nope" was not found.'):
        qa.get_app("nope")


def test_restart_keeps_everything(tmp_path, tmp_path_factory):
    data = tmp_path_factory.mktemp("restart")
    sandbox = SandboxServer(data).start()
    qa = BackandClient(sandbox.url, "shop-qa", PasswordLogin(seed.ADMIN[0]))
    qa.sign_in(seed.ADMIN[1])
    model = qa.get_model()
    model[0]["fields"]["nickname"] = {"type": "string"}
    qa.apply_model(model)
    before_versions = qa.list_versions()
    before_zip = qa.download_config(tmp_path / "a.zip")
    sandbox.stop()
    again = SandboxServer(data, port=0).start()
    try:
        client = BackandClient(again.url, "shop-qa", PasswordLogin(seed.ADMIN[0]))
        client.sign_in(seed.ADMIN[1])
        assert client.get_model() == model
        assert client.list_versions() == before_versions
        after = client.download_config(tmp_path / "b.zip")
        with zipfile.ZipFile(before_zip.path) as a, zipfile.ZipFile(after.path) as b:
            assert [a.read(n) for n in a.namelist()] == [b.read(n) for n in b.namelist()]
    finally:
        again.stop()


def test_real_fixture_comes_back_byte_for_byte(client_for, shared_fixtures, tmp_path):
    app_doc = (shared_fixtures / "app-config.xml").read_bytes()
    map_doc = (shared_fixtures / "map-config.xml").read_bytes()
    qa = client_for("shop-qa")
    qa.upload_config(make_config_zip(tmp_path / "real.zip", app_doc, map_doc, app_id=1))
    qa.reload_cache()
    assert qa.list_versions().current == "1.0.407"
    expected = app_doc.replace(b">/Uploads/</", b">/Uploads/102/</")  # the import's only rewrite
    with zipfile.ZipFile(qa.download_config(tmp_path / "now.zip").path) as archive:
        assert archive.read("duradosappsys102") == expected
        assert archive.read("duradosappsys102xml") == map_doc
    sync(qa)  # saves the current configuration as version 1.0.407
    with zipfile.ZipFile(qa.download_config(tmp_path / "v.zip", version="1.0.407").path) as archive:
        assert archive.read("duradosappsys102") == expected
        assert archive.read("duradosappsys102xml") == map_doc


def test_upload_of_a_broken_zip_is_refused_by_the_server(client_for, control, tmp_path):
    qa = client_for("shop-qa")
    broken = make_config_zip(tmp_path / "rev.zip", MAP_DOC, b"<NewDataSet/>")
    before = control.state("shop-qa")
    with pytest.raises(errors.ServerError):
        qa.upload_config(broken)
    assert control.state("shop-qa") == before
