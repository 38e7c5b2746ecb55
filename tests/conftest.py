"""Shared fixtures: the CLI run in-process (the spaCy model loads once per session), independent
text extraction of released PDFs, x-ray in a virtual environment of its own, checks of
must-redact / must-keep values as a reader of the release would see them, and the sample
requests released once per session (by `redactkit check`, as CI runs it) for every test that
needs "the release of sample X under its recipe".

The suite runs in pytest-xdist workers (`-n auto --dist loadgroup` in pyproject.toml): session
fixtures are per worker, so the tests sharing an expensive fixture are sent to one worker as an
xdist_group (here for the sample releases, in the test modules for their own module fixtures;
see the scheduler below)."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
import warnings
from pathlib import Path
from typing import NamedTuple

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_records"
REQUESTS = SAMPLES / "requests"
AS_OF = "2026-11-20"      # the samples' received date: the consent in the third-party sample is judged then
sys.path.insert(0, str(SAMPLES))

# --- one xdist worker per group of tests sharing an expensive fixture ---------------------------
# `--dist loadgroup` would send the tests of an xdist_group to one worker by appending "@group" to
# their node ids in the workers, but pytest 9.2's structured node ids ignore that (pytest-xdist
# issue 1386): the tests would be spread and each worker would make the fixture again (measured:
# the sample releases twice, 230 s more). So the workers write each test's group to a file, and
# the scheduler below reads it there. With `-n 0` none of this runs.

# fixtures computed once per session whose users must share one xdist worker
SHARED_FIXTURES = {"sample_check": "sample-releases"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    groups = {}
    for item in items:
        for fixture, group in SHARED_FIXTURES.items():
            if fixture in getattr(item, "fixturenames", ()):
                item.add_marker(pytest.mark.xdist_group(group))
        names = {str(m.args[0] if m.args else m.kwargs.get("name", "default")) for m in item.iter_markers("xdist_group")}
        if names:
            groups[item.nodeid] = "@" + "_".join(sorted(names))
    where = getattr(config, "workerinput", {}).get("redactkit_groups")
    if where:
        mine = Path(where) / f"{config.workerinput['workerid']}.json"
        mine.with_suffix(".tmp").write_text(json.dumps(groups))
        mine.with_suffix(".tmp").replace(mine)


def _groups_dir(config) -> str:
    if not hasattr(config, "_redactkit_groups"):
        config._redactkit_groups = tempfile.mkdtemp(prefix="redactkit-xdist-groups-")
    return config._redactkit_groups


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    node.workerinput["redactkit_groups"] = _groups_dir(node.config)


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getoption("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class MarkedGroupScheduling(LoadGroupScheduling):
        """loadgroup, with the groups as the workers wrote them at collection (which is over
        before the scheduler splits the collection into units)."""
        groups: dict | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self.groups is None:
                written = sorted(Path(_groups_dir(config)).glob("*.json"))
                self.groups = json.loads(written[0].read_text()) if written else {}
            return self.groups.get(nodeid) or super()._split_scope(nodeid)

    return MarkedGroupScheduling(config, log)


def pytest_unconfigure(config):
    if hasattr(config, "_redactkit_groups"):
        shutil.rmtree(config._redactkit_groups, ignore_errors=True)


@pytest.fixture(autouse=True, scope="session")
def _isolated_key(tmp_path_factory):
    os.environ["REDACTKIT_LOG_KEY_FILE"] = str(tmp_path_factory.mktemp("key") / "log.key")
    os.environ["REDACTKIT_LEDGER"] = str(tmp_path_factory.mktemp("ledger") / "ledger.jsonl")


@pytest.fixture(scope="session")
def cli():
    """Run `redactkit ARGS...` in this process; returns (exit_code, output)."""
    from redactkit.cli import app

    runner = CliRunner()

    def run(*args):
        result = runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
        return result.exit_code, result.output

    return run


PRODUCTION_SAMPLE = "2026-1884-parent-guardian"   # Office files, a photo, a TIFF, a thread (issue 16)


@pytest.fixture(scope="session")
def production_release(sample_release):
    """The production sample's release of this session (the trial release `sample_check` made):
    (exit code, output, OUT folder)."""
    rel = sample_release(PRODUCTION_SAMPLE)
    return rel.code, rel.message, rel.out


def norm(text: str) -> str:
    t = unicodedata.normalize("NFKC", text).replace("\u00ad", "").replace("’", "'")
    return " ".join(t.split()).casefold()


def compact(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", norm(text))


def release_texts(release: Path) -> dict[str, str]:
    """Every file under release/, read back by extractors other than the MuPDF that wrote it:
    pdfminer.six (pure Python), PDFium, and poppler's pdftotext where installed. A value leaks if
    any of them reads it; a kept value is readable if any reads it (pdfminer builds lines in
    content-stream order, so a line broken by a redaction can come out as two)."""
    import pypdfium2 as pdfium
    from pdfminer.high_level import extract_text

    texts = {}
    for f in sorted(release.rglob("*")):
        if f.suffix == ".pdf":
            texts[f.name] = extract_text(str(f))
            pdf = pdfium.PdfDocument(str(f))
            texts[f.name + " (pdfium)"] = "\n".join(p.get_textpage().get_text_range() for p in pdf)
            pdf.close()
            ocr = ocr_text(f)
            if ocr:
                texts[f.name + " (ocr)"] = ocr
            if shutil.which("pdftotext"):
                texts[f.name + " (pdftotext)"] = subprocess.run(
                    ["pdftotext", str(f), "-"], capture_output=True, text=True, check=True).stdout
        elif f.is_file():
            texts[f.name] = f.read_text(encoding="utf-8", errors="replace")
    return texts


def ocr_text(pdf: Path) -> str:
    """What a reader sees in the pixels of every page that carries a large image (a scan)."""
    import pymupdf
    from redactkit.ingest.scan import image_fraction, tessdata_dir

    out = []
    doc = pymupdf.open(pdf)
    for page in doc:
        if image_fraction(page) >= 0.25:
            tp = page.get_textpage_ocr(dpi=300, full=True, tessdata=tessdata_dir())
            out.append(page.get_text(textpage=tp))
    doc.close()
    return "\n".join(out)


def readable(value: str, text: str) -> bool:
    """Whether a value can be read in the text (word-bounded; long values also across spacing)."""
    if re.search(r"(?<![0-9a-z])" + re.escape(norm(value)) + r"(?![0-9a-z])", norm(text)):
        return True
    c = compact(value)
    return len(c) >= 8 and c in compact(text)


def kept(value: str, text: str) -> bool:
    return compact(value) in compact(text)


@pytest.fixture(scope="session")
def xray(tmp_path_factory):
    """x-ray (Free Law Project) in its own virtual environment: it pins an old PyMuPDF.
    Returns a function: list of PDFs -> {file: findings} (empty when clean)."""
    env_dir = Path(os.environ.get("REDACTKIT_XRAY_VENV", ROOT / ".pytest_cache" / "xray-venv"))
    py = env_dir / "bin" / "python"
    env_dir.parent.mkdir(parents=True, exist_ok=True)
    # xdist workers start together: one installs, the others wait for it
    with open(env_dir.parent / f"{env_dir.name}.lock", "w") as lock:
        try:
            import fcntl
            fcntl.flock(lock, fcntl.LOCK_EX)
        except ImportError:       # no fcntl (Windows): run with -n 0
            pass
        if not py.exists() or subprocess.run([py, "-c", "import xray"], capture_output=True).returncode:
            try:
                subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True, capture_output=True)
                subprocess.run([py, "-m", "pip", "install", "-q", "x-ray"], check=True, capture_output=True,
                               timeout=600)
            except (subprocess.SubprocessError, OSError) as exc:
                if os.environ.get("CI"):
                    pytest.fail(f"x-ray could not be installed in {env_dir}: {exc}")
                pytest.skip(f"x-ray could not be installed ({exc}); set REDACTKIT_XRAY_VENV")

    def run(pdfs: list[Path]) -> dict:
        code = ("import asyncio, inspect, json, sys, xray\n"
                "out = {}\n"
                "for f in sys.argv[1:]:\n"
                "    r = xray.inspect(f)\n"
                "    r = asyncio.run(r) if inspect.iscoroutine(r) else r\n"
                "    if r: out[f] = {str(k): [{'text': x['text']} for x in v] for k, v in r.items()}\n"
                "print(json.dumps(out))")
        res = subprocess.run([py, "-c", code, *map(str, pdfs)], capture_output=True, text=True, check=True)
        return json.loads(res.stdout)

    return run


def check_release(out: Path, expected: dict, xray) -> dict:
    """The user's checks on a release: nothing that must go is readable anywhere under release/,
    what must stay is readable, every PDF's SHA-256 is in the manifest, x-ray finds no bad box."""
    import hashlib

    release = out / "release"
    assert release.is_dir(), "no release/ written"
    texts = release_texts(release)
    everything = "\n".join(texts.values())
    leaked = [v for v in expected["must_redact"] if readable(v, everything)]
    missing = [v for v in expected["must_keep"] if not kept(v, everything)]
    manifest = json.loads((release / "manifest.json").read_text())
    hashes = {r["output"]: r["output_sha256"] for r in manifest["records"] if r["status"] == "released"}
    pdfs = sorted(p for p in release.glob("*.pdf") if p.name not in ("manifest.pdf", "exemption_log.pdf"))
    assert {p.name for p in pdfs} == set(hashes), "released PDFs and manifest disagree"
    for p in pdfs:
        assert hashlib.sha256(p.read_bytes()).hexdigest() == hashes[p.name]
    for name, digest in manifest.get("exemption_log", {}).get("sha256", {}).items():
        assert hashlib.sha256((release / name).read_bytes()).hexdigest() == digest, name
    bad = xray(pdfs) if pdfs else {}
    return {"leaked": leaked, "missing": missing, "kept_ratio": 1 - len(missing) / max(1, len(expected["must_keep"])),
            "xray": bad, "manifest": manifest, "texts": texts}


