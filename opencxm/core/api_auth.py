"""API authentication: personal tokens (`Authorization: Bearer ocx_...`) or the browser session.

Read-only tokens may only use safe methods. Session requests that write must carry the CSRF token.
"""

import hashlib

from django.http import HttpRequest
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import timezone
from ninja.errors import AuthenticationError, HttpError

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
TOKEN_PREFIX = "ocx_"


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _user_for_token(raw: str):
    from opencxm.accounts.models import ApiToken

    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None or (token.expires_at and token.expires_at <= timezone.now()):
        return None, None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user, token


def _csrf_ok(request: HttpRequest) -> bool:
    check = CsrfViewMiddleware(lambda req: None)
    check.process_request(request)
    return check.process_view(request, None, (), {}) is None


def api_auth(request: HttpRequest):
    """Ninja auth callable: returns the user or raises (401 unauthenticated, 403 read-only token)."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        user, token = _user_for_token(header.removeprefix("Bearer ").strip())
        if user is None:
            raise AuthenticationError(message="Invalid or expired API token")
        if token.scope != "write" and request.method not in SAFE_METHODS:
            raise HttpError(403, "This API token is read-only")
        request.user = user
        request.api_token = token
        return user
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        if request.method not in SAFE_METHODS and not _csrf_ok(request):
            raise HttpError(403, "CSRF check failed")
        return user
    raise AuthenticationError(message="Authentication required")
