"""The demo cast (people, advisors, an admin, two groups) of `python bot.py` without a token."""

import logging
from collections.abc import Iterable

from sandbox import groups, people
from sandbox.page import PAGE_KEY, PageState
from sandbox.server import SandboxServer

logger = logging.getLogger(__name__)

# Fixed ids, so that a restarted demo finds the same people in its SQLite file.
DEMO_PEOPLE = (
    {"id": 7001, "first_name": "Camille", "last_name": "Martin", "language_code": "fr"},
    {"id": 7002, "first_name": "Alex", "last_name": "Smith", "language_code": "en"},
)
DEMO_ADVISORS = (
    {"id": 8001, "first_name": "Léa", "last_name": "Conseil", "language_code": "fr"},
    {"id": 8002, "first_name": "Hugo", "last_name": "Conseil", "language_code": "fr"},
)
DEMO_ADMIN = {"id": 9001, "first_name": "Sam", "last_name": "Admin", "language_code": "fr"}
# The forum group is created first, so its id is always -1002100000001 on a fresh stand-in and
# the plain group's is -1002100000002. docs/sandbox.md shows how to pick the plain one.
FORUM_TITLE = "Conseillers (forum)"
PLAIN_TITLE = "Conseillers (groupe simple)"


def prepare_demo(server: SandboxServer, agent_chat_id: int | None = None,
                 admin_ids: Iterable[int] = (), campaigns: Iterable[str] = ()) -> PageState:
    """Add demo people, advisors, an admin and two advisors' groups; return the page's roles.

    The bot is administrator with can_manage_topics in both groups. agent_chat_id and admin_ids
    are the values configured by the person running the demo; when unset, the forum group and
    the demo admin are used. Run this on the stand-in's event loop thread, before the bot's
    first call, so that the bot's token adopts the prepared world.
    """
    world = server.state.world()
    for spec in (*DEMO_PEOPLE, *DEMO_ADVISORS, DEMO_ADMIN):
        people.register_user(world, dict(spec))
    configured_admins = sorted(set(admin_ids))
    for admin_id in configured_admins:
        if admin_id not in world.users:
            people.register_user(world, {"id": admin_id, "first_name": f"Admin {admin_id}"})

    advisor_ids = [int(spec["id"]) for spec in DEMO_ADVISORS]
    group_spec = {
        "type": "supergroup",
        "members": advisor_ids,
        "owner": advisor_ids[0],
        "bot_status": "administrator",
        "bot_rights": {"can_manage_topics": True, "can_delete_messages": True,
                       "can_pin_messages": True, "can_manage_chat": True,
                       "can_invite_users": True},
    }
    forum = groups.create_group(server.state, world,
                                {**group_spec, "title": FORUM_TITLE, "is_forum": True})
    plain = groups.create_group(server.state, world, {**group_spec, "title": PLAIN_TITLE})

    roles = server.app[PAGE_KEY]
    roles.agent_chat_id = agent_chat_id if agent_chat_id is not None else forum.id
    roles.advisor_ids = advisor_ids
    roles.admin_ids = configured_admins or [int(DEMO_ADMIN["id"])]
    roles.group_ids = [forum.id, plain.id]
    roles.campaigns = list(campaigns)
    logger.info("demo prepared agent_chat_id=%s forum_chat_id=%s plain_chat_id=%s admins=%s",
                roles.agent_chat_id, forum.id, plain.id, len(roles.admin_ids))
    return roles
