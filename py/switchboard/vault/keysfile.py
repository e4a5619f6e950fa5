"""Exported keys file: a small JSON header plus two envelopes under the file's own passphrase.

    {"format":"switchboard-keys","version":1,"check":<envelope>,"keys":<envelope>}\n

"check" encrypts a known constant, so a wrong passphrase is told apart from a modified file; both
envelopes share one salt and iteration count (one KDF run) and have distinct IVs. Layout in
docs/security.md ("Keys file").
"""

from __future__ import annotations

from collections.abc import Sequence

from switchboard.vault import strictjson
from switchboard.vault.aad import KEYS_FILE, KEYS_FILE_CHECK, aad
from switchboard.vault.entries import Credential, credential_from_dict, credential_to_dict
from switchboard.vault.envelope import DEFAULT_ITERATIONS, Envelope
from switchboard.vault.errors import (
    AuthenticationFailed,
    EnvelopeError,
    InvalidEntry,
    KeysFileError,
    NotAKeysFile,
    TamperedKeysFile,
    TruncatedKeysFile,
    UnsupportedEnvelope,
    UnsupportedKeysFile,
    WrongPassphrase,
)
from switchboard.vault.ports import Cipher
from switchboard.vault.sealing import derive, new_salt, open_with_key, seal

FORMAT = "switchboard-keys"
VERSION = 1
CHECK_PLAINTEXT = b"switchboard keys file check v1"
MAX_FILE_BYTES = 1 << 20
MAX_ENTRIES = 1000
_FIELDS = ("format", "version", "check", "keys")
_MARKER = f'"format":"{FORMAT}"'
FILE_SUFFIX = ".switchboard-keys.json"


async def write_keys_file(
    cipher: Cipher,
    credentials: Sequence[Credential],
    passphrase: str,
    *,
    iterations: int = DEFAULT_ITERATIONS,
) -> bytes:
    """Encrypt credentials under passphrase and return the file's bytes."""
    if len(credentials) > MAX_ENTRIES:  # the reader refuses more, and a backup that cannot be restored is none
        raise KeysFileError(f"one keys file holds at most {MAX_ENTRIES} keys; this vault has {len(credentials)}")
    salt = await new_salt(cipher)
    key = await derive(cipher, passphrase, salt, iterations)
    check = await seal(
        cipher, key, salt=salt, iterations=iterations, plaintext=CHECK_PLAINTEXT, aad=aad(KEYS_FILE_CHECK)
    )
    payload = strictjson.dumps({"entries": [credential_to_dict(c) for c in credentials]}).encode("utf-8")
    keys = await seal(cipher, key, salt=salt, iterations=iterations, plaintext=payload, aad=aad(KEYS_FILE))
    doc = {"format": FORMAT, "version": VERSION, "check": check.to_dict(), "keys": keys.to_dict()}
    data = (strictjson.dumps(doc) + "\n").encode("ascii")
    if len(data) > MAX_FILE_BYTES:  # the reader refuses it: said now, rather than when the backup is needed
        raise KeysFileError(f"these keys make a {len(data) / 2**20:.1f} MB file, more than the "
                            f"{MAX_FILE_BYTES >> 20} MB a keys file may be; remove keys you no longer use "
                            "and export again")
    return data


def parse_keys_file(data: bytes) -> tuple[Envelope, Envelope]:
    """Validate the file's structure without any key; return its (check, keys) envelopes."""
    if len(data) > MAX_FILE_BYTES:
        raise NotAKeysFile("the file is larger than any Switchboard keys file")
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")  # a byte order mark from a text editor
    except UnicodeDecodeError:
        raise NotAKeysFile("the file is not a Switchboard keys file (it is not text)") from None
    # Our writer puts the format first, so even a damaged file says what it was meant to be.
    ours = text.lstrip().startswith("{" + _MARKER)
    try:
        doc = strictjson.loads(text)
    except strictjson.JsonTruncated:
        if ours:
            raise TruncatedKeysFile("the keys file is cut off; export it again") from None
        raise NotAKeysFile("the file is not a Switchboard keys file") from None
    except strictjson.JsonInvalid as e:
        if ours:
            raise TamperedKeysFile(f"the keys file was modified or damaged ({e})") from None
        raise NotAKeysFile("the file is not a Switchboard keys file") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise NotAKeysFile("the file is not a Switchboard keys file")
    version = doc.get("version")
    if type(version) is not int:
        raise TamperedKeysFile("the keys file's version is missing or not a number")
    if version != VERSION:
        raise UnsupportedKeysFile(
            f"the keys file has version {version}; this Switchboard reads version {VERSION}"
        )
    if set(doc) != set(_FIELDS):
        raise TamperedKeysFile("the keys file has missing or unexpected fields")
    check, keys = _envelope(doc["check"], "check"), _envelope(doc["keys"], "keys")
    if (check.salt, check.iterations) != (keys.salt, keys.iterations) or check.iv == keys.iv:
        raise TamperedKeysFile("the keys file's two parts do not belong together")
    return check, keys


async def read_keys_file(cipher: Cipher, data: bytes, passphrase: str) -> list[Credential]:
    """Decrypt and validate a keys file; every failure is a precise KeysFileError."""
    check, keys = parse_keys_file(data)
    if not passphrase:
        raise WrongPassphrase("enter the passphrase this keys file was exported with")
    key = await derive(cipher, passphrase, check.salt, check.iterations)
    try:
        proof = await open_with_key(cipher, key, check, aad(KEYS_FILE_CHECK))
    except AuthenticationFailed:
        raise WrongPassphrase("the passphrase does not open this keys file") from None
    if proof != CHECK_PLAINTEXT:
        raise TamperedKeysFile("the keys file's check value is wrong")
    try:
        payload = await open_with_key(cipher, key, keys, aad(KEYS_FILE))
    except AuthenticationFailed:
        raise TamperedKeysFile("the keys in this file were modified or damaged after export") from None
    return _entries(payload)


def _envelope(obj: object, name: str) -> Envelope:
    try:
        return Envelope.from_dict(obj)
    except UnsupportedEnvelope as e:
        raise UnsupportedKeysFile(f"the keys file's {name!r} part: {e}") from None
    except EnvelopeError as e:
        raise TamperedKeysFile(f"the keys file's {name!r} part is damaged: {e}") from None


def _entries(payload: bytes) -> list[Credential]:
    # The payload authenticated, so a problem here means a broken writer, not an attacker; still refuse.
    try:
        doc = strictjson.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise TamperedKeysFile(f"the keys file's content is not valid: {e}") from None
    if not isinstance(doc, dict) or set(doc) != {"entries"} or not isinstance(doc["entries"], list):
        raise TamperedKeysFile("the keys file's content is not a list of entries")
    if len(doc["entries"]) > MAX_ENTRIES:
        raise TamperedKeysFile(f"the keys file has more than {MAX_ENTRIES} entries")
    creds: list[Credential] = []
    for i, item in enumerate(doc["entries"], 1):
        try:
            creds.append(credential_from_dict(item))
        except InvalidEntry as e:
            raise TamperedKeysFile(f"entry {i} in the keys file is invalid: {e}") from None
    if len({c.ref for c in creds}) != len(creds):
        raise TamperedKeysFile("the keys file lists the same provider or endpoint twice")
    return creds
