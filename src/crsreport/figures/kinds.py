"""The built-in figure kinds; importing this module registers them."""

from . import image, table  # noqa: F401
