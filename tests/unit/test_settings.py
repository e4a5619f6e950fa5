"""Remembered settings: whatever is stored, reading one never fails and never yields an invalid value."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from switchboard.service import Timeouts
from switchboard.settings import (
    AUTO_LOCK_MINUTES,
    CHOSEN_PROVIDERS,
    CONNECT_TIMEOUT,
    IDLE_TIMEOUT,
    KEEP_HISTORY,
    MAX_RAW_CHARS,
    MODEL_SETS,
    SINGLE_KEY_SHORTCUTS,
    THEME,
    MemoryStore,
    Setting,
    Settings,
    cached_models,
    chosen_models,
    forget_slot,
    last_model,
)
from switchboard.vault.idle import check_timeout

EVERY: list[Setting[object]] = [AUTO_LOCK_MINUTES, CHOSEN_PROVIDERS, CONNECT_TIMEOUT, IDLE_TIMEOUT, KEEP_HISTORY,
                                 last_model("openai"), last_model("endpoint:lm-studio")]  # type: ignore[list-item]

# Garbage, too large, wrong type: for each setting, values an attacker, an old version or a cut-off write
# could leave behind.
BAD = {
    AUTO_LOCK_MINUTES.key: ["", "abc", "{", "10081", str(7 * 24 * 60 + 1), "99999999999999999999", "-5", "7",
                            "15.0", "true", '"15"', "[15]", "null", "1e400", "NaN"],
    CHOSEN_PROVIDERS.key: ["", "[", "not json", '{"openai": true}', '"openai"', "[1, 2]", '["<script>"]',
                           '["' + "a" * 41 + '"]', "[" + ",".join(['"openai"'] * 201) + "]", "[" * 5000 + "]" * 5000,
                           "null"],
    CONNECT_TIMEOUT.key: ["", "soon", "0", "-1", "601", "1e309", "NaN", "Infinity", '"30"', "[30]", "true", "null"],
    IDLE_TIMEOUT.key: ["", "x", "0", "3601", "-Infinity", '{"s": 1}', "false"],
    KEEP_HISTORY.key: ["", "0", "1", '"false"', "no", "null", "[true]"],
    last_model("openai").key: ["", "gpt 4o", "gpt-4o\n", "\x00", "m" * 201],
}


def warned(store: MemoryStore, setting: Setting[object]) -> tuple[object, list[str]]:
    messages: list[str] = []
    return Settings(store, messages.append).get(setting), messages


def test_missing_values_read_as_defaults_silently() -> None:
    for setting in EVERY:
        assert warned(MemoryStore(), setting) == (setting.default, [])


@pytest.mark.parametrize("setting", EVERY[:5], ids=lambda s: s.key)
def test_every_bad_stored_value_falls_back_to_the_default_and_says_so(setting: Setting[object]) -> None:
    for raw in BAD[setting.key]:
        value, messages = warned(MemoryStore({setting.key: raw}), setting)
        assert value == setting.default, raw[:40]
        assert len(messages) == 1 and setting.key in messages[0] and "default" in messages[0], messages


def test_values_written_by_earlier_versions_still_read() -> None:
    store = MemoryStore({AUTO_LOCK_MINUTES.key: "5", CHOSEN_PROVIDERS.key: '["openai", "endpoint:lm-studio"]',
                         CONNECT_TIMEOUT.key: "45", IDLE_TIMEOUT.key: "600.5",
                         last_model("openai").key: "gpt-4o-mini", last_model("openrouter").key: "openai/gpt-4o:free"})
    settings = Settings(store, pytest.fail)
    assert settings.get(AUTO_LOCK_MINUTES) == 5
    assert settings.get(CHOSEN_PROVIDERS) == ["endpoint:lm-studio", "openai"]
    assert settings.get(CONNECT_TIMEOUT) == 45.0
    assert settings.get(IDLE_TIMEOUT) == 600.5
    assert settings.get(last_model("openai")) == "gpt-4o-mini"
    assert settings.get(last_model("openrouter")) == "openai/gpt-4o:free"


def test_huge_values_are_refused_before_parsing() -> None:
    raw = '["openai"' + ', "openai"' * MAX_RAW_CHARS + "]"
    value, messages = warned(MemoryStore({CHOSEN_PROVIDERS.key: raw}), CHOSEN_PROVIDERS)  # type: ignore[arg-type]
    assert value == [] and "characters long" in messages[0]


def test_set_writes_what_get_reads_back_and_refuses_the_rest() -> None:
    store = MemoryStore()
    settings = Settings(store, pytest.fail)
    settings.set(AUTO_LOCK_MINUTES, 0)
    settings.set(CHOSEN_PROVIDERS, ["anthropic", "openai"])
    settings.set(CONNECT_TIMEOUT, 12.5)
    settings.set(last_model("openai"), "o3")
    assert [settings.get(s) for s in (AUTO_LOCK_MINUTES, CHOSEN_PROVIDERS, CONNECT_TIMEOUT)] == [
        0, ["anthropic", "openai"], 12.5]
    assert store.values[last_model("openai").key] == "o3"  # plain text, as earlier versions wrote it
    for setting, value in ((AUTO_LOCK_MINUTES, 7), (CONNECT_TIMEOUT, 0.0), (last_model("x"), "a b"),
                           (CHOSEN_PROVIDERS, ["Open AI"])):
        with pytest.raises(ValueError):
            settings.set(setting, value)  # type: ignore[arg-type]
    settings.reset(AUTO_LOCK_MINUTES)
    assert settings.get(AUTO_LOCK_MINUTES) == AUTO_LOCK_MINUTES.default


@given(st.text(max_size=300))
def test_no_stored_text_breaks_a_reader_or_what_it_feeds(raw: str) -> None:
    for setting in EVERY:
        value, _ = warned(MemoryStore({setting.key: raw}), setting)
        if setting is AUTO_LOCK_MINUTES:
            check_timeout(value * 60 or None)  # type: ignore[operator]  # what the vault would be given
        elif setting in (CONNECT_TIMEOUT, IDLE_TIMEOUT):
            Timeouts(connect=value)  # type: ignore[arg-type]


def test_the_theme_is_system_light_or_dark_and_anything_else_reads_as_system() -> None:
    for raw in ["", "dark", '"Dark"', '"purple"', '"auto"', "null", "[\"dark\"]", "1", '"' + "d" * 20000 + '"']:
        value, messages = warned(MemoryStore({THEME.key: raw}), THEME)  # type: ignore[arg-type]
        assert value == "system" and len(messages) == 1, raw[:40]
    store = MemoryStore()
    settings = Settings(store)
    for theme in ("light", "dark", "system"):
        settings.set(THEME, theme)
        assert settings.get(THEME) == theme
    assert store.values[THEME.key] == '"system"'  # JSON text: public/boot.js parses the same value
    with pytest.raises(ValueError):
        settings.set(THEME, "sepia")


def test_single_key_shortcuts_are_on_unless_turned_off() -> None:
    assert Settings(MemoryStore()).get(SINGLE_KEY_SHORTCUTS) is True
    settings = Settings(MemoryStore())
    settings.set(SINGLE_KEY_SHORTCUTS, False)
    assert settings.get(SINGLE_KEY_SHORTCUTS) is False
    assert warned(MemoryStore({SINGLE_KEY_SHORTCUTS.key: '"no"'}), SINGLE_KEY_SHORTCUTS)[0] is True  # type: ignore[arg-type]


def test_a_huge_stored_number_reads_as_the_default_and_never_stops_the_app() -> None:
    # 10**400 is valid JSON that no float holds: math.isfinite and float() raise OverflowError on it, and
    # the time limits are read while the app starts.
    huge = "1" + "0" * 400
    for setting in (CONNECT_TIMEOUT, IDLE_TIMEOUT):
        value, messages = warned(MemoryStore({setting.key: huge}), setting)
        assert value == setting.default and messages
    listing = cached_models("openai")
    for fetched_at in (huge, "1e300"):  # 1e300 is a float, but no clock shows it (time.localtime raises)
        raw = '{"fetched_at": ' + fetched_at + ', "ids": ["gpt-4o"]}'
        value, messages = warned(MemoryStore({listing.key: raw}), listing)
        assert value is None and messages


def test_forgetting_a_slot_drops_its_models_its_list_and_its_tick() -> None:
    slot = "endpoint:lab"
    store = MemoryStore({CHOSEN_PROVIDERS.key: '["openai", "endpoint:lab"]', last_model(slot).key: "m1",
                         chosen_models(slot).key: '["m1", "m2"]', chosen_models("openai").key: '["gpt-4o"]',
                         cached_models(slot).key: '{"fetched_at": 1, "ids": ["m1"]}'})
    forget_slot(Settings(store), slot)
    assert store.values == {CHOSEN_PROVIDERS.key: '["openai"]', chosen_models("openai").key: '["gpt-4o"]'}


def test_forgetting_a_slot_takes_its_models_out_of_the_model_sets() -> None:
    sets = {"Both": [["openai", "gpt-4o"], ["endpoint:lab", "m1"]], "Lab only": [["endpoint:lab", "m2"]],
            "Labs": [["endpoint:labs", "m1"]]}
    store = MemoryStore({MODEL_SETS.key: json.dumps(sets)})
    forget_slot(Settings(store), "endpoint:lab")
    left = json.loads(store.values[MODEL_SETS.key])
    assert left == {"Both": [["openai", "gpt-4o"]], "Labs": [["endpoint:labs", "m1"]]}
