"""`wsc web`: the API under gunicorn, several worker processes on one database.

The app is built once in the master and forked (preload). SQLAlchemy's pool must not cross
a fork (two processes would talk on one socket), so each worker drops the connections it
inherited before serving and opens its own. The in-process caches stay correct with several
workers: a cached case is used only while its workflow revision matches the row its writer
locked (orchestrator.runtime.case_store), specs are cached by definition id (a version never
changes), and the calendar is re-read when another process loaded a year
(orchestrator.calendar.watch). Workers never fire timers: `wsc scheduler` processes do.
"""

from __future__ import annotations

from gunicorn.app.base import BaseApplication

from orchestrator.settings import Settings

from .app import create_app
from .context import get_system


class WebServer(BaseApplication):
    """gunicorn configured from `settings` (web_bind, web_workers, web_threads)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        super().__init__(prog="wsc web")

    def load_config(self) -> None:
        settings = self.settings
        options = {
            "bind": [settings.web_bind],
            "workers": settings.web_workers,
            "threads": settings.web_threads,
            # threads let a worker serve a request while another waits on the database
            "worker_class": "gthread" if settings.web_threads > 1 else "sync",
            "preload_app": True,
            "post_fork": self._post_fork,
            "proc_name": "wsc-web",
            "accesslog": None,
            "control_socket_disable": True,  # one path per user: two masters would clash
        }
        for name, value in options.items():
            self.cfg.set(name, value)

    def load(self):
        """Called once, in the master (preload); gunicorn keeps the app as `callable`."""
        return create_app(self.settings)

    def _post_fork(self, _server, _worker) -> None:
        """In the new worker: forget the master's pooled connections without closing them
        (they are the master's); the worker's first query connects anew."""
        get_system(self.callable).database.engine.dispose(close=False)
