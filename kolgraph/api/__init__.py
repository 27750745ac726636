"""The HTTP API: a FastAPI service over the store, the rank results and the planner.

Create the app with :func:`kolgraph.api.app.create_app`; ``kolgraph serve``
runs it with uvicorn. OpenAPI docs are served at ``/docs``.
"""

from kolgraph.api.app import create_app

__all__ = ["create_app"]
