"""The documentation site builds with no warning, with the README as its home page, the guides, the gallery,
the API reference from the docstrings and the two example notebooks executed; the notebooks draw their
figures inline."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

NOTEBOOKS = ROOT / "docs" / "notebooks"


def _kernel_env() -> dict[str, str]:
    """The environment of a notebook's kernel: the user's, without the tests' Agg backend (a notebook's own
    backend is the inline one) and with this checkout first on the path."""
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["NO_MKDOCS_2_WARNING"] = "1"
    return env


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> tuple[Path, str]:
    where = tmp_path_factory.mktemp("site") / "site"
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(where)], cwd=ROOT,
                          env=_kernel_env(), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return where, done.stdout + done.stderr


def test_the_site_builds_with_no_warning(site):
    _, log = site
    assert [ln for ln in log.splitlines() if ln.startswith("WARNING")] == []


def test_the_home_page_is_the_readme_with_working_links(site):
    where, _ = site
    home = (where / "index.html").read_text(encoding="utf-8")
    assert "A quick tour" in home and "pip install -e . &amp;&amp; disarm run" in home
    assert 'href="contracts/' in home and 'href="docs/' not in home
    assert 'src="plots/gallery/progress.png"' in home and (where / "plots/gallery/progress.png").is_file()


def test_the_api_reference_comes_from_the_docstrings(site):
    where, _ = site
    api = (where / "api" / "index.html").read_text(encoding="utf-8")
    for name in ("load_scenario", "run", "compare", "sweep", "Results", "SweepResults", "to_frame"):
        assert f"{name}</" in api or f">{name}<" in api, name
    assert "Run a sweep: build its design" in api


def test_the_notebooks_are_executed_into_the_site_with_their_figures(site):
    where, _ = site
    for name, figures in (("run_and_compare", 3), ("sweep", 1)):
        page = (where / "notebooks" / name / "index.html").read_text(encoding="utf-8")
        assert page.count("data:image/png;base64") >= figures, name
        assert "Traceback" not in page


@pytest.mark.parametrize("name", ["run_and_compare", "sweep"])
def test_each_figure_cell_of_an_example_notebook_shows_an_image(name):
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    env = _kernel_env()
    old = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)  # the kernel inherits this process's environment
    try:
        NotebookClient(notebook, timeout=300, kernel_name="python3",
                       resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(old)
    figure_cells = [cell for cell in notebook.cells if cell.cell_type == "code"
                    and ("plot_" in cell.source or cell.source.rstrip().endswith("ax.figure"))]
    assert figure_cells
    for cell in figure_cells:
        assert any("image/png" in output.get("data", {}) for output in cell.outputs), cell.source
    html_cells = [cell for cell in notebook.cells if cell.cell_type == "code"
                  and cell.source.rstrip().splitlines()[-1] in ("results", "comparison")]
    for cell in html_cells:
        assert any("text/html" in output.get("data", {}) for output in cell.outputs), cell.source
