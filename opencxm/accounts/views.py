# Skeleton: replaced by the organisation work.
from django.http import HttpResponse


def organisation(request):
    return HttpResponse("organisation")


def tokens(request):
    return HttpResponse("tokens")
