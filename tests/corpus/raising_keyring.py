"""A keyring backend that raises on every call (selected with PYTHON_KEYRING_BACKEND in the corpus)."""

from keyring.backend import KeyringBackend


class RaisingKeyring(KeyringBackend):
    priority = -1  # never chosen by keyring itself

    def get_password(self, service, username):
        raise RuntimeError("the secret service crashed")

    def set_password(self, service, username, password):
        raise RuntimeError("the secret service crashed")

    def delete_password(self, service, username):
        raise RuntimeError("the secret service crashed")
