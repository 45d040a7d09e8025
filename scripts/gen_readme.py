"""`make readme`: each addon's README.rst and static/description/index.html from its readme/ fragments.

The layout is the one of OCA's oca-gen-addon-readme (title, generated-file notice with a source digest,
badges line, DESCRIPTION, table of contents, Use Cases / Installation / Configuration / Usage /
Development / Known issues / Roadmap / Changelog when their fragment exists, Bug Tracker, Credits with
Authors, Contributors, Other credits and Maintainers). Fragments are reStructuredText (`*.rst`) or the
small Markdown subset OCA's fragments use (`*.md`: paragraphs, `-`/`1.` lists, `code`, **bold**,
[links](url), `#` headings), converted here. docutils renders the HTML.

    scripts/gen_readme.py            write the files of every logikal_connector* addon
    scripts/gen_readme.py --check    exit 1 (and say which) when a file differs from what it would write
"""

import argparse
import ast
import hashlib
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import devenv

SECTIONS = [  # (fragment, title), in oca-gen-addon-readme's order
    ("CONTEXT", "Use Cases / Context"),
    ("INSTALL", "Installation"),
    ("CONFIGURE", "Configuration"),
    ("USAGE", "Usage"),
    ("DEVELOP", "Development"),
    ("ROADMAP", "Known issues / Roadmap"),
    ("HISTORY", "Changelog"),
]
LEVEL3 = "~"
BRANCH = "18.0"
STATUS_COLOURS = {"Alpha": "red", "Beta": "yellow", "Production/Stable": "green", "Mature": "brightgreen"}
LICENSES = {
    "LGPL-3": "http://www.gnu.org/licenses/lgpl-3.0-standalone.html",
    "AGPL-3": "http://www.gnu.org/licenses/agpl-3.0-standalone.html",
    "GPL-3": "http://www.gnu.org/licenses/gpl-3.0-standalone.html",
}


def read_manifest(addon_dir):
    with open(os.path.join(addon_dir, "__manifest__.py")) as handle:
        return ast.literal_eval(handle.read())


def read_fragments(addon_dir):
    """{NAME: reStructuredText} of readme/NAME.rst or readme/NAME.md."""
    folder = os.path.join(addon_dir, "readme")
    fragments = {}
    for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
        stem, ext = os.path.splitext(name)
        if ext not in (".rst", ".md"):
            continue
        with open(os.path.join(folder, name), encoding="utf-8") as handle:
            text = handle.read().strip()
        if text:
            fragments[stem.upper()] = markdown_to_rst(text) if ext == ".md" else text
    return fragments


_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_CODE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
_HEADING_MARKS = "~^\"'+*"


def markdown_to_rst(text):
    """The Markdown subset of readme fragments as reStructuredText (lists and emphasis are the same)."""
    lines = []
    for line in text.splitlines():
        heading = _HEADING.match(line)
        if heading:
            title = _inline(heading.group(2).strip())
            mark = _HEADING_MARKS[min(len(heading.group(1)), len(_HEADING_MARKS)) - 1]
            lines += [title, mark * len(title)]
            continue
        lines.append(_inline(line))
    return "\n".join(lines)


def _inline(line):
    line = _CODE.sub(r"``\1``", line)
    return _LINK.sub(r"`\1 <\2>`__", line)


def source_digest(addon_dir):
    """sha256 over the manifest and the fragments: what README.rst is generated from."""
    digest = hashlib.sha256()
    files = [os.path.join(addon_dir, "__manifest__.py")]
    folder = os.path.join(addon_dir, "readme")
    if os.path.isdir(folder):
        files += [os.path.join(folder, name) for name in sorted(os.listdir(folder))]
    for path in files:
        with open(path, "rb") as handle:
            digest.update(os.path.basename(path).encode() + b"\0" + handle.read())
    return "sha256:" + digest.hexdigest()


def repository(manifest):
    """(org, repo) from the manifest's GitHub website, e.g. https://github.com/org/repo."""
    match = re.match(r"https://github\.com/([^/]+)/([^/#?]+)", manifest.get("website", ""))
    return match.groups() if match else ("logikal-connector", "logikal_connector")


def badges(manifest, addon):
    org, repo = repository(manifest)
    status = manifest.get("development_status", "Beta")
    licence = manifest.get("license", "LGPL-3")
    return [
        (
            f"https://img.shields.io/badge/maturity-{status.replace('/', '%2F')}-"
            f"{STATUS_COLOURS.get(status, 'lightgray')}.png",
            "https://odoo-community.org/page/development-status",
            status,
        ),
        (
            f"https://img.shields.io/badge/license-{_shield(licence)}-blue.png",
            LICENSES.get(licence, "#"),
            f"License: {licence}",
        ),
        (
            f"https://img.shields.io/badge/github-{_shield(org)}%2F{_shield(repo)}-lightgray.png?logo=github",
            f"https://github.com/{org}/{repo}/tree/{BRANCH}/{addon}",
            f"{org}/{repo}",
        ),
    ]


def _shield(text):
    """A badge label: shields.io reads '-' as a separator and '_' as a space, doubled they are literal."""
    return text.replace("-", "--").replace("_", "__")


