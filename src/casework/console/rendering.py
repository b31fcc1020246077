"""Pages rendered by Jinja2 through litestar, with the headers every console page carries.

The Content-Security-Policy allows nothing but this server: no script, style, font or image
from another host can load even if a template were to ask for one. Pages are never cached (they
show money and, to auditors, personal data).
"""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from litestar import Request
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template import TemplateConfig

from casework.console.formatting import number, rupiah
from casework.console.i18n import translator
from casework.console.reader import Reader, language_of

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    environment = Environment(
        loader=PackageLoader("casework.console", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,  # a misspelt name fails a test instead of printing nothing
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals.update(rupiah=rupiah, number=number, millis=_from_millis)
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment))


def static_directory() -> Path:
    return Path(str(resources.files("casework.console") / "static"))


def page(
    request: Request[Any, Any, Any],
    reader: Reader | None,
    template: str,
    *,
    status: int = 200,
    **context: Any,
) -> Template:
    """A page in the reader's language (Bahasa Indonesia unless switched)."""
    language = language_of(request)
    query = request.url.query
    return Template(
        template_name=template,
        context={
            "t": translator(language),
            "language": language,
            "reader": reader,
            "w": reader.writer if reader is not None else None,
            "here": request.url.path + (f"?{query}" if query else ""),
            **context,
        },
        status_code=status,
        headers=SECURITY_HEADERS,
    )


def _from_millis(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, UTC)
