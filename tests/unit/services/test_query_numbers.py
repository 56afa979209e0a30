"""A query's whole numbers: plain ASCII digits, and a number too long for int() told its bound, not its form."""

from __future__ import annotations

from typing import Annotated

import pytest
from pydantic import Field, TypeAdapter, ValidationError

from annotated_types import Le
from fastapi.routing import APIRoute

from services.api import (routes_audit, routes_commands, routes_feeds, routes_meta, routes_reads, routes_retention,
                          routes_statistics)
from services.api.query_numbers import PAST_EVERY_BOUND, PlainDigits

Limit = TypeAdapter(Annotated[int, Field(ge=1, le=1000), PlainDigits])


@pytest.mark.parametrize("sent", ["1001", "10000000000000000000", "9" * 40, "0" * 5 + "9" * 25])
def test_a_number_past_the_bound_is_told_the_bound_however_many_digits_it_has(sent):
    with pytest.raises(ValidationError) as refused:
        Limit.validate_python(sent)
    assert refused.value.errors()[0]["type"] == "less_than_equal"


@pytest.mark.parametrize("sent, read", [("100", 100), ("0" * 30 + "7", 7)])
def test_leading_zeros_do_not_make_a_number_larger(sent, read):
    assert Limit.validate_python(sent) == read


@pytest.mark.parametrize("sent", ["-1", "+1", "1_0", "1.5", "", "١٢"])
def test_anything_but_plain_digits_is_no_whole_number(sent):
    with pytest.raises(ValidationError) as refused:
        Limit.validate_python(sent)
    assert refused.value.errors()[0]["type"] == "int_parsing"


def test_every_parameter_read_so_has_a_bound_below_the_number_past_them_all():
    """Guard: a long number is read as PAST_EVERY_BOUND, which each such parameter's ``le`` must refuse."""
    read = []
    for module in (routes_audit, routes_commands, routes_feeds, routes_meta, routes_reads, routes_retention,
                   routes_statistics):
        for route in module.router.routes:
            for param in route.dependant.query_params if isinstance(route, APIRoute) else []:
                if PlainDigits in param.field_info.metadata:
                    bounds = [m.le for m in param.field_info.metadata if isinstance(m, Le)]
                    assert bounds and bounds[0] < PAST_EVERY_BOUND, (route.path, param.name)
                    read.append(param.name)
    assert {"limit", "offset", "after"} <= set(read)
