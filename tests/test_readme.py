"""The README keeps up with the code: every command and every setting is documented."""

from __future__ import annotations

import re
from pathlib import Path

from planround.server import settings as settings_module
from planround.server.cli import command_reference

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_command_reference_is_the_commands_own_help():
    text = README.read_text(encoding="utf-8")
    documented = text.split("<!-- commands:start -->\n", 1)[1].split("<!-- commands:end -->", 1)[0]
    assert documented == command_reference(), (
        "README's command reference is out of date; paste the output of "
        "`python -c 'from planround.server.cli import command_reference; print(command_reference(), end=\"\")'`"
    )


def test_every_setting_is_documented():
    source = Path(settings_module.__file__).read_text(encoding="utf-8")
    names = set(re.findall(r'"(PLANROUND_[A-Z_]+)"', source))
    assert names, "no settings found"
    readme = README.read_text(encoding="utf-8")
    assert sorted(n for n in names if f"`{n}`" not in readme) == []


def test_the_readme_starts_with_the_two_commands():
    head = README.read_text(encoding="utf-8")[:600]
    assert "make demo" in head and "make test" in head
