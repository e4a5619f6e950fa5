"""Vault entries: which provider or endpoint a key belongs to, validation, and the encrypted record body."""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass
from typing import Literal

from switchboard.vault import strictjson
from switchboard.vault.errors import InvalidEntry
from switchboard.vault.masking import mask

Kind = Literal["provider", "endpoint"]
KINDS: tuple[Kind, ...] = ("provider", "endpoint")
ENTRY_FORMAT = 1
MAX_KEY_LEN = 4096
MAX_URL_LEN = 2048
_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
# API keys travel in an HTTP header: printable ASCII without spaces keeps CR/LF injection impossible.
_KEY = re.compile(r"[\x21-\x7e]+")
_LOOPBACK = {"localhost", "127.0.0.1", "::1"}  # a new endpoint at [::1] is refused: check_new_base_url


@dataclass(frozen=True, slots=True, order=True)
class EntryRef:
    """Names one key slot: a built-in provider id, or a user-named custom endpoint."""

    kind: Kind
    id: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InvalidEntry(f"entry kind must be 'provider' or 'endpoint', not {self.kind!r}")
        if not isinstance(self.id, str) or not _ID.fullmatch(self.id):
            raise InvalidEntry(f"{self.kind} id {self.id!r} must be 1-64 characters: a-z, 0-9, '.', '_', '-'")

    @classmethod
    def provider(cls, provider_id: str) -> EntryRef:
        """The slot for a built-in provider, e.g. EntryRef.provider('openai')."""
        return cls("provider", provider_id)

    @classmethod
    def endpoint(cls, endpoint_id: str) -> EntryRef:
        """The slot for a custom OpenAI-compatible endpoint the user named."""
        return cls("endpoint", endpoint_id)

    @classmethod
    def parse(cls, text: str) -> EntryRef:
        """Parse 'provider:openai' or 'endpoint:my-server'."""
        kind, sep, ident = text.partition(":")
        if not sep or kind not in KINDS:
            raise InvalidEntry(f"entry {text!r} must look like 'provider:<id>' or 'endpoint:<id>'")
        return cls(kind, ident)  # type: ignore[arg-type]  # kind checked against KINDS just above

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True, slots=True, repr=False)
class Credential:
    """A usable key (plus the endpoint URL for custom endpoints). repr() masks the key for logs."""

    ref: EntryRef
    key: str
    base_url: str | None = None

    def __repr__(self) -> str:
        url = f", {self.base_url}" if self.base_url else ""
        return f"Credential({self.ref}, {mask(self.key)}{url})"

    __str__ = __repr__


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """What a listing shows: never the key, only its masked form."""

    ref: EntryRef
    masked: str
    base_url: str | None = None
    session: bool = False  # held in memory only, gone on lock or reload
    damaged: bool = False  # the stored record failed authentication; remove and re-enter it


def clean_key(key: str) -> str:
    """Trim pasted whitespace and check the key is header-safe printable ASCII."""
    if not isinstance(key, str):
        raise InvalidEntry("an API key must be text")
    key = key.strip()
    if not key:
        raise InvalidEntry("the API key is empty")
    if len(key) > MAX_KEY_LEN:
        raise InvalidEntry(f"the API key is longer than {MAX_KEY_LEN} characters")
    if not _KEY.fullmatch(key):
        raise InvalidEntry("the API key may contain only printable ASCII characters, without spaces")
    return key


_NOT_IN_URL = frozenset('\\ <>"{}|^`')


