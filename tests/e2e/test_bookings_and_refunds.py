"""Bookings need a succeeded payment and the teacher's word; refunds go through an admin."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def _paid(student, gig_id=1):
    body = student.pay_new_card(gig_id=gig_id).json()
    assert body["status"] == "succeeded"
    return body


def test_teacher_confirms_a_booking(student, teacher):
    paid = _paid(student)

    confirmed = teacher.post(f"/api/payments/bookings/{paid['booking_id']}/confirm/")

    assert confirmed.status_code == 200
    assert confirmed.json()["booking_status"] == "confirmed"
    again = teacher.post(f"/api/payments/bookings/{paid['booking_id']}/confirm/")
    assert again.status_code == 409


def test_teacher_declines_and_the_payment_is_refunded_in_full(stack, student, teacher):
    paid = _paid(student, gig_id=2)

    declined = teacher.post(f"/api/payments/bookings/{paid['booking_id']}/decline/", {"reason": "On holiday"})

    assert declined.status_code == 200
    assert declined.json()["booking_status"] == "declined"
    assert declined.json()["payment_status"] == "refunded"
    stack.emulator.wait_for_deliveries(timeout=10)
    status = student.get(f"/api/payments/payments/{paid['payment_id']}/").json()
    assert (status["status"], status["refunded_amount"]) == ("refunded", 75.0)
    charge = stack.stripe_client().v1.charges.retrieve(
        stack.stripe_client().v1.payment_intents.retrieve(paid["payment_intent_id"]).latest_charge
    )
    assert charge.amount_refunded == 7500


def test_students_and_teachers_list_their_bookings(users, student):
    paid = _paid(student)

    mine = student.get("/api/payments/bookings/").json()["results"]
    teachers = users.teacher(7).get("/api/payments/bookings/?limit=100").json()["results"]
    others = users.teacher(8).get("/api/payments/bookings/").json()["results"]

    assert [b["booking_id"] for b in mine] == [paid["booking_id"]]
    assert paid["booking_id"] in [b["booking_id"] for b in teachers]
    assert others == []


def test_another_teacher_cannot_confirm(users, student):
    paid = _paid(student)

    response = users.teacher(8).post(f"/api/payments/bookings/{paid['booking_id']}/confirm/")

    assert response.status_code == 404
    assert (
        student.get("/api/payments/bookings/").json()["results"][0]["booking_status"] == "pending_teacher_confirmation"
    )


def test_refund_request_approved_in_part_then_in_full(stack, student, admin):
    paid = _paid(student)

    requested = student.post(f"/api/payments/payments/{paid['payment_id']}/refund-request/", {"reason": "Ill"})
    duplicate = student.post(f"/api/payments/payments/{paid['payment_id']}/refund-request/", {"reason": "Ill"})
    request_id = requested.json()["refund_request_id"]
    approved = admin.post(f"/api/payments/refund-requests/{request_id}/approve/", {"amount": 20.5})

    assert requested.status_code == 201
    assert requested.json()["status"] == "pending"
    assert duplicate.status_code == 409
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    assert approved.json()["payment_status"] == "partially_refunded"
    assert approved.json()["refunded_amount"] == 20.5

    second = student.post(f"/api/payments/payments/{paid['payment_id']}/refund-request/", {"reason": "Still ill"})
    too_much = admin.post(
        f"/api/payments/refund-requests/{second.json()['refund_request_id']}/approve/", {"amount": 30}
    )
    rest = admin.post(f"/api/payments/refund-requests/{second.json()['refund_request_id']}/approve/")

    assert too_much.status_code == 400
    assert too_much.json()["details"] == {"amount": "must be between 0.01 and 29.50"}
    assert rest.status_code == 200
    assert rest.json()["payment_status"] == "refunded"
    stack.emulator.wait_for_deliveries(timeout=10)
    status = student.get(f"/api/payments/payments/{paid['payment_id']}/").json()
    assert (status["status"], status["refunded_amount"]) == ("refunded", 50.0)
    intent = stack.stripe_client().v1.payment_intents.retrieve(paid["payment_intent_id"])
    refunds = stack.stripe_client().v1.refunds.list(params={"payment_intent": intent.id}).data
    assert sorted(r.amount for r in refunds) == [2050, 2950]
    third = student.post(f"/api/payments/payments/{paid['payment_id']}/refund-request/", {"reason": "again"})
    assert third.status_code == 409


def test_refund_of_a_destination_charge_reverses_the_transfer_and_fee(stack, student, admin):
    paid = _paid(student, gig_id=1)
    request_id = student.post(f"/api/payments/payments/{paid['payment_id']}/refund-request/", {"reason": "x"}).json()[
        "refund_request_id"
    ]

    admin.post(f"/api/payments/refund-requests/{request_id}/approve/")

    refund = stack.stripe_client().v1.refunds.list(params={"payment_intent": paid["payment_intent_id"]}).data[0]
    assert refund.transfer_reversal is not None
    charge = stack.stripe_client().v1.charges.retrieve(refund.charge)
    fee = stack.stripe_client().v1.application_fees.retrieve(charge.application_fee)
    assert fee.amount_refunded == fee.amount == 500


def test_admin_denies_and_lists_by_status(student, admin):
    paid = _paid(student)
    request_id = student.post(
        f"/api/payments/payments/{paid['payment_id']}/refund-request/", {"reason": "changed my mind"}
    ).json()["refund_request_id"]

    denied = admin.post(f"/api/payments/refund-requests/{request_id}/deny/", {"note": "Lesson was given"})
    listed = admin.get("/api/payments/refund-requests/?status=denied&limit=100").json()["results"]

    assert denied.status_code == 200
    assert denied.json()["status"] == "denied"
    assert request_id in [r["refund_request_id"] for r in listed]
    assert student.get(f"/api/payments/payments/{paid['payment_id']}/").json()["status"] == "succeeded"
    assert admin.get("/api/payments/refund-requests/?status=bogus").status_code == 400


def test_only_admins_decide_refunds(users, student):
    paid = _paid(student)
    request_id = student.post(f"/api/payments/payments/{paid['payment_id']}/refund-request/", {"reason": "x"}).json()[
        "refund_request_id"
    ]

    assert student.post(f"/api/payments/refund-requests/{request_id}/approve/").status_code == 403
    assert users.teacher(7).post(f"/api/payments/refund-requests/{request_id}/approve/").status_code == 403
    assert student.get("/api/payments/refund-requests/").status_code == 403


def test_refund_of_an_unpaid_payment_is_refused(student):
    declined = student.pay_new_card(gig_id=1, number="4000000000000002").json()

    response = student.post(
        f"/api/payments/payments/{declined['details']['payment_id']}/refund-request/", {"reason": "x"}
    )

    assert response.status_code == 409
