"""Refunds, Connect destination charges (transfers, application fees) and disputes."""

from __future__ import annotations

import re

import pytest
import stripe

from .helpers import event_types_about


def test_full_refund_from_payment_intent(client: stripe.StripeClient, pay) -> None:
    payment_intent = pay(amount=2000)

    refund = client.v1.refunds.create(
        params={
            "payment_intent": payment_intent.id,
            "reason": "requested_by_customer",
            "metadata": {"ticket": "t1"},
        }
    )

    charge = client.v1.charges.retrieve(payment_intent.latest_charge)
    assert re.fullmatch(r"re_[A-Za-z0-9]{24}", refund.id)
    assert (refund.amount, refund.status, refund.reason, refund.charge) == (
        2000,
        "succeeded",
        "requested_by_customer",
        charge.id,
    )
    assert refund.metadata.to_dict() == {"ticket": "t1"}
    assert (charge.amount_refunded, charge.refunded) == (2000, True)
    assert client.v1.refunds.retrieve(refund.id).id == refund.id
    assert {"refund.created", "charge.refunded"} <= set(event_types_about(client, payment_intent.id))


def test_partial_refunds_then_over_refund_message(client: stripe.StripeClient, pay) -> None:
    payment_intent = pay(amount=2000)
    client.v1.refunds.create(params={"charge": payment_intent.latest_charge, "amount": 500})
    client.v1.refunds.create(params={"payment_intent": payment_intent.id, "amount": 1000})

    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.refunds.create(params={"payment_intent": payment_intent.id, "amount": 1000})

    charge = client.v1.charges.retrieve(payment_intent.latest_charge)
    assert (charge.amount_refunded, charge.refunded) == (1500, False)
    assert raised.value.error.param == "amount"
    assert raised.value.error.message == "Refund amount ($10.00) is greater than unrefunded amount on charge ($5.00)"
    listed = client.v1.refunds.list(params={"payment_intent": payment_intent.id})
    assert [refund.amount for refund in listed.data] == [1000, 500]


def test_refunding_a_fully_refunded_charge(client: stripe.StripeClient, pay) -> None:
    payment_intent = pay()
    client.v1.refunds.create(params={"payment_intent": payment_intent.id})

    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.refunds.create(params={"charge": payment_intent.latest_charge})

    assert raised.value.code == "charge_already_refunded"
    assert raised.value.error.message == f"Charge {payment_intent.latest_charge} has already been refunded."


def test_charges_list_by_payment_intent(client: stripe.StripeClient, pay) -> None:
    with pytest.raises(stripe.CardError) as raised:
        pay("pm_card_visa_chargeDeclined")
    failed_intent = raised.value.error.payment_intent
    client.v1.payment_intents.confirm(failed_intent.id, params={"payment_method": "pm_card_visa"})

    charges = client.v1.charges.list(params={"payment_intent": failed_intent.id})

    assert [charge.status for charge in charges.data] == ["succeeded", "failed"]
    assert charges.url == "/v1/charges"


@pytest.fixture
def connected_account(client: stripe.StripeClient):
    return client.v1.accounts.create(
        params={
            "type": "express",
            "country": "US",
            "email": "tutor@example.com",
            "capabilities": {"card_payments": {"requested": True}, "transfers": {"requested": True}},
        }
    )


def test_account_create_and_retrieve(client: stripe.StripeClient, connected_account) -> None:
    fetched = client.v1.accounts.retrieve(connected_account.id)

    assert re.fullmatch(r"acct_[A-Za-z0-9]{16}", connected_account.id)
    assert (fetched.type, fetched.country, fetched.email) == ("express", "US", "tutor@example.com")


def test_destination_charge_creates_transfer_and_application_fee(client, pay, connected_account) -> None:
    payment_intent = pay(amount=10000, application_fee_amount=1500, transfer_data={"destination": connected_account.id})

    charge = client.v1.charges.retrieve(payment_intent.latest_charge)
    transfer = client.v1.transfers.retrieve(charge.transfer)
    fee = client.v1.application_fees.retrieve(charge.application_fee)
    assert (transfer.amount, transfer.destination, transfer.source_transaction) == (
        8500,
        connected_account.id,
        charge.id,
    )
    assert transfer.destination_payment.startswith("py_")
    assert (fee.amount, fee.account, fee.charge) == (1500, connected_account.id, charge.id)
    assert charge.application_fee_amount == 1500
    assert charge.transfer_data.destination == connected_account.id
    types = {event.type for event in client.v1.events.list().data}
    assert {"transfer.created", "application_fee.created"} <= types


def test_refund_with_reverse_transfer_and_refund_application_fee(client, pay, connected_account) -> None:
    payment_intent = pay(amount=10000, application_fee_amount=1000, transfer_data={"destination": connected_account.id})

    partial = client.v1.refunds.create(
        params={
            "payment_intent": payment_intent.id,
            "amount": 5000,
            "reverse_transfer": True,
            "refund_application_fee": True,
        }
    )
    client.v1.refunds.create(
        params={"payment_intent": payment_intent.id, "reverse_transfer": True, "refund_application_fee": True}
    )

    charge = client.v1.charges.retrieve(payment_intent.latest_charge)
    transfer = client.v1.transfers.retrieve(charge.transfer)
    fee = client.v1.application_fees.retrieve(charge.application_fee)
    assert partial.transfer_reversal.startswith("trr_")
    assert (transfer.amount_reversed, transfer.reversed) == (9000, True)
    assert [reversal.amount for reversal in transfer.reversals.data] == [4500, 4500]
    assert (fee.amount_refunded, fee.refunded) == (1000, True)


def test_application_fee_without_destination_is_refused(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_intents.create(params={"amount": 1000, "currency": "usd", "application_fee_amount": 100})

    assert raised.value.error.param == "application_fee_amount"


@pytest.mark.emulator_only
def test_dispute_marks_charge_and_blocks_refunds(client: stripe.StripeClient, pay, emulator) -> None:
    payment_intent = pay()

    dispute = emulator.create_dispute(payment_intent.latest_charge)

    charge = client.v1.charges.retrieve(payment_intent.latest_charge)
    assert dispute["id"].startswith("dp_")
    assert charge.disputed is True
    assert client.v1.disputes.retrieve(dispute["id"]).status == "needs_response"
    assert client.v1.events.list(params={"type": "charge.dispute.created"}).data[0].data.object.id == dispute["id"]
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.refunds.create(params={"charge": charge.id})
    assert raised.value.code == "charge_disputed"
