"""Encrypted key vault: envelope format, ports, and the Vault service (pure; no browser imports)."""

from switchboard.vault.entries import Credential, EntryRef, KeyInfo
from switchboard.vault.envelope import DEFAULT_ITERATIONS, Envelope
from switchboard.vault.errors import (
    AuthenticationFailed,
    EnvelopeError,
    ImportWouldReplace,
    InvalidEntry,
    KeysFileError,
    MalformedEnvelope,
    NotAKeysFile,
    NoVault,
    StaleImport,
    TamperedKeysFile,
    TooManyAttempts,
    TruncatedEnvelope,
    TruncatedKeysFile,
    UnknownEntry,
    UnsupportedEnvelope,
    UnsupportedKeysFile,
    VaultChanged,
    VaultCorrupt,
    VaultError,
    VaultExists,
    VaultLocked,
    WeakPassword,
    WrongPassphrase,
    WrongPassword,
)
from switchboard.vault.importing import ImportPlan
from switchboard.vault.masking import mask
from switchboard.vault.ports import Cipher, Clock, KeyHandle, Store
from switchboard.vault.sealing import open_with_password, seal_with_password
from switchboard.vault.service import Vault
from switchboard.vault.strength import Strength, estimate

__all__ = [
    "DEFAULT_ITERATIONS",
    "AuthenticationFailed",
    "Cipher",
    "Clock",
    "Credential",
    "EntryRef",
    "Envelope",
    "EnvelopeError",
    "ImportPlan",
    "ImportWouldReplace",
    "InvalidEntry",
    "KeyHandle",
    "KeyInfo",
    "KeysFileError",
    "MalformedEnvelope",
    "NoVault",
    "NotAKeysFile",
    "StaleImport",
    "Store",
    "Strength",
    "TamperedKeysFile",
    "TooManyAttempts",
    "TruncatedEnvelope",
    "TruncatedKeysFile",
    "UnknownEntry",
    "UnsupportedEnvelope",
    "UnsupportedKeysFile",
    "Vault",
    "VaultChanged",
    "VaultCorrupt",
    "VaultError",
    "VaultExists",
    "VaultLocked",
    "WeakPassword",
    "WrongPassphrase",
    "WrongPassword",
    "estimate",
    "mask",
    "open_with_password",
    "seal_with_password",
]
