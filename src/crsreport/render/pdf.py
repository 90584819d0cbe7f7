"""PDF renderer: WeasyPrint over the print page; it may read only project and house files."""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from ..assets import FIGURE_URL, Assets
from ..errors import Location
from ..products import product_for
from ..resources import templates_dir
from ..tree import Document
from . import RenderContext
from .page import css, page


def render(doc: Document, ctx: RenderContext) -> bytes:
    """Letter-size, tagged PDF/UA with bundled fonts embedded and subset."""
    import weasyprint

    product = product_for(doc.product)
    stylesheet = css("base.css", "print.css") + "\n" + product.print_css().read_text("utf-8")
    html = page(
        doc, print_mode=True, stylesheet=stylesheet, figures=ctx.assets.files, epoch=ctx.epoch
    )
    fetcher = ProjectFetcher([templates_dir(), ctx.root], ctx.assets)
    with _quiet_weasyprint():
        document = weasyprint.HTML(
            string=html, base_url=templates_dir().as_uri() + "/", url_fetcher=fetcher
        )
        rendered = document.render(font_config=font_config(), cache=image_cache())
        data = rendered.write_pdf(pdf_variant="pdf/ua-1", pdf_identifier=doc.id.encode())
    _check_budget(rendered.pages, doc, ctx)
    for url in fetcher.refused:
        ctx.warnings.warn(Location(doc.id + ".pdf"), f"refused to load '{url}'")
    return data


@cache
def font_config() -> Any:
    """One WeasyPrint font configuration per process: each @font-face loads once."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


_IMAGES: dict[str, Any] = {}
IMAGE_CACHE_SIZE = 64


def image_cache() -> dict[str, Any]:
    """WeasyPrint's image cache, shared by this process's builds (cleared when it grows)."""
    if len(_IMAGES) > IMAGE_CACHE_SIZE:
        _IMAGES.clear()
    return _IMAGES


def ProjectFetcher(roots: list[Path], assets: Assets | None = None):
    """A URL fetcher that serves files under ``roots`` and the drawn figures in ``assets``
    (waiting for one still being drawn), and refuses everything else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    allowed = [Path(r).resolve() for r in roots]

    class Fetcher(URLFetcher):
        refused: list[str]

        def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith(FIGURE_URL) and assets is not None:
                return self.figure(url)
            path = _local_path(url)
            if path is None or not _servable(path, allowed):
                self.refused.append(url)
                raise ValueError(f"crsreport refuses to load {url}")
            return URLFetcherResponse(url, path.read_bytes())

        def figure(self, url: str) -> URLFetcherResponse:
            data = assets.by_name(url.removeprefix(FIGURE_URL)) if assets else None
            if data is None:
                self.refused.append(url)
                raise ValueError(f"figure not drawn: {url}")
            return URLFetcherResponse(url, data, headers={"Content-Type": "image/svg+xml"})

    fetcher = Fetcher(allowed_protocols=("file", "data"))
    fetcher.refused = []
    return fetcher


def _servable(path: Path, allowed: list[Path]) -> bool:
    """A regular file (no FIFO or device) inside an allowed folder, under the size limit."""
    from ..sources import MAX_FILE_BYTES

    inside = any(path.is_relative_to(root) for root in allowed)
    return inside and path.is_file() and path.stat().st_size <= MAX_FILE_BYTES


def _check_budget(pages: list, doc: Document, ctx: RenderContext) -> None:
    """Warn when the text runs past the product's page budget, and by how much."""
    budget = product_for(doc.product).page_budget
    if budget is None:
        return
    for number, sheet in enumerate(pages, start=1):
        if "end-of-text" in sheet.anchors and number > budget:
            top = sheet.anchors["end-of-text"][3]
            over = (number - budget - 1) * 11 + max(top - 72, 0) / 96
            ctx.warnings.warn(
                Location(doc.id + ".pdf"),
                f"the text runs {number} pages, past the {budget}-page budget by about "
                f"{over:.1f} in of column; shorten it or drop a figure",
            )


def _local_path(url: str) -> Path | None:
    parsed = urlparse(url)
    if parsed.scheme != "file" or parsed.netloc not in ("", "localhost"):
        return None
    return Path(unquote(parsed.path)).resolve()


class _quiet_weasyprint:
    """WeasyPrint logs refused URLs as errors; we report them ourselves."""

    def __enter__(self) -> None:
        self.logger = logging.getLogger("weasyprint")
        self.level = self.logger.level
        if not logging.getLogger("crsreport").isEnabledFor(logging.DEBUG):
            self.logger.setLevel(logging.CRITICAL)

    def __exit__(self, *exc: object) -> None:
        self.logger.setLevel(self.level)
