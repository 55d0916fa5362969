from opencxm import __version__
from opencxm.core.permissions import access_for


def navigation(request):
    """What every page needs to draw the navigation: the user's access and the current section."""
    match = getattr(request, "resolver_match", None)
    return {
        "access": access_for(getattr(request, "user", None)),
        "nav_section": match.namespace if match else "",
        "opencxm_version": __version__,
    }