def ledger_lines() -> int:
    path = Path(os.environ["REDACTKIT_LEDGER"])
    return len(path.read_text().splitlines()) if path.exists() else 0


def check_temp_dirs() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("redactkit-check-*")}


def expected_of(rid: str) -> dict:
    return json.loads((SAMPLES / "expected" / f"{rid}.json").read_text())


class SampleRelease(NamedTuple):
    out: Path           # holds release/ and internal/, as `redactkit release REQUEST --out OUT` writes them
    code: int           # the release's exit code
    message: str


@pytest.fixture(scope="session")
def sample_check(cli, tmp_path_factory):
    """`redactkit check sample_records/requests`, once per session, as CI runs it (in this process,
    one request after another, so the model loaded once serves all). Kept: the command's exit code,
    output and JUnit report, the observations it made (to compare with what --update would write),
    and a copy of each trial release taken before check removes it, so that every test needing
    "the release of sample X under its recipe" reads that one back with its own extractors instead
    of releasing X again (`--as-of` only judges the consent's date; check records no disclosure)."""
    import redactkit.check as chk

    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:      # the workers' base folders share a parent, one per run
        made = tmp_path_factory.getbasetemp().parent / "sample-releases-made-by"
        if made.exists():
            warnings.warn(f"the sample releases are made again, in {worker} after {made.read_text()}: the tests "
                          "using them were not kept on one worker (see the scheduler in tests/conftest.py)")
        made.write_text(worker)
    out = tmp_path_factory.mktemp("check")
    kept = tmp_path_factory.mktemp("sample-releases")
    seen, releases = [], {}
    run, observe = chk.run, chk.observe

    def keep(*a, **k):
        seen.extend(run(*a, **k))
        return seen

    def copy_then_observe(name, result, out_dir, use):
        if out_dir.exists():
            shutil.copytree(out_dir, kept / name)
        releases[name] = SampleRelease(kept / name, int(result.exit_code), result.message)
        return observe(name, result, out_dir, use)

    ledger = ledger_lines()
    with pytest.MonkeyPatch.context() as mp:
        # a temporary folder of the test's own: other runs on this machine share /tmp
        mp.setattr(tempfile, "tempdir", str(tmp_path_factory.mktemp("tmp")))
        temps = check_temp_dirs()
        mp.setattr(chk, "run", keep)
        mp.setattr(chk, "observe", copy_then_observe)
        code, output = cli("check", REQUESTS, "--jobs", "1", "--as-of", AS_OF, "--junit", out / "junit.xml")
        left = check_temp_dirs() - temps
    return {"code": code, "output": output, "junit": out / "junit.xml", "observed": seen, "releases": releases,
            "ledger_before": ledger, "ledger_after": ledger_lines(), "temps": left}


@pytest.fixture(scope="session")
def sample_release(sample_check):
    """rid -> SampleRelease: the session's release of that sample request (read-only: copy it to
    change it)."""
    def get(rid: str) -> SampleRelease:
        return sample_check["releases"][rid]
    return get


@pytest.fixture(scope="session")
def checked_sample(sample_release, xray):
    """rid -> (SampleRelease, check_release of it against its expectation), read once per session."""
    cache = {}

    def get(rid: str):
        if rid not in cache:
            rel = sample_release(rid)
            cache[rid] = rel, check_release(rel.out, expected_of(rid), xray)
        return cache[rid]
    return get
