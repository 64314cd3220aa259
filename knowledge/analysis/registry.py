"""The registry of compute functions: each case type's function turns typed facts into amounts,
deadlines and derived facts (:class:`Computed`), with a :class:`Context` for the standards.
The domain modules (:mod:`.labor`, :mod:`.marriage`, :mod:`.traffic`) register theirs with
:func:`computes`; :mod:`.engine` looks them up with :func:`compute_function`."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

from ..content.standards import Figure, pick
from .deadlines import Deadline
from .money import Breakdown


@dataclass
class Context:
    """What a compute function may use besides the facts."""
    region: str
    today: dt.date
    standards: dict
    standards_used: list[Figure] = field(default_factory=list)

    def figure(self, name: str, year: int | None = None, *,
               region: str | None = None) -> Figure | None:
        """The standards figure for ``region`` (default: the analysis' region), recorded as
        used."""
        fig = pick(self.standards, self.region if region is None else region, name, year,
                   today=self.today)
        if fig and fig not in self.standards_used:
            self.standards_used.append(fig)
        return fig


@dataclass
class Computed:
    amounts: list[Breakdown] = field(default_factory=list)
    deadlines: list[Deadline] = field(default_factory=list)
    derived: dict = field(default_factory=dict)
    split: dict | None = None
    uncertainties: list[str] = field(default_factory=list)


ComputeFn = Callable[[dict, Context], Computed]
_COMPUTE: dict[str, ComputeFn] = {}


def computes(case_id: str):
    """Register the compute function of a case type."""
    def deco(fn: ComputeFn) -> ComputeFn:
        _COMPUTE[case_id] = fn
        return fn
    return deco


def compute_function(case_id: str) -> ComputeFn | None:
    return _COMPUTE.get(case_id)
