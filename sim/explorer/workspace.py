"""The explorer's workspace: the one folder ``disarm serve`` reads and writes.

Every path the browser names is relative to the workspace and goes through :meth:`Workspace.resolve`, which
refuses absolute paths, ``..``, and anything whose real path (symbolic links followed) lies outside. Scenarios
are written atomically (:func:`sim.core.files.write_text`); run folders are written by the ``disarm`` command
itself, which writes them atomically.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from sim.core.contract import MANIFEST

SCENARIOS = "scenarios"
RUNS = "runs"
MAX_UPLOAD_BYTES = 1_000_000
"""The largest scenario file the explorer accepts (uploaded or typed); the bundled baseline is ~25 KB."""

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


class WorkspaceError(ValueError):
    """A path or name the workspace refuses (outside it, malformed, missing)."""


def check_name(name: str) -> str:
    """A scenario or job name: letters, digits, ``_`` and ``-``, at most 64 characters."""
    if not _NAME.match(name):
        raise WorkspaceError(
            f"{name!r}: a name is 1-64 letters, digits, '_' or '-', starting with a letter or digit"
        )
    return name


@dataclass(frozen=True)
class Workspace:
    """The folder the explorer owns (created if missing)."""

    root: Path

    @classmethod
    def open(cls, folder: Path) -> "Workspace":
        root = Path(folder).expanduser().resolve()
        for sub in ("", SCENARIOS, RUNS):
            (root / sub).mkdir(parents=True, exist_ok=True)
        return cls(root)

    def resolve(self, relative: str) -> Path:
        """The real path of ``relative`` inside the workspace; :class:`WorkspaceError` if it is absolute,
        holds ``..`` or a NUL, or leads (through a symbolic link) outside."""
        if not relative or "\x00" in relative or "\\" in relative:
            raise WorkspaceError("not a workspace path")
        pure = PurePosixPath(relative)
        if pure.is_absolute() or any(part in ("..", "") for part in pure.parts) or relative.startswith("~"):
            raise WorkspaceError(f"{relative!r}: only paths inside the workspace")
        real = (self.root / pure).resolve()
        if real != self.root and self.root not in real.parents:
            raise WorkspaceError(f"{relative!r}: leads outside the workspace")
        return real

    def relative(self, path: Path) -> str:
        return path.resolve().relative_to(self.root).as_posix()

    def scenario_path(self, name: str) -> Path:
        return self.resolve(f"{SCENARIOS}/{check_name(name)}.yaml")

    def scenarios(self) -> list[str]:
        """The workspace's scenarios by name (``scenarios/NAME.yaml``), sorted."""
        folder = self.root / SCENARIOS
        return sorted(p.stem for p in folder.glob("*.yaml")
                      if p.is_file() and not p.is_symlink() and _NAME.match(p.stem))

    def save_scenario(self, name: str, text: str) -> Path:
        """Write ``scenarios/NAME.yaml`` atomically."""
        from sim.core.files import write_text

        if len(text.encode("utf-8")) > MAX_UPLOAD_BYTES:
            raise WorkspaceError(f"a scenario is at most {MAX_UPLOAD_BYTES:,} bytes")
        path = self.scenario_path(name)
        write_text(path, text)
        return path

    def output_folders(self, kinds: tuple[str, ...] | None = None) -> dict[str, str]:
        """Complete output folders under ``runs/`` (those with a manifest), newest first: relative path to a
        label (the folder, its kind and what its manifest names).  A folder's kind is read from its files:
        run, compare, sweep, backtest or calibrate."""
        import json

        found = []
        for manifest in (self.root / RUNS).glob(f"*/{MANIFEST}"):
            folder = manifest.parent
            if folder.is_symlink() or not manifest.is_file():
                continue
            kind = folder_kind(folder)
            if kinds is not None and kind not in kinds:
                continue
            try:
                named = json.loads(manifest.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                named = {}
            what = named.get("scenario") or named.get("name") or "" if isinstance(named, dict) else ""
            found.append(
                (manifest.stat().st_mtime, self.relative(folder), f"{folder.name} ({kind}) {what}".strip())
            )
        return {rel: label for _, rel, label in sorted(found, reverse=True)}


def folder_kind(folder: Path) -> str:
    """What wrote an output folder, from the files only that kind writes."""
    for name, kind in (
        ("comparison.json", "compare"),
        ("sensitivity.json", "sweep"),
        ("backtest.json", "backtest"),
        ("calibration.json", "calibrate"),
        ("history.parquet", "search"),  # a search's folder has a summary.json too
        ("summary.json", "run"),
    ):
        if (folder / name).is_file():
            return kind
    return "unknown"


__all__ = [
    "Workspace",
    "WorkspaceError",
    "check_name",
    "folder_kind",
    "MAX_UPLOAD_BYTES",
    "SCENARIOS",
    "RUNS",
]
