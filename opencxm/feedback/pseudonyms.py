"""Keyed pseudonyms for customer references: the raw reference from a source is never stored.

The key is `settings.OPENCXM_PSEUDONYM_KEY` (environment `OPENCXM_PSEUDONYM_KEY`, else derived from the
secret key). Changing the key changes every pseudonym, so keep it with the database backups.
"""

import hashlib
import hmac

from django.conf import settings


def normalise(reference: str) -> str:
    """The form that is hashed: surrounding blanks removed, case folded ("K-001 " == "k-001")."""
    return str(reference).strip().casefold()


def pseudonymise(reference: str) -> str:
    """HMAC-SHA256 (hex, 64 characters) of the normalised reference; the same reference gives the same pseudonym."""
    key = settings.OPENCXM_PSEUDONYM_KEY.encode()
    return hmac.new(key, normalise(reference).encode(), hashlib.sha256).hexdigest()
