"""Our DynamoDB attribute codec agrees with boto3's TypeSerializer on every type we store."""

from decimal import Decimal

import pytest
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from linguaflex.adapters.attribute_values import from_attr, from_item, to_attr, to_item

VALUES = [
    "",
    "pi_123",
    "naïve ✓",
    0,
    -7,
    5000,
    2**53 + 1,
    Decimal("12.5"),
    True,
    False,
    None,
    {"brand": "visa", "exp_month": 12, "nested": {"ok": True, "list": [1, "a", None]}},
    [],
    [1, 2, 3],
    ("a", 1),
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_serializes_like_boto3(value):
    expected = TypeSerializer().serialize(list(value) if isinstance(value, tuple) else value)

    assert to_attr(value) == expected


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_round_trips_with_integral_numbers_as_int(value):
    attribute = TypeSerializer().serialize(list(value) if isinstance(value, tuple) else value)
    boto3_value = TypeDeserializer().deserialize(attribute)

    ours = from_attr(attribute)

    assert ours == boto3_value
    if isinstance(boto3_value, Decimal):
        assert type(ours) is (int if boto3_value == boto3_value.to_integral_value() else float)


def test_numbers_in_exponent_form_read_back_as_int():
    assert from_attr({"N": "1E+2"}) == 100
    assert type(from_attr({"N": "1E+2"})) is int
    assert from_attr({"N": "0.25"}) == 0.25


def test_sets_read_back():
    assert from_attr({"SS": ["a", "b"]}) == {"a", "b"}
    assert from_attr({"NS": ["1", "2.5"]}) == {1, 2.5}


def test_floats_and_unknown_types_are_refused():
    with pytest.raises(TypeError):
        to_attr(1.5)
    with pytest.raises(TypeError):
        to_attr(object())
    with pytest.raises(TypeError):
        from_attr({"X": "?"})


def test_items_leave_out_none_values():
    assert to_item({"a": 1, "b": None, "c": "x"}) == {"a": {"N": "1"}, "c": {"S": "x"}}
    assert from_item({"a": {"N": "1"}, "c": {"NULL": True}}) == {"a": 1, "c": None}
