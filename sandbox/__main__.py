"""Run the stand-in from the command line: `python -m sandbox --port 8081`."""

import argparse
import asyncio
import logging
import signal

from sandbox.core import DEFAULT_USERNAME
from sandbox.server import start_server

logger = logging.getLogger(__name__)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox", description="Local stand-in for the Telegram Bot API."
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    parser.add_argument("--port", type=int, default=8081, help="TCP port; 0 picks a free one")
    parser.add_argument(
        "--token",
        action="append",
        default=[],
        help="accept only this bot token (repeatable); without it any well-formed token works",
    )
    parser.add_argument("--username", default=DEFAULT_USERNAME, help="the bot's @username")
    parser.add_argument(
        "--no-privacy", action="store_true", help="let the bot see every group message"
    )
    parser.add_argument("--log-level", default="INFO", help="logging level (DEBUG, INFO...)")
    return parser.parse_args()


async def serve(args: argparse.Namespace) -> None:
    server = await start_server(
        args.host,
        args.port,
        tokens=args.token or None,
        bot_username=args.username,
        privacy_mode=not args.no_privacy,
    )
    print(f"Sandbox Bot API listening on {server.url}", flush=True)
    print(f"  base_url:      {server.bot_api_url}", flush=True)
    print(f"  base_file_url: {server.file_url}", flush=True)
    print(f"  control:       {server.url}/control/", flush=True)
    print(f"  chat page:     {server.url}/", flush=True)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signal_number, stopping.set)
    try:
        await stopping.wait()
    finally:
        await server.close()


def main() -> None:
    args = parse_args()
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        asyncio.run(serve(args))
    except ValueError as error:
        raise SystemExit(f"error: {error}") from None


if __name__ == "__main__":
    main()
