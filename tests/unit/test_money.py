from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linguaflex.money import split_fee, to_cents, to_decimal_amount


@pytest.mark.parametrize(
    ("amount", "fee", "teacher"),
    [(5000, 500, 4500), (7500, 750, 6750), (4000, 400, 3600), (5, 1, 4), (15, 2, 13), (1, 0, 1), (999, 100, 899)],
)
def test_ten_percent_rounded_half_up(amount, fee, teacher):
    split = split_fee(amount, 1000)

    assert (split.platform_fee_cents, split.teacher_cents) == (fee, teacher)


@given(st.integers(min_value=1, max_value=10**10), st.integers(min_value=0, max_value=10_000))
def test_the_split_always_adds_up(amount, bps):
    split = split_fee(amount, bps)

    assert split.platform_fee_cents + split.teacher_cents == amount
    assert 0 <= split.platform_fee_cents <= amount


def test_amounts_must_be_positive():
    with pytest.raises(ValueError):
        split_fee(0, 1000)


def test_edge_conversions():
    assert to_decimal_amount(5000) == 50.0
    assert to_decimal_amount(1) == 0.01
    assert to_cents(Decimal("10.5")) == 1050
    assert to_cents("0.07") == 7
    with pytest.raises(ValueError):
        to_cents("1.005")
