"""Build and run the stand-in HTTP server, on a loopback address only."""

import ipaddress
import logging
import socket
from collections.abc import Iterable
from typing import Any

from aiohttp import web

from sandbox import botapi, control, control_views, page
from sandbox.botapi import SANDBOX_KEY
from sandbox.core import DEFAULT_FIRST_NAME, DEFAULT_USERNAME, Sandbox

logger = logging.getLogger(__name__)

# Bot API uploads go up to 50 MB; a little more leaves room for the multipart framing.
MAX_REQUEST_BYTES = 60 * 1024 * 1024


def create_app(
    tokens: Iterable[str] | None = None,
    *,
    bot_username: str = DEFAULT_USERNAME,
    bot_first_name: str = DEFAULT_FIRST_NAME,
    privacy_mode: bool = True,
) -> web.Application:
    """Create the aiohttp application serving the Bot API, the /control/ interface and the page.

    With tokens, only those are accepted; without, any well-formed token gets a bot whose id is
    the number before the colon.
    """
    sandbox = Sandbox(
        tokens,
        bot_username=bot_username,
        bot_first_name=bot_first_name,
        privacy_mode=privacy_mode,
    )
    app = web.Application(client_max_size=MAX_REQUEST_BYTES)
    app[SANDBOX_KEY] = sandbox
    botapi.add_routes(app)
    control.add_routes(app)
    control_views.add_routes(app)
    page.add_routes(app)
    app.on_shutdown.append(_release_waiters)
    return app


async def _release_waiters(app: web.Application) -> None:
    app[SANDBOX_KEY].close()


def check_loopback(host: str) -> None:
    """Raise ValueError unless host is a loopback address (or "localhost")."""
    if host == "localhost":
        return
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(f"host must be a loopback IP address, got {host!r}") from None
    if not address.is_loopback:
        raise ValueError(f"the sandbox only binds to loopback addresses, got {host!r}")


class SandboxServer:
    """A running stand-in; `url` is the base for both /bot<token>/ and /control/."""

    def __init__(self, runner: web.AppRunner, site: web.TCPSite, host: str, port: int) -> None:
        self._runner = runner
        self._site = site
        self.host = host
        self.port = port
        self.app = runner.app
        self.state: Sandbox = runner.app[SANDBOX_KEY]

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def bot_api_url(self) -> str:
        """The value for ApplicationBuilder().base_url(...)."""
        return self.url + "/bot"

    @property
    def file_url(self) -> str:
        """The value for ApplicationBuilder().base_file_url(...)."""
        return self.url + "/file/bot"

    async def close(self) -> None:
        self.state.close()
        await self._runner.cleanup()
        logger.info("sandbox stopped port=%s", self.port)

    async def __aenter__(self) -> "SandboxServer":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


async def start_server(
    host: str = "127.0.0.1", port: int = 0, **app_options: Any
) -> SandboxServer:
    """Start the stand-in on host:port (0 picks a free port) and return it running."""
    check_loopback(host)
    bind_host = "127.0.0.1" if host == "localhost" else host
    app = create_app(**app_options)
    # Handler cancellation ends a long poll whose client disconnected (PTB cancels its poll on
    # stop). Without it, the next getUpdates would send 409 to the closed socket.
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0, handler_cancellation=True)
    await runner.setup()

    family = socket.AF_INET6 if ":" in bind_host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((bind_host, port))
    site = web.SockSite(runner, sock)
    await site.start()

    bound_port = sock.getsockname()[1]
    logger.info("sandbox listening host=%s port=%s", bind_host, bound_port)
    return SandboxServer(runner, site, bind_host, bound_port)
