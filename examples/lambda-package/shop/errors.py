"""Exceptions whose class names become Step Functions error names."""


class InvalidOrder(Exception):
    """The order cannot be processed as given."""


class PaymentDeclined(Exception):
    """The card was refused."""
