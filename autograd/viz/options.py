"""The options of a drawing, validated once, in one place.

``draw_dot`` and ``draw_backward`` take the same keyword options; both turn them into
one :class:`DrawOptions`, whose constructor checks every value and names the option and
the allowed values when one is wrong.

Example:
    >>> DrawOptions(rankdir="TB").rankdir
    'TB'
    >>> DrawOptions(rankdir="up")
    Traceback (most recent call last):
    ...
    ValueError: draw: rankdir must be one of 'LR', 'TB', 'RL', 'BT'; got 'up'
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from ..engine import Value

RANKDIRS = ("LR", "TB", "RL", "BT")
GROUPINGS = {"neuron": 4, "layer": 2}  # how many parts of nn's dotted names form a group


@dataclass(frozen=True)
class DrawOptions:
    """How a graph is drawn (``draw_dot``) or played (``draw_backward``).

    Attributes:
        rankdir: layout direction: "LR" (left to right), "TB", "RL" or "BT".
        number_format: format spec for numbers, e.g. ".4f" or ".3g".
        show_data, show_grad: show those lines in each value's box.
        max_nodes: refuse (``GraphTooLargeError``) beyond this many values; None: no limit.
        group_by: None, "neuron" or "layer": cluster an MLP by nn's parameter names.
        collapse_after: ops with more inputs than this (long sums) show their first
            inputs and the last one, the rest summarised in one "... N more" node;
            None: never collapse.
        legend: draw a legend of the colours and styles.
    """

    rankdir: str = "LR"
    number_format: str = ".4f"
    show_data: bool = True
    show_grad: bool = True
    max_nodes: int | None = 500
    group_by: str | None = None
    collapse_after: int | None = 8
    legend: bool = True

    def __post_init__(self) -> None:
        _one_of("rankdir", self.rankdir, RANKDIRS)
        _one_of("group_by", self.group_by, (None, *GROUPINGS))
        _check_number_format(self.number_format)
        for name in ("show_data", "show_grad", "legend"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"draw: {name} must be True or False; got {getattr(self, name)!r}")
        _whole_number_or_none("max_nodes", self.max_nodes, at_least=1)
        _whole_number_or_none("collapse_after", self.collapse_after, at_least=2)

    @classmethod
    def from_keywords(
        cls, caller: str, defaults: Mapping[str, Any] | None = None, **options: Any
    ) -> DrawOptions:
        """Options from keyword arguments; an unknown name is a TypeError naming it."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise TypeError(
                f"{caller}: unknown option(s) {', '.join(unknown)}; "
                f"the options are {', '.join(sorted(known))}"
            )
        return cls(**{**(defaults or {}), **options})


def _one_of(name: str, value: Any, allowed: tuple) -> None:
    if value not in allowed or isinstance(value, bool):
        shown = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"draw: {name} must be one of {shown}; got {value!r}")


def _check_number_format(spec: Any) -> None:
    problem = (
        f"draw: number_format must be a format spec for numbers, such as '.4f' or "
        f"'.3g'; got {spec!r}"
    )
    if not isinstance(spec, str):
        raise ValueError(problem)
    try:  # the spec must format numbers as numbers: "-2.5" must read back as a float
        for sample in (-2.5, 1234.5678, 1e-7):
            float(format(sample, spec).replace(",", "").replace("_", ""))
    except ValueError:
        raise ValueError(problem) from None


def _whole_number_or_none(name: str, value: Any, at_least: int) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < at_least:
        raise ValueError(
            f"draw: {name} must be None or a whole number >= {at_least}; got {value!r}"
        )


def parameter_names(params: Iterable[Value] | Mapping[str, Value]) -> dict[Value, str]:
    """``params`` as a dict parameter -> name ("" when only a list was given).

    Example:
        >>> w = Value(0.5)
        >>> parameter_names({"weight": w})[w]
        'weight'
    """
    if isinstance(params, Value):  # one parameter, not a list of them
        params = [params]
    if isinstance(params, Mapping):
        named = dict(params)
        for name, value in named.items():
            if not isinstance(value, Value):
                raise TypeError(f"draw: params[{name!r}] is a {type(value).__name__}, not a Value")
        return {value: str(name) for name, value in named.items()}
    values = list(params)
    for i, value in enumerate(values):
        if not isinstance(value, Value):
            raise TypeError(f"draw: params[{i}] is a {type(value).__name__}, not a Value")
    return {value: "" for value in values}
