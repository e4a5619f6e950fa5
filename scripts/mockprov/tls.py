"""A self-signed certificate naming every real provider host, so one TLS port can pose as all of them.

Browsers under test reach it with Chromium's `--host-resolver-rules` and `--ignore-certificate-errors`;
the subjectAltName list still matters for clients that pin a CA file (tests do, to check the names).
The `openssl` command makes it (Debian ships it); the `cryptography` package is the fallback.
"""

from __future__ import annotations

import atexit
import shutil
import ssl
import subprocess
import tempfile
import threading
from pathlib import Path

CN = "Switchboard mock providers"
_lock = threading.Lock()
_cache: dict[tuple[str, ...], tuple[Path, Path]] = {}


def _openssl(hosts: tuple[str, ...], cert: Path, key: Path) -> None:
    san = ",".join([f"DNS:{h}" for h in hosts] + ["IP:127.0.0.1", "IP:::1"])
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "825", "-subj", f"/CN={CN}",
         "-addext", f"subjectAltName={san}", "-addext", "extendedKeyUsage=serverAuth"],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip


def _cryptography(hosts: tuple[str, ...], cert: Path, key: Path) -> None:
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CN)])
    start = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)
    alt = [x509.DNSName(h) for h in hosts] + [
        x509.IPAddress(ipaddress.ip_address(a)) for a in ("127.0.0.1", "::1")
    ]
    built = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=825))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(private, hashes.SHA256())
    )
    key.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    cert.write_bytes(built.public_bytes(serialization.Encoding.PEM))


def ensure_cert(hosts: tuple[str, ...], directory: str | Path | None = None) -> tuple[Path, Path]:
    """(cert.pem, key.pem): reused from `directory` if present there, else made once per process."""
    hosts = tuple(sorted(set(hosts) | {"localhost"}))
    if directory is not None:
        d = Path(directory)
        cert, key = d / "mock-cert.pem", d / "mock-key.pem"
        if cert.exists() and key.exists():
            return cert, key
        d.mkdir(parents=True, exist_ok=True)
        _make(hosts, cert, key)
        return cert, key
    with _lock:
        if hosts not in _cache:
            d = Path(tempfile.mkdtemp(prefix="switchboard-mock-tls-"))
            atexit.register(shutil.rmtree, d, True)
            cert, key = d / "mock-cert.pem", d / "mock-key.pem"
            _make(hosts, cert, key)
            _cache[hosts] = (cert, key)
        return _cache[hosts]


def _make(hosts: tuple[str, ...], cert: Path, key: Path) -> None:
    if shutil.which("openssl"):
        try:
            _openssl(hosts, cert, key)
            return
        except (OSError, subprocess.SubprocessError):
            pass  # fall through to the Python package
    try:
        _cryptography(hosts, cert, key)
    except ImportError as exc:
        raise RuntimeError(
            "no `openssl` command and no `cryptography` package: cannot make a TLS cert"
        ) from exc


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    ctx.set_alpn_protocols(["http/1.1"])  # Chromium would otherwise ask for h2, which this server lacks
    return ctx
