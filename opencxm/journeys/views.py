# Skeleton: replaced by the journey map work.
from django.http import HttpResponse


def journey_list(request):
    return HttpResponse("journeys")


def journey_detail(request, public_id):
    return HttpResponse("journey")


def segment_list(request):
    return HttpResponse("segments")
