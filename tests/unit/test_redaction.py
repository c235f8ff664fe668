import logging

from linguaflex.observability import logger, redact


def test_card_numbers_in_any_grouping_are_masked():
    text = "pan 4242424242424242, 4242 4242 4242 4242, 4242-4242-4242-4242 and amex 378282246310005"

    masked = redact(text)

    for secret in ("4242424242424242", "4242 4242 4242 4242", "4242-4242-4242-4242", "378282246310005"):
        assert secret not in masked
    assert masked.count("[REDACTED]") == 4


def test_named_cvc_and_number_fields_are_masked():
    masked = redact('{"cvc": "737", "card_number": "4000000000000002", "cvv":"1234", card[cvc]=999}')

    for secret in ("737", "4000000000000002", "1234", "999"):
        assert secret not in masked


def test_ordinary_numbers_survive():
    assert redact("payment 123 amount 5000 booking 42") == "payment 123 amount 5000 booking 42"


def test_logger_level_is_configured():
    # The logger's own redaction of whole lines is proven in tests/security/test_card_hygiene.py.
    assert logger.log_level in (logging.INFO, logging.DEBUG, logging.WARNING)
