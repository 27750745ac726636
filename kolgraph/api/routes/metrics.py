"""``/metrics``: Prometheus metrics in the text format (public, like the health routes).

Left out of the OpenAPI document (it is not JSON); see :mod:`kolgraph.api.observability`
for what it holds. ``KOLGRAPH_METRICS=false`` turns it off (404).
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from kolgraph.api.deps import SettingsDep
from kolgraph.api.observability import render_metrics
from kolgraph.errors import NotFound

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.get("/metrics", include_in_schema=False)
def metrics(settings: SettingsDep) -> Response:
    """Prometheus metrics (text format), added up over every worker process."""
    if not settings.metrics:
        raise NotFound("metrics are turned off on this server", hint="set KOLGRAPH_METRICS=true")
    body, content_type = render_metrics()
    return Response(content=body, media_type=content_type)
