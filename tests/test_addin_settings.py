"""Inställningar: the server address and the token in the user's profile, never in a workbook."""

from __future__ import annotations

import stat

from planround.addin import ribbon
from planround.addin.actions import Context
from planround.addin.settings import APP, TOKEN_FILE, TOKEN_KEY, ProfileStore
from tests.addin_support import MemoryExcel, template_file


class MemoryKeyring:
    """A keyring that works: what the OS keyring does, in a dict."""

    def __init__(self):
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, key: str) -> str | None:
        return self.passwords.get((service, key))

    def set_password(self, service: str, key: str, value: str) -> None:
        self.passwords[(service, key)] = value


class NoKeyring:
    """A machine without a usable keyring: every call fails, as keyring's fail backend does."""

    def get_password(self, service: str, key: str):
        raise RuntimeError("No recommended backend was available.")

    set_password = get_password


def test_the_token_is_kept_in_the_keyring_when_there_is_one(tmp_path):
    keyring = MemoryKeyring()
    store = ProfileStore(tmp_path, keyring=keyring)
    store.save(server_url="https://planering.exempel.se/api/v1/", token="pr_secret")
    assert keyring.passwords == {(APP, TOKEN_KEY): "pr_secret"}
    assert not (tmp_path / TOKEN_FILE).exists()
    assert "pr_secret" not in (tmp_path / "settings.json").read_text()
    profile = ProfileStore(tmp_path, keyring=keyring).load()
    assert (profile.server_url, profile.token) == ("https://planering.exempel.se/api/v1", "pr_secret")


def test_without_a_keyring_the_token_is_in_a_file_only_the_user_may_read(tmp_path):
    store = ProfileStore(tmp_path, keyring=NoKeyring())
    store.save(server_url="https://planering.exempel.se/api/v1", token="pr_secret")
    token_file = tmp_path / TOKEN_FILE
    assert token_file.read_text() == "pr_secret"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert ProfileStore(tmp_path, keyring=NoKeyring()).load().token == "pr_secret"


def test_a_token_file_made_too_open_is_tightened_when_the_token_is_saved_again(tmp_path):
    (tmp_path / TOKEN_FILE).write_text("old")
    (tmp_path / TOKEN_FILE).chmod(0o644)
    ProfileStore(tmp_path, keyring=None).save(token="pr_new")
    assert stat.S_IMODE((tmp_path / TOKEN_FILE).stat().st_mode) == 0o600


def test_a_keyring_that_works_again_takes_the_token_and_the_file_goes(tmp_path):
    ProfileStore(tmp_path, keyring=None).save(server_url="http://x/api/v1", token="pr_old")
    keyring = MemoryKeyring()
    ProfileStore(tmp_path, keyring=keyring).save(token="pr_new")
    assert not (tmp_path / TOKEN_FILE).exists() and keyring.passwords[(APP, TOKEN_KEY)] == "pr_new"


def test_settings_asks_for_the_server_and_the_token_and_says_who_is_signed_in(service, world, tmp_path):
    excel = MemoryExcel(answers=[service, world.tokens["economist"]])
    store = ProfileStore(tmp_path, keyring=MemoryKeyring())
    ribbon.run("Settings", Context(excel=excel, store=store))
    assert excel.prompts[0].startswith("Serverns adress")
    assert excel.messages == ["Inställningarna är sparade. Inloggad som Eva Ekonom (eva.ekonom); "
                              "roller: economist D101."]
    assert store.load().token == world.tokens["economist"]


def test_an_empty_token_keeps_the_saved_one(service, world, tmp_path):
    store = ProfileStore(tmp_path, keyring=MemoryKeyring())
    store.save(server_url="http://old/api/v1", token=world.tokens["head"])
    excel = MemoryExcel(answers=[service, ""])
    ribbon.run("Settings", Context(excel=excel, store=store))
    assert store.load().token == world.tokens["head"] and "hans.chef" in excel.messages[0]


def test_a_wrong_token_is_saved_and_the_services_refusal_shown(service, world, tmp_path):
    excel = MemoryExcel(answers=[service, "pr_wrong"])
    ribbon.run("Settings", Context(excel=excel, store=ProfileStore(tmp_path, keyring=MemoryKeyring())))
    assert excel.messages[0].startswith("Inställningarna är sparade, men servern kunde inte nås med dem: ")


def test_settings_never_write_into_the_open_workbook(service, world, tmp_path):
    excel = MemoryExcel(template_file(service, world, "D101", tmp_path), answers=[service, world.tokens["economist"]])
    before = excel.snapshot()
    ribbon.run("Settings", Context(excel=excel, store=ProfileStore(tmp_path / "profile", keyring=MemoryKeyring())))
    assert excel.snapshot() == before and excel.is_saved()
