"""``image``: the writer's own PNG, JPEG or SVG file with caption and source."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from . import FigureSpec, figure_kind

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".svg")


@figure_kind
class ImageSpec(FigureSpec):
    """A picture file under the project, shown as it is."""

    kind: Literal["image"] = "image"
    file: str = Field(pattern=r"(?i)\.(png|jpe?g|svg)$", description="Image under the project.")
    drawn: ClassVar[bool] = False
