"""The admin CLI against the local table: gigs and teachers' connected accounts."""

from __future__ import annotations

import pytest

from local import admin


def test_put_list_and_assign_an_account(stack, capsys, monkeypatch):
    monkeypatch.setenv("TABLE_NAME", stack.table_name)

    admin.main(["put-gig", "501", "--price", "60.00", "--teacher", "501", "--title", "IELTS prep"])
    admin.main(["set-account", "501", "acct_1234567890abcdef"])
    admin.main(["gigs"])

    listing = capsys.readouterr().out
    assert "gig 501 saved" in listing
    row = next(line for line in listing.splitlines() if line.strip().startswith("501 "))
    assert "$    60.00" in row and "teacher 501" in row and "acct_1234567890abcdef" in row and "active" in row


def test_create_account_in_stripe(stack, capsys, monkeypatch):
    monkeypatch.setenv("TABLE_NAME", stack.table_name)
    admin.main(["put-gig", "502", "--price", "10", "--teacher", "502"])

    admin.main(["create-account", "502", "--email", "t502@example.com"])

    out = capsys.readouterr().out
    account_id = out.split("created ")[1].split(",")[0]
    assert account_id.startswith("acct_")
    assert stack.stripe_client().v1.accounts.retrieve(account_id).email == "t502@example.com"


@pytest.mark.parametrize("price", ["0", "-5", "1.001", "abc"])
def test_bad_prices_are_refused(stack, monkeypatch, price):
    monkeypatch.setenv("TABLE_NAME", stack.table_name)

    with pytest.raises(SystemExit):
        admin.main(["put-gig", "503", "--price", price, "--teacher", "7"])


def test_payment_for_a_teacher_without_account_stays_on_the_platform_with_a_ledger_entry(stack, student, monkeypatch):
    monkeypatch.setenv("TABLE_NAME", stack.table_name)
    admin.main(["put-gig", "504", "--price", "33.33", "--teacher", "504"])

    body = student.pay_new_card(gig_id=504).json()

    intent = stack.stripe_client().v1.payment_intents.retrieve(body["payment_intent_id"])
    assert intent.transfer_data is None and intent.application_fee_amount is None
    ledger = stack.dynamodb().get_item(
        TableName=stack.table_name,
        Key={"pk": {"S": "LEDGER#TEACHER#504"}, "sk": {"S": f"PAYMENT#{body['payment_id']:012d}"}},
    )["Item"]
    assert ledger["owed_cents"] == {"N": "3000"}  # 33.33 - 3.33 (10 % of 3333 rounded half up)
    status = student.get(f"/api/payments/payments/{body['payment_id']}/").json()
    assert (status["platform_fee"], status["teacher_amount"]) == (3.33, 30.0)
