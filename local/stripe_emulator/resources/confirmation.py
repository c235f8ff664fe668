"""The PaymentIntent state machine: confirm, 3-D Secure, charge, capture."""

from __future__ import annotations

import contextlib
import copy
from typing import Any
from urllib.parse import quote

from .. import cards
from ..context import Context
from ..errors import StripeError, error_object, invalid_request, unexpected_state
from ..ids import new_id
from . import charges, connect, payment_methods

CONFIRMABLE = ("requires_payment_method", "requires_confirmation", "requires_action")

RETURN_URL_REQUIRED = (
    "This PaymentIntent is configured to accept payment methods enabled in your Dashboard. Because some of "
    "these payment methods might redirect your customer off of your page, you must provide a `return_url`. If "
    "you don't want to accept redirect-based payment methods, set `automatic_payment_methods[enabled]` to "
    "`true` and `automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and "
    "Payment Intents."
)
AUTHENTICATION_FAILED = (
    "The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new "
    "PaymentMethod to attempt to fulfill this PaymentIntent again."
)


def check_payment_method_owner(payment_intent: dict[str, Any], payment_method: dict[str, Any]) -> None:
    owner = payment_method["customer"]
    if owner is not None and owner != payment_intent["customer"]:
        raise invalid_request(
            f"The `payment_method` parameter supplied {payment_method['id']} belongs to the Customer {owner}. "
            "Please include the Customer in the `customer` parameter on the PaymentIntent.",
            param="payment_method",
        )


def ensure_confirmable(payment_intent: dict[str, Any]) -> None:
    status = payment_intent["status"]
    if status not in CONFIRMABLE:
        raise unexpected_state(
            f"You cannot confirm this PaymentIntent because it has a status of {status}. Only a PaymentIntent "
            f"with one of the following statuses may be confirmed: {', '.join(CONFIRMABLE)}."
        )


def confirm(
    ctx: Context,
    payment_intent: dict[str, Any],
    *,
    off_session: bool,
    return_url: str | None,
    error_on_requires_action: bool,
) -> None:
    """Run a confirmation. Declines mutate the PaymentIntent and then raise the 402 card error."""
    ensure_confirmable(payment_intent)
    if payment_intent["payment_method"] is None:
        raise unexpected_state(
            "You cannot confirm this PaymentIntent because it's missing a payment method. You can either update "
            "the PaymentIntent with a payment method and then confirm it again, or confirm it again directly "
            "with a payment method."
        )
    payment_method = ctx.state.require("payment_method", payment_intent["payment_method"], "payment_method")
    check_payment_method_owner(payment_intent, payment_method)
    if ctx.state.cards[payment_method["id"]].consumed:
        raise invalid_request(payment_methods.PREVIOUSLY_USED, param="payment_method")
    automatic = payment_intent["automatic_payment_methods"]
    if automatic and automatic["allow_redirects"] != "never" and not return_url and not off_session:
        raise invalid_request(RETURN_URL_REQUIRED)

    payment_intent["last_payment_error"] = None
    payment_intent["next_action"] = None
    card = payment_methods.test_card(ctx, payment_method)
    if _needs_authentication(ctx, card, payment_method, off_session):
        if off_session or error_on_requires_action:
            fail(ctx, payment_intent, payment_method, cards.AUTHENTICATION_REQUIRED)
        payment_intent["status"] = "requires_action"
        payment_intent["next_action"] = _next_action(ctx, payment_intent, return_url)
        ctx.emit("payment_intent.requires_action", payment_intent)
        return
    charge_card(ctx, payment_intent, payment_method)


def _needs_authentication(
    ctx: Context, card: cards.TestCard, payment_method: dict[str, Any], off_session: bool
) -> bool:
    if card.three_d_secure == cards.NO_3DS:
        return False
    if not off_session:
        return True
    if card.three_d_secure == cards.THREE_DS_ON_SESSION_ONLY:
        return False
    if card.three_d_secure == cards.THREE_DS_UNLESS_SET_UP:
        return not ctx.state.cards[payment_method["id"]].set_up_for_off_session
    return True


def _next_action(ctx: Context, payment_intent: dict[str, Any], return_url: str | None) -> dict[str, Any]:
    challenge_url = f"{ctx.base_url}/_emulator/payment_intents/{payment_intent['id']}/authenticate"
    if return_url:
        ctx.state.return_urls[payment_intent["id"]] = return_url
        return {
            "type": "redirect_to_url",
            "redirect_to_url": {
                "return_url": return_url,
                "url": f"{challenge_url}?outcome=succeed&return_url={quote(return_url, safe='')}",
            },
        }
    return {
        "type": "use_stripe_sdk",
        "use_stripe_sdk": {
            "type": "three_d_secure_redirect",
            "stripe_js": challenge_url,
            "source": new_id("src"),
        },
    }


