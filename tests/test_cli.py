"""The command line as a user and a batch script see it."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, SAMPLES

PARENT = SAMPLES / "requests" / "2026-1873-parent-guardian"
EXPECTED = json.loads((SAMPLES / "expected" / "2026-1873-parent-guardian.json").read_text())


def test_offline_no_traceback_no_connection(tmp_path):
    """A real process, with every socket connection refused and recorded: nothing is fetched."""
    hook = tmp_path / "hook"
    hook.mkdir()
    log = tmp_path / "connections.log"
    (hook / "sitecustomize.py").write_text(
        "import socket\n"
        "_connect, _connect_ex = socket.socket.connect, socket.socket.connect_ex\n"
        "def _no(self, *a, **k):\n"
        "    if self.family == getattr(socket, 'AF_UNIX', None):\n"   # the detection workers' fork server: no network
        "        return _connect(self, *a, **k)\n"
        f"    open({str(log)!r}, 'a').write(repr(a) + '\\n')\n"
        "    raise OSError('network disabled by test')\n"
        "def _no_ex(self, *a, **k):\n"
        "    if self.family == getattr(socket, 'AF_UNIX', None):\n"
        "        return _connect_ex(self, *a, **k)\n"
        "    return _no(self, *a, **k)\n"
        "socket.socket.connect = _no\nsocket.socket.connect_ex = _no_ex\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(hook), str(ROOT)]),
           "REDACTKIT_LOG_KEY_FILE": str(tmp_path / "k")}
    res = subprocess.run([sys.executable, "-m", "redactkit", "release", str(PARENT), "--out", str(tmp_path / "out")],
                         capture_output=True, text=True, env=env, timeout=300)
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stdout + res.stderr
    assert not log.exists() or log.read_text() == ""
    assert (tmp_path / "out" / "release" / "manifest.json").exists()


@pytest.fixture(scope="module")
def parent_runs(cli, tmp_path_factory):
    """`redactkit release PARENT` as a user runs it (console) and as a script does (--json), once
    each for the tests below (which share an xdist worker for them). Read-only: copy to change."""
    base = tmp_path_factory.mktemp("parent-runs")
    console = cli("release", PARENT, "--out", base / "console")
    as_json = cli("release", PARENT, "--out", base / "json", "--json")
    return {"console": (base / "console", *console), "json": (base / "json", *as_json)}


@pytest.mark.xdist_group("cli-parent-runs")
def test_existing_release_needs_force(cli, parent_runs, tmp_path):
    out, code, _ = parent_runs["console"]
    assert code == 0
    shutil.copytree(out, tmp_path, dirs_exist_ok=True)
    first = (tmp_path / "release" / "manifest.json").read_text()
    code, output = cli("release", PARENT, "--out", tmp_path, "-q")
    assert code == 6 and "--force" in output
    assert (tmp_path / "release" / "manifest.json").read_text() == first
    assert cli("release", PARENT, "--out", tmp_path, "-q", "--force")[0] == 0
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".redactkit")], "staging left behind"


def test_a_killed_run_leaves_no_release_and_the_next_run_cleans_up(cli, tmp_path):
    """SIGKILL mid-run (no chance to clean up): no release/, no ledger entry; the next run
    releases and removes what the killed one left."""
    import signal
    import time

    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ledger = os.environ["REDACTKIT_LEDGER"]
    before = open(ledger).read() if os.path.exists(ledger) else ""
    proc = subprocess.Popen([sys.executable, "-m", "redactkit", "release", str(PARENT), "--out", str(out), "-q"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not any(out.glob(".redactkit-staging-*/release/*.pdf")) and time.monotonic() < deadline \
            and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert any(out.glob(".redactkit-staging-*")), "killed before it began; the test proves nothing"
    assert not (out / "release").exists()
    assert (open(ledger).read() if os.path.exists(ledger) else "") == before
    assert cli("release", PARENT, "--out", out, "-q")[0] == 0
    assert (out / "release" / "manifest.json").exists()
    assert not [p for p in out.iterdir() if p.name.startswith(".redactkit")], "the killed run's staging stays"


@pytest.mark.xdist_group("cli-parent-runs")
def test_json_summary_for_scripts(parent_runs):
    _, code, output = parent_runs["json"]
    data = json.loads(output)
    assert code == data["exit_code"] == 0
    (req,) = data["requests"]
    assert req["status"] == "ok" and req["released"] == 10 and req["withheld"] == 0
    assert req["redactions"] > 0 and req["pages"] >= 5


@pytest.mark.xdist_group("cli-parent-runs")
def test_console_and_log_carry_no_redacted_value(parent_runs):
    (a, code_a, console), (_, code_b, as_json) = parent_runs["console"], parent_runs["json"]
    assert code_a == code_b == 0
    out_text = console + as_json
    internal = "".join(p.read_text() for p in (a / "internal").iterdir())
    for value in EXPECTED["must_redact"]:
        assert value not in out_text
        assert value not in internal
    log = [json.loads(line) for line in (a / "internal" / "redaction_log.jsonl").open()]
    redacted = [e for e in log if e["decision"] == "redact"]
    assert redacted and all(len(e["text_hmac"]) == 64 and e["box"] and e["reason"] for e in redacted)
    assert {"RI", "FP", "TP", "PI"} <= {e["reason"] for e in redacted}


def test_help_explains_and_version(cli):
    code, output = cli("release", "--help")
    assert code == 0 and "--out" in output and "--json" in output and "--force" in output
    code, output = cli("--help")
    assert code == 0 and "Exit codes" in output
    assert cli("--version")[1].startswith("redactkit ")


@pytest.mark.xdist_group("cli-parent-runs")
def test_manifest_cover_sheet_has_notice_and_legend(parent_runs):
    import pymupdf
    out, code, _ = parent_runs["console"]
    assert code == 0
    text = " ".join(" ".join(p.get_text() for p in pymupdf.open(out / "release" / "manifest.pdf")).split())
    assert "Further disclosure" in text and "§17a-101k" in text and "Reporter identity" in text
    manifest = json.loads((out / "release" / "manifest.json").read_text())
    assert set(manifest["reason_codes"]) == {"RI", "TP", "FP", "PI", "SC", "AC"}
    assert manifest["requester"] == {"name": "Linda Bowers", "category": "parent_guardian"}


# --- issue 15: a new user's first day -------------------------------------------------------

def _readme_commands() -> list[str]:
    import re
    block = re.search(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(), re.S).group(1)
    return [line for line in block.splitlines() if line.strip()]


def test_readme_demo_runs_twice_and_says_where_the_disclosure_is_recorded(cli, tmp_path):
    """README command 1 as written (its paths moved under tmp): a second run works too, and
    each run prints where the accounting ledger is."""
    import shlex
    first = _readme_commands()[0]
    args = shlex.split(first.split("&&")[-1].strip())
    assert args[0] == "redactkit" and "--force" in args
    args = [str(tmp_path / a[len("/tmp/"):]) if a.startswith("/tmp/") else a for a in args[1:]]
    args = [str(ROOT / a) if a.startswith("sample_records/") else a for a in args]
    ledger = args[args.index("--ledger") + 1] if "--ledger" in args else os.environ["REDACTKIT_LEDGER"]
    for _ in range(2):
        code, output = cli(*args)
        assert code == 0, output
        assert ledger in " ".join(output.split()).replace(" ", "") or ledger in output
    assert len(open(ledger).read().splitlines()) == 2


def test_a_missing_request_folder_is_reported_once(cli, tmp_path):
    missing = tmp_path / "2026-1873-parent-guardain"      # a typo
    code, output = cli("release", missing, "--out", tmp_path / "out")
    assert code == 2 and output.count(str(missing)) == 1 and "no such folder" in output
    assert not (tmp_path / "out").exists()
    code, output = cli("review", missing, "--out", tmp_path / "out")
    assert code == 2 and output.count(str(missing)) == 1


def _imports_after(args: list[str], tmp_path) -> tuple[int, str, set[str]]:
    """Run `redactkit ARGS` in a fresh process; returns (exit code, stderr, heavy modules imported)."""
    code = ("import runpy, sys\n"
            f"sys.argv = ['redactkit'] + {args!r}\n"
            "try:\n    runpy.run_module('redactkit', run_name='__main__')\n"
            "except SystemExit as e:\n    rc = e.code\n"
            "heavy = [m for m in ('spacy', 'presidio_analyzer', 'pymupdf', 'redactkit.api') if m in sys.modules]\n"
            "print('HEAVY', ','.join(heavy), 'RC', rc)\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path,
                         timeout=120)
    line = [x for x in res.stdout.splitlines() if x.startswith("HEAVY")][-1].split()
    heavy = set(line[1].split(",")) - {"", "RC"} if line[1] != "RC" else set()
    return int(line[-1]), res.stderr, heavy


def test_command_line_mistakes_are_reported_before_the_models_load(tmp_path):
    """A typo on the command line is reported at once: checked before spaCy, Presidio or
    PyMuPDF are imported (a user waits 3 s for nothing otherwise)."""
    req = str(PARENT)
    cases = [
        (["release", str(tmp_path / "2026-1873-parent-guardain"), "--out", "o"], 2),
        (["release", req, "--out", str(PARENT / "out")], 2),
        (["release", req, "--out", "o", "--password-file", "nope.txt"], 2),
        (["release", req, "--out", "o", "--plan", "nope.json", "--reviewer", "Pat"], 10),
        (["release", req, "--out", "o", "--plan", "nope.json"], 10),
        (["review", str(tmp_path / "nope"), "--out", "o"], 2),
        (["plan", "show", "nope.json"], 10),
        (["release", req, "--out", "o", "--frce"], 2),
    ]
    for args, expected in cases:
        code, stderr, heavy = _imports_after(args, tmp_path)
        assert code == expected, (args, stderr)
        assert not heavy, (args, heavy)
        assert "Traceback" not in stderr
    assert not (tmp_path / "o").exists()


def test_dask_help_names_the_extra(cli):
    code, output = cli("release", "--help")
    assert code == 0 and "[dask]" in output


def _long_and_scanned_request(root):
    """A request as the console-noise reports had it: a 40-page text PDF (detected in the worker
    processes, from their fork server) and a 3-page scan (read by the OCR worker processes)."""
    import pymupdf
    from test_other_layouts import _request
    from test_scans import LETTER, _pixels

    req = _request(root)
    rec = req / "records" / "investigation"
    doc = pymupdf.open()
    for i in range(40):
        page = doc.new_page(width=612, height=792)
        page.insert_textbox(pymupdf.Rect(54, 54, 558, 738), f"Page {i + 1}\n\nOn March {i % 28 + 1}, 2025 worker "
                            "Naomi Fairweather visited Rosa Quintero and Mateo at the office. Foster mother Priya "
                            "Ramanathan (phone 203-555-0111) was present. The visit went well and the child was "
                            "doing well in school. " * 3, fontsize=10, fontname="tiro")
    doc.save(rec / "case_notes.pdf")
    scan = pymupdf.open()
    for _ in range(3):
        page = scan.new_page(width=612, height=792)
        page.insert_image(page.rect, pixmap=_pixels(LETTER))
    scan.save(rec / "letters.pdf")
    return req


def test_no_console_noise_at_exit_after_worker_pools(tmp_path):
    """After a release that used the detection workers and the OCR workers, the process ends
    without "Exception ignored in: ..." or a traceback: every pool (and the detection workers' fork
    server) is shut down while the interpreter is still whole, not left to its teardown. A hook
    run last at exit names any pool still open (the noise itself depends on the teardown's order)."""
    req = _long_and_scanned_request(tmp_path / "req")
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(
        "import atexit, multiprocessing, sys\n"
        "def _left_open():\n"     # registered first: runs after every other exit handler
        "    scan, pool = sys.modules.get('redactkit.ingest.scan'), sys.modules.get('redactkit.detect.pool')\n"
        "    server = getattr(sys.modules.get('multiprocessing.forkserver'), '_forkserver', None)\n"
        "    left = [name for name, there in (('OCR pool', getattr(scan, '_POOL', None) is not None),\n"
        "            ('detection pool', getattr(pool, '_pool', None) is not None),\n"
        "            ('fork server', getattr(server, '_forkserver_pid', None) is not None),\n"
        "            ('worker processes', bool(multiprocessing.active_children()))) if there]\n"
        "    if left and multiprocessing.parent_process() is None:\n"
        "        print('left open at exit: ' + ', '.join(left), file=sys.stderr)\n"
        "atexit.register(_left_open)\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(hook), str(ROOT)]),
           "REDACTKIT_LOG_KEY_FILE": str(tmp_path / "k"), "REDACTKIT_LEDGER": str(tmp_path / "ledger.jsonl"),
           "REDACTKIT_WORKERS": "2", "REDACTKIT_OCR_WORKERS": "2"}
    for run in range(2):
        res = subprocess.run([sys.executable, "-m", "redactkit", "release", str(req), "--out", str(tmp_path / f"o{run}"),
                              "-q"], capture_output=True, text=True, env=env, timeout=600, check=False)
        assert res.returncode == 0, res.stdout + res.stderr
        m = json.loads((tmp_path / f"o{run}" / "release" / "manifest.json").read_text())
        assert [r["status"] for r in m["records"]] == ["released", "released"]
        for noise in ("Exception ignored", "Traceback", "left open at exit"):
            assert noise not in res.stderr, res.stderr
