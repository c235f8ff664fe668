import io
import json
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


def test_the_service_logger_redacts_every_line_including_extras_and_tracebacks():
    stream = io.StringIO()
    handler = logger.registered_handler
    original = handler.stream  # type: ignore[attr-defined]
    handler.setStream(stream)  # type: ignore[attr-defined]
    try:
        logger.info("card 4242424242424242", extra={"cvc": "123", "note": "5555 5555 5555 4444"})
        try:
            raise ValueError("bad card 4000000000009995")
        except ValueError:
            logger.exception("failed")
    finally:
        handler.setStream(original)  # type: ignore[attr-defined]

    output = stream.getvalue()
    assert "4242424242424242" not in output
    assert "5555 5555 5555 4444" not in output
    assert "4000000000009995" not in output
    assert '"cvc":"[REDACTED]"' in output.replace(" ", "")
    assert all(json.loads(line) for line in output.splitlines())


def test_logger_level_is_configured():
    assert logger.log_level in (logging.INFO, logging.DEBUG, logging.WARNING)
