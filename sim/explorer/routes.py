"""The explorer's plain HTTP routes: downloads from the workspace, tables exported on the fly, and a small
JSON API for jobs (what the page does, for scripts and tests).

Every path is checked by :meth:`~sim.explorer.workspace.Workspace.resolve`: a path outside the workspace is
refused with 403, a missing file is 404.  Tables are exported in memory: the server writes nothing but jobs.
"""

from __future__ import annotations

import io
import mimetypes
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from sim.explorer.jobs import JobQueue
from sim.explorer.workspace import MAX_UPLOAD_BYTES, Workspace, WorkspaceError

_SHOWN_INLINE = {".html", ".png", ".webp", ".svg", ".json", ".yaml", ".csv"}


def workspace_file(workspace: Workspace, relative: str) -> Path:
    """A regular file inside the workspace, or the HTTP error that refuses it."""
    return _inside(workspace, relative, Path.is_file, "no such file in the workspace")


def output_folder(workspace: Workspace, relative: str) -> Path:
    """A folder inside the workspace, or the HTTP error that refuses it."""
    return _inside(workspace, relative, Path.is_dir, "no such folder in the workspace")


def _inside(workspace: Workspace, relative: str, exists: Any, missing: str) -> Path:
    """``relative`` resolved inside the workspace: 403 if it leads out, 404 if ``exists`` says it is not there."""
    try:
        path = workspace.resolve(relative)
    except WorkspaceError as exc:
        raise HTTPException(status_code=403, detail=str(exc)) from None
    if not exists(path):
        raise HTTPException(status_code=404, detail=missing)
    return path


def _tables(folder: Path) -> tuple[str, dict[str, Any]]:
    from sim.core.files import OutputError
    from sim.output.export import folder_tables

    try:
        return folder_tables(folder)
    except OutputError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None


def xlsx_bytes(folder: Path) -> bytes:
    """The folder's tables as one workbook, a sheet each, as ``disarm export --format xlsx`` writes it (413 if
    a table is longer than a sheet)."""
    from sim.core.files import OutputError
    from sim.output.export import check_sheet_rows, write_workbook

    kind, tables = _tables(folder)
    try:
        check_sheet_rows(folder, tables)
    except OutputError as exc:
        raise HTTPException(status_code=413, detail=str(exc)) from None
    buffer = io.BytesIO()
    write_workbook(buffer, folder, kind, tables)
    return buffer.getvalue()


UPLOAD_OVERHEAD = 64 * 1024
"""Room for a multipart request's headers and boundaries around an upload of at most MAX_UPLOAD_BYTES."""


def add_routes(app: FastAPI, workspace: Workspace, queue: JobQueue) -> None:
    """Register the routes on the app that serves the pages."""

    @app.middleware("http")
    async def limit_uploads(request: Request, call_next: Any) -> Any:
        """The upload size is checked here, on the server, before anything is read: NiceGUI's own limit is the
        browser's, and its server spools a large upload to a temporary file outside the workspace."""
        if request.method == "POST" and "/upload/" in request.url.path:
            length = request.headers.get("content-length", "")
            if not length.isdigit() or int(length) > MAX_UPLOAD_BYTES + UPLOAD_OVERHEAD:
                return JSONResponse(
                    {"detail": f"an upload is at most {MAX_UPLOAD_BYTES:,} bytes"}, status_code=413
                )
        return await call_next(request)

    @app.get("/files/{relative:path}")
    def download(relative: str, download: int = 0) -> FileResponse:
        path = workspace_file(workspace, relative)
        inline = path.suffix in _SHOWN_INLINE and not download
        return FileResponse(
            path,
            media_type=mimetypes.guess_type(path.name)[0] or "application/octet-stream",
            filename=None if inline else path.name,
        )

    @app.get("/export/{relative:path}/tables.xlsx")
    def export_xlsx(relative: str) -> Response:
        folder = output_folder(workspace, relative)
        return Response(
            xlsx_bytes(folder),
            headers={"Content-Disposition": f'attachment; filename="{folder.name}.xlsx"'},
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )

    @app.get("/export/{relative:path}/{table}.csv")
    def export_csv(relative: str, table: str) -> Response:
        tables = _tables(output_folder(workspace, relative))[1]
        if table not in tables:
            raise HTTPException(status_code=404, detail=f"no table {table!r}; tables: {', '.join(tables)}")
        return Response(
            tables[table].to_csv(index=False),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{table}.csv"'},
        )

    @app.get("/api/jobs")
    def jobs() -> JSONResponse:
        return JSONResponse(queue.listing())

    @app.get("/api/jobs/{job_id}")
    def job(job_id: str) -> JSONResponse:
        found = queue.get(job_id)
        if found is None:
            raise HTTPException(status_code=404, detail="no such job")
        return JSONResponse(found.public(workspace))

    @app.post("/api/run")
    def submit(body: dict) -> JSONResponse:
        from sim.explorer.drafts import scenario_file

        try:
            name = str(body.get("scenario", "syria_2013"))
            replications, seed = int(body.get("replications", 100)), int(body.get("seed", 0))
            if not 1 <= replications <= 1_000_000 or seed < 0:
                raise ValueError("replications 1-1,000,000, seed at least 0")
            path = scenario_file(workspace, name)
        except Exception as exc:  # noqa: BLE001 - a bad request, said in words
            raise HTTPException(status_code=400, detail=str(exc)) from None
        return JSONResponse(queue.submit_run(path, name, replications, seed).public(workspace))

    @app.post("/api/jobs/{job_id}/cancel")
    def cancel(job_id: str) -> JSONResponse:
        queue.cancel(job_id)
        return job(job_id)


__all__ = ["add_routes", "workspace_file", "output_folder", "xlsx_bytes"]
