"""scripts/odoo_setup.py: where the Odoo 18 source of .cache/odoo18/ comes from (ODOO_SRC), on small fakes.

The virtualenv and pip steps are exercised for real by `make odoo-setup` (README: Odoo 18), not here.
"""

import os
import shutil
import subprocess
import sys
import tarfile
import zipfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))

import odoo_setup  # noqa: E402

RELEASE = "version_info = (18, 0, 0, FINAL, 0, '')\n"


def fake_odoo(folder, release=RELEASE):
    os.makedirs(os.path.join(folder, "odoo"))
    with open(os.path.join(folder, "odoo", "release.py"), "w") as handle:
        handle.write(release)
    with open(os.path.join(folder, "requirements.txt"), "w") as handle:
        handle.write("# nothing\n")
    return folder


@pytest.fixture
def cache(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    cache.mkdir()
    monkeypatch.setattr(odoo_setup, "CACHE", str(cache))
    monkeypatch.setattr(odoo_setup, "SRC", str(cache / "src"))
    monkeypatch.setattr(odoo_setup, "STAMP", str(cache / "ready"))
    return cache


def test_a_directory_is_copied(cache, tmp_path, monkeypatch):
    source = fake_odoo(str(tmp_path / "odoo-src"))
    monkeypatch.setenv("ODOO_SRC", source)
    odoo_setup._fetch_source()
    assert odoo_setup._is_odoo18(odoo_setup.SRC)
    assert not os.path.exists(odoo_setup.SRC + ".partial")


@pytest.mark.parametrize("kind", ["tar.gz", "zip"])
def test_an_archive_with_one_top_folder_is_unpacked(cache, tmp_path, monkeypatch, kind):
    source = fake_odoo(str(tmp_path / "odoo-18.0"))
    archive = str(tmp_path / f"odoo.{kind}")
    if kind == "zip":
        with zipfile.ZipFile(archive, "w") as handle:
            for folder, _dirs, files in os.walk(source):
                for name in files:
                    path = os.path.join(folder, name)
                    handle.write(path, os.path.relpath(path, str(tmp_path)))
    else:
        with tarfile.open(archive, "w:gz") as handle:
            handle.add(source, arcname="odoo-18.0")
    monkeypatch.setenv("ODOO_SRC", archive)
    odoo_setup._fetch_source()
    with open(os.path.join(odoo_setup.SRC, "odoo", "release.py")) as handle:
        assert handle.read() == RELEASE


@pytest.mark.skipif(not shutil.which("git"), reason="git is not installed")
def test_a_git_repository_is_cloned_on_its_18_branch(cache, tmp_path, monkeypatch):
    repo = fake_odoo(str(tmp_path / "repo"))
    git = ["git", "-C", repo, "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(["git", "init", "-q", "-b", "master", repo], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "master"], check=True)
    subprocess.run([*git, "checkout", "-q", "-b", "18.0"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "18.0"], check=True)
    subprocess.run([*git, "checkout", "-q", "master"], check=True)  # the 18.0 branch is not the checked-out one
    monkeypatch.setenv("ODOO_SRC", repo)
    odoo_setup._fetch_source()
    assert odoo_setup._is_odoo18(odoo_setup.SRC)
    head = subprocess.run(["git", "-C", odoo_setup.SRC, "branch", "--show-current"], capture_output=True, text=True)
    assert head.stdout.strip() == "18.0"


def test_not_odoo_18_is_refused_in_one_line_and_leaves_nothing(cache, tmp_path, monkeypatch):
    source = fake_odoo(str(tmp_path / "odoo17"), release="version_info = (17, 0, 0, FINAL, 0, '')\n")
    monkeypatch.setenv("ODOO_SRC", source)
    with pytest.raises(odoo_setup.SetupError, match=r"does not hold Odoo 18\.0"):
        odoo_setup._fetch_source()
    assert os.listdir(cache) == []


def test_a_missing_source_is_refused(cache, tmp_path, monkeypatch):
    monkeypatch.setenv("ODOO_SRC", str(tmp_path / "nowhere"))
    with pytest.raises(odoo_setup.SetupError, match="neither a directory, a git repository nor an archive"):
        odoo_setup._fetch_source()


def test_ensure_odoo_says_why_in_one_line_when_it_cannot(cache, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ODOO_PYTHON", str(tmp_path / "no-python"))
    monkeypatch.setenv("ODOO_SRC", str(tmp_path / "nowhere"))
    monkeypatch.setattr(odoo_setup.devenv, "CACHED_ODOO_PYTHON", str(tmp_path / "no-cached-python"))
    assert odoo_setup.ensure_odoo() is None
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1].startswith("Odoo 18 could not be set up: ODOO_SRC=")
    assert len(lines) == 2
