from django.contrib.auth.middleware import LoginRequiredMiddleware


class LoginRequiredPagesMiddleware(LoginRequiredMiddleware):
    """Pages need a login (redirect); the API authenticates itself and answers 401 instead."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
