"""The sandbox's configuration documents: render, change with the model, rewrite uploads, zip.

Documents are stored as bytes and handed back unchanged unless something changes them: that is how
an imported real document (``shared/fixtures/backand-config``) comes back byte for byte.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from defusedxml.ElementTree import fromstring

from app.backand.model import Model

XS = "http://www.w3.org/2001/XMLSchema"
MSDATA = "urn:schemas-microsoft-com:xml-msdata"
MAP_NS = "http://tempuri.org/MapDataSet.xsd"
ET.register_namespace("xs", XS)
ET.register_namespace("msdata", MSDATA)

TABLE_COLUMNS = {
    "Database": [
        "ID",
        "ConfigVersion",
        "TokenExpiration",
        "UseRefreshToken",
        "EnableSecretKeyAccess",
        "UploadFolder",
        "DisplayName",
        "DefaultPageSize",
        "SignInRedirectUrl",
    ],
    "View": [
        "ID",
        "Name",
        "DisplayName",
        "JsonName",
        "AllowCreate",
        "AllowEdit",
        "AllowDelete",
        "PermissionCreate",
        "PermissionRead",
    ],
    "Field": [
        "ID",
        "Name",
        "DisplayName",
        "DataType",
        "DefaultValue",
        "Required",
        "Unique",
        "RelatedViewName",
        "Fields",
    ],
    "Rule": ["ID", "Name", "DataAction", "WorkflowAction", "WhereCondition", "Code", "Rules"],
    "Upload": ["ID", "UploadFileType", "UploadVirtualPath", "Title"],
}

_UPLOAD_VALUE = re.compile(rb"(<(UploadVirtualPath|UploadFolder)>)([^<]*)(</\2>)")
_UPLOADS_ID = re.compile(r"/Uploads/(?:[^/]*/)?")


def _schema_block() -> str:
    lines = [
        f'  <xs:schema id="NewDataSet" xmlns="" xmlns:xs="{XS}" xmlns:msdata="{MSDATA}">',
        '    <xs:element name="NewDataSet" msdata:IsDataSet="true" msdata:UseCurrentLocale="true">',
        "      <xs:complexType>",
        '        <xs:choice minOccurs="0" maxOccurs="unbounded">',
    ]
    for table, columns in TABLE_COLUMNS.items():
        lines += [
            f'          <xs:element name="{table}">',
            "            <xs:complexType>",
            "              <xs:sequence>",
        ]
        for column in columns:
            ctype = "xs:int" if column in ("ID", "Fields", "Rules", "TokenExpiration") else "xs:string"
            lines.append(f'                <xs:element name="{column}" type="{ctype}" minOccurs="0" />')
        lines += ["              </xs:sequence>", "            </xs:complexType>", "          </xs:element>"]
    lines += ["        </xs:choice>", "      </xs:complexType>", "    </xs:element>", "  </xs:schema>"]
    return "\n".join(lines)


def _row(table: str, values: dict[str, Any]) -> str:
    cells = "".join(f"\n    <{k}>{escape(_text(v))}</{k}>" for k, v in values.items() if v is not None)
    return f"  <{table}>{cells}\n  </{table}>"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def model_rows(
    model: Model, first_view_id: int = 1
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """View and Field rows for *model* (ids counted from *first_view_id*)."""
    views, fields = [], []
    field_id = 1
    for offset, obj in enumerate(model):
        view_id = first_view_id + offset
        views.append(_view_values(view_id, obj["name"]))
        for fname, spec in obj.get("fields", {}).items():
            fields.append(_field_values(field_id, view_id, fname, spec))
            field_id += 1
    return views, fields


def _view_values(view_id: int, name: str) -> dict[str, Any]:
    return {
        "ID": view_id,
        "Name": name,
        "DisplayName": name.replace("_", " ").title(),
        "JsonName": name,
        "AllowCreate": True,
        "AllowEdit": True,
        "AllowDelete": True,
        "PermissionCreate": "Admin,User",
        "PermissionRead": "Admin,User,ReadOnly",
    }


def _field_values(field_id: int, view_id: int, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    if "collection" in spec:
        data_type, related = "Children", spec["collection"]
    elif "object" in spec:
        data_type, related = "SingleSelect", spec["object"]
    else:
        data_type, related = str(spec.get("type")), None
    return {
        "ID": field_id,
        "Name": name,
        "DisplayName": name.replace("_", " ").title(),
        "DataType": data_type,
        "DefaultValue": spec.get("defaultValue"),
        "Required": bool(spec.get("required")),
        "Unique": bool(spec.get("unique")),
        "RelatedViewName": related,
        "Fields": view_id,
    }


def render_app_doc(
    settings: dict[str, Any],
    model: Model,
    actions: list[dict[str, Any]],
    uploads: list[dict[str, Any]],
) -> bytes:
    """A fresh ``NewDataSet`` document: settings, objects, fields, actions and uploads.

    Each action names its object with ``object``; it becomes a ``Rule`` row whose ``Rules`` is the id
    of that object's ``View`` row.
    """
    views, fields = model_rows(model)
    view_ids = {v["Name"]: v["ID"] for v in views}
    parts = ['<?xml version="1.0" standalone="yes"?>', "<NewDataSet>", _schema_block()]
    parts.append(_row("Database", {"ID": 0, **settings}))
    parts += [_row("View", v) for v in views]
    parts += [_row("Field", f) for f in fields]
    for index, action in enumerate(actions, start=1):
        values = {k: v for k, v in action.items() if k != "object"}
        parts.append(_row("Rule", {"ID": index, **values, "Rules": view_ids[action["object"]]}))
    parts += [_row("Upload", {"ID": i, **u}) for i, u in enumerate(uploads)]
    parts.append("</NewDataSet>")
    return ("\n".join(parts) + "\n").encode("utf-8")


def render_map_doc(model: Model) -> bytes:
    """The ``MapDataSet`` document: the database mapping of views and fields."""
    parts = ['<?xml version="1.0" standalone="yes"?>', f'<MapDataSet xmlns="{MAP_NS}">']
    field_id = -1
    for index, obj in enumerate(model, start=1):
        parts.append(_row("View", {"Id": -index, "Name": obj["name"]}))
        for fname, spec in obj.get("fields", {}).items():
            db_type = "relation" if "object" in spec or "collection" in spec else spec.get("type")
            parts.append(_row("Field", {"Id": field_id, "ViewId": -index, "Name": fname, "DbType": db_type}))
            field_id -= 1
    parts.append("</MapDataSet>")
    return ("\n".join(parts) + "\n").encode("utf-8")


def config_version(doc: bytes) -> str:
    match = re.search(rb"<ConfigVersion>([^<]*)</ConfigVersion>", doc)
    return match.group(1).decode().strip() if match else "1.0.0"


def bump(version: str) -> str:
    parts = version.split(".")
    try:
        parts[-1] = str(int(parts[-1]) + 1)
    except ValueError:
        parts.append("1")
    return ".".join(parts)


def set_config_version(doc: bytes, version: str) -> bytes:
    new = f"<ConfigVersion>{version}</ConfigVersion>".encode()
    if re.search(rb"<ConfigVersion>[^<]*</ConfigVersion>", doc):
        return re.sub(rb"<ConfigVersion>[^<]*</ConfigVersion>", new, doc, count=1)
    return re.sub(rb"(<Database>)", rb"\1\n    " + new, doc, count=1)


def rewrite_uploads(doc: bytes, app_id: int) -> bytes:
    """What the server does on import: ``/Uploads/...`` paths point at the target app's folder."""

    def fix(match: re.Match[bytes]) -> bytes:
        value = match.group(3).decode("utf-8")
        if "/Uploads/" not in value:
            return match.group(0)
        fixed = _UPLOADS_ID.sub(f"/Uploads/{app_id}/", value, count=1)
        return match.group(1) + fixed.encode("utf-8") + match.group(4)

    return _UPLOAD_VALUE.sub(fix, doc)


