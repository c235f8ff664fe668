"""Admin CLI for gigs and teachers' connected accounts, against whichever table is configured.

    python -m local.admin gigs                                   # list
    python -m local.admin put-gig 4 --price 60.00 --teacher 7 --title "IELTS prep"
    python -m local.admin put-gig 4 --price 60.00 --teacher 7 --inactive
    python -m local.admin set-account 7 acct_1234567890abcdef     # copies it onto the teacher's gigs
    python -m local.admin create-account 7 --email t7@example.com # a Stripe Express account (needs STRIPE_API_KEY)

Uses TABLE_NAME and the usual AWS credentials (or AWS_ENDPOINT_URL_DYNAMODB for a local table).
"""

from __future__ import annotations

import argparse
import os
import sys
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from local.lambda_runtime import ensure_layer_on_path

ensure_layer_on_path()

from linguaflex.adapters.dynamo import DynamoRepository  # noqa: E402
from linguaflex.models.domain import Gig  # noqa: E402
from linguaflex.money import to_cents, to_decimal_amount  # noqa: E402

if TYPE_CHECKING:
    from stripe.params import AccountCreateParams


def _repository() -> DynamoRepository:
    import boto3

    table = os.environ.get("TABLE_NAME")
    if not table:
        raise SystemExit("Set TABLE_NAME to the payments table (see the stack's PaymentsTableName output)")
    return DynamoRepository(boto3.client("dynamodb"), table)


def _price(text: str) -> int:
    try:
        cents = to_cents(Decimal(text))
    except (InvalidOperation, ValueError) as exc:
        raise argparse.ArgumentTypeError(f"not a price with at most two decimals: {text}") from exc
    if cents <= 0:
        raise argparse.ArgumentTypeError("the price must be positive")
    return cents


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.admin", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("gigs", help="list gigs")
    put = commands.add_parser("put-gig", help="create or replace a gig")
    put.add_argument("gig_id", type=int)
    put.add_argument("--price", type=_price, required=True, help="in dollars, e.g. 50.00")
    put.add_argument("--teacher", type=int, required=True)
    put.add_argument("--title", default="")
    put.add_argument("--inactive", action="store_true")
    set_account = commands.add_parser("set-account", help="set (or clear with 'none') a teacher's connected account")
    set_account.add_argument("teacher_id", type=int)
    set_account.add_argument("account_id")
    create = commands.add_parser("create-account", help="create a Stripe Express account for a teacher")
    create.add_argument("teacher_id", type=int)
    create.add_argument("--email", default=None)
    args = parser.parse_args(argv)

    repository = _repository()
    if args.command == "gigs":
        for gig in repository.list_gigs():
            state = "active" if gig.active else "inactive"
            print(
                f"{gig.gig_id:>6}  ${to_decimal_amount(gig.price_cents):>9.2f}  teacher {gig.teacher_id:<6} "
                f"{state:<8} {gig.teacher_account_id or '-':<22} {gig.title}"
            )
    elif args.command == "put-gig":
        existing = repository.get_gig(args.gig_id)
        account_id = existing.teacher_account_id if existing and existing.teacher_id == args.teacher else None
        repository.put_gig(Gig(args.gig_id, args.teacher, args.price, not args.inactive, args.title, account_id))
        print(f"gig {args.gig_id} saved")
    elif args.command == "set-account":
        account_id = None if args.account_id.lower() == "none" else args.account_id
        if account_id is not None and not account_id.startswith("acct_"):
            raise SystemExit("a connected account id starts with acct_")
        gigs = repository.set_teacher_account(args.teacher_id, account_id)
        print(f"teacher {args.teacher_id}: account {account_id or 'cleared'} on gigs {gigs}")
    elif args.command == "create-account":
        import stripe

        key = os.environ.get("STRIPE_API_KEY")
        if not key:
            raise SystemExit("Set STRIPE_API_KEY")
        base = os.environ.get("STRIPE_API_BASE")
        client = stripe.StripeClient(key, base_addresses={"api": base} if base else None)
        params: AccountCreateParams = {
            "type": "express",
            "country": "US",
            "capabilities": {"card_payments": {"requested": True}, "transfers": {"requested": True}},
            "metadata": {"teacher_id": str(args.teacher_id)},
        }
        if args.email:
            params["email"] = args.email
        account = client.v1.accounts.create(params=params)
        gigs = repository.set_teacher_account(args.teacher_id, str(account.id))
        print(f"teacher {args.teacher_id}: created {account.id}, set on gigs {gigs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
