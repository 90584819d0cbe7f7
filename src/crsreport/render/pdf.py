"""PDF renderer: WeasyPrint over the print page; it may read only project and house files."""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from ..assets import FIGURE_URL, Assets, figure_nodes, figure_spec, figure_url
from ..errors import Location
from ..products import PageModel, product_for
from ..resources import templates_dir
from ..tree import Document
from . import RenderContext, pdftags
from .page import css, page, page_css


def render(doc: Document, ctx: RenderContext) -> bytes:
    """Letter-size, tagged PDF/UA with bundled fonts embedded and subset."""
    try:
        return _written(doc, ctx, early=True)
    except FigureResized:  # a figure came out another size than its spec said
        return _written(doc, ctx)


def _written(doc: Document, ctx: RenderContext, early: bool = False) -> bytes:
    """The PDF; ``early``: laid out before the figures still being drawn are (see
    ``PendingFigure``)."""
    rendered, fetcher = _layout(doc, ctx, early)
    with _quiet_weasyprint():
        data = rendered.write_pdf(pdf_variant="pdf/ua-1", pdf_identifier=doc.id.encode())
    data = pdftags.finish(data, doc, pdftags.fragment_keys(rendered.pages))
    _check_budget(rendered.pages, doc, ctx)
    for url in fetcher.refused:
        ctx.warnings.warn(Location(doc.id + ".pdf"), f"refused to load '{url}'")
    return data


def _layout(doc: Document, ctx: RenderContext, early: bool = False) -> tuple[Any, Any]:
    """The print page laid out by WeasyPrint, and the fetcher that served its files;
    ``early``: around the figures still being drawn, as ``PendingFigure``s."""
    from .weasy import weasyprint  # imported without its library search

    product = product_for(doc.product)
    house_css, product_css = css("base.css", "print.css"), product.print_css().read_text("utf-8")
    stylesheet = "\n".join([house_css, page_css(product.page), product_css])
    html = page(
        doc, print_mode=True, stylesheet=stylesheet, figures=ctx.assets.files, epoch=ctx.epoch
    )
    fetcher = ProjectFetcher([templates_dir(), ctx.root], ctx.assets)
    cache = image_cache()
    pending = _pending_figures(doc, ctx.assets, cache, fetcher) if early else {}
    cache.update(pending)
    try:
        with _quiet_weasyprint():
            document = weasyprint.HTML(
                string=html, base_url=templates_dir().as_uri() + "/", url_fetcher=fetcher
            )
            return document.render(font_config=font_config(), cache=cache), fetcher
    finally:
        for url in pending:  # the boxes hold them; the next build asks afresh
            cache.pop(url, None)


class FigureResized(Exception):
    """A figure's SVG is not the size its spec gave: the page is laid out again."""


class PendingFigure:
    """A figure's SVG, to WeasyPrint, while it is still being drawn in another process.

    Layout asks an image only its size: this one answers from the figure spec (a stub
    SVG of the same width and height, measured by WeasyPrint as the real one will be),
    so the page is laid out meanwhile; the picture is read (waiting for it) when the
    page is painted, checked to be that size (else ``FigureResized``) and painted as
    WeasyPrint paints an SVG it loaded itself: with the document's fonts, and its image
    cache for pictures inside the SVG.
    """

    def __init__(
        self, url: str, size: tuple[str, str], assets: Assets, cache: dict, fetcher: Any
    ) -> None:
        from functools import partial
        from types import SimpleNamespace

        from weasyprint import DEFAULT_OPTIONS
        from weasyprint.images import get_image_from_uri

        width, height = size
        box = f"0 0 {width.removesuffix('pt')} {height.removesuffix('pt')}"
        self.url, self.assets, self.fetcher = url, assets, fetcher
        self.context = SimpleNamespace(font_config=font_config())  # as a LayoutContext
        self.context.get_image_from_uri = partial(
            get_image_from_uri, cache, self.fetcher, DEFAULT_OPTIONS, context=self.context
        )
        self.stub = self._image(
            f'<svg xmlns="{SVG_NS}" width="{width}" height="{height}" viewBox="{box}"/>'.encode()
        )

    def _image(self, data: bytes) -> Any:
        from xml.etree import ElementTree

        from weasyprint.images import SVGImage

        return SVGImage(ElementTree.fromstring(data), self.url, self.fetcher, self.context)

    def get_intrinsic_size(self, resolution: float, font_size: float) -> Any:
        return self.stub.get_intrinsic_size(resolution, font_size)

    def draw(self, stream: Any, width: float, height: float, style: Any) -> None:
        data = self.assets.by_name(self.url.removeprefix(FIGURE_URL))
        if data is None:  # drawing it failed: the build reports why
            return
        image = self._image(data)
        if image.get_intrinsic_size(1, 16) != self.get_intrinsic_size(1, 16):
            raise FigureResized(self.url)
        image.draw(stream, width, height, style)


