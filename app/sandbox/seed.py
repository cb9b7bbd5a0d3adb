"""The seeded demo: apps ``shop-dev``, ``shop-qa`` and ``shop-prod`` (plus a not-ready app).

dev is a few changes ahead of QA (a new object, a new field, a changed default, one more action);
QA equals prod. The credentials are demo data, printed when the sandbox starts.
"""

from __future__ import annotations

import copy
import secrets
from dataclasses import dataclass
from typing import Any

from app.backand.model import Model
from app.sandbox import configdocs, schema
from app.sandbox.store import Store

ADMIN = ("admin@shop.test", "demo-admin", "Shop Admin")
VIEWER = ("viewer@shop.test", "demo-viewer", "Shop Viewer")


def base_model() -> Model:
    return [
        {
            "name": "users",
            "fields": {
                "email": {"type": "string", "required": True, "unique": True},
                "firstName": {"type": "string"},
                "lastName": {"type": "string"},
                "orders": {"collection": "orders", "via": "customer"},
                "reviews": {"collection": "reviews", "via": "author"},
            },
        },
        {
            "name": "categories",
            "fields": {
                "name": {"type": "string", "required": True, "unique": True},
                "description": {"type": "text"},
                "products": {"collection": "products", "via": "category"},
            },
        },
        {
            "name": "products",
            "fields": {
                "name": {"type": "string", "required": True},
                "price": {"type": "float", "defaultValue": 0},
                "description": {"type": "text"},
                "inStock": {"type": "boolean", "defaultValue": True},
                "currency": {"type": "string", "defaultValue": "USD"},
                "category": {"object": "categories"},
                "reviews": {"collection": "reviews", "via": "product"},
                "orderItems": {"collection": "order_items", "via": "product"},
            },
        },
        {
            "name": "orders",
            "fields": {
                "status": {"type": "string", "defaultValue": "new"},
                "placedAt": {"type": "datetime"},
                "customer": {"object": "users"},
                "items": {"collection": "order_items", "via": "order"},
            },
        },
        {
            "name": "order_items",
            "fields": {
                "quantity": {"type": "float", "defaultValue": 1},
                "unitPrice": {"type": "float"},
                "order": {"object": "orders"},
                "product": {"object": "products"},
            },
        },
        {
            "name": "reviews",
            "fields": {
                "rating": {"type": "float"},
                "body": {"type": "text"},
                "author": {"object": "users"},
                "product": {"object": "products"},
            },
        },
    ]


def dev_model() -> Model:
    model = copy.deepcopy(base_model())
    by_name = {o["name"]: o for o in model}
    by_name["products"]["fields"]["sku"] = {"type": "string"}
    by_name["orders"]["fields"]["status"]["defaultValue"] = "pending"
    by_name["orders"]["fields"]["coupon"] = {"object": "coupons"}
    model.append(
        {
            "name": "coupons",
            "fields": {
                "code": {"type": "string", "required": True, "unique": True},
                "percent": {"type": "float", "defaultValue": 10},
                "validUntil": {"type": "datetime"},
                "orders": {"collection": "orders", "via": "coupon"},
            },
        }
    )
    return model


def _code(body: str) -> str:
    return (
        f"'use strict';\nfunction backandCallback(userInput, dbRow, parameters, userProfile) {{\n{body}\n}}"
    )


def base_actions(tax_rate: str = "0.19") -> list[dict[str, Any]]:
    """The actions every app has; *tax_rate* differs per environment on purpose (a rule keeps it)."""
    return [
        {
            "object": "products",
            "Name": "Validate price",
            "DataAction": "BeforeCreate",
            "WorkflowAction": "JavaScript",
            "WhereCondition": "true",
            "Code": _code(
                f"    var taxRate = {tax_rate};\n"
                "    if (userInput.price < 0) throw new Error('Price cannot be negative');\n"
                "    return {gross: userInput.price * (1 + taxRate)};"
            ),
        },
        {
            "object": "orders",
            "Name": "Send confirmation",
            "DataAction": "AfterCreate",
            "WorkflowAction": "JavaScript",
            "WhereCondition": "true",
            "Code": _code(
                "    var user = $http({method: 'GET', url: CONSTS.apiUrl + '/1/objects/users/' + "
                "dbRow.customer});\n    return {sent: true, to: user.email};"
            ),
        },
        {
            "object": "users",
            "Name": "Welcome email",
            "DataAction": "AfterCreate",
            "WorkflowAction": "Notify",
            "WhereCondition": "true",
            "Code": _code("    return {subject: 'Welcome to the shop', to: dbRow.email};"),
        },
        {
            "object": "reviews",
            "Name": "Recompute rating",
            "DataAction": "AfterCreate",
            "WorkflowAction": "JavaScript",
            "WhereCondition": "dbRow.rating > 0",
            "Code": _code("    return {product: dbRow.product, rating: dbRow.rating};"),
        },
    ]


def dev_actions() -> list[dict[str, Any]]:
    return [
        *base_actions("0.5"),
        {
            "object": "orders",
            "Name": "Apply coupon",
            "DataAction": "BeforeCreate",
            "WorkflowAction": "JavaScript",
            "WhereCondition": "userInput.coupon != null",
            "Code": _code(
                "    var c = $http({method: 'GET', url: CONSTS.apiUrl + '/1/objects/coupons/' + "
                "userInput.coupon});\n    return {discount: c.percent};"
            ),
        },
    ]


