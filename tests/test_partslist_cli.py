"""`./logikal parts`: summary, --json, base64 and envelope input, one-line errors with exit status 2."""

import base64
import hashlib
import json
import subprocess
from pathlib import Path

import pytest
from root_script import logikal_command

from logikal_sim.partsdb import build_parts_db

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data" / "parts"
ELEVATION = {
    "id": "15782e4d-8f0a-4c1e-9b2d-3a4b5c6d7e8f",
    "name": "P03",
    "systemDescription": "Reynaers MasterLine 8",
    "width": 3100.0,
    "height": 2245.0,
    "surfaceOfBaseElement": {"name": "RAL 7016"},
}


def run(*args, stdin=None):
    return subprocess.run(
        logikal_command("parts", *args),
        capture_output=True,
        text=True,
        input=stdin,
        cwd=ROOT,
        timeout=60,
    )


@pytest.fixture(scope="module")
def parts_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "P03.sqlite"
    path.write_bytes(build_parts_db({}, {}, ELEVATION, profile="small"))
    return path


def assert_one_line_error(result, *words):
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in lines[0]


def test_json_output(parts_file):
    result = run(parts_file, "--json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert set(payload) == {"sha256", "elevation", "glass", "bom"}
    assert payload["sha256"] == hashlib.sha256(parts_file.read_bytes()).hexdigest()
    assert payload["elevation"]["width"] == 3100.0
    assert payload["elevation"]["system_long_name"] == "Reynaers MasterLine 8"
    assert set(payload["glass"][0]) == {"glass_id", "name", "width", "height", "area", "quantity"}
    assert set(payload["bom"][0]) == {
        "kind",
        "code",
        "description",
        "quantity",
        "length",
        "unit",
        "color",
        "price",
    }


def test_readable_summary(parts_file):
    result = run(parts_file)
    assert result.returncode == 0, result.stderr
    assert "3100 mm x 2245 mm" in result.stdout
    assert "REY-M8" in result.stdout and "glass lines   2" in result.stdout


@pytest.mark.parametrize("encode", [base64.b64encode, base64.encodebytes])
def test_base64_input_is_accepted(parts_file, tmp_path, encode):
    path = tmp_path / "P03.b64"
    path.write_bytes(encode(parts_file.read_bytes()))
    result = run(path, "--json", "--elevation", "{15782E4D-8F0A-4C1E-9B2D-3A4B5C6D7E8F}")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["sha256"] == hashlib.sha256(parts_file.read_bytes()).hexdigest()


def test_api_envelope_on_stdin(parts_file):
    envelope = json.dumps({"data": base64.b64encode(parts_file.read_bytes()).decode()})
    result = run("-", "--name", "P03", "--json", stdin=envelope)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["elevation"]["height"] == 2245.0


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ((DATA / "not_sqlite.bin",), ("invalid parts list",)),
        ((DATA / "truncated.sqlite",), ("truncated",)),
        ((DATA / "no_elevations.sqlite",), ("Elevations",)),
        ((DATA / "no_width_column.sqlite", "--json"), ("Elevations", "Width_Output")),
        ((DATA / "only_p10.sqlite", "--name", "P1"), ("'P1'",)),
        ((DATA / "multi_p1_p10.sqlite",), ("3 rows",)),
        ((DATA / "valid_min.sqlite", "--max-mb", "0.0001"), ("cap",)),
        (("/nonexistent/parts.sqlite",), ("cannot read",)),
        ((DATA / "valid_min.sqlite", "--bogus"), ("usage",)),
        ((DATA / "valid_min.sqlite", "--max-mb", "many"), ("usage", "max-mb")),
        ((DATA / "valid_min.sqlite", "--max-mb", "-1"), ("usage",)),
        ((DATA / "valid_min.sqlite", "--elevation", "x", "--name", "P1"), ("usage", "not allowed")),
        ((), ("usage", "file")),
    ],
)
def test_errors_print_one_line_and_exit_2(args, words):
    assert_one_line_error(run(*args), *words)


def test_garbage_text_file(tmp_path):
    path = tmp_path / "garbage.txt"
    path.write_text("<html><body>502 Bad Gateway</body></html>\n" * 50)
    assert_one_line_error(run(path), "invalid parts list")


def test_multi_row_file_by_name():
    result = run(DATA / "multi_p1_p10.sqlite", "--name", "P1", "--json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["elevation"]["width"] == 1001.0
    assert [line["code"] for line in payload["bom"]] == ["ART-P1", "ART-SHARED"]