def apply_model(doc: bytes, model: Model) -> bytes:
    """Rebuild the document's View and Field rows for *model*; actions of removed objects go.

    Everything else in the document (settings, other tables, kept actions) stays.
    """
    root = fromstring(doc)
    old_views = {v.findtext("Name"): v for v in root.findall("View")}
    wanted = [o["name"] for o in model]
    next_id = max([int(v.findtext("ID") or 0) for v in root.findall("View")] + [0]) + 1
    view_ids: dict[str, str] = {}
    for name, view in old_views.items():
        if name not in wanted:
            vid = view.findtext("ID")
            root.remove(view)
            for rule in root.findall("Rule"):
                if rule.findtext("Rules") == vid:
                    root.remove(rule)
        else:
            view_ids[str(name)] = str(view.findtext("ID"))
    for name in wanted:
        if name not in view_ids:
            root.append(_element("View", _view_values(next_id, name)))
            view_ids[name] = str(next_id)
            next_id += 1
    for row in root.findall("Field"):
        if row.findtext("Fields") in view_ids.values() or row.findtext("Fields") not in {
            v.findtext("ID") for v in root.findall("View")
        }:
            root.remove(row)
    field_id = 1
    for obj in model:
        for fname, spec in obj.get("fields", {}).items():
            root.append(_element("Field", _field_values(field_id, int(view_ids[obj["name"]]), fname, spec)))
            field_id += 1
    ET.indent(root, space="  ")
    text = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" standalone="yes"?>\n' + text + "\n").encode("utf-8")


def _element(table: str, values: dict[str, Any]) -> ET.Element:
    elem = ET.Element(table)
    for key, value in values.items():
        if value is not None:
            ET.SubElement(elem, key).text = _text(value)
    return elem


def write_zip(dest: Path, app_id: int, app_doc: Path, map_doc: Path) -> None:
    """The export zip: the app document first, then the map, named after the app's id."""
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.write(app_doc, f"duradosappsys{app_id}")
        archive.write(map_doc, f"duradosappsys{app_id}xml")
