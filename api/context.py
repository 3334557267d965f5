"""Where a request finds the running System. Its own module so that blueprints, auth and
the factory can all import it without importing each other."""

from __future__ import annotations

from flask import Flask, current_app

from orchestrator.system import System

EXTENSION_KEY = "wsc"


def get_system(app: Flask | None = None) -> System:
    """The System of `app`, or of the current application inside a request or app context."""
    return (app or current_app).extensions[EXTENSION_KEY]
