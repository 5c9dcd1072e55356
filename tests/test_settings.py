from zoneinfo import ZoneInfo

import pytest

from server.settings import Settings, SettingsError

BASE = {"SCC_SECRET_KEY": "k" * 40}
GMAIL = {
    "GMAIL_TOKEN": '{"refresh_token": "r", "client_id": "c", "client_secret": "s"}',
    "GMAIL_SENDER": "dispatch@charter.example",
    "GMAIL_RECIPIENT": "office@charter.example",
}


def test_defaults_need_only_the_secret_key() -> None:
    settings = Settings.from_env(BASE)
    assert settings.dynamodb_endpoint is None
    assert settings.table_name("events") == "scc-dev-events"
    assert settings.timezone == ZoneInfo("America/Los_Angeles")
    assert settings.session_idle_days == 14 and settings.session_max_days == 30
    assert not settings.secure_cookies


def test_prefix_names_every_table() -> None:
    settings = Settings.from_env({**BASE, "SCC_TABLE_PREFIX": "scc-prod-"})
    assert settings.table_name("waivers") == "scc-prod-waivers"


def test_https_base_url_makes_cookies_secure() -> None:
    settings = Settings.from_env({**BASE, "SCC_BASE_URL": "https://crew.example.com/"})
    assert settings.secure_cookies
    assert settings.base_url == "https://crew.example.com"


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({}, "SCC_SECRET_KEY"),
        ({"SCC_SECRET_KEY": "short"}, "SCC_SECRET_KEY"),
        ({**BASE, "SCC_DYNAMODB_ENDPOINT": "localhost:4567"}, "SCC_DYNAMODB_ENDPOINT"),
        ({**BASE, "SCC_BASE_URL": "crew.example.com"}, "SCC_BASE_URL"),
        ({**BASE, "SCC_TABLE_PREFIX": "bad prefix!"}, "SCC_TABLE_PREFIX"),
        ({**BASE, "SCC_TIMEZONE": "Mars/Olympus"}, "SCC_TIMEZONE"),
        ({**BASE, "SCC_SESSION_IDLE_DAYS": "many"}, "SCC_SESSION_IDLE_DAYS"),
        ({**BASE, "SCC_SESSION_IDLE_DAYS": "40"}, "SCC_SESSION_IDLE_DAYS"),
        ({**BASE, "PORT": "99999"}, "PORT"),
        ({**BASE, **GMAIL, "GMAIL_RECIPIENT": "typo@@example"}, "GMAIL_RECIPIENT: 'typo@@example'"),
        ({**BASE, **GMAIL, "GMAIL_SENDER": "dispatch"}, "GMAIL_SENDER"),
        ({**BASE, "SCC_SHORE_CONTACT": "a@example.org, nobody"}, "SCC_SHORE_CONTACT: 'nobody'"),
        ({**BASE, "SCC_ORIGIN_SECRET_PREVIOUS": "short"}, "SCC_ORIGIN_SECRET_PREVIOUS"),
        ({**BASE, "SCC_OPERATOR_PHONE": "call us"}, "SCC_OPERATOR_PHONE"),
        ({**BASE, "SCC_OPERATOR_PHONE": "12345"}, "SCC_OPERATOR_PHONE"),
        ({**BASE, "SCC_OPERATOR_PHONE": "555-0100 ext. 4"}, "SCC_OPERATOR_PHONE"),
        ({**BASE, "SCC_OPERATOR_PHONE": "1+415 555 0100"}, "SCC_OPERATOR_PHONE"),
        ({**BASE, "SCC_OPERATOR_EMAIL": "office"}, "SCC_OPERATOR_EMAIL"),
        ({**BASE, "SCC_OPERATOR_EMAIL": "Office <office@example.com>"}, "SCC_OPERATOR_EMAIL"),
        ({**BASE, "SCC_OPERATOR_EMAIL": "a@example.com, b@example.com"}, "SCC_OPERATOR_EMAIL"),
        ({**BASE, "SCC_OPERATOR_EMAIL": "office@localhost"}, "SCC_OPERATOR_EMAIL"),
        ({**BASE, "SCC_OPERATOR_EMAIL": "office@@example.com"}, "SCC_OPERATOR_EMAIL"),
    ],
)
def test_bad_settings_stop_start_up_naming_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(SettingsError, match=variable):
        Settings.from_env(env)


def test_addresses_are_checked_and_lists_kept() -> None:
    settings = Settings.from_env(
        {**BASE, **GMAIL, "GMAIL_RECIPIENT": " office@charter.example,captain@charter.example "}
    )
    assert settings.gmail_recipients == ["office@charter.example", "captain@charter.example"]


def test_the_operators_phone_and_email_are_kept_as_typed_with_a_tel_link() -> None:
    settings = Settings.from_env(
        {
            **BASE,
            "SCC_OPERATOR_PHONE": "+1 (415) 555-0100",
            "SCC_OPERATOR_EMAIL": "trips@example.com",
        }
    )
    assert settings.operator_phone == "+1 (415) 555-0100"
    assert settings.operator_tel == "tel:+14155550100"
    assert settings.operator_email == "trips@example.com"
    local = Settings.from_env({**BASE, "SCC_OPERATOR_PHONE": "415.555.0100"})
    assert local.operator_tel == "tel:4155550100" and local.operator_email is None
    assert Settings.from_env(BASE).operator_tel is None


def test_only_the_settings_module_reads_the_environment() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "server"
    readers = [
        p.relative_to(root).as_posix()
        for p in root.rglob("*.py")
        if "os.environ" in p.read_text() or "getenv" in p.read_text()
    ]
    assert readers == ["settings.py"]


def test_scc_settings_lists_every_setting_and_never_a_value(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from server.__main__ import main
    from server.settings import SETTINGS

    secret = "a-secret-that-must-never-be-printed-0123456789"
    monkeypatch.setenv("SCC_SECRET_KEY", secret)
    monkeypatch.delenv("SCC_ORIGIN_SECRET", raising=False)
    assert main(["settings"]) == 0
    out = capsys.readouterr().out
    for setting in SETTINGS:
        assert setting.name in out and setting.help in out
    assert "SCC_SECRET_KEY  [set;" in out
    assert "SCC_ORIGIN_SECRET  [unset;" in out
    assert secret not in out


def test_readme_settings_table_matches_the_settings_module() -> None:
    """The README documents exactly the variables `SETTINGS` reads, with its defaults."""
    import re
    from pathlib import Path

    from server.settings import SETTINGS

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("## Settings (environment)", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    documented = {
        name: row for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])
    }
    assert set(documented) == {s.name for s in SETTINGS}
    for setting in SETTINGS:
        if setting.default is not None:
            assert f"`{setting.default}`" in documented[setting.name], setting.name
