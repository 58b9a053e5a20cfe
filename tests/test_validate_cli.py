"""`disarm validate` on the shipped scenarios and on a corpus of broken files.

Each file in tests/broken/ opens with ``# expect: LINE | KEY PATH | FRAGMENT``: the message must name the file,
that line (0: no line), that key path, and contain the fragment; the exit code must be 2, with no traceback.
The header is ASCII, so that files whose content is not UTF-8 (not_utf8.yaml, binary.yaml) can carry it too.
Files under tests/broken/chain/ are links of the chain extends_too_deep.yaml follows, not cases themselves.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SCENARIOS

BROKEN = sorted((Path(__file__).parent / "broken").glob("*.yaml"))


def disarm(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def _expectation(path: Path) -> tuple[int, str, str]:
    first = path.read_bytes().splitlines()[0].decode("ascii")
    m = re.match(r"# expect: (\d+) \| ([^|]*) \| (.+)$", first)
    assert m, f"{path.name} lacks its '# expect:' header"
    return int(m.group(1)), m.group(2).strip(), m.group(3).strip()


def test_every_shipped_scenario_is_valid():
    shipped = [*SCENARIOS.glob("*.yaml"), *SCENARIOS.glob("examples/*.yaml")]  # the library and the examples
    files = sorted(str(p.relative_to(ROOT)) for p in shipped)
    result = disarm("validate", *files)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("ok: ") == len(files)


def test_the_corpus_is_large_enough_and_its_cases_distinct():
    assert len(BROKEN) >= 60
    expectations = [_expectation(p)[1:] for p in BROKEN if not p.stem.startswith("cycle_")]
    assert len(set(expectations)) == len(expectations), "two corpus files expect the same key and message"


@pytest.fixture(scope="module")
def corpus_results() -> dict[Path, subprocess.CompletedProcess]:
    """``disarm validate FILE`` for every corpus file, one process each, run a few at a time (it is the
    start-up of each process that costs)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 1)) as threads:
        results = threads.map(lambda p: disarm("validate", str(p.relative_to(ROOT))), BROKEN)
        return dict(zip(BROKEN, results))


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_file_is_refused_with_file_line_and_key(path, corpus_results):
    line, key, fragment = _expectation(path)
    label = str(path.relative_to(ROOT))
    result = corpus_results[path]
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    where = f"{label}:{line}: " if line else f"{label}: "
    lines = [ln for ln in result.stderr.splitlines() if ln.startswith(where)]
    assert lines, f"no message starts with {where!r}: {result.stderr}"
    expected_key = f"{where}{key}: " if key else where
    assert any(ln.startswith(expected_key) and fragment in ln for ln in lines), result.stderr


def test_several_problems_of_one_file_are_all_reported(tmp_path):
    path = tmp_path / "many.yaml"
    path.write_text(f"extends: {SCENARIOS / 'syria_2013.yaml'}\nname: many\nconvoys:\n  escortz: 1\n"
                    "  tonnes_per_convoy: -3\nhorizon_days: soon\n", encoding="utf-8")
    result = disarm("validate", str(path))
    assert result.returncode == 2
    messages = result.stderr.splitlines()
    assert any(":4: convoys.escortz: unknown key" in m for m in messages)
    assert any(":5: convoys.tonnes_per_convoy:" in m for m in messages)
    assert any(":6: horizon_days: expected a whole number" in m for m in messages)


def test_missing_file_and_directory(tmp_path):
    result = disarm("validate", str(tmp_path / "nope.yaml"), str(tmp_path))
    assert result.returncode == 2
    assert "nope.yaml: no such file" in result.stderr
    assert "is a directory" in result.stderr
    assert "Traceback" not in result.stderr


def test_error_lines_are_not_wrapped(tmp_path):
    path = tmp_path / ("a_rather_long_file_name_" * 4 + ".yaml")
    path.write_text("name: x\nunknown_key_with_a_long_name_indeed: 1\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "sim", "validate", str(path)], capture_output=True, text=True,
                            env={**__import__("os").environ, "COLUMNS": "40"}, timeout=60)
    assert result.returncode == 2
    assert any(str(path) in ln and "unknown_key_with_a_long_name_indeed" in ln for ln in result.stderr.splitlines())


def test_schema_command_prints_json_schema():
    import json

    result = disarm("schema")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert schema["title"] == "disarm-sim scenario"
    assert "sites" in schema["properties"]
