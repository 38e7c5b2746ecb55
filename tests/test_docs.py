"""The project is self-contained (issue 15): docs/ is the reference a new user needs, it says what
the code does (every request.yaml key, every category's reason codes, every exit code and
setting), error messages point to it, and nothing refers to a path outside the repository."""
from __future__ import annotations

import datetime as dt
import re
import subprocess

import pytest

from conftest import ROOT

DOCS = ROOT / "docs"


def _examples() -> dict[str, str]:
    text = (DOCS / "request-folder.md").read_text()
    blocks = re.findall(r"```yaml\n(# example: (\w+)\n.*?)```", text, re.S)
    return {category: body for body, category in blocks}


def test_an_example_request_per_category_that_loads_and_is_admitted(tmp_path):
    from redactkit.plan import admit
    from redactkit.request import Category, load_request

    examples = _examples()
    assert set(examples) == {c.value for c in Category}
    for category, body in examples.items():
        req = tmp_path / category
        (req / "records" / "medical").mkdir(parents=True)
        (req / "records" / "medical" / "a.pdf").write_bytes(b"%PDF-1.4\n")
        (req / "request.yaml").write_text(body)
        request = load_request(req)
        assert request.requester.category.value == category
        assert admit(request, request.received).category == category


def test_every_request_key_is_documented():
    from redactkit.request import Case, Consent, LegalReview, PartyEntry, Request, Requester

    text = (DOCS / "request-folder.md").read_text()
    for model in (Request, Requester, Case, PartyEntry, Consent, LegalReview):
        for key in model.model_fields:
            assert f"`{key}`" in text, f"{model.__name__}.{key} is not in docs/request-folder.md"
    for role in PartyEntry.model_fields["role"].annotation.__args__:
        assert f"`{role}`" in text


def test_every_category_and_reason_code_is_documented():
    from redactkit.plan import load_recipe
    from redactkit.request import Category

    text = (DOCS / "recipes.md").read_text()
    sections = dict(re.findall(r"### (\w+)\n(.*?)(?=\n### |\n## |\Z)", text, re.S))
    for category in Category:
        recipe = load_recipe(category.value)
        section = sections[category.value]
        for code, reason in recipe.reasons.items():
            assert re.search(rf"\|\s*{code}\s*\|\s*{re.escape(reason.label)}\s*\|\s*{re.escape(reason.basis)}\s*\|",
                             section), f"{category.value}: {code} ({reason.label}) is not in docs/recipes.md"


def test_every_exit_code_and_setting_is_documented():
    from redactkit.errors import ExitCode

    codes = (DOCS / "exit-codes.md").read_text()
    for code in ExitCode:
        assert re.search(rf"^\| {int(code)} \|", codes, re.M), f"exit code {int(code)}"
    settings = (DOCS / "settings.md").read_text()
    used = set(re.findall(r"REDACTKIT_[A-Z_]+", " ".join(p.read_text() for p in (ROOT / "redactkit").rglob("*.py"))))
    assert used and all(f"`{v}`" in settings for v in used), used


def test_docs_links_and_error_pointers_resolve():
    pages = {p.name for p in DOCS.glob("*.md")}
    for page in [ROOT / "README.md", *DOCS.glob("*.md")]:
        for link in re.findall(r"\]\(((?:docs/)?[\w-]+\.md)\)", page.read_text()):
            assert (page.parent / link).is_file(), f"{page.name} links to {link}"
    source = " ".join(p.read_text() for p in (ROOT / "redactkit").rglob("*.py"))
    pointed = set(re.findall(r"docs/([\w-]+\.md)", source))
    assert {"request-folder.md", "review.md", "recipes.md"} <= pointed <= pages
    assert '"docs"' in (ROOT / "pyproject.toml").read_text().split("[tool.hatch.build.targets.sdist]")[1]


def test_nothing_points_outside_the_repository():
    try:      # the project's files (git's list in a checkout; every file in an unpacked sdist)
        files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                               capture_output=True, text=True).stdout.split()
    except OSError:
        files = []
    files = files or [str(p.relative_to(ROOT)) for p in ROOT.rglob("*")
                      if p.is_file() and not {".git", ".venv", ".pytest_cache"} & set(p.parts)]
    for name in files:
        path = ROOT / name
        if path.suffix not in {".py", ".md", ".toml", ".yaml", ".yml", ".txt", ".cfg"} or name == "tests/test_docs.py":
            continue
        text = path.read_text(errors="replace")
        assert "../shared" not in text and "/work/shared" not in text, name
    bench = (ROOT / "benchmarks" / "release_large.py").read_text()
    assert 'ROOT / "benchmarks" / "naive_baseline.py"' in bench
    assert (ROOT / "benchmarks" / "naive_baseline.py").is_file()


@pytest.mark.parametrize("args, page", [
    (["release", "{req}", "--out", "{out}"], "docs/request-folder.md"),
    (["plan", "show", "{bad_plan}"], "docs/review.md"),
])
def test_format_errors_name_their_docs_page(cli, tmp_path, args, page):
    req = tmp_path / "req"
    (req / "records" / "x").mkdir(parents=True)
    (req / "records" / "x" / "a.pdf").write_bytes(b"%PDF-1.4\n")
    (req / "request.yaml").write_text(f"request_id: r1\nreceived: {dt.date.today()}\nrequester: {{name: A, "
                                      "category: dcf_staff}\ncase: {stauts: open}\n")
    (tmp_path / "plan.json").write_text('{"plan_version": 1}')
    code, output = cli(*[a.format(req=req, out=tmp_path / "out", bad_plan=tmp_path / "plan.json") for a in args])
    assert code in (3, 10) and page in output and (ROOT / page).is_file()
