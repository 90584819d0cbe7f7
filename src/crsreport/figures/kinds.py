"""The built-in figure kinds; importing this module registers them."""

from . import bar, image, line, table, timeline  # noqa: F401
