import pytest

from linguaflex import config, refreshing
from linguaflex.errors import ConfigurationError


def test_settings_are_read_once_then_refreshed_so_a_rotated_secret_takes_effect(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(refreshing.time, "monotonic", lambda: clock[0])
    monkeypatch.setenv("STRIPE_API_KEY", "sk_test_old")
    settings = refreshing.Refreshing(lambda: config.settings_from_env(config.os.environ), max_age_seconds=300)

    first = settings()
    monkeypatch.setenv("STRIPE_API_KEY", "sk_test_new")
    clock[0] += 299
    cached = settings()
    clock[0] += 1
    refreshed = settings()

    assert first is cached
    assert first.stripe_api_key.get_secret_value() == "sk_test_old"
    assert refreshed.stripe_api_key.get_secret_value() == "sk_test_new"


def test_defaults_and_overrides():
    settings = config.settings_from_env(
        {"STRIPE_API_KEY": "sk_test_x", "PLATFORM_FEE_BPS": "1500", "DUPLICATE_PAYMENT_WINDOW_SECONDS": "0"}
    )

    assert settings.platform_fee_bps == 1500
    assert settings.duplicate_payment_window_seconds == 0
    assert settings.stripe_map_test_cards is True  # a test key on real Stripe: send test tokens
    emulator = config.settings_from_env({"STRIPE_API_KEY": "sk_test_x", "STRIPE_API_BASE": "http://127.0.0.1:1"})
    assert emulator.stripe_map_test_cards is False


def test_a_missing_stripe_key_is_a_configuration_error():
    with pytest.raises(ConfigurationError):
        config.settings_from_env({})


def test_hs256_without_a_secret_is_a_configuration_error():
    with pytest.raises(ConfigurationError):
        config.auth_settings_from_env({"JWT_MODE": "hs256"})


class _SecretsManager:
    """Stands in for the botocore client; moto's mock_aws would reset the local stack's in-process moto."""

    def __init__(self, secrets):
        self.secrets = secrets

    def get_secret_value(self, SecretId):
        return self.secrets[SecretId]


def test_the_stripe_secret_is_read_from_secrets_manager(monkeypatch):
    from linguaflex import aws_clients

    secrets = _SecretsManager(
        {
            "arn:text": {"SecretString": '{"api_key": "sk_test_from_secret", "webhook_secret": "whsec_x"}'},
            "arn:binary": {"SecretBinary": b'{"api_key": "sk_test_binary"}'},
            "arn:list": {"SecretString": '["not", "an", "object"]'},
        }
    )
    monkeypatch.setattr(aws_clients, "client", lambda service: secrets)

    settings = config.settings_from_env({"STRIPE_SECRET_ARN": "arn:text", "STRIPE_API_KEY": "sk_test_env"})
    binary = config.settings_from_env({"STRIPE_SECRET_ARN": "arn:binary"})
    with pytest.raises(ConfigurationError):
        config.settings_from_env({"STRIPE_SECRET_ARN": "arn:list"})

    assert settings.stripe_api_key.get_secret_value() == "sk_test_from_secret"
    assert settings.stripe_webhook_secret is not None
    assert settings.stripe_webhook_secret.get_secret_value() == "whsec_x"
    assert binary.stripe_api_key.get_secret_value() == "sk_test_binary"


@pytest.mark.parametrize(
    "env",
    [
        {"PLATFORM_FEE_BPS": "10001"},
        {"PLATFORM_FEE_BPS": "-1"},
        {"PLATFORM_FEE_BPS": "ten"},
        {"DUPLICATE_PAYMENT_WINDOW_SECONDS": "-5"},
        {"MAX_SAVED_CARDS": "1.5"},
    ],
)
def test_out_of_range_or_malformed_numbers_are_configuration_errors(env):
    with pytest.raises(ConfigurationError):
        config.settings_from_env({"STRIPE_API_KEY": "sk_test_x", **env})


def test_secrets_never_show_in_the_settings_repr():
    settings = config.settings_from_env({"STRIPE_API_KEY": "sk_test_secret", "STRIPE_WEBHOOK_SECRET": "whsec_secret"})

    assert "sk_test_secret" not in repr(settings)
    assert "whsec_secret" not in repr(settings)
    assert settings == config.settings_from_env(
        {"STRIPE_API_KEY": "sk_test_secret", "STRIPE_WEBHOOK_SECRET": "whsec_secret"}
    )