SVG_NS = "http://www.w3.org/2000/svg"


def _pending_figures(
    doc: Document, assets: Assets, cache: dict, fetcher: Any
) -> dict[str, PendingFigure]:
    """A ``PendingFigure`` for each figure of known size, by URL, when the figures are
    fetched as they are drawn (``assets.late``)."""
    if assets.late is None:
        return {}
    pending = {}
    for node in figure_nodes(doc):
        assert node.drawing is not None
        size = figure_spec(node.drawing).svg_size()
        if size is not None:
            url = figure_url(node)
            pending[url] = PendingFigure(url, size, assets, cache, fetcher)
    return pending


def printed_pages(doc: Document, ctx: RenderContext, anchors: set[str]) -> dict[str, str]:
    """The page number the PDF prints on the page where each of ``anchors`` lies, for a
    writer whose page model is the PDF's (the DOCX's Contents): read from this build's
    PDF (``ctx.printed``) when there is one, else from the pages laid out here."""
    data = ctx.printed() if ctx.printed is not None else None
    if data:
        where = _destination_pages(data)
    else:
        where = {}
        for i, sheet in enumerate(_layout(doc, ctx)[0].pages):
            for name in sheet.anchors:  # a box spanning pages is anchored on each: its first
                where.setdefault(name, i)
    return _numbered(doc, where, anchors)


def _destination_pages(data: bytes) -> dict[str, int]:
    """The page index of each named destination (every anchor) of a PDF WeasyPrint wrote."""
    import io

    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        pages = {page.objgen: i for i, page in enumerate(pdf.pages)}
        tree = pdf.Root.get("/Names", {}).get("/Dests")
        found = pikepdf.NameTree(tree).items() if tree is not None else []
        return {str(name): pages[dest[0].objgen] for name, dest in found if dest[0].objgen in pages}


def _numbered(doc: Document, where: dict[str, int], anchors: set[str]) -> dict[str, str]:
    """Page numbers as printed: the body counts from 1 on the first page of ``main`` when
    the layout says so, else from the first page."""
    from ..tree import Main

    main = next((n for n in doc.children if isinstance(n, Main)), None)
    first = where.get("content", 0) if main is not None and main.number_from_1 else 0
    return {a: str(where[a] - first + 1) for a in anchors if where.get(a, -1) >= first}


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


LINE_PT = 12.5
"""An In Focus line of text (10 pt type, 1.25 leading): the unit the overflow is told in."""


def _check_budget(pages: list, doc: Document, ctx: RenderContext) -> None:
    """Warn when the text runs past the product's page budget, and by how many lines."""
    budget = product_for(doc.product).page_budget
    if budget is None:
        return
    for number, sheet in enumerate(pages, start=1):
        if "end-of-text" in sheet.anchors and number > budget:
            over = _overflow_pt(sheet, number - budget - 1, product_for(doc.product).page)
            ctx.warnings.warn(
                Location(doc.id + ".pdf"),
                f"the text runs {number} pages, past the {budget}-page budget by about "
                f"{round(over / LINE_PT)} lines ({over / 72:.1f} in of column); shorten it "
                "or drop a figure",
            )


def _overflow_pt(sheet: Any, whole_pages: int, model: PageModel) -> float:
    """How much text lies past the budget, in points of column: every column of the pages
    wholly over, the columns before the end's on its page, and its column down to the end
    (the margins and columns are the product's page model's)."""
    top, bottom = model.margins[0] * 72, model.margins[2] * 72  # in → pt
    column = model.height * 72 - top - bottom
    x0, _, _, end = sheet.anchors["end-of-text"]
    left = x0 * 0.75 - model.margins[3] * 72  # CSS px → pt, from the text's left edge
    pitch = (model.column_width() + model.column_gap) * 72  # the end starts a column's line
    columns_before = max(min(round(left / pitch), model.columns - 1), 0)
    return (model.columns * whole_pages + columns_before) * column + max(end * 0.75 - top, 0)


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
