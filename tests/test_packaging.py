"""What the wheel installs: the three packages with their data, never a top-level benchmarks."""

from __future__ import annotations

import tomllib
from pathlib import Path

from setuptools import find_packages

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_installs_no_benchmarks_package():
    """The packages found for the wheel are optimizer, api and scenarios, not benchmarks."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = find_packages(str(ROOT), include=config["packages"]["find"]["include"])
    assert {p.split(".")[0] for p in found} == {"optimizer", "api", "scenarios"}


def test_docs_assets_and_dependencies_are_declared():
    """The vendored docs assets are package data; httpx, tzdata, jsonschema and mypy are pinned."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = project["tool"]["setuptools"]["package-data"]["api"]
    shipped = {p for pattern in patterns for p in (ROOT / "api").glob(pattern)}
    assert ROOT / "api/static/redoc/redoc.standalone.js" in shipped
    assert ROOT / "api/static/swagger-ui/LICENSE" in shipped
    names = [d.split(">")[0].split("[")[0] for d in project["project"]["dependencies"]]
    dev = [d.split(">")[0] for d in project["project"]["optional-dependencies"]["dev"]]
    assert {"httpx", "tzdata"} <= set(names)
    assert {"jsonschema", "mypy"} <= set(dev)


def test_console_is_package_data_and_playwright_a_dev_dependency():
    """Every file of the console ships in the wheel; the browser tests' playwright is in dev."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = project["tool"]["setuptools"]["package-data"]["api"]
    shipped = {p for pattern in patterns for p in (ROOT / "api").glob(pattern)}
    console = set((ROOT / "api/static/console").iterdir())
    assert ROOT / "api/static/console/index.html" in console
    assert console <= shipped
    dev = [d.split(">")[0] for d in project["project"]["optional-dependencies"]["dev"]]
    assert "playwright" in dev


def test_ci_runs_the_readme_test_command_in_a_fresh_virtualenv():
    """.ci/run creates a virtualenv and runs the README's quick-start test command in it."""
    import re

    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text()
    quick = r"```bash\n(pip install -e \"\.\[dev\]\" && python -m pytest)\n```"
    (command,) = re.findall(quick, readme)
    ci = (root / ".ci" / "run").read_text()
    install, test = command.split(" && ")
    venv_at = ci.index('python -m venv --clear "$venv"')
    assert venv_at < ci.index('source "$venv/bin/activate"') < ci.index(install)
    assert ci.index(install) < ci.rindex(test)
    assert ci.rstrip().endswith(test)
