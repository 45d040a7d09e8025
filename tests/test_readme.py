"""README.rst and static/description/index.html of every addon are what `make readme` writes from readme/."""

import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))

import devenv  # noqa: E402
import gen_readme  # noqa: E402

pytest.importorskip("docutils", reason="docutils (requirements-dev.txt) renders index.html")


@pytest.mark.parametrize("addon", devenv.addons())
def test_generated_files_match_the_fragments(addon):
    for path, text in gen_readme.outputs(os.path.join(ROOT, addon)).items():
        with open(path, encoding="utf-8") as handle:
            assert handle.read() == text, f"{os.path.relpath(path, ROOT)} drifted from readme/: run `make readme`"


def test_readme_has_the_oca_sections_and_the_fragment_text(tmp_path):
    addon = os.path.join(ROOT, "logikal_connector")
    rst = gen_readme.render_rst(addon)
    titles = [
        line
        for line, under in zip(rst.splitlines(), rst.splitlines()[1:], strict=False)
        if under and set(under) <= {"="}
    ]
    assert titles[:1] == ["LogiKal Connector"]
    for title in ("Configuration", "Usage", "Known issues / Roadmap", "Bug Tracker", "Credits"):
        assert title in titles
    for sub in ("Authors", "Contributors", "Maintainers"):
        assert f"{sub}\n{'~' * len(sub)}" in rst
    assert "|badge1| |badge2| |badge3|" in rst and ".. contents::" in rst
    with open(os.path.join(addon, "readme", "USAGE.md"), encoding="utf-8") as handle:
        first_words = handle.read().split("\n")[0][2:40]
    assert first_words in rst


def test_markdown_fragment_becomes_rst():
    rst = gen_readme.markdown_to_rst("# Title\n\nSee `code` and [the docs](https://example.org).\n\n1. one\n- two")
    assert rst.splitlines() == [
        "Title",
        "~~~~~",
        "",
        "See ``code`` and `the docs <https://example.org>`__.",
        "",
        "1. one",
        "- two",
    ]


def test_a_changed_fragment_is_reported_as_drift(tmp_path, monkeypatch):
    addon = tmp_path / "logikal_connector_demo"
    (addon / "readme").mkdir(parents=True)
    (addon / "__manifest__.py").write_text("{'name': 'Demo', 'license': 'LGPL-3', 'author': 'Someone'}")
    (addon / "readme" / "DESCRIPTION.md").write_text("First text.")
    monkeypatch.setattr(devenv, "ROOT", str(tmp_path))
    assert gen_readme.main([str(addon)]) == 0
    assert gen_readme.main(["--check", str(addon)]) == 0
    (addon / "readme" / "DESCRIPTION.md").write_text("Changed text.")
    assert gen_readme.main(["--check", str(addon)]) == 1
    assert "First text." in (addon / "README.rst").read_text()
    html = (addon / "static" / "description" / "index.html").read_text()
    assert "<h1" in html and "First text." in html
    assert html.startswith("<!DOCTYPE html>")  # no XML declaration: Odoo 17+ warns about one when installing


def test_broken_markup_in_a_fragment_fails_the_html_render(tmp_path):
    with pytest.raises(Exception, match=r"Unknown target name|malformed|Inline"):
        gen_readme.render_html("Title\n=====\n\nA `broken link`_ here.\n", str(tmp_path / "README.rst"))
