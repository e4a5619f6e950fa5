"""Budgets: the user's daily and monthly USD limits (overall and per provider) and the check a send passes first."""

from .check import Verdict, Worst, check, reach, worst_case
from .limits import BUDGETS, Budgets, Limit, parse_amount

__all__ = ["BUDGETS", "Budgets", "Limit", "Verdict", "Worst", "check", "parse_amount", "reach", "worst_case"]
