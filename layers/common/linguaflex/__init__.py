"""LinguaFlex Payments: the shared package deployed as the `common` Lambda layer."""
