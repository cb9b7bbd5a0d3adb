"""``/1/app/*``: configuration download and upload, cache reload, versions, restore and sync."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import tempfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

from werkzeug.wrappers import Request, Response

from app.configdoc.zipcheck import check_config_zip
from app.errors import InvalidConfigZip
from app.sandbox import configdocs
from app.sandbox.auth import require_admin
from app.sandbox.http import GENERIC_500, json_response
from app.sandbox.store import SandboxError, Store

REQUEST_LIMIT = 52_428_800
CHUNK = 256 * 1024


def _tmp(store: Store) -> Path:
    folder = store.data_dir / "tmp"
    folder.mkdir(exist_ok=True)
    return folder


def download(store: Store, request: Request) -> Response:
    ctx = require_admin(store, request)
    version = request.args.get("version")
    with store.lock:
        app = store.app(ctx.app.name)
        doc_id = app.doc_id
        if version:
            found = store.version_doc(app.name, version)
            if found is None:
                raise SandboxError(500, GENERIC_500 + f"Could not find configuration version {version}")
            doc_id = found
        app_path, map_path = store.doc_paths(doc_id)
    # Built outside the store's lock: a document is never changed once written (only a reset removes
    # it), and a real server answers other calls while it builds an export.
    fd, name = tempfile.mkstemp(suffix=".zip", dir=_tmp(store))
    os.close(fd)
    zip_path = Path(name)
    try:
        configdocs.write_zip(zip_path, app.app_id, app_path, map_path)
    except BaseException:
        zip_path.unlink(missing_ok=True)
        raise
    size = zip_path.stat().st_size
    filename = f"{app.name}_{version}.zip" if version else f"{app.name}.zip"
    return Response(
        _stream_and_delete(zip_path),
        status=200,
        headers={
            "Content-Type": "application/zip",
            "Content-Length": str(size),
            "Content-Disposition": f"attachment; filename={filename}",
        },
        direct_passthrough=True,
    )


def _stream_and_delete(path: Path) -> Iterator[bytes]:
    try:
        with open(path, "rb") as handle:
            yield from iter(lambda: handle.read(CHUNK), b"")
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def upload(store: Store, request: Request) -> Response:
    length = request.content_length
    if length is not None and length > REQUEST_LIMIT:
        raise SandboxError(413, "The request is too large (the limit is 52428800 bytes).")
    ctx = require_admin(store, request)
    workdir = Path(tempfile.mkdtemp(dir=_tmp(store)))
    try:
        body_path = workdir / "body.json"
        received = 0
        with open(body_path, "wb") as out:
            while chunk := request.stream.read(CHUNK):
                received += len(chunk)
                if received > REQUEST_LIMIT:
                    raise SandboxError(413, "The request is too large (the limit is 52428800 bytes).")
                out.write(chunk)
        try:
            with open(body_path, "rb") as handle:
                body = json.load(handle)
        except ValueError as exc:
            raise SandboxError(500, GENERIC_500 + f"Invalid JSON body: {exc}") from None
        body_path.unlink()
        if not isinstance(body, dict) or not body.get("filename"):
            raise SandboxError(409, "You must send the filename parameter")
        if not body.get("filedata"):
            raise SandboxError(409, "You must send the filedata parameter")
        data = str(body.pop("filedata"))
        if data.startswith("data:") and "," in data[:200]:
            data = data.split(",", 1)[1]
        zip_path = workdir / "upload.zip"
        try:
            with open(zip_path, "wb") as out:
                for start in range(0, len(data), 4 * CHUNK):
                    out.write(base64.b64decode(data[start : start + 4 * CHUNK], validate=True))
        except ValueError:
            raise SandboxError(500, GENERIC_500 + "filedata is not valid base64") from None
        del data
        try:
            info = check_config_zip(zip_path)
        except InvalidConfigZip as exc:
            raise SandboxError(500, GENERIC_500 + str(exc)) from None
        return _load(store, ctx.app.name, zip_path, info.app_entry, info.map_entry, workdir)
    finally:
        for leftover in workdir.glob("*"):
            leftover.unlink()
        workdir.rmdir()


def _load(
    store: Store, app_name: str, zip_path: Path, app_entry: str, map_entry: str, workdir: Path
) -> Response:
    app_file, map_file = workdir / "app.xml", workdir / "map.xml"
    with zipfile.ZipFile(zip_path) as archive:
        with archive.open(app_entry) as src:
            raw = src.read()
        with archive.open(map_entry) as src, open(map_file, "wb") as out:
            for block in iter(lambda: src.read(CHUNK), b""):
                out.write(block)
    with store.lock:
        app = store.app(app_name)
        doc = configdocs.rewrite_uploads(raw, app.app_id)
        del raw
        app_file.write_bytes(doc)
        version = configdocs.config_version(doc)
        del doc
        store.save_version(app.name)
        doc_id = store.add_doc_files(app.name, app_file, map_file, version)
        stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime()) + f"{int(time.time() * 1000) % 1000:03d}"
        store.set_current(app.name, doc_id, refresh_cache=False)
        store.save_version(app.name, kind="upload", label=f"up{stamp}")
    message = f"Config Version up{stamp} was succesfuly loaded to {app.name}"
    return json_response({"success": True, "message": message})


def reload_cache(store: Store, request: Request) -> Response:
    ctx = require_admin(store, request)
    store.reload_cache(ctx.app.name)
    return Response(b"", status=200)


def versions(store: Store, request: Request) -> Response:
    ctx = require_admin(store, request)
    with store.lock:
        app = store.app(ctx.app.name)
        current = store.doc_version(app.cached_doc_id)
        listed = store.listed_versions(app.name)
    return json_response({"versions": listed, "current": current})


def restore(store: Store, request: Request) -> Response:
    ctx = require_admin(store, request)
    version = request.args.get("version") or ""
    with store.lock:
        doc_id = store.version_doc(ctx.app.name, version)
        if doc_id is None:
            raise SandboxError(500, GENERIC_500 + f"Could not find configuration version {version}")
        store.save_version(ctx.app.name)
        store.set_current(ctx.app.name, doc_id, refresh_cache=True)
    return Response(b"", status=200)


def sync(store: Store, request: Request) -> Response:
    ctx = require_admin(store, request)
    store.save_version(ctx.app.name)
    return Response(b"", status=200)
