"""The explorer's one page: tabs for Scenario, Run, Results, Compare and Sweeps, and the job queue beside
them.

Each browser tab has its own scenario and its own view; the queue is shared (several tabs queue their jobs).
When the job a tab started finishes, that tab shows its results.
"""

from __future__ import annotations

from typing import Any

from nicegui import ui

from sim.explorer import drafts
from sim.explorer.jobs import JobQueue
from sim.explorer.scenario_tab import ScenarioTab
from sim.explorer.views import show_comparison, show_folder, show_run
from sim.explorer.workspace import Workspace

POLL_SECONDS = 0.4


class ExplorerPage:
    """One browser tab of the explorer."""

    def __init__(self, workspace: Workspace, queue: JobQueue):
        self.workspace, self.queue = workspace, queue
        self.watching: str | None = None
        self.signature: Any = None
        ui.page_title("disarm-sim explorer")
        ui.add_css(".q-tab__indicator, .q-linear-progress__model { transition: none !important; }")
        with ui.header().classes("items-center"):
            ui.label("disarm-sim explorer").classes("text-h6")
            ui.label(f"workspace: {workspace.root}").classes("text-caption")
        with ui.row().classes("w-full no-wrap items-start"):
            with ui.column().classes("grow min-w-0"):
                with ui.tabs(on_change=self.tab_opened).classes("w-full") as tabs:
                    self.tab_scenario = ui.tab("Scenario").classes("tab-scenario")
                    self.tab_run = ui.tab("Run").classes("tab-run")
                    self.tab_results = ui.tab("Results").classes("tab-results")
                    self.tab_compare = ui.tab("Compare").classes("tab-compare")
                    self.tab_sweeps = ui.tab("Sweeps and searches").classes("tab-sweeps")
                self.tabs = tabs
                with ui.tab_panels(tabs, value=self.tab_scenario, animated=False).classes("w-full"):
                    with ui.tab_panel(self.tab_scenario):
                        self.scenario = ScenarioTab(workspace, self.scenarios_changed)
                    with ui.tab_panel(self.tab_run):
                        self._run_tab()
                    with ui.tab_panel(self.tab_results):
                        self._results_tab()
                    with ui.tab_panel(self.tab_compare):
                        self._compare_tab()
                    with ui.tab_panel(self.tab_sweeps):
                        self._sweeps_tab()
            with ui.column().classes("w-80 job-panel"):
                ui.label("Jobs (all tabs)").classes("text-h6")
                self.job_list = ui.column().classes("w-full gap-2")
        ui.timer(POLL_SECONDS, self.poll)

    # ---------------------------------------------------------------------------------------------------
    def _run_tab(self) -> None:
        ui.label(
            "Runs the scenario of the Scenario tab (the one picked, or the edited one, saved first) with "
            "disarm run, in the background: the page stays free, and jobs of every tab queue."
        )
        with ui.row().classes("items-end gap-4"):
            self.replications = ui.number("Replications", value=100, min=1, max=100_000, precision=0).classes(
                "w-40 run-replications"
            )
            self.seed = ui.number("Seed", value=0, min=0, precision=0).classes("w-32 run-seed")
            ui.button("Run", on_click=self.submit_run).classes("run-button")
        self.run_what = ui.label("").classes("text-subtitle1 run-what")

    def _results_tab(self) -> None:
        with ui.row().classes("items-end gap-4"):
            self.run_picker = ui.select(
                {}, label="Run folder", on_change=lambda e: self.show_results(e.value)
            ).classes("w-96 results-picker")
        self.results = ui.column().classes("w-full results-view")
        self.refresh_folders()

    def _compare_tab(self) -> None:
        ui.label(
            "Runs two or more scenarios with the same seeds (common random numbers) with disarm compare; the "
            "first is the baseline of the paired differences."
        )
        self.compare_boxes = ui.row().classes("gap-4 compare-choices")
        with ui.row().classes("items-end gap-4"):
            self.compare_replications = ui.number("Replications", value=100, min=2, precision=0).classes(
                "w-40"
            )
            self.compare_seed = ui.number("Seed", value=0, min=0, precision=0).classes("w-32")
            ui.button("Compare", on_click=self.submit_compare).classes("compare-button")
        self.comparison = ui.column().classes("w-full compare-view")
        self.scenarios_changed()

    def _sweeps_tab(self) -> None:
        ui.label(
            "Open a finished folder of the workspace's runs/ (a sweep, backtest, calibration, run or "
            "comparison written there with disarm ... -o WORKSPACE/runs/NAME) and browse its charts and tables."
        )
        self.folder_picker = ui.select(
            {}, label="Folder", on_change=lambda e: self.show_any(e.value)
        ).classes("w-96 folder-picker")
        self.folder_view = ui.column().classes("w-full folder-view")

    # ---------------------------------------------------------------------------------------------------
    def scenarios_changed(self) -> None:
        if hasattr(self, "scenario"):
            self.scenario.refresh_choices()
        if hasattr(self, "compare_boxes"):
            checked = {name for name, box in getattr(self, "compare_checks", {}).items() if box.value}
            self.compare_boxes.clear()
            self.compare_checks = {}
            with self.compare_boxes:
                for name in drafts.choices(self.workspace):
                    self.compare_checks[name] = ui.checkbox(name, value=name in checked).classes(
                        f"compare-{name}"
                    )

    def submit_run(self) -> None:
        name, label = self.scenario.scenario_to_run()
        if name is None:
            return
        job = self.queue.submit_run(
            drafts.scenario_file(self.workspace, name),
            label,
            max(1, int(self.replications.value or 1)),
            max(0, int(self.seed.value or 0)),
        )
        self.watching = job.id
        ui.notify(f"queued: {label}, {job.total} replications")

    def submit_compare(self) -> None:
        names = [name for name, box in self.compare_checks.items() if box.value]
        if len(names) < 2:
            ui.notify("tick two or more scenarios", type="warning")
            return
        job = self.queue.submit_compare(
            [drafts.scenario_file(self.workspace, n) for n in names],
            names,
            max(2, int(self.compare_replications.value or 2)),
            max(0, int(self.compare_seed.value or 0)),
        )
        self.watching = job.id

    # ---------------------------------------------------------------------------------------------------
    def poll(self) -> None:
        jobs = self.queue.listing()
        signature = [(j["id"], j["state"], j["done"], j["message"]) for j in jobs]
        if signature == self.signature:
            return
        self.signature = signature
        self.job_list.clear()
        with self.job_list:
            for job in jobs:
                self._job_card(job)
        watched = next((j for j in jobs if j["id"] == self.watching), None)
        if watched and watched["state"] == "done":
            self.watching = None
            self.refresh_folders()
            if watched["kind"] == "run":
                self.run_picker.value = watched["folder"]
                self.tabs.value = self.tab_results
            else:
                self.show_compare(watched["folder"])
                self.tabs.value = self.tab_compare
        elif any(state == "done" for _, state, _, _ in signature):
            self.refresh_folders()

    def _job_card(self, job: dict[str, Any]) -> None:
        with ui.card().classes(f"w-full job job-{job['state']}").props("flat bordered"):
            ui.label(f"{job['kind']}: {job['label']}").classes("font-bold")
            ui.label(
                f"{job['state']}: {job['done']}/{job['total']} replications"
                + (f" - {job['message']}" if job["message"] and job["state"] != "done" else "")
            ).classes("text-caption job-status")
            ui.linear_progress(
                value=job["done"] / max(job["total"], 1), show_value=False, size="12px"
            ).classes("job-progress")
            if job["state"] in ("queued", "running"):
                ui.button("Cancel", on_click=lambda j=job["id"]: self.queue.cancel(j)).props(
                    "flat dense"
                ).classes("cancel-button")
            elif job["state"] == "done":
                ui.button("Show", on_click=lambda j=job: self.open_job(j)).props("flat dense").classes(
                    "show-button"
                )

    def open_job(self, job: dict[str, Any]) -> None:
        if job["kind"] == "run":
            self.run_picker.value = job["folder"]
            self.tabs.value = self.tab_results
        else:
            self.show_compare(job["folder"])
            self.tabs.value = self.tab_compare

    def tab_opened(self) -> None:
        if hasattr(self, "folder_picker"):  # the page is built
            self.refresh_folders()
            self.run_what.text = self.scenario.describe()

    def refresh_folders(self) -> None:
        self.run_picker.options = self.workspace.output_folders(("run",))
        self.run_picker.update()
        if hasattr(self, "folder_picker"):
            self.folder_picker.options = self.workspace.output_folders()
            self.folder_picker.update()

    def _render(self, container: ui.column, relative: str | None, show: Any) -> None:
        container.clear()
        if not relative:
            return
        with container:
            try:
                show(self.workspace, self.workspace.resolve(relative))
            except Exception as exc:  # noqa: BLE001 - a folder that cannot be shown: say why, keep the page
                ui.label(f"{relative}: cannot show it: {exc}").classes("text-negative")

    def show_results(self, relative: str | None) -> None:
        self._render(self.results, relative, show_run)

    def show_compare(self, relative: str | None) -> None:
        self._render(self.comparison, relative, show_comparison)

    def show_any(self, relative: str | None) -> None:
        self._render(self.folder_view, relative, show_folder)


__all__ = ["ExplorerPage"]