def render_rst(addon_dir):
    addon = os.path.basename(addon_dir)
    manifest = read_manifest(addon_dir)
    fragments = read_fragments(addon_dir)
    org, repo = repository(manifest)
    name = manifest["name"]
    out = [
        "=" * len(name),
        name,
        "=" * len(name),
        "",
        ".. ",
        *_notice(source_digest(addon_dir)),
        "",
    ]
    addon_badges = badges(manifest, addon)
    for index, (image, target, alt) in enumerate(addon_badges, 1):
        out += [f".. |badge{index}| image:: {image}", f"    :target: {target}", f"    :alt: {alt}"]
    out += ["", " ".join(f"|badge{index}|" for index in range(1, len(addon_badges) + 1)), ""]
    out += [fragments.get("DESCRIPTION", manifest.get("summary", "")), ""]
    if manifest.get("development_status") == "Alpha":
        out += [
            ".. IMPORTANT::",
            "   This is an alpha version, the data model and design can change at any time without warning.",
            "   Only for development or testing purpose, do not use in production.",
            "",
        ]
    out += ["**Table of contents**", "", ".. contents::", "   :local:", ""]
    for key, title in SECTIONS:
        if key in fragments:
            out += [title, "=" * len(title), "", fragments[key], ""]
    out += _bug_tracker(org, repo, addon)
    out += _credits(manifest, fragments, org, repo, addon)
    return "\n".join(out).rstrip() + "\n"


def _notice(digest):
    """The 'generated file' comment box of OCA's READMEs, with the digest `--check` compares."""
    texts = ["This file is generated by scripts/gen_readme.py", "(make readme): changes will be overwritten."]
    width = max(map(len, texts)) + 6
    bar = "   " + "!" * width
    boxed = [f"   !! {text.ljust(width - 6)} !!" for text in texts]
    return [bar, *boxed, bar, f"   !! source digest: {digest}", bar]


def _bug_tracker(org, repo, addon):
    issues = f"https://github.com/{org}/{repo}/issues"
    body = f"module:%20{addon}%0Aversion:%20{BRANCH}%0A%0A**Steps%20to%20reproduce**%0A-%20...%0A%0A"
    body += "**Current%20behavior**%0A%0A**Expected%20behavior**"
    return [
        "Bug Tracker",
        "===========",
        "",
        f"Bugs are tracked on `GitHub Issues <{issues}>`_.",
        "In case of trouble, please check there if your issue has already been reported.",
        "If you spotted it first, help us to smash it by providing a detailed and welcomed",
        f"`feedback <{issues}/new?body={body}>`_.",
        "",
        "Do not contact contributors directly about support or help with technical issues.",
        "",
    ]


def _credits(manifest, fragments, org, repo, addon):
    out = ["Credits", "=======", ""]
    authors = [author.strip() for author in manifest.get("author", "").split(",") if author.strip()]
    if authors:
        out += ["Authors", LEVEL3 * 7, "", *(f"* {author}" for author in authors), ""]
    for key, title in (("CONTRIBUTORS", "Contributors"), ("CREDITS", "Other credits")):
        if key in fragments:
            out += [title, LEVEL3 * len(title), "", fragments[key], ""]
    out += ["Maintainers", LEVEL3 * 11, ""]
    maintainers = manifest.get("maintainers", [])
    if maintainers:
        for login in maintainers:
            out += [
                f".. |maintainer-{login}| image:: https://github.com/{login}.png?size=40px",
                f"    :target: https://github.com/{login}",
                f"    :alt: {login}",
            ]
        out += ["", "Current maintainer" + ("s" if len(maintainers) > 1 else "") + ":", ""]
        out += [" ".join(f"|maintainer-{login}|" for login in maintainers), ""]
    out += [
        f"This module is part of the `{org}/{repo} <https://github.com/{org}/{repo}/tree/{BRANCH}/{addon}>`_ "
        "project on GitHub.",
        "",
        "You are welcome to contribute.",
    ]
    return out


def render_html(rst_text, source_path):
    """docutils' HTML of the README, as oca-gen-addon-readme writes static/description/index.html."""
    from docutils.core import publish_string

    overrides = {
        "embed_stylesheet": True,
        "xml_declaration": False,  # Odoo 17+ warns about XML declarations in module descriptions
        "report_level": 2,  # warnings and errors are shown ...
        "halt_level": 2,  # ... and stop the build: a fragment with broken markup fails `make readme`
        "output_encoding": "unicode",
        "doctitle_xform": True,
        "datestamp": False,
        "generator": False,
        "source_link": False,
    }
    return publish_string(rst_text, source_path=source_path, writer="html5", settings_overrides=overrides)


def outputs(addon_dir):
    rst_path = os.path.join(addon_dir, "README.rst")
    html_path = os.path.join(addon_dir, "static", "description", "index.html")
    rst_text = render_rst(addon_dir)
    return {rst_path: rst_text, html_path: render_html(rst_text, rst_path)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when a file would change")
    parser.add_argument("addons", nargs="*", help="addon folders (default: every logikal_connector* addon)")
    args = parser.parse_args(argv)
    drifted = []
    for addon in args.addons or devenv.addons():
        for path, text in outputs(os.path.join(devenv.ROOT, addon)).items():
            current = devenv.read_text(path)
            if current == text:
                continue
            if args.check:
                drifted.append(os.path.relpath(path, devenv.ROOT))
                continue
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text)
            devenv.say(f"wrote {os.path.relpath(path, devenv.ROOT)}")
    if drifted:
        devenv.say("out of date with readme/ and the manifest (run `make readme`): " + ", ".join(drifted))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
