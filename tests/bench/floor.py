"""The floor of a promotion: the same HTTP calls ``promoter promote`` makes, with bare requests and
nothing else (no archive, no checks, no diffs, the upload base64-encoded in memory at once).

Usage: python -m tests.bench.floor URL DEV_KEYS QA_KEYS WORKDIR
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import requests


def main(url: str, dev_keys: str, qa_keys: str, work: Path) -> None:
    def headers(keys: str, app: str) -> dict[str, str]:
        return {
            "Authorization": "Basic " + base64.b64encode(keys.encode()).decode(),
            "AppName": app,
            "Accept": "application/json",
        }

    dev, qa = headers(dev_keys, "shop-dev"), headers(qa_keys, "shop-qa")
    session = requests.Session()

    def download(h: dict[str, str], dest: Path) -> None:
        with session.get(f"{url}/1/app/download", headers=h, stream=True, timeout=600) as r:
            r.raise_for_status()
            with open(dest, "wb") as out:
                for chunk in r.iter_content(256 * 1024):
                    out.write(chunk)

    def encoded(payload: object) -> bytes:
        return json.dumps(payload).replace("%", "%25").replace("+", "%2B").encode()

    source = session.get(f"{url}/1/model", headers=dev, timeout=60).json()
    target = session.get(f"{url}/1/model", headers=qa, timeout=60).json()
    session.post(
        f"{url}/1/model/validate",
        headers=qa,
        timeout=60,
        data=encoded({"newSchema": source, "oldSchema": target, "severity": 0}),
    ).raise_for_status()
    download(dev, work / "source.zip")
    download(qa, work / "backup.zip")
    session.post(
        f"{url}/1/model", headers=qa, timeout=600, data=encoded({"newSchema": source, "severity": 0})
    ).raise_for_status()
    body = {
        "filename": "shop-dev.zip",
        "filedata": base64.b64encode((work / "source.zip").read_bytes()).decode(),
    }
    session.post(f"{url}/1/app/upload", headers=qa, json=body, timeout=600).raise_for_status()
    session.get(f"{url}/1/app/reload", headers=qa, timeout=60).raise_for_status()
    session.get(f"{url}/1/model", headers=qa, timeout=60).raise_for_status()
    download(qa, work / "after.zip")
    session.get(f"{url}/1/app/versions", headers=qa, timeout=60).raise_for_status()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], Path(sys.argv[4]))