def clean_base_url(url: str) -> str:
    """Check a custom endpoint URL: https, or http only to this machine; no credentials, query or fragment."""
    if not isinstance(url, str):
        raise InvalidEntry("the base URL must be text")
    url = url.strip()
    if not url or len(url) > MAX_URL_LEN or not url.isascii():
        raise InvalidEntry("the base URL must be 1-2048 ASCII characters (use punycode for non-ASCII hosts)")
    # A browser reads a backslash as "/" where Python does not: "http://evil.example" + backslash +
    # ".localhost" would pass the loopback rule below and reach evil.example. Nor spaces, nor controls.
    if any(c in _NOT_IN_URL or not c.isprintable() for c in url):
        raise InvalidEntry("the base URL must not contain spaces, backslashes or characters like < > \" { } | ^ `")
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018  # raises ValueError on a malformed port
    except ValueError as e:
        raise InvalidEntry(f"the base URL is not a valid URL: {e}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or not host:
        raise InvalidEntry("the base URL must start with https:// and name a host")
    if parts.username is not None or parts.password is not None:
        raise InvalidEntry("the base URL must not contain a user name or password; store the key instead")
    if parts.query or parts.fragment or "?" in url or "#" in url:
        raise InvalidEntry("the base URL must not have a query string or fragment")
    # A key sent over plain http crosses the network readable by anyone on the path; only loopback is safe.
    if scheme == "http" and host not in _LOOPBACK and not host.endswith(".localhost"):
        raise InvalidEntry("plain http:// is allowed only for this machine (localhost); use https://")
    return urllib.parse.urlunsplit((scheme, parts.netloc, parts.path, "", "")).rstrip("/")


def check_new_base_url(url: str) -> None:
    """Refuse, for an endpoint being added, a URL its requests could never reach: an IPv6 address, which no
    Content-Security-Policy source can name (one saved by an earlier version still reads)."""
    try:
        host = urllib.parse.urlsplit(url.strip()).hostname or ""
    except ValueError:
        return  # clean_base_url says what is wrong with it
    if ":" in host:
        raise InvalidEntry("the base URL names an IPv6 address, which the page's Content-Security-Policy cannot "
                           "allow; use a host name (http://localhost:<port> for this machine)")


def make_credential(ref: EntryRef, key: str, base_url: str | None = None) -> Credential:
    """Validate and build a Credential; endpoints need a base URL, providers must not have one."""
    if ref.kind == "endpoint":
        if base_url is None:
            raise InvalidEntry(f"{ref} needs a base URL")
        return Credential(ref, clean_key(key), clean_base_url(base_url))
    if base_url is not None:
        raise InvalidEntry(f"{ref} is a built-in provider; its URL is not configurable here")
    return Credential(ref, clean_key(key))


def encode_credential(cred: Credential) -> bytes:
    """The plaintext inside a key record or keys file entry (compact JSON, UTF-8)."""
    return strictjson.dumps(credential_to_dict(cred)).encode("utf-8")


def credential_to_dict(cred: Credential) -> dict[str, object]:
    """JSON object form: {"v":1,"kind":...,"id":...,["base_url":...,]"key":...}."""
    body: dict[str, object] = {"v": ENTRY_FORMAT, "kind": cred.ref.kind, "id": cred.ref.id}
    if cred.base_url is not None:
        body["base_url"] = cred.base_url
    body["key"] = cred.key
    return body


def decode_credential(data: bytes) -> Credential:
    """Parse a decrypted record body; raises InvalidEntry describing what is wrong."""
    try:
        obj = strictjson.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise InvalidEntry(f"entry is not valid JSON: {e}") from None
    return credential_from_dict(obj)


def credential_from_dict(obj: object) -> Credential:
    """Validate the JSON object form of an entry."""
    if not isinstance(obj, dict):
        raise InvalidEntry("entry must be a JSON object")
    allowed = {"v", "kind", "id", "base_url", "key"}
    if set(obj) - allowed:
        raise InvalidEntry(f"entry has unexpected field {sorted(set(obj) - allowed)[0]!r}")
    if obj.get("v") != ENTRY_FORMAT or type(obj.get("v")) is not int:
        raise InvalidEntry(f"entry format {obj.get('v')!r} is not supported")
    kind, ident, key, url = obj.get("kind"), obj.get("id"), obj.get("key"), obj.get("base_url")
    if kind not in KINDS or not isinstance(ident, str) or not isinstance(key, str):
        raise InvalidEntry("entry needs 'kind' ('provider' or 'endpoint'), 'id' and 'key'")
    if url is not None and not isinstance(url, str):
        raise InvalidEntry("entry 'base_url' must be text")
    return make_credential(EntryRef(kind, ident), key, url)
