"""What importing a keys file would do, shown to the user before anything is written."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from switchboard.vault.entries import EntryRef


@dataclass(frozen=True, slots=True)
class ImportPlan:
    """A keys file read and checked, not yet imported: its entries, and those of them already held.

    Holds names only; the decrypted keys stay inside the Vault, which drops them on lock or cancel.
    """

    entries: tuple[EntryRef, ...]
    replaces: tuple[EntryRef, ...]  # stored or session-only here already: importing replaces them


def plan_import(entries: Iterable[EntryRef], held: Collection[EntryRef]) -> ImportPlan:
    """The plan for importing entries into a tab that holds `held`, both listed in sorted order."""
    ordered = tuple(sorted(entries))
    return ImportPlan(ordered, tuple(ref for ref in ordered if ref in held))
