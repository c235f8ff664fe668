"""Wire protocol through the SDK: auth, headers, object shapes, errors, lists, expand."""

from __future__ import annotations

import re

import pytest
import stripe

from .helpers import CARDS_ONLY


def test_objects_have_stripe_ids_object_fields_and_request_id_header(client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create(params={"email": "ana@example.com", "metadata": {"tier": "gold"}})

    assert re.fullmatch(r"cus_[A-Za-z0-9]{14}", customer.id)
    assert customer.object == "customer"
    assert customer.livemode is False
    assert isinstance(customer.created, int)
    assert customer.metadata.to_dict() == {"tier": "gold"}
    assert re.fullmatch(r"req_[A-Za-z0-9]{14}", customer.last_response.request_id)


def test_nested_bracket_params_and_metadata_updates(client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create(
        params={
            "name": "Ana",
            "address": {"city": "Lisbon", "country": "PT"},
            "metadata": {"a": "1", "b": "2"},
        }
    )

    updated = client.v1.customers.update(customer.id, params={"metadata": {"a": "", "c": "3"}, "email": "x@y.z"})

    assert updated.address.city == "Lisbon"
    assert updated.metadata.to_dict() == {"b": "2", "c": "3"}
    assert client.v1.customers.retrieve(customer.id).email == "x@y.z"


def test_stripe_version_header_is_accepted(make_client) -> None:
    client = make_client(stripe_version="2024-06-20")

    customer = client.v1.customers.create(params={"email": "v@example.com"})

    assert customer.last_response.headers.get("Stripe-Version") == "2024-06-20"


def test_invalid_api_key_is_401_with_masked_key(make_client) -> None:
    client = make_client()
    bad = stripe.StripeClient("sk_live_abcdefgh1234", base_addresses=client._requestor._options.base_addresses)

    with pytest.raises(stripe.AuthenticationError) as raised:
        bad.v1.customers.list()

    assert raised.value.http_status == 401
    assert raised.value.error.type == "invalid_request_error"
    assert raised.value.user_message.startswith("Invalid API Key provided: sk_live_")
    assert raised.value.user_message.endswith("1234")


def test_unknown_parameter_is_rejected(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.customers.create(params={"favourite_colour": "blue"})

    error = raised.value.error
    assert raised.value.http_status == 400
    assert (error.type, error.code, error.param) == (
        "invalid_request_error",
        "parameter_unknown",
        "favourite_colour",
    )
    assert error.message == "Received unknown parameter: favourite_colour"
    assert error.doc_url == "https://stripe.com/docs/error-codes/parameter-unknown"


def test_unknown_nested_parameter_names_the_full_path(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_intents.create(params={"amount": 1000, "currency": "usd", "transfer_data": {"nope": "x"}})

    assert raised.value.error.param == "transfer_data[nope]"
    assert raised.value.error.message == "Received unknown parameter: transfer_data[nope]"


def test_missing_required_param(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_intents.create(params={"currency": "usd"})

    error = raised.value.error
    assert (error.code, error.param, error.message) == (
        "parameter_missing",
        "amount",
        "Missing required param: amount.",
    )


def test_unknown_id_in_path_is_404_resource_missing(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_methods.retrieve("pm_doesnotexist")

    error = raised.value.error
    assert raised.value.http_status == 404
    assert (error.code, error.param) == ("resource_missing", "id")
    assert error.message == "No such payment_method: 'pm_doesnotexist'"


def test_unknown_id_in_body_is_400_naming_the_param(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_intents.create(params={"amount": 1000, "currency": "usd", "customer": "cus_missing"})

    assert raised.value.http_status == 400
    assert raised.value.error.param == "customer"
    assert raised.value.error.message == "No such customer: 'cus_missing'"


def test_unknown_url_is_404(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.raw_request("get", "/v1/definitely_not_a_resource")

    assert raised.value.http_status == 404
    assert raised.value.error.message.startswith("Unrecognized request URL (GET: /v1/definitely_not_a_resource)")


def test_list_envelope_pagination_newest_first(client: stripe.StripeClient) -> None:
    ids = [client.v1.customers.create(params={"email": f"page{i}@example.com"}).id for i in range(5)]
    newest_first = ids[::-1]

    first = client.v1.customers.list(params={"limit": 2})
    second = client.v1.customers.list(params={"limit": 2, "starting_after": first.data[-1].id})
    back = client.v1.customers.list(params={"limit": 2, "ending_before": second.data[0].id})

    assert (first.object, first.url, first.has_more) == ("list", "/v1/customers", True)
    assert [c.id for c in first.data] == newest_first[:2]
    assert [c.id for c in second.data] == newest_first[2:4]
    assert [c.id for c in back.data] == newest_first[:2]
    assert [c.id for c in client.v1.customers.list().auto_paging_iter()][:5] == newest_first


def test_list_defaults_to_ten_and_rejects_bad_limits(client: stripe.StripeClient) -> None:
    for i in range(11):
        client.v1.customers.create(params={"email": f"many{i}@example.com"})

    assert len(client.v1.customers.list().data) == 10
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.customers.list(params={"limit": 101})
    assert raised.value.error.param == "limit"


def test_expand_latest_charge_payment_method_and_customer(client: stripe.StripeClient, pay) -> None:
    customer = client.v1.customers.create(params={"email": "exp@example.com"})
    payment_intent = pay(customer=customer.id)

    expanded = client.v1.payment_intents.retrieve(
        payment_intent.id, params={"expand": ["latest_charge", "payment_method", "customer"]}
    )

    assert isinstance(payment_intent.latest_charge, str)
    assert expanded.latest_charge.object == "charge"
    assert expanded.latest_charge.id == payment_intent.latest_charge
    assert expanded.payment_method.object == "payment_method"
    assert expanded.customer.email == "exp@example.com"


def test_expand_data_fields_on_lists(client: stripe.StripeClient, pay) -> None:
    customer = client.v1.customers.create(params={"email": "listexp@example.com"})
    pay(customer=customer.id)

    page = client.v1.payment_intents.list(params={"customer": customer.id, "expand": ["data.customer"]})

    assert page.data[0].customer.email == "listexp@example.com"


def test_boolean_and_integer_params_are_validated(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_intents.create(params={"amount": "ten", "currency": "usd", **CARDS_ONLY})

    assert (raised.value.error.code, raised.value.error.param) == ("parameter_invalid_integer", "amount")