def charge_card(
    ctx: Context,
    payment_intent: dict[str, Any],
    payment_method: dict[str, Any],
    *,
    authenticated: bool = False,
) -> None:
    card = payment_methods.test_card(ctx, payment_method)
    failure = card.decline or card.charge_failure
    if failure is not None:
        fail(ctx, payment_intent, payment_method, failure)
    manual = payment_intent["capture_method"] == "manual"
    charge = charges.record(
        ctx, payment_intent, payment_method, None, captured=not manual, three_d_secure=authenticated
    )
    payment_intent["latest_charge"] = charge["id"]
    _save_payment_method(ctx, payment_intent, payment_method)
    if manual:
        payment_intent["status"] = "requires_capture"
        payment_intent["amount_capturable"] = payment_intent["amount"]
        ctx.emit("charge.succeeded", charge)
        ctx.emit("payment_intent.amount_capturable_updated", payment_intent)
        return
    payment_intent["status"] = "succeeded"
    payment_intent["amount_received"] = payment_intent["amount"]
    settlement_events = connect.settle_destination_charge(ctx, payment_intent, charge)
    ctx.emit("charge.succeeded", charge)
    for event_type, obj in settlement_events:
        ctx.emit(event_type, obj)
    ctx.emit("payment_intent.succeeded", payment_intent)


def _save_payment_method(ctx: Context, payment_intent: dict[str, Any], payment_method: dict[str, Any]) -> None:
    record = ctx.state.cards[payment_method["id"]]
    customer = ctx.state.get("customer", payment_intent["customer"] or "")
    if payment_intent["setup_future_usage"] and customer is not None:
        payment_methods.attach_to(ctx, payment_method, customer)
        record.set_up_for_off_session = True
    elif payment_method["customer"] is None:
        record.consumed = True


def fail(
    ctx: Context, payment_intent: dict[str, Any], payment_method: dict[str, Any], failure: cards.CardFailure
) -> None:
    charge = charges.record(ctx, payment_intent, payment_method, failure, captured=False)
    error = failure.error()
    error.extra = {"charge": charge["id"], "payment_method": copy.deepcopy(payment_method)}
    payment_intent.update(
        status="requires_payment_method",
        payment_method=None,
        last_payment_error=error_object(error),
        latest_charge=charge["id"],
        next_action=None,
    )
    ctx.emit("charge.failed", charge)
    ctx.emit("payment_intent.payment_failed", payment_intent)
    error.extra["payment_intent"] = copy.deepcopy(payment_intent)
    raise error


def authenticate(ctx: Context, payment_intent: dict[str, Any], succeed: bool) -> None:
    """Complete (or fail) the 3-D Secure challenge of a PaymentIntent in `requires_action`."""
    if payment_intent["status"] != "requires_action":
        raise unexpected_state(
            f"This PaymentIntent has a status of {payment_intent['status']}; only a PaymentIntent in "
            "requires_action can be authenticated."
        )
    payment_method = ctx.state.require("payment_method", payment_intent["payment_method"], "payment_method")
    payment_intent["next_action"] = None
    if succeed:
        # A decline after the challenge is recorded on the PaymentIntent; nobody is waiting for the 402.
        with contextlib.suppress(StripeError):
            charge_card(ctx, payment_intent, payment_method, authenticated=True)
        return
    error = StripeError(
        400,
        "invalid_request_error",
        AUTHENTICATION_FAILED,
        code="payment_intent_authentication_failure",
        extra={"payment_method": copy.deepcopy(payment_method)},
    )
    payment_intent.update(status="requires_payment_method", payment_method=None, last_payment_error=error_object(error))
    ctx.emit("payment_intent.payment_failed", payment_intent)


def capture(ctx: Context, payment_intent: dict[str, Any], amount: int | None, fee: int | None) -> None:
    if payment_intent["status"] != "requires_capture":
        raise unexpected_state(
            f"This PaymentIntent could not be captured because it has a status of {payment_intent['status']}. "
            "Only a PaymentIntent with one of the following statuses may be captured: requires_capture."
        )
    capturable = payment_intent["amount_capturable"]
    amount = capturable if amount is None else amount
    if amount > capturable:
        raise invalid_request(
            f"The amount to capture ({amount}) must be less than or equal to the amount capturable ({capturable}).",
            param="amount_to_capture",
        )
    if fee is not None:
        payment_intent["application_fee_amount"] = fee
    charge = ctx.state.require("charge", payment_intent["latest_charge"])
    charge.update(
        captured=True,
        amount_captured=amount,
        # A partial capture releases (refunds) the rest of the authorization.
        amount_refunded=charge["amount"] - amount,
        balance_transaction=new_id("txn"),
    )
    payment_intent.update(status="succeeded", amount_capturable=0, amount_received=amount)
    settlement_events = connect.settle_destination_charge(ctx, payment_intent, charge)
    ctx.emit("charge.captured", charge)
    for event_type, obj in settlement_events:
        ctx.emit(event_type, obj)
    ctx.emit("payment_intent.succeeded", payment_intent)
