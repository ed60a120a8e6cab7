"""Configuration comes from the environment with working defaults (Foundation item 8)."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def run_sreda(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "EMAIL_URL"}}
    clean.update(env)
    return subprocess.run([sys.executable, "-m", "sreda", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120)


def test_deploy_check_passes_with_the_documented_production_variables(tmp_path):
    result = run_sreda(
        "check", "--deploy", "--fail-level", "WARNING",
        SECRET_KEY="x7Kq-" * 12, DEBUG="0", ALLOWED_HOSTS="sreda.example.ru",
        EMAIL_URL="smtp://sreda:secret@127.0.0.1:2525", SREDA_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_check_refuses_the_development_defaults(tmp_path):
    result = run_sreda("check", "--deploy", SREDA_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "SECRET_KEY is the development key" in result.stderr
    assert "DEBUG is on" in result.stderr


def test_default_database_is_an_sqlite_file_under_var_and_postgres_comes_from_database_url(tmp_path):
    code = "from django.conf import settings as s; print(s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'], s.HUEY['huey_class'])"
    default = run_sreda("shell", "-c", code, SREDA_VAR_DIR=str(tmp_path))
    assert default.stdout.split()[-3:] == ["django.db.backends.sqlite3", str(tmp_path / "sreda.sqlite3"), "huey.SqliteHuey"]
    pg = run_sreda("shell", "-c", code, SREDA_VAR_DIR=str(tmp_path), DATABASE_URL="postgres://u@db.example:5432/sreda", REDIS_URL="redis://127.0.0.1:6379/0")
    assert pg.stdout.split()[-3:] == ["django.db.backends.postgresql", "sreda", "huey.RedisHuey"]
