"""Every error the vault raises; callers branch on the class, users read the message."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from switchboard.vault.importing import ImportPlan


class VaultError(Exception):
    """Base class of every vault error."""


# --- envelopes: one encrypted blob, as stored or exported -------------------------------------------


class EnvelopeError(VaultError, ValueError):
    """An envelope could not be read."""


class MalformedEnvelope(EnvelopeError):
    """The envelope is not well-formed (wrong type, missing or extra field, bad base64, bad length)."""


class TruncatedEnvelope(EnvelopeError):
    """The envelope ends early: the text or the ciphertext was cut off."""


class UnsupportedEnvelope(EnvelopeError):
    """The envelope names a version or KDF this build does not know (written by a newer Switchboard)."""


class AuthenticationFailed(VaultError):
    """AES-GCM rejected the ciphertext: wrong key, or the data or its binding was modified."""


# --- the vault service ------------------------------------------------------------------------------


class StorageFailed(VaultError):
    """The browser's storage refused a read or a write (a full disk, a database the browser closed)."""


class NoVault(VaultError):
    """There is no vault in this browser yet."""


class VaultExists(VaultError):
    """A vault already exists; forget it first to create a new one."""


class VaultLocked(VaultError):
    """The operation needs the vault unlocked."""


class VaultChanged(VaultLocked):
    """The stored vault changed under this tab (password changed or vault forgotten elsewhere)."""


class WrongPassword(VaultError):
    """The master password does not open this vault (or its verifier record was modified)."""


class TooManyAttempts(VaultError):
    """Too many wrong master passwords in a row: the next attempt must wait `seconds`; nothing was tried."""

    def __init__(self, seconds: int) -> None:
        self.seconds = seconds
        unit = "second" if seconds == 1 else "seconds"
        super().__init__(f"too many wrong passwords: try again in {seconds} {unit}")


class WeakPassword(VaultError, ValueError):
    """The new password or passphrase is below the hard minimum."""


class VaultCorrupt(VaultError):
    """A stored vault record is damaged or was modified; the rest of the vault is still usable."""


class InvalidEntry(VaultError, ValueError):
    """A provider id, endpoint id, base URL or API key is not acceptable."""


class UnknownEntry(VaultError, KeyError):
    """No key is stored for that provider or endpoint."""

    def __str__(self) -> str:
        # KeyError quotes its argument; a user-facing message should read as a sentence.
        return str(self.args[0]) if self.args else "unknown entry"


# --- exported key files -----------------------------------------------------------------------------


class KeysFileError(VaultError):
    """A keys file could not be imported; nothing was changed."""


class NotAKeysFile(KeysFileError):
    """The file is not a Switchboard keys file."""


class UnsupportedKeysFile(KeysFileError):
    """The keys file was written by a newer Switchboard."""


class TruncatedKeysFile(KeysFileError):
    """The keys file is cut off."""


class TamperedKeysFile(KeysFileError):
    """The keys file was modified or damaged after it was written."""


class WrongPassphrase(KeysFileError):
    """The passphrase does not open this keys file."""


class ImportWouldReplace(KeysFileError):
    """Importing would replace keys held already and that was not confirmed; `plan` lists them (ask, then retry)."""

    def __init__(self, plan: ImportPlan) -> None:
        self.plan = plan
        names = ", ".join(str(ref) for ref in plan.replaces)
        super().__init__(f"the file would replace keys you have ({names}); confirm to replace them")


class StaleImport(KeysFileError):
    """The keys file read for this import is no longer held (imported, cancelled or locked since)."""
