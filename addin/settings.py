"""The user's profile: the server address and download folder in a small JSON file, the token in the
OS keyring, or, where there is none, in a file only the user may read. Never in a workbook.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

APP = "planround"
TOKEN_KEY = "api-token"
SETTINGS_FILE = "settings.json"
TOKEN_FILE = "token"
CONFIG_DIR_ENV = "PLANROUND_ADDIN_CONFIG_DIR"


@dataclass(frozen=True)
class Profile:
    server_url: str
    token: str
    download_dir: Path

    @property
    def complete(self) -> bool:
        return bool(self.server_url and self.token)


def config_dir() -> Path:
    """Return the user's config folder for the add-in (PLANROUND_ADDIN_CONFIG_DIR wins)."""
    if os.environ.get(CONFIG_DIR_ENV):
        return Path(os.environ[CONFIG_DIR_ENV])
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming") / APP
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / APP
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / APP


def default_download_dir() -> Path:
    """Return where downloaded workbooks go: Documents/Planering when there is a Documents folder."""
    documents = Path.home() / "Documents"
    return (documents if documents.is_dir() else Path.home()) / "Planering"


def system_keyring() -> Any | None:
    """Return the keyring module, or None when it is not installed."""
    try:
        import keyring
    except ImportError:
        return None
    return keyring


class ProfileStore:
    """Load and save the profile; `keyring` is anything with get/set/delete_password, or None."""

    def __init__(self, directory: Path | None = None, keyring: Any | None = ...):
        self.directory = directory or config_dir()
        self.keyring = system_keyring() if keyring is ... else keyring

    def load(self) -> Profile:
        """Return the saved profile; empty texts for what was never saved."""
        saved = self._settings()
        return Profile(server_url=saved.get("server_url", ""), token=self._load_token(),
                       download_dir=Path(saved.get("download_dir") or default_download_dir()))

    def save(self, *, server_url: str | None = None, token: str | None = None,
             download_dir: Path | None = None) -> Profile:
        """Save what is given, keep the rest; return the profile now saved."""
        saved = self._settings()
        if server_url is not None:
            saved["server_url"] = server_url.strip().rstrip("/")
        if download_dir is not None:
            saved["download_dir"] = str(download_dir)
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / SETTINGS_FILE).write_text(json.dumps(saved, indent=2), encoding="utf-8")
        if token is not None:
            self._save_token(token.strip())
        return self.load()

    def token_in_keyring(self) -> bool:
        """Return whether the token is kept in the OS keyring (else in the token file)."""
        return self._keyring_call("get_password", APP, TOKEN_KEY) is not None

    def _settings(self) -> dict[str, Any]:
        path = self.directory / SETTINGS_FILE
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def _load_token(self) -> str:
        token = self._keyring_call("get_password", APP, TOKEN_KEY)
        if token is not None:
            return token
        try:
            return (self.directory / TOKEN_FILE).read_text(encoding="utf-8").strip()
        except OSError:
            return ""

    def _save_token(self, token: str) -> None:
        """Keep the token in the keyring and remove a file copy; without a keyring, in a 0600 file."""
        if self._keyring_call("set_password", APP, TOKEN_KEY, token, failed=False) is not False:
            (self.directory / TOKEN_FILE).unlink(missing_ok=True)
            return
        path = self.directory / TOKEN_FILE
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(token)
        os.chmod(path, 0o600)  # os.open's mode does not tighten a file that already existed

    def _keyring_call(self, name: str, *args: str, failed: Any = None) -> Any:
        """Call the keyring; any failure (no backend, a locked or absent secret service) means `failed`."""
        if self.keyring is None:
            return failed
        try:
            return getattr(self.keyring, name)(*args)
        except Exception:  # keyring backends raise their own kinds: fall back to the file whatever they are
            return failed
