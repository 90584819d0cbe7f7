"""User-facing problems: located messages, collected and raised once."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("crsreport")


@dataclass(frozen=True)
class Location:
    """Where a problem is: a file, optionally a line and a field path."""

    file: str
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.field}" if self.field else where


@dataclass(frozen=True)
class Problem:
    """One located message."""

    where: Location
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class ReportError(Exception):
    """Bad input: reported as a clean message with exit code 2."""

    def __init__(self, problems: list[Problem] | Problem | str) -> None:
        if isinstance(problems, str | Problem):
            problems = [problems]  # type: ignore[list-item]
        self.problems: list[Problem | str] = list(problems)
        super().__init__(self.render())

    def render(self) -> str:
        lines = [str(p) for p in self.problems]
        if len(lines) == 1:
            return lines[0]
        return f"{len(lines)} problems:\n" + "\n".join(f"  {line}" for line in lines)


class Collector:
    """Gathers problems from a stage; `check()` raises them all at once."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, where: Location, message: str) -> None:
        self.problems.append(Problem(where, message))

    def check(self) -> None:
        if self.problems:
            raise ReportError(self.problems)


class Warnings:
    """Deduplicated build warnings; fatal under --strict."""

    def __init__(self, strict: bool = False) -> None:
        self.strict = strict
        self.seen: list[Problem] = []
        self._known: set[Problem] = set()  # a list lookup made 20 000 warnings quadratic

    def warn(self, where: Location, message: str) -> None:
        problem = Problem(where, message)
        if problem in self._known:
            return
        self._known.add(problem)
        self.seen.append(problem)
        if not self.strict:  # under --strict the error lists it: printed once
            log.warning("warning: %s", problem)

    def check(self) -> None:
        if self.strict and self.seen:
            raise ReportError([*self.seen])


def rel(path: Path, root: Path) -> str:
    """Path shown to the writer: relative to the project when inside it."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)
