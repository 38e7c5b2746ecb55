"""Shared fixtures: the CLI run in-process (the spaCy model loads once per session), independent
text extraction of released PDFs, x-ray in a virtual environment of its own, and checks of
must-redact / must-keep values as a reader of the release would see them."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_records"
sys.path.insert(0, str(SAMPLES))


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
AS_OF = "2026-11-20"      # the samples' received date: the consent in the third-party sample is judged then


def _ledger_lines() -> int:
    path = Path(os.environ["REDACTKIT_LEDGER"])
    return len(path.read_text().splitlines()) if path.exists() else 0


def _temp_dirs() -> set[str]:
    import tempfile

    return {p.name for p in Path(tempfile.gettempdir()).glob("redactkit-check-*")}


@pytest.fixture(scope="session")
def sample_check(cli, tmp_path_factory):
    """`redactkit check sample_records/requests`, once for the session, as CI runs it (in this
    process, one request after another, so the model loaded once serves all). The observations
    the command made are kept, to compare with what --update would write, and a copy of the
    production sample's trial release, taken before check removes its temporary folder, so that
    test_production.py and test_release.py read that release instead of making another."""
    import tempfile

    import redactkit.check as chk

    out = tmp_path_factory.mktemp("check")
    seen = []
    run, observe = chk.run, chk.observe

    def keep(*a, **k):
        seen.extend(run(*a, **k))
        return seen

    def copy_production(name, result, out_dir, use):
        if name == PRODUCTION_SAMPLE:
            shutil.copytree(out_dir, out / name)
        return observe(name, result, out_dir, use)

    ledger = _ledger_lines()
    with pytest.MonkeyPatch.context() as mp:
        # a temporary folder of the test's own: other runs on this machine share /tmp
        mp.setattr(tempfile, "tempdir", str(tmp_path_factory.mktemp("tmp")))
        temps = _temp_dirs()
        mp.setattr(chk, "run", keep)
        mp.setattr(chk, "observe", copy_production)
        code, output = cli("check", SAMPLES / "requests", "--jobs", "1", "--as-of", AS_OF, "--junit", out / "junit.xml")
        left = _temp_dirs() - temps
    return {"code": code, "output": output, "junit": out / "junit.xml", "observed": seen,
            "ledger_before": ledger, "ledger_after": _ledger_lines(), "temps": left,
            "production": out / PRODUCTION_SAMPLE}


@pytest.fixture(scope="session")
def production_release(request, cli, tmp_path_factory):
    """The production sample released once for the session: (exit code, output, OUT folder).
    When test_check.py runs in the same session, its trial release of the sample is that release
    (the same command, recording no disclosure); else the sample is released here."""
    if any(item.module.__name__ == "test_check" for item in request.session.items):
        check = request.getfixturevalue("sample_check")
        obs = next((o for o in check["observed"] if o.name == PRODUCTION_SAMPLE), None)
        if obs is not None and check["production"].is_dir():
            return int(obs.exit_code), obs.message, check["production"]
    out = tmp_path_factory.mktemp("production")
    code, output = cli("release", SAMPLES / "requests" / PRODUCTION_SAMPLE, "--out", out, "-q")
    return code, output, out


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
