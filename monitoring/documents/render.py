"""HTML to PDF: sandboxed Jinja templates under templates/documents, WeasyPrint with a locked-down fetcher.

Templates are designed by people, not programmers, so they run sandboxed with autoescape on; the
fetcher serves only files inside the documents template folder (fonts come from the system), so a
document can never reach the network or read another file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "documents"

_environment = SandboxedEnvironment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                                    trim_blocks=True, lstrip_blocks=True)


def render_html(template: str, context: dict[str, Any]) -> str:
    return _environment.get_template(template).render(**context)


def template_file(url: str) -> Path:
    """The file a document may read for ``url``: decoded first (``%2e%2e`` is ``..``), then resolved, and only
    inside the template folder; ValueError for anything else."""
    parts = urlsplit(url)
    path = Path(unquote(parts.path)).resolve()
    if parts.scheme != "file" or parts.netloc not in ("", "localhost") or TEMPLATES not in path.parents:
        raise ValueError(f"documents may not fetch {url}")
    return path


def _local_fetcher() -> Any:
    """WeasyPrint's fetcher for stylesheets and images: files of the template folder, nothing else."""
    from weasyprint.urls import URLFetcher

    class LocalFiles(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            return super().fetch(template_file(url).as_uri(), headers)  # exactly the file that was checked

    return LocalFiles(allowed_protocols=("file",))


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    """The PDF of ``template`` filled with ``context`` (WeasyPrint is imported here: it costs ~0.5 s)."""
    from weasyprint import HTML

    html = render_html(template, context)
    return HTML(string=html, base_url=str(TEMPLATES) + "/", url_fetcher=_local_fetcher()).write_pdf()
