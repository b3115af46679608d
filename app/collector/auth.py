"""Write-key checks: clients send the key as the HTTP Basic user name, in the body, or both."""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Iterable


def key_from_authorization(header: str | None) -> str | None:
    """The user name of a Basic `Authorization` header (Segment's write-key convention), if any."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):  # also non-ASCII text, which b64decode refuses
        return None
    user, _, _password = decoded.partition(":")
    return user or None


class WriteKeys:
    """The keys this collector accepts; `required=False` is the explicit `--no-auth` mode."""

    def __init__(self, keys: Iterable[str], *, required: bool = True) -> None:
        self._keys = tuple(k.encode("utf-8") for k in keys if k)
        self.required = required
        if required and not self._keys:
            raise ValueError("at least one write key is needed unless authentication is turned off")

    def allows(self, key: object) -> bool:
        """Whether `key` is one of ours; compared in constant time so timing does not leak keys."""
        if not self.required:
            return True
        if not isinstance(key, str) or not key:
            return False
        # A body's key is any JSON string, lone surrogates ("\ud800") included: encoded as they
        # are, they match no key instead of failing the request.
        candidate = key.encode("utf-8", "surrogatepass")
        found = False
        for known in self._keys:
            found |= hmac.compare_digest(candidate, known)
        return found
