"""Column balancing in WeasyPrint without laying a column out at every pixel of height.

To balance the columns of a multi-column box's last page, WeasyPrint lays them out at
growing heights until everything fits, growing by the room the next box needs. When
the first box of a column fits at none of the heights tried (an In Focus figure, taller
than half of what is left), it cannot tell how much room is missing and grows by one
pixel: the flagship's page 2 was laid out 146 times, over half its PDF's CPU.

Fitting is monotonic: a column whose first box does not fit at some height fits it at no
lower one. So once a column has rendered nothing ``PATIENCE`` times while balancing, the
height at which it starts to render something is searched for (steps that double, then
halving: a few layouts), and every later try below it is answered "nothing fits" without
a layout. Every other call goes to WeasyPrint unchanged, and so does every try at a
height not known to fail: the pages are the same, byte for byte (``tests/test_balance.py``).
"""

from __future__ import annotations

import sys
from typing import Any

PRECISION = 1.0
"""Pixels: the bisection stops when the failing and fitting heights are this close."""
PATIENCE = 8
"""Failed tries WeasyPrint makes its own way before the search starts: a box that fits
a few pixels higher is found sooner by WeasyPrint's steps than by a search."""
"""Pixels: the bisection stops when the failing and fitting heights are this close."""


class _Threshold:
    """For one column start: the least room (bottom space) known to fail, the most
    known to fit, and WeasyPrint's answer for a failed try."""

    def __init__(self, fails: float, fits: float, failure: tuple, box: Any = None) -> None:
        self.fails, self.fits, self.failure = fails, fits, failure
        self.box = box  # held, so that no other box takes its id while this is known


def install() -> bool:
    """Wrap WeasyPrint's block layout as described above; False if this WeasyPrint's
    layout functions are not the ones this was written for (nothing is changed then)."""
    from weasyprint.layout import block, column

    original = block.block_box_layout
    if getattr(original, "crsreport_balance", False):
        return True
    code = column.columns_layout.__code__
    needed = {"balancing", "original_bottom_space"}
    if not needed <= set(code.co_varnames) or original.__code__.co_argcount != 13:
        return False

    def block_box_layout(context: Any, box: Any, bottom_space: float, skip_stack: Any,
                         *rest: Any, **kwargs: Any) -> tuple:  # fmt: skip
        caller = sys._getframe(1)
        if caller.f_code is not code or not caller.f_locals.get("balancing"):
            return original(context, box, bottom_space, skip_stack, *rest, **kwargs)
        known = context.__dict__.setdefault("crsreport_columns", {})  # dies with the layout
        key = (id(box), box.position_y, repr(skip_stack), rest[1])
        found = known.get(key, 0)
        if isinstance(found, _Threshold) and bottom_space >= found.fails:
            return found.failure
        result = original(context, box, bottom_space, skip_stack, *rest, **kwargs)
        if result[0] is None and isinstance(found, int):
            if found + 1 < PATIENCE:
                known[key] = found + 1
            else:
                call = (context, box, bottom_space, skip_stack, *rest)
                found = _bisect(original, caller.f_locals, result, bottom_space, call, kwargs)
                found.box, known[key] = box, found
        return result

    block_box_layout.crsreport_balance = True  # type: ignore[attr-defined]
    block_box_layout.original = original  # type: ignore[attr-defined]
    block.block_box_layout = block_box_layout
    return True


def uninstall() -> None:
    """WeasyPrint's own layout again (to compare pages with and without ``install``)."""
    from weasyprint.layout import block

    block.block_box_layout = getattr(block.block_box_layout, "original", block.block_box_layout)


def _bisect(
    original: Any, frame: dict, failure: tuple, fails: float, args: tuple, kwargs: dict
) -> _Threshold:
    """The room between what fails and what fits, narrowed to ``PRECISION``: first by
    steps that double (a box that nearly fits costs few layouts), then by halving. Each
    layout's boxes are taken back out of the context, as WeasyPrint does its own."""
    from weasyprint.layout.block import remove_placeholders

    context = args[0]
    fits = frame["original_bottom_space"]  # the whole page's height: WeasyPrint's first try
    shapes = len(context.excluded_shapes)

    def fit(room: float) -> bool:
        new_box = original(context, args[1], room, *args[3:], **kwargs)[0]
        del context.excluded_shapes[shapes:]
        if new_box is not None:
            remove_placeholders(context, [new_box], [], [])
        return new_box is not None

    step = PRECISION
    while fails - step > fits:
        if fit(fails - step):
            fits = fails - step
            break
        fails, step = fails - step, step * 2
    while fails - fits > PRECISION:
        middle = (fails + fits) / 2
        if fit(middle):
            fits = middle
        else:
            fails = middle
    return _Threshold(fails, fits, failure)
