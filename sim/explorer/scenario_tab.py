"""The Scenario tab: pick a bundled or workspace scenario, change its main levers in a form generated from the
JSON Schema, or edit the YAML of a scenario that ``extends`` it; problems appear beside their field in the
wording of ``disarm validate``; save it as a new workspace scenario, or upload one (size-limited, safe
loader)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from nicegui import ui

from sim.explorer import drafts
from sim.explorer.workspace import MAX_UPLOAD_BYTES, Workspace, WorkspaceError, check_name


def css_name(path: str) -> str:
    return path.replace(".", "-")


@dataclass
class Draft:
    """One browser tab's scenario: the one it started from, and the text of the scenario extending it."""

    base: str = "syria_2013"
    text: str = ""
    base_text: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.text.strip() != self.base_text.strip()


class ScenarioTab:
    """The form, the editor and their problems; ``on_saved`` is told when the workspace's scenarios change."""

    def __init__(self, workspace: Workspace, on_saved: Callable[[], None]):
        self.workspace, self.on_saved = workspace, on_saved
        self.draft = Draft()
        self.inputs: dict[str, Any] = {}
        self.errors: dict[str, ui.label] = {}
        self.base_values: dict[str, str] = {}
        with ui.row().classes("items-end gap-4"):
            self.picker = ui.select(
                drafts.choices(workspace),
                value=self.draft.base,
                label="Start from",
                on_change=lambda e: self.start_from(e.value),
            ).classes("w-64 scenario-picker")
            self.name = ui.input("Name of the new scenario", value="syria_2013-edit").classes(
                "w-64 scenario-name"
            )
            ui.button("Save as new scenario", on_click=self.save).classes("save-button")
            ui.upload(
                label="Upload a scenario (YAML, at most 1 MB)",
                auto_upload=True,
                max_file_size=MAX_UPLOAD_BYTES,
                on_upload=self.upload,
                on_rejected=lambda: ui.notify("too large: at most 1 MB", type="negative"),
            ).props("accept=.yaml,.yml").classes("w-64 scenario-upload")
        with ui.row().classes("w-full no-wrap gap-6"):
            with ui.column().classes("w-1/2 lever-form"):
                ui.label("Main levers (from the scenario format's JSON Schema)").classes("text-h6")
                for lever in drafts.levers():
                    self._lever(lever)
            with ui.column().classes("w-1/2"):
                ui.label("YAML of the new scenario (extends the one it starts from)").classes("text-h6")
                self.editor = ui.codemirror("", language="YAML", on_change=self.edited).classes(
                    "w-full h-96 yaml-editor"
                )
                self.other_errors = ui.column().classes("yaml-errors text-negative")
        self.start_from(self.draft.base)

    def _lever(self, lever: drafts.Lever) -> None:
        block = lever.path.split(".")[0]
        unit = f" [{lever.unit}]" if lever.unit else ""
        label = f"{block}: {lever.title}{unit}"
        bounds = f" ({lever.bounds()})" if lever.bounds() else ""
        hint = f"{lever.path}: {lever.description}{bounds}"
        css = f"lever-{css_name(lever.path)}"
        with ui.column().classes("w-full gap-0"):
            if lever.kind == "boolean":
                widget = ui.switch(label, on_change=lambda e, p=lever.path: self.changed(p, e.value)).classes(
                    css
                )
                ui.label(hint).classes("text-caption text-grey-7")
            else:
                widget = (
                    ui.input(label, on_change=lambda e, p=lever.path: self.changed(p, e.value))
                    .classes(f"w-full {css}")
                    .props("debounce=400 dense")
                )
                ui.label(hint).classes("text-caption text-grey-7")
            self.errors[lever.path] = ui.label("").classes(
                f"text-negative text-caption lever-error error-{css}"
            )
        self.inputs[lever.path] = widget

    # ---------------------------------------------------------------------------------------------------
    def start_from(self, base: str) -> None:
        """Load a scenario of the picker: the form shows its values, the editor a scenario extending it."""
        try:
            scenario = drafts.load_named(self.workspace, base)
        except Exception as exc:  # noqa: BLE001 - a workspace scenario gone bad: its problems, in words
            ui.notify(str(exc), type="negative", multi_line=True)
            return
        self.draft.base = base
        self.base_values = drafts.base_values(scenario)
        self.name.value = f"{base}-edit"
        self._loading = True
        for path, widget in self.inputs.items():
            value = self.base_values[path]
            widget.value = (value == "true") if isinstance(widget, ui.switch) else value
        self._loading = False
        self.draft.base_text = drafts.child_text(
            drafts.base_reference(self.workspace, base), self.name.value, {}
        )
        self.set_text(self.draft.base_text)

    def changed(self, path: str, value: Any) -> None:
        """A lever changed: the editor's scenario gets (or loses) that key, then everything is validated."""
        if getattr(self, "_loading", False):
            return
        typed = ("true" if value else "false") if isinstance(value, bool) else str(value or "")
        data = drafts.read_data(self.draft.text)
        if not isinstance(data, dict):
            data = {}
        block, key = path.split(".")
        section = data.get(block)
        if not isinstance(section, dict):
            section = data[block] = {}
        if typed.strip() == self.base_values.get(path, ""):  # back to the original: the key goes
            section.pop(key, None)
            if not section:
                data.pop(block)
        else:  # read as YAML by the safe loader (text that is no YAML stays text: validation names it)
            section[key] = drafts.read_data(typed, fallback=typed) if typed.strip() else None
        self.set_text(drafts.dump(data))

    def edited(self, event: Any) -> None:
        if event.value != self.draft.text:
            self.draft.text = event.value
            self.validate()

    def set_text(self, text: str) -> None:
        self.draft.text = text
        self.editor.value = text
        self.validate()

    def validate(self) -> bool:
        """Validate the editor's scenario as ``scenarios/NAME.yaml``; show each problem beside its field."""
        name = self.name.value if _valid_name(self.name.value) else "draft"
        _, problems = drafts.validate_text(self.workspace, self.draft.text, name)
        beside, others = drafts.problems_by_lever(problems)
        for path, label in self.errors.items():
            label.text = "\n".join(beside.get(path, []))
        self.other_errors.clear()
        with self.other_errors:
            for line in others:
                ui.label(line).classes("yaml-error")
        self.draft.problems = [str(p) for p in problems]
        return not problems

    # ---------------------------------------------------------------------------------------------------
    def save(self) -> str | None:
        """Save the editor's scenario as ``scenarios/NAME.yaml``; its name, or None (problems shown)."""
        name = self.name.value
        try:
            check_name(name)
        except WorkspaceError as exc:
            ui.notify(str(exc), type="negative")
            return None
        text = _with_name(self.draft.text, name)
        path, problems = drafts.save_text(self.workspace, text, name)
        if path is None:
            self.validate()
            ui.notify(f"not saved: {len(problems)} problem(s), shown beside the fields", type="negative")
            return None
        ui.notify(f"saved as {self.workspace.relative(path)}", type="positive")
        self.on_saved()
        return name

    def describe(self) -> str:
        """What Run would run, in words."""
        if not self.draft.changed:
            return f"Scenario: {self.draft.base}, as picked on the Scenario tab."
        state = (f"it has {len(self.draft.problems)} problem(s): see the Scenario tab" if self.draft.problems
                 else f"saved as scenarios/{self.name.value}.yaml when it runs")
        return f"Scenario: {self.name.value}, edited from {self.draft.base} on the Scenario tab ({state})."

    def scenario_to_run(self) -> tuple[str | None, str]:
        """What the Run tab runs: the picked scenario if nothing changed, else the edited one, saved first."""
        if not self.draft.changed:
            return self.draft.base, self.draft.base
        if not self.validate():
            ui.notify("the scenario has problems: see the Scenario tab", type="negative")
            return None, ""
        name = self.save()
        return name, name or ""

    async def upload(self, event: Any) -> None:
        file = getattr(event, "file", None) or event
        raw = await file.read() if hasattr(file, "read") and callable(file.read) else event.content.read()
        filename = getattr(file, "name", None) or getattr(event, "name", "upload.yaml")
        stem = filename.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        if len(raw) > MAX_UPLOAD_BYTES or not _valid_name(stem):
            ui.notify("refused: at most 1 MB, named with letters, digits, '_' or '-'", type="negative")
            return
        path, problems = drafts.save_text(self.workspace, raw.decode("utf-8", errors="replace"), stem)
        if path is None:
            ui.notify("\n".join(str(p) for p in problems[:5]), type="negative", multi_line=True)
            return
        ui.notify(f"uploaded as {self.workspace.relative(path)}", type="positive")
        self.on_saved()

    def refresh_choices(self) -> None:
        self.picker.options = drafts.choices(self.workspace)
        self.picker.update()


def _valid_name(name: str) -> bool:
    try:
        check_name(name)
        return True
    except WorkspaceError:
        return False


def _with_name(text: str, name: str) -> str:
    """The scenario's text with ``name:`` set to the name it is saved under (its results carry that name)."""
    data = drafts.read_data(text)
    if isinstance(data, dict) and data.get("name") != name:
        data["name"] = name
        return drafts.dump(data)
    return text


__all__ = ["ScenarioTab", "Draft"]
