"""The pages behind the problem type URIs: each one dereferences to when it is sent and what to do."""

from __future__ import annotations

import html
import re

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse

from entrypoints.http.problem_types import PROBLEM_TYPES


def serve_problem_pages(app: FastAPI) -> None:
    """`GET /problems` lists every type; `GET /problems/{name}` describes one."""

    @app.get("/problems", include_in_schema=False)
    async def problem_index() -> HTMLResponse:
        rows = "".join(
            f'<tr><td><a href="{kind.uri}">{kind.name}</a></td><td>{kind.status}</td>'
            f"<td>{_html(kind.when)}</td><td>{_html(kind.remedy)}</td></tr>"
            for kind in PROBLEM_TYPES.values()
        )
        head = "<tr><th>type</th><th>status</th><th>when</th><th>what to do</th></tr>"
        return _page("Problem types", f"<table>{head}{rows}</table>")

    @app.get("/problems/{name}", include_in_schema=False)
    async def problem_page(name: str) -> HTMLResponse:
        kind = PROBLEM_TYPES.get(name)
        if kind is None:
            raise HTTPException(404)
        body = (
            f"<p>Status {kind.status}. Problem type <code>{kind.uri}</code>.</p>"
            f"<p><strong>When:</strong> {_html(kind.when)}</p>"
            f"<p><strong>What to do:</strong> {_html(kind.remedy)}</p>"
            '<p><a href="/problems">Every problem type</a></p>'
        )
        return _page(kind.title, body)


def _html(text: str) -> str:
    """Escaped, with the table's `code spans` shown as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


def _page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"</head><body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
