"""One saved run as a Markdown document a person can read, keep or share.

It holds only what the record holds (the prompt, parameters, answers and their numbers); a record holds
no key, and nothing is added to it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from .record import AnswerRecord, RunRecord

_NOT_DONE = {"waiting": "Incomplete (it was still arriving when last saved)",
             "streaming": "Incomplete (it was still arriving when last saved)",
             "stopped": "Stopped before the end", "failed": "Failed"}
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_LINE = re.compile(r"\r\n|\r|\n")  # CommonMark's line ends (str.splitlines also breaks at \x0b, \u2028, ...)
# Lines that reach past their answer: an HTML block (<!--, <pre>, <script>...) can run to the end of the
# document, and a link reference definition ("[1]: https://...") applies to every answer's links.
_HTML_START = re.compile(r" {0,3}<")
_DEFINITION = re.compile(r"[ \t>*+\-\d.)]*\[[^\]]*\]:")
_INLINE_MARKUP = re.compile(r"([\\`*_\[\]<>])")


def run_markdown(record: RunRecord) -> str:
    """The run as Markdown: title, date, prompt, settings, then each answer under its own heading."""
    when = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"# {_inline(record.name)}", "", f"*{when}*" + (f" · round {record.round} of a conversation"
                                                    if record.round > 1 else ""), "", "## Prompt", "",
             _quote(record.prompt), ""]
    params = record.params
    if params.system:
        lines += ["## System prompt", "", _quote(params.system), ""]
    settings = [f"temperature {params.temperature:g}" if params.temperature is not None else "",
                f"at most {params.max_output_tokens:,} output tokens" if params.max_output_tokens is not None else ""]
    if any(settings):
        lines += ["Settings: " + ", ".join(s for s in settings if s) + ".", ""]
    for answer in record.answers:
        lines += _answer(answer, merged=record.kind == "merge")
    if record.replaced:  # what they cost was spent too
        lines += ["## Earlier attempts (replaced by Retry or by the next model of the chain)", ""]
        for answer in record.replaced:
            state = _NOT_DONE.get(answer.status, "Done")
            named = f"- {_inline(answer.model)} ({_inline(answer.target.source)}): {state}"
            lines.append(" · ".join(filter(None, [named, _numbers(answer)])))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _answer(answer: AnswerRecord, *, merged: bool) -> list[str]:
    heading = "Merged answer: " if merged else ""
    lines = [f"## {heading}{_inline(answer.model)} ({_inline(answer.target.source)})", ""]
    if answer.status in _NOT_DONE:
        state = _NOT_DONE[answer.status]
        if answer.error is not None:
            state += f": {_inline(answer.error.message)}" + (f" (HTTP {answer.error.status})"
                                                              if answer.error.status else "")
        lines += [f"**{state}**", ""]
    if answer.reasoning:
        lines += ["**Reasoning**", "", _quote(answer.reasoning), ""]
    if answer.text:
        lines += [_contained(answer.text), ""]
    numbers = _numbers(answer)
    if numbers:
        lines += [f"*{numbers}*", ""]
    return lines


def _numbers(answer: AnswerRecord) -> str:
    """E.g. "gpt-4o-2024-08-06 · 120 tokens in (20 cached) · 300 out (100 reasoning) · 0.4 s to first token"."""
    usage = answer.usage
    parts = []
    if answer.model_served and answer.model_served != answer.model:
        parts.append(f"served by {_inline(answer.model_served)}")
    if usage.input_tokens is not None:
        cached = f" ({usage.cached_input_tokens:,} cached)" if usage.cached_input_tokens else ""
        parts.append(f"{usage.input_tokens:,} tokens in{cached}")
    if usage.output_tokens is not None:
        reasoning = f" ({usage.reasoning_tokens:,} reasoning)" if usage.reasoning_tokens else ""
        parts.append(f"{usage.output_tokens:,} out{reasoning}")
    usd = answer.cost.usd if answer.cost is not None and answer.cost.usd is not None else usage.cost_usd
    if usd is not None:  # exact, as saved: a reader may add them up
        parts.append(f"${usd:f}")
    if answer.ttft_ms is not None:
        parts.append(f"{answer.ttft_ms / 1000:.1f} s to first token")
    if answer.duration_ms is not None:
        parts.append(f"{answer.duration_ms / 1000:.1f} s in all")
    return " · ".join(parts)



def _inline(text: str) -> str:
    """Text set inside a line of the document (a name, an error message): one line, its markup escaped."""
    return _INLINE_MARKUP.sub(r"\\\1", " ".join(text.split()))


def _quote(text: str) -> str:
    """The text as a block quote; a line that would define a link for the whole document is escaped."""
    lines = (re.sub(r"\[", r"\\[", line, count=1) if _DEFINITION.match(line) else line for line in _LINE.split(text))
    return "\n".join(f"> {line}".rstrip() for line in lines) if text else ">"


def _contained(text: str) -> str:
    """An answer's Markdown, kept from reaching into what follows it: a code fence it left open is closed;
    an answer with an HTML block or a link definition outside its code is shown as its source, in a code
    block (those would hide the answers after it, or point their links elsewhere)."""
    lines = _LINE.split(text.rstrip())
    fence = ""
    for line in lines:
        marker = _FENCE.match(line)
        if fence:
            if (marker is not None and marker[1][0] == fence[0] and len(marker[1]) >= len(fence)
                    and not line[marker.end():].strip(" \t")):
                fence = ""
        elif marker is not None and not (marker[1][0] == "`" and "`" in line[marker.end():]):
            fence = marker[1]  # (a backtick in a backtick fence's info string makes it no fence)
        elif _HTML_START.match(line) or _DEFINITION.match(line):
            ticks = "`" * max(3, 1 + max(map(len, re.findall("`+", text)), default=0))
            return f"{ticks}markdown\n{text.rstrip()}\n{ticks}"
    return "\n".join(lines) + (f"\n{fence}" if fence else "")
