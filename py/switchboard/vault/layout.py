"""How the vault lies in its Store: one pointer record ("meta") and per-entry records per generation.

    meta                               {"format":"switchboard-vault","v":1,"generation":G,"revision":N,
                                        "verifier":<envelope>}
    g/<G>/key/provider:openai          <envelope of the entry JSON>
    g/<G>/key/endpoint:my-server       ...

A password change writes a whole new generation and flips "meta" to it in one atomic commit; records of
any other generation are garbage. Every write also bumps "revision", so a commit conditioned on the
meta record notices any write made by another tab since it was read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from switchboard.vault import strictjson
from switchboard.vault.entries import EntryRef
from switchboard.vault.envelope import Envelope
from switchboard.vault.errors import EnvelopeError, InvalidEntry, VaultCorrupt

META_KEY = "meta"
FORMAT = "switchboard-vault"
VERSION = 1
# The verifier's plaintext: decrypting it proves the password before any key record is touched.
VERIFIER_PLAINTEXT = b"switchboard vault verifier v1"
GENERATION_BYTES = 8
MAX_REVISION = 2**53 - 1  # stays exact as a JavaScript number
_GENERATION = re.compile(r"[0-9a-f]{16}")
_FIELDS = ("format", "v", "generation", "revision", "verifier")


@dataclass(frozen=True, slots=True)
class Meta:
    """The pointer record: current generation, write counter, and the verifier holding the KDF params."""

    generation: str
    revision: int
    verifier: Envelope

    def to_json(self) -> str:
        """The exact stored text."""
        return strictjson.dumps(
            {
                "format": FORMAT,
                "v": VERSION,
                "generation": self.generation,
                "revision": self.revision,
                "verifier": self.verifier.to_dict(),
            }
        )

    def bumped(self) -> Meta:
        """The same meta with the next revision: written alongside every record change."""
        return replace(self, revision=(self.revision + 1) % (MAX_REVISION + 1))

    @classmethod
    def from_json(cls, text: str) -> Meta:
        """Parse the meta record; any problem is VaultCorrupt (the vault cannot be opened as stored)."""
        try:
            obj = strictjson.loads(text)
        except ValueError as e:
            raise VaultCorrupt(f"the vault's meta record is damaged: {e}") from None
        if not isinstance(obj, dict) or obj.get("format") != FORMAT:
            raise VaultCorrupt("the vault's meta record is not a Switchboard vault record")
        if obj.get("v") != VERSION or type(obj.get("v")) is not int:
            raise VaultCorrupt(f"vault format version {obj.get('v')!r} is not supported by this build")
        if set(obj) != set(_FIELDS):
            raise VaultCorrupt("the vault's meta record has missing or unexpected fields")
        generation, revision = obj["generation"], obj["revision"]
        if not isinstance(generation, str) or not _GENERATION.fullmatch(generation):
            raise VaultCorrupt("the vault's meta record has an invalid generation")
        if type(revision) is not int or not 0 <= revision <= MAX_REVISION:
            raise VaultCorrupt("the vault's meta record has an invalid revision")
        try:
            verifier = Envelope.from_dict(obj["verifier"])
        except EnvelopeError as e:
            raise VaultCorrupt(f"the vault's verifier is damaged: {e}") from None
        return cls(generation, revision, verifier)


def generation_prefix(generation: str) -> str:
    """Prefix of every record belonging to a generation."""
    return f"g/{generation}/"


def key_prefix(generation: str) -> str:
    """Prefix of the key records of a generation."""
    return f"g/{generation}/key/"


def key_record(generation: str, ref: EntryRef) -> str:
    """Store key of one entry's record in a generation."""
    return f"{key_prefix(generation)}{ref}"


def ref_of_any_record(name: str) -> EntryRef | None:
    """The entry a record name belongs to, whatever its generation; None for any other record."""
    parts = name.split("/", 2)
    return ref_of_record(parts[1], name) if len(parts) == 3 and parts[0] == "g" else None


def ref_of_record(generation: str, name: str) -> EntryRef | None:
    """The entry a record name belongs to, or None if it is not a key record of that generation."""
    prefix = key_prefix(generation)
    if not name.startswith(prefix):
        return None
    try:
        return EntryRef.parse(name[len(prefix) :])
    except InvalidEntry:
        return None
