from __future__ import annotations

from linguaflex.models.domain import StudentProfile
from linguaflex.ports import PaymentGateway, PaymentsRepository


def ensure_customer(
    repository: PaymentsRepository, gateway: PaymentGateway, profile: StudentProfile, persist: bool = True
) -> str:
    """The student's Stripe customer, created on first use. The key makes concurrent first uses agree.

    `persist=False` when the caller's own transaction stores the customer with the card (a payment that
    saves a new card): one DynamoDB write fewer. If that payment fails, the same key gives the same customer
    on the next attempt."""
    if profile.stripe_customer_id:
        return profile.stripe_customer_id
    customer_id = gateway.create_customer(profile.student_id, f"customer-{profile.student_id}")
    if persist:
        repository.set_customer(profile.student_id, customer_id)
    return customer_id