@dataclass(frozen=True)
class SeededApp:
    name: str
    title: str
    app_id: int
    version: str
    history: tuple[str, ...]
    dev: bool
    images: str = "Product images"  # the upload's title: each environment names its own bucket


SEEDED = (
    SeededApp("shop-dev", "Shop (development)", 101, "1.1.4", ("1.1.1", "1.1.2", "1.1.3"), True, "Test pics"),
    SeededApp("shop-qa", "Shop (QA)", 102, "1.1.1", ("1.0.8", "1.0.9", "1.0.10", "1.1.0"), False, "QA pics"),
    SeededApp("shop-prod", "Shop (production)", 103, "1.1.1", ("1.0.9", "1.0.10", "1.1.0"), False),
)
NOT_READY = SeededApp("shop-staging", "Shop (staging, database not ready)", 104, "1.0.0", (), False)


def _settings(app: SeededApp) -> dict[str, Any]:
    return {
        "ConfigVersion": app.version,
        "TokenExpiration": 86400,
        "UseRefreshToken": True,
        "EnableSecretKeyAccess": True,
        "UploadFolder": f"/Uploads/{app.app_id}/",
        "DisplayName": app.title,
        "DefaultPageSize": 20,
        "SignInRedirectUrl": "https://shop.example/signed-in",
    }


def _uploads(app: SeededApp) -> list[dict[str, Any]]:
    return [{"UploadFileType": "Image", "UploadVirtualPath": f"/Uploads/{app.app_id}/", "Title": app.images}]


def seed(store: Store) -> None:
    """Create the demo users and apps in an empty store."""
    store.add_user(*ADMIN)
    store.add_user(*VIEWER)
    for app in (*SEEDED, NOT_READY):
        model = dev_model() if app.dev else base_model()
        actions = dev_actions() if app.dev else base_actions()
        doc = configdocs.render_app_doc(_settings(app), model, actions, _uploads(app))
        store.create_app(
            app.name,
            app.app_id,
            app.title,
            schema.stored_model(model),
            doc,
            configdocs.render_map_doc(model),
            status="Ready" if app is not NOT_READY else "Processing",
            master_token=secrets.token_hex(16),
        )
        store.add_member(app.name, ADMIN[0], "Admin", secrets.token_hex(16))
        store.add_member(app.name, VIEWER[0], "User", secrets.token_hex(16))
        _seed_history(store, app, model, actions)
        if app is not NOT_READY:
            _seed_rows(store, app.name)


def _seed_history(
    store: Store, app: SeededApp, model: Model, actions: list[dict[str, Any]]
) -> None:
    """Older versions, each one action behind the next (so that versions really differ)."""
    current = store.app(app.name).doc_id
    for index, label in enumerate(app.history):
        behind = len(app.history) - index
        old = configdocs.render_app_doc(
            {**_settings(app), "ConfigVersion": label},
            model,
            actions[: max(0, len(actions) - behind)],
            _uploads(app),
        )
        doc_id = store.write_doc(app.name, old, configdocs.render_map_doc(model))
        store.set_current(app.name, doc_id, refresh_cache=True)
        store.save_version(app.name)
    store.set_current(app.name, current, refresh_cache=True)


def _seed_rows(store: Store, app: str) -> None:
    conn = store.app_db(app)
    try:
        conn.executemany(
            "INSERT INTO users (email, firstName, lastName) VALUES (?, ?, ?)",
            [("ada@shop.test", "Ada", "Lovelace"), ("alan@shop.test", "Alan", "Turing")],
        )
        conn.executemany(
            "INSERT INTO categories (name, description) VALUES (?, ?)",
            [("Books", "Paper and ink"), ("Games", "Boards and dice"), ("Tools", "Hands on")],
        )
        conn.executemany(
            "INSERT INTO products (name, price, category, currency) VALUES (?, ?, ?, ?)",
            [
                ("Notebook", 4.5, 1, "USD"),
                ("Chess set", 30, 2, "USD"),
                ("Hammer", 12.0, 3, "EUR"),
                ("Atlas", 25.0, 1, "USD"),
                ("Dice", 2.0, 2, "USD"),
            ],
        )
        conn.execute("INSERT INTO orders (status, customer) VALUES ('new', 1)")
        conn.execute('INSERT INTO order_items (quantity, unitPrice, "order", product) VALUES (2, 4.5, 1, 1)')
        conn.execute("INSERT INTO reviews (rating, body, author, product) VALUES (5, 'Great', 2, 2)")
    finally:
        conn.close()


def credentials(store: Store) -> list[dict[str, str]]:
    """What the sandbox prints at start: each app's keys, the demo users."""
    out = []
    for app in (*SEEDED, NOT_READY):
        if not store.app_exists(app.name):
            continue
        row = store.app(app.name)
        admin_key = store.user_token(row.name, ADMIN[0])
        out.append(
            {
                "app": row.name,
                "title": row.title,
                "status": row.status,
                "master_token": row.master_token,
                "user_token": str(admin_key),
            }
        )
    return out
