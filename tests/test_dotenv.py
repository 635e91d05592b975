"""The repository's .env (written by `csw run` for `dagster dev`) never overrides an explicit home."""

from pathlib import Path

from dotenv import dotenv_values

from cli.runner import _update_dotenv


def test_dotenv_names_the_last_home_but_an_explicit_variable_wins(tmp_path: Path, monkeypatch) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("OTHER=kept\nCSW_HOME=/old\n", encoding="utf-8")
    _update_dotenv({"CSW_HOME": "/srv/csw", "DAGSTER_HOME": "/srv/csw/dagster"}, dotenv)

    monkeypatch.delenv("CSW_HOME", raising=False)
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    assert dotenv_values(dotenv) == {"OTHER": "kept", "CSW_HOME": "/srv/csw", "DAGSTER_HOME": "/srv/csw/dagster"}

    # Dagster applies .env values over the environment: the file must defer to what is set.
    monkeypatch.setenv("CSW_HOME", "/tmp/explicit")
    assert dotenv_values(dotenv)["CSW_HOME"] == "/tmp/explicit"
