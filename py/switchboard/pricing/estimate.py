"""What a send will cost before it leaves: a range per answer and for the whole fan-out.

Input tokens are estimated from the text (no tokenizer ships for every provider's models): a UTF-8 byte
count over four, which is close for English and errs high for most other scripts, plus a few tokens per
message for the chat framing. Output goes from none to the most the model may write: the round's
"Maximum output tokens" when set, else the provider's default cap, else what is left of the context
window. The low end is the input alone; the high end is the input plus that most output at the output
price (reasoning at its own price never exceeds what the cap allows, so the output price bounds it only
where reasoning costs no more: the high end takes the dearer of the two).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING

from ..chat import Message, Usage
from .cost import cost
from .price import Price

if TYPE_CHECKING:
    from ..run import Answer, Prices, Run

PER_MESSAGE = 4  # role and separators, as chat formats frame each message
PER_REQUEST = 3


def estimate_tokens(text: str) -> int:
    """Rough token count of ``text``: UTF-8 bytes over four, rounded up."""
    return -(-len(text.encode("utf-8", "surrogatepass")) // 4)


def input_tokens(messages: Sequence[Message], system: str | None = None) -> int:
    """Rough input tokens of a request: every message's text with its framing, and the system prompt."""
    total = PER_REQUEST + sum(PER_MESSAGE + estimate_tokens(m.content) for m in messages)
    return total + (PER_MESSAGE + estimate_tokens(system) if system else 0)


@dataclass(frozen=True, slots=True)
class AnswerEstimate:
    """One answer's range in USD; ``high`` None: no bound (no output cap and no known context window)."""

    input_tokens: int
    max_output_tokens: int | None
    low: Decimal | None  # None: no price known
    high: Decimal | None
    price: Price | None
    fits: bool = True  # False: the prompt alone is larger than the model's context window

    @property
    def priced(self) -> bool:
        return self.price is not None


def estimate_answer(messages: Sequence[Message], system: str | None, price: Price | None,
                    max_output: int | None) -> AnswerEstimate:
    """The range for one request; ``max_output`` is the output cap when one is known (set or the provider's)."""
    tokens = input_tokens(messages, system)
    window = price.context_window if price is not None else None
    fits = window is None or tokens < window
    if max_output is None and window is not None:
        max_output = max(window - tokens, 0)
    if price is None:
        return AnswerEstimate(tokens, max_output, None, None, None, fits)
    low = cost(Usage(input_tokens=tokens, output_tokens=0), price)
    if max_output is None:
        # Output that costs nothing at any length (a local model, a free one) bounds the answer at its input.
        rates = [price.output, price.reasoning, *(rate for t in price.tiers for rate in (t.output, t.reasoning))]
        free = not any(rates)
        return AnswerEstimate(tokens, None, low, low if free else None, price, fits)
    as_output = cost(Usage(input_tokens=tokens, output_tokens=max_output), price)
    as_reasoning = cost(Usage(input_tokens=tokens, output_tokens=max_output, reasoning_tokens=max_output), price)
    return AnswerEstimate(tokens, max_output, low, max(as_output, as_reasoning), price, fits)


@dataclass(frozen=True, slots=True)
class Estimate:
    """The whole fan-out: the sum of its answers' ranges, and which answers it could not price or bound."""

    answers: tuple[AnswerEstimate, ...]

    @property
    def low(self) -> Decimal:
        return sum((a.low for a in self.answers if a.low is not None), Decimal(0))

    @property
    def high(self) -> Decimal | None:
        """None when some priced answer has no upper bound."""
        if any(a.priced and a.high is None for a in self.answers):
            return None
        return sum((a.high for a in self.answers if a.high is not None), Decimal(0))

    @property
    def unpriced(self) -> int:
        return sum(not a.priced for a in self.answers)

    def text(self, usd: Callable[[Decimal], str], *, one: bool = False) -> str:
        """The range in words, e.g. "$0.0012 – $0.034"; ``one``: only one of the answers will be asked (a
        fallback chain, the fastest), so the range runs from the least to the most any one could cost."""
        priced = [a for a in self.answers if a.priced]
        if not self.answers:
            return ""
        if not priced:
            return "price unknown" if len(self.answers) == 1 else f"prices unknown for all {len(self.answers)} models"
        if one:
            low: Decimal = min(a.low for a in priced if a.low is not None)
            highs = [a.high for a in priced]
            high = None if None in highs else max(h for h in highs if h is not None)
        else:
            low, high = self.low, self.high
        top = usd(high) if high is not None else "no limit (set Maximum output tokens)"
        words = f"{usd(low)} – {top}"
        if self.unpriced:
            words += f", plus {self.unpriced} model{'s' if self.unpriced > 1 else ''} with no known price"
        return words


def output_cap(provider: str, model: str, max_output_tokens: int | None) -> int | None:
    """The most a request may write: the round's limit, else the cap the adapter sends (Anthropic's), else None."""
    if max_output_tokens is not None:
        return max_output_tokens
    if provider == "anthropic":
        from ..providers.anthropic import default_max_tokens

        return default_max_tokens(model)
    return None


def estimate_run(run: Run, prices: Prices, answers: Sequence[Answer] | None = None) -> Estimate:
    """The range for every answer of ``run`` (or only ``answers`` of it, e.g. one to retry) as it would be
    sent now. In a fallback chain any model still to come may end up answering (one that fails before any
    text costs nothing), so the chain counts as its dearest (`_dearest`)."""
    ranges = []
    for answer in run.answers if answers is None else answers:
        request = run.request(answer)
        ranges.append(_dearest([estimate_answer(request.messages, request.system, prices(t, None),
                                                output_cap(t.provider_id, t.model, request.max_output_tokens))
                                for t in run.candidates(answer)]))
    return Estimate(tuple(ranges))


def _dearest(options: list[AnswerEstimate]) -> AnswerEstimate:
    """The one estimate a chain's answer counts as: the priced model with the most it could cost (its high
    end, or its input alone when it has no bound), with no upper bound if any priced model has none. A model
    with no known price, or with no bound (e.g. a free local one), never hides a dearer priced one."""
    priced = [option for option in options if option.priced]
    if not priced:
        return options[0]
    dearest = max(priced, key=lambda option: option.high if option.high is not None else option.low or Decimal(0))
    if dearest.high is not None and any(option.high is None for option in priced):
        return replace(dearest, low=dearest.high, high=None)  # counted at that, and said to have no bound
    return dearest
