"""The price list, read from prices.json beside the package at import time."""

import json
import os

_HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

with open(os.path.join(_HERE, "prices.json")) as _file:
    PRICES = json.load(_file)


def price_of(sku):
    """Price in cents of one unit, or None for an unknown sku."""
    return PRICES.get(sku)
