"""Find Odoo 18, or set it up in .cache/odoo18/ of the checkout: `make odoo-setup` (and `make test`/`make run`).

Where the source comes from, first match wins:
- .cache/odoo18/src/ already there (a previous set-up): reused;
- ODOO_SRC: a directory holding Odoo 18 (copied), a git repository (cloned, its 18.0 branch when it has
  one), or an archive (.tar, .tar.gz, .tgz, .tar.bz2, .tar.xz, .zip; unpacked);
- otherwise a shallow git clone of the upstream 18.0 branch (ODOO_GIT_URL overrides the address).
Then a virtualenv in .cache/odoo18/venv/ gets Odoo's requirements.txt (pip, with the build constraint
`setuptools<81`; as root the Debian packages python-ldap and psycopg2 build against are installed first
when missing), websocket-client (for the browser tours) and a .pth that puts the source on its path.
A stamp (.cache/odoo18/ready) makes the next run reuse it at once; when the requirements changed, pip
tops the existing virtualenv up. When none of this is possible the caller gets None and one line
saying why.
"""

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import devenv

CACHE = os.path.join(devenv.ROOT, ".cache", "odoo18")
SRC = os.path.join(CACHE, "src")
VENV = os.path.join(CACHE, "venv")
STAMP = os.path.join(CACHE, "ready")
UPSTREAM = os.environ.get("ODOO_GIT_URL", "https://github.com/odoo/odoo.git")
BRANCH = "18.0"
DEBIAN_BUILD_PACKAGES = ("libldap2-dev", "libsasl2-dev", "libpq-dev")
ARCHIVES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".zip")
EXTRA_PACKAGES = ("websocket-client",)  # not in requirements.txt; Odoo's browser tests (the tours) need it


class SetupError(Exception):
    """Odoo could not be set up; the message is the one line shown to the user."""


def ensure_odoo(quiet=False):
    """(python, source dir) of an Odoo 18 — found, or set up in the cache now — else None (reason said)."""
    python, source, reason = devenv.find_odoo()
    if source and not (python == devenv.CACHED_ODOO_PYTHON and _outdated()):
        return python, source
    if not quiet:
        what = f"not found ({reason})" if not source else "set up for other requirements"
        devenv.say(f"Odoo 18 {what}: setting it up in {os.path.relpath(CACHE, devenv.ROOT)}/")
    try:
        setup()
    except SetupError as exc:
        devenv.say(f"Odoo 18 could not be set up: {exc}")
        return None
    python, source, reason = devenv.find_odoo()
    if not source:
        devenv.say(f"Odoo 18 could not be set up: {reason}")
        return None
    return python, source


def setup():
    """Source, virtualenv and requirements in .cache/odoo18/; each step is skipped when already done."""
    os.makedirs(CACHE, exist_ok=True)
    if not _is_odoo18(SRC):
        _fetch_source()
    if not _outdated():
        return
    _debian_build_packages()
    _make_venv()
    _install_requirements()
    with open(STAMP, "w") as handle:
        handle.write(_requirements_digest() + "\n")
    devenv.say(f"Odoo 18 is set up: {_venv_python()} (reused next time; remove .cache/odoo18/ to redo it)")


def _outdated():
    """Whether the cached set-up lacks its virtualenv or was made for other requirements."""
    if not os.path.exists(_venv_python()) or not os.path.isfile(os.path.join(SRC, "requirements.txt")):
        return True
    return (devenv.read_text(STAMP) or "").strip() != _requirements_digest()


def _venv_python():
    return os.path.join(VENV, "bin", "python")


def _is_odoo18(path):
    release = os.path.join(path, "odoo", "release.py")
    if not os.path.isfile(release):
        return False
    with open(release) as handle:
        text = handle.read()
    return "version_info = (18, 0," in text.replace("  ", " ")


def _fetch_source():
    origin = os.environ.get("ODOO_SRC")
    staging = SRC + ".partial"
    shutil.rmtree(staging, ignore_errors=True)
    if origin:
        origin = os.path.abspath(os.path.expanduser(origin))
        if os.path.isdir(os.path.join(origin, ".git")) or origin.endswith(".git"):
            _git_clone(origin, staging)
        elif os.path.isdir(origin):
            _copy_tree(origin, staging)
        elif os.path.isfile(origin) and origin.endswith(ARCHIVES):
            _unpack(origin, staging)
        else:
            raise SetupError(f"ODOO_SRC={origin} is neither a directory, a git repository nor an archive")
    else:
        _git_clone(UPSTREAM, staging)
    if not _is_odoo18(staging):
        shutil.rmtree(staging, ignore_errors=True)
        raise SetupError(f"{origin or UPSTREAM} does not hold Odoo 18.0 (no odoo/release.py of 18.0)")
    shutil.rmtree(SRC, ignore_errors=True)
    os.rename(staging, SRC)


def _git_clone(url, target):
    if not shutil.which("git"):
        raise SetupError("git is not installed (set ODOO_SRC to an Odoo 18 directory or archive)")
    branch = ["--branch", BRANCH] if _has_branch(url) else []
    devenv.say(f"cloning Odoo {BRANCH} from {url} (shallow; this takes a while) ...")
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", GIT_HTTP_LOW_SPEED_LIMIT="1000", GIT_HTTP_LOW_SPEED_TIME="30")
    source = f"file://{url}" if os.path.isabs(url) else url  # file:// so --depth works for local repositories
    result = subprocess.run(["git", "clone", "--depth", "1", *branch, "--progress", source, target], env=env)
    if result.returncode != 0:
        raise SetupError(f"git clone of {url} failed (no network? set ODOO_SRC to a local Odoo 18 source)")


