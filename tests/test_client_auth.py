"""Sign-in, refresh, keys, roles and the authorisation errors, over real HTTP to the sandbox."""

from __future__ import annotations

import pytest

from app.backand import BackandClient, BearerCredentials, KeyCredentials, PasswordLogin, TokenSet, errors
from app.sandbox import seed


def test_sign_in_returns_tokens_and_role(sandbox):
    client = BackandClient(sandbox.url, "shop-qa", PasswordLogin(seed.ADMIN[0]))
    tokens = client.sign_in(seed.ADMIN[1])
    assert tokens.access_token and tokens.refresh_token
    assert tokens.role == "Admin" and tokens.app_name == "bko"
    assert "access_token" not in repr(tokens) and tokens.access_token not in repr(client.credentials)
    assert isinstance(client.get_model(), list)


def test_wrong_password_is_an_auth_error_with_the_server_text(sandbox):
    client = BackandClient(sandbox.url, "shop-qa", PasswordLogin(seed.ADMIN[0]))
    with pytest.raises(errors.AuthError) as info:
        client.sign_in("not-the-password")
    assert "The user name or password is incorrect." in str(info.value)
    assert "not-the-password" not in str(info.value)


def test_unknown_signin_app(sandbox):
    client = BackandClient(sandbox.url, "shop-qa", PasswordLogin(seed.ADMIN[0], signin_app="nope"))
    with pytest.raises(errors.AuthError, match="The app nope does not exist"):
        client.sign_in(seed.ADMIN[1])


def test_expired_token_is_refreshed_once_and_the_call_replayed(client_for, control):
    seen: list[TokenSet] = []
    client = client_for("shop-qa", on_tokens=seen.append)
    seen.clear()
    before = client.credentials
    control.expire_tokens()
    assert client.get_model()  # replayed after one refresh
    assert len(seen) == 1
    assert isinstance(client.credentials, BearerCredentials) and isinstance(before, BearerCredentials)
    assert client.credentials.access_token != before.access_token


def test_expired_token_without_refresh_token_asks_to_sign_in(client_for, control, sandbox):
    signed = client_for("shop-qa")
    creds = signed.credentials
    assert isinstance(creds, BearerCredentials)
    bare = BackandClient(sandbox.url, "shop-qa", BearerCredentials(creds.access_token))
    control.expire_tokens()
    with pytest.raises(errors.AuthError, match="sign in again"):
        bare.get_model()


def test_bad_refresh_token(sandbox, control):
    client = BackandClient(
        sandbox.url, "shop-qa", BearerCredentials("stale", refresh_token="bogus", username=seed.ADMIN[0])
    )
    with pytest.raises(errors.AuthError, match=r"Invalid refreshToken\."):
        client.get_model()


def test_keys_work_and_wrong_keys_are_refused(sandbox, keys_for):
    good = BackandClient(sandbox.url, "shop-dev", keys_for("shop-dev"))
    assert [o["name"] for o in good.get_model()][-1] == "coupons"
    bad = BackandClient(sandbox.url, "shop-dev", KeyCredentials("wrong", "keys"))
    with pytest.raises(errors.AuthError, match="keys are not valid"):
        bad.get_model()


def test_token_for_another_app_is_refused(sandbox, client_for):
    client = BackandClient(sandbox.url, "shop-qa", PasswordLogin(seed.ADMIN[0], signin_app="shop-dev"))
    client.sign_in(seed.ADMIN[1])
    with pytest.raises(errors.AuthError, match="not allowed to app shop-qa"):
        client.get_model()


def test_non_admin_gets_404_role_message_on_app_calls(client_for, tmp_path):
    viewer = client_for("shop-qa", user=seed.VIEWER)
    assert viewer.get_model()  # the model is readable by members
    with pytest.raises(errors.RoleError, match="not an Admin"):
        viewer.download_config(tmp_path / "x.zip")
    assert not (tmp_path / "x.zip").exists()


def test_not_ready_app_answers_204_which_is_an_error(client_for):
    client = client_for("shop-staging")
    with pytest.raises(errors.NotReadyError, match="not ready"):
        client.get_model()
    assert client.app_status() == "Processing"
