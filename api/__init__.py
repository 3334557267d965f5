"""The HTTP face of the orchestrator: JSON API (flask-smorest), authentication and the
command line. Everything here calls down into `orchestrator/`, never the other way."""

from .app import create_app

__all__ = ["create_app"]
