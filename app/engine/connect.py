"""Turn a profile and its keyring secrets into a connected Backand client."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.backand import BackandClient, BearerCredentials, KeyCredentials, PasswordLogin, Timeouts, TokenSet
from app.backand.auth import Credentials
from app.backand.errors import AuthError
from app.profile import Profile
from app.secrets import SecretStore
from app.settings import SETTLE_SECONDS, Settings


@dataclass(frozen=True)
class ClientSettings:
    timeouts: Timeouts = field(default_factory=Timeouts)
    retries: int = 2
    settle_seconds: float = SETTLE_SECONDS  # how long a timed-out write may take to land


def client_settings(user: Settings) -> ClientSettings:
    """The client's timeouts and retries as the user set them."""
    return ClientSettings(
        Timeouts(user.connect_timeout, user.read_timeout, user.call_deadline, user.small_call_deadline),
        user.retries,
        user.settle_seconds,
    )


def credentials_for(profile: Profile, secrets: SecretStore) -> Credentials:
    secret = secrets.get(profile)
    if profile.auth == "password":
        if not secret:
            raise AuthError(f"Profile {profile.name} is not signed in: run `promoter login {profile.name}`.")
        return BearerCredentials(
            secret, secrets.get(profile, "refresh"), profile.username, profile.signin_app
        )
    if not secret:
        legacy = (
            f" An entry from an older promoter exists under the name {profile.name}; if it is this "
            f"profile's ({profile.base_url}, {profile.app}), bind it with `promoter secret migrate "
            f"{profile.name}`."
            if secrets.has_legacy(profile)
            else ""
        )
        raise AuthError(
            f"No secret stored for profile {profile.name}: run `promoter secret set {profile.name}` "
            "(it reads the secret from standard input)." + legacy
        )
    if profile.auth == "keys":
        master, sep, user = secret.partition(":")
        if not sep or not master or not user:
            raise AuthError(f"The keys stored for {profile.name} are not MASTER:USER; set them again.")
        return KeyCredentials(master, user)
    return BearerCredentials(secret)


def client_for(
    profile: Profile,
    secrets: SecretStore,
    settings: ClientSettings | None = None,
    credentials: Credentials | None = None,
) -> BackandClient:
    settings = settings or ClientSettings()

    def store_tokens(tokens: TokenSet) -> None:
        secrets.set(profile, tokens.access_token)
        if tokens.refresh_token:
            secrets.set(profile, tokens.refresh_token, "refresh")

    return BackandClient(
        profile.base_url,
        profile.app,
        credentials or credentials_for(profile, secrets),
        timeouts=settings.timeouts,
        retries=settings.retries,
        allow_insecure_http=profile.allow_insecure_http,
        on_tokens=store_tokens if profile.auth == "password" else None,
    )


def login(
    profile: Profile, secrets: SecretStore, password: str, settings: ClientSettings | None = None
) -> TokenSet:
    """Sign in with the password; store the access and refresh tokens (never the password)."""
    if profile.auth != "password" or not profile.username:
        raise AuthError(f"Profile {profile.name} does not use password sign-in (auth: {profile.auth}).")
    client = client_for(profile, secrets, settings, PasswordLogin(profile.username, profile.signin_app))
    try:
        return client.sign_in(password)
    finally:
        client.close()


def credentials_from_input(profile: Profile, secret: str) -> Credentials:
    """Credentials typed into a form (not stored): a password, ``MASTER:USER`` keys, or a token."""
    if profile.auth == "password":
        return PasswordLogin(profile.username or "", profile.signin_app)
    if profile.auth == "keys":
        master, sep, user = secret.partition(":")
        if not sep or not master or not user:
            raise AuthError("Keys must be MASTER:USER.")
        return KeyCredentials(master, user)
    return BearerCredentials(secret)


def probe(
    profile: Profile, secrets: SecretStore, secret: str = "", settings: ClientSettings | None = None
) -> dict[str, str]:
    """Test a connection, with a typed *secret* or the stored one; stores nothing."""
    creds = credentials_from_input(profile, secret) if secret else credentials_for(profile, secrets)
    client = BackandClient(
        profile.base_url,
        profile.app,
        creds,
        timeouts=(settings or ClientSettings()).timeouts,
        retries=0,
        allow_insecure_http=profile.allow_insecure_http,
    )
    try:
        if isinstance(creds, PasswordLogin):
            client.sign_in(secret)
        status = client.app_status()
        versions = client.list_versions()
        return {"status": status, "current_version": versions.current or "?"}
    finally:
        client.close()
