"""Third-party section kinds, figure kinds and output formats, joined through entry points.

A plugin distribution declares, in its pyproject.toml::

    [project.entry-points."crsreport.figures"]
    waffle = "crsreport_waffle:WaffleSpec"      # a FigureSpec subclass (or a module)
    [project.entry-points."crsreport.sections"]
    sidebar = "my_pkg.kinds:Sidebar"            # a Section subclass (or a module)
    [project.entry-points."crsreport.renderers"]
    txt = "my_pkg.text:render"                  # render(doc, ctx) -> bytes (attributes below)
    [project.entry-points."crsreport.products"]
    memo = "my_pkg.memo:MEMO"                   # a products.Product record (or a module)

A renderer function may carry the fields of its format's record as attributes (each
optional): ``render.suffix = ".txt"``, ``render.images = ("png",)`` (figure files it reads
from ``ctx.assets``), ``render.cost = 1.0`` (scheduling), ``render.late = True`` (fetches
figures with ``ctx.assets.by_name`` as it lays out), ``render.follows = "pdf"`` (reads
that format's output with ``ctx.printed()`` when the build has it), ``render.preload =
("lib",)`` and ``render.warm = (...)`` (modules its worker imports early); see
``render.Format``.

Plugins load once, before report models are used (``load_report``, ``build``,
``make-report``); the models are then rebuilt so new kinds validate like built-in ones.
A plugin that fails to load, or claims a name already taken, is a user error naming the
entry point and its distribution.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from importlib.metadata import EntryPoint
from typing import Any

from .codebase import GROUPS, installed
from .errors import ReportError

RENDERER_FIELDS = ("images", "cost", "late", "follows", "preload", "warm")
"""A renderer function's attributes that become fields of its format's record."""

_state: dict[str, Any] = {"done": False, "error": None}


def load_plugins() -> None:
    """Register every installed plugin's kinds and formats (once per process)."""
    if not _state["done"]:
        _state["done"] = True
        _state["error"] = _load_all()
    if _state["error"] is not None:
        raise _state["error"]


def _load_all() -> ReportError | None:
    # the models are imported here, not above: importing plugins stays light
    from .model import rebuild_models
    from .validation import forget_field_names

    problems = []
    registered = False
    for group in GROUPS:
        for ep in installed(group):
            try:
                REGISTER[group](ep)
                registered = True
            except Exception as exc:  # a plugin's own bug or a name clash: name the plugin
                problems.append(describe(ep, exc))
    if registered:  # the models were built with the built-in kinds: rebuild them only then
        rebuild_models()
        forget_field_names()  # "did you mean" field names now include the plugins'
    return ReportError(problems) if problems else None


def describe(ep: EntryPoint, exc: BaseException) -> str:
    """``plugin crsreport.figures 'waffle = pkg:Spec' (distribution x 1.0) failed: …``"""
    dist = f"{ep.dist.name} {ep.dist.version}" if ep.dist else "unknown distribution"
    reason = f"{type(exc).__name__}: {exc}" if not isinstance(exc, ValueError) else str(exc)
    return f"plugin {ep.group} '{ep.name} = {ep.value}' (distribution {dist}) failed: {reason}"


def _register_section(ep: EntryPoint) -> None:
    from .model import Section, section_kind

    _register_class(ep.load(), Section, section_kind, "a Section subclass")


def _register_figure(ep: EntryPoint) -> None:
    from .figures import FigureSpec, figure_kind

    _register_class(ep.load(), FigureSpec, figure_kind, "a FigureSpec subclass")


def _register_class(obj: Any, base: type, register: Callable[[Any], Any], what: str) -> None:
    if inspect.ismodule(obj):
        return  # the module registered its kinds with the decorator on import
    if not (isinstance(obj, type) and issubclass(obj, base)):
        raise TypeError(f"the entry point must name {what} or a module, not {obj!r}")
    register(obj)


def _register_renderer(ep: EntryPoint) -> None:
    from .render import FORMATS, register_format

    obj = ep.load()
    if inspect.ismodule(obj):
        return  # the module called register_format on import
    if not callable(obj):
        raise TypeError(f"the entry point must name a render(doc, ctx) function, not {obj!r}")
    if ep.name in FORMATS and FORMATS[ep.name].target == ep.value:
        return
    needs = {key: getattr(obj, key) for key in RENDERER_FIELDS if hasattr(obj, key)}
    register_format(ep.name, getattr(obj, "suffix", f".{ep.name}"), ep.value, **needs)


def _register_product(ep: EntryPoint) -> None:
    from .products import PRODUCTS, Product, register_product

    obj = ep.load()
    if inspect.ismodule(obj):
        return  # the module called register_product on import
    if not isinstance(obj, Product):
        raise TypeError(f"the entry point must name a products.Product record, not {obj!r}")
    if PRODUCTS.get(obj.name) is not obj:
        register_product(obj)


REGISTER: dict[str, Callable[[EntryPoint], None]] = {
    "crsreport.products": _register_product,
    "crsreport.sections": _register_section,
    "crsreport.figures": _register_figure,
    "crsreport.renderers": _register_renderer,
}
