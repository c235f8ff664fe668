from __future__ import annotations

from linguaflex.models.domain import StudentProfile
from linguaflex.ports import PaymentGateway, PaymentsRepository


def ensure_customer(repository: PaymentsRepository, gateway: PaymentGateway, profile: StudentProfile) -> str:
    """The student's Stripe customer, created on first use. The key makes concurrent first uses agree."""
    if profile.stripe_customer_id:
        return profile.stripe_customer_id
    customer_id = gateway.create_customer(profile.student_id, f"customer-{profile.student_id}")
    repository.set_customer(profile.student_id, customer_id)
    return customer_id
