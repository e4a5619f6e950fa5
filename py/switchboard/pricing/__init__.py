"""Prices and costs: a model's price, the catalog built from genai-prices, what an answer cost, USD in words.

Money is Decimal throughout; prices are USD per million tokens.
"""

from .catalog import Catalog, load_catalog
from .cost import Cost, answer_cost, cost, format_usd
from .price import LOCAL, REPORTED, USER, Price, Source, Tier

__all__ = ["LOCAL", "REPORTED", "USER", "Catalog", "Cost", "Price", "Source", "Tier", "answer_cost", "cost",
           "format_usd", "load_catalog"]