def _has_branch(url):
    try:
        result = subprocess.run(
            ["git", "ls-remote", "--heads", url, BRANCH],
            capture_output=True,
            text=True,
            env=dict(os.environ, GIT_TERMINAL_PROMPT="0"),
            timeout=120,
        )
    except subprocess.TimeoutExpired:
        raise SetupError(f"{url} did not answer within 2 minutes (set ODOO_SRC to a local Odoo 18 source)") from None
    if result.returncode != 0 and not os.path.isabs(url):
        raise SetupError(f"{url} cannot be reached (no network? set ODOO_SRC to a local Odoo 18 source)")
    return bool(result.stdout.strip())


def _copy_tree(origin, target):
    if not _is_odoo18(origin):
        raise SetupError(f"ODOO_SRC={origin} does not hold Odoo 18.0 (no odoo/release.py of 18.0)")
    devenv.say(f"copying Odoo from {origin} ...")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".git")
    try:  # hard links when on the same file system: instant and no extra space
        shutil.copytree(origin, target, copy_function=os.link, ignore=ignore, symlinks=True)
    except OSError:
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(origin, target, ignore=ignore, symlinks=True)


def _unpack(archive, target):
    devenv.say(f"unpacking {archive} ...")
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        try:
            if archive.endswith(".zip"):
                with zipfile.ZipFile(archive) as handle:
                    handle.extractall(tmp)
            else:
                with tarfile.open(archive) as handle:
                    handle.extractall(tmp, filter="data")
        except (OSError, tarfile.TarError, zipfile.BadZipFile) as exc:
            raise SetupError(f"{archive} cannot be unpacked: {exc}") from None
        root = _odoo_root_in(tmp)
        if not root:
            raise SetupError(f"{archive} does not hold Odoo 18.0 (no odoo/release.py of 18.0)")
        os.rename(root, target)


def _odoo_root_in(folder):
    """The folder itself or its single top-level folder (archives of git hosts add one)."""
    if _is_odoo18(folder):
        return folder
    entries = [os.path.join(folder, name) for name in os.listdir(folder)]
    dirs = [entry for entry in entries if os.path.isdir(entry)]
    return dirs[0] if len(dirs) == 1 and _is_odoo18(dirs[0]) else None


def _requirements_digest():
    with open(os.path.join(SRC, "requirements.txt"), "rb") as handle:
        return hashlib.sha256(handle.read() + SRC.encode() + " ".join(EXTRA_PACKAGES).encode()).hexdigest()


def _debian_build_packages():
    if not shutil.which("dpkg-query") or os.geteuid() != 0:
        return
    missing = [
        name
        for name in DEBIAN_BUILD_PACKAGES
        if subprocess.run(["dpkg-query", "-W", "-f=${Status}", name], capture_output=True, text=True).stdout
        != "install ok installed"
    ]
    if not missing:
        return
    devenv.say(f"installing the Debian packages Odoo's requirements build against: {' '.join(missing)} (apt-get)")
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.STDOUT}
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=False, env=env, **quiet)
    subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=False, env=env, **quiet)


def _base_python():
    """The interpreter for the venv: ODOO_BASE_PYTHON, else python3 (Odoo 18 supports 3.10 to 3.12)."""
    python = os.environ.get("ODOO_BASE_PYTHON") or shutil.which("python3") or sys.executable
    probe = "import sys; print('%d.%d' % sys.version_info[:2])"
    version = subprocess.run([python, "-c", probe], capture_output=True, text=True).stdout.strip()
    if version not in ("3.10", "3.11", "3.12"):
        raise SetupError(f"{python} is Python {version or '?'}; Odoo 18 needs 3.10 to 3.12 (set ODOO_BASE_PYTHON)")
    return python


def _make_venv():
    if not os.path.exists(_venv_python()):
        devenv.say(f"creating the virtualenv {os.path.relpath(VENV, devenv.ROOT)}/ ...")
        subprocess.run([_base_python(), "-m", "venv", VENV], check=True, stdout=subprocess.DEVNULL)
    site = subprocess.run(
        [_venv_python(), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    with open(os.path.join(site, "odoo18-source.pth"), "w") as handle:
        handle.write(SRC + "\n")


def _install_requirements():
    requirements = os.path.join(SRC, "requirements.txt")
    count = sum(1 for line in devenv.read_text(requirements).splitlines() if line.strip() and line[0] != "#")
    devenv.say(f"installing Odoo's requirements ({count} lines of requirements.txt) with pip; a few minutes ...")
    constraint = os.path.join(CACHE, "build-constraints.txt")
    with open(constraint, "w") as handle:
        handle.write("setuptools<81\n")
    env = dict(os.environ, PIP_CONSTRAINT=constraint, PIP_DISABLE_PIP_VERSION_CHECK="1")
    cmd = [_venv_python(), "-m", "pip", "install", "--progress-bar", "off", "-r", requirements, *EXTRA_PACKAGES]
    seen = 0
    tail = []
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env) as proc:
        for line in proc.stdout:
            tail = [*tail[-40:], line]
            if line.startswith("Collecting "):
                seen += 1
                devenv.say(f"  [{seen}] {line.split()[1]}")
            elif line.startswith(("Building wheel", "Installing collected")):
                devenv.say("  " + line.strip()[:100])
    if proc.returncode != 0:
        sys.stdout.write("".join(tail))
        raise SetupError("pip could not install Odoo's requirements (output above)")


def main():
    """`make odoo-setup`: find or set up Odoo 18, print where it is."""
    found = ensure_odoo()
    if not found:
        return 1
    python, source = found
    devenv.say(f"Odoo 18: {python} (source {source})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
