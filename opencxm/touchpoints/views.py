# Skeleton: replaced by the touchpoint registry work.
from django.http import HttpResponse


def touchpoint_list(request):
    return HttpResponse("touchpoints")


def touchpoint_import(request):
    return HttpResponse("import")
