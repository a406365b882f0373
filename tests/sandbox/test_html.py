"""HTML parse_mode: plain text, entities in UTF-16 units, and tdlib's error descriptions."""

import pytest
from telegram import Bot
from telegram.error import BadRequest

from sandbox.client import SandboxClient
from sandbox.html import HtmlParseError, parse_html


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("<br>", 'Unsupported start tag "br" at byte offset 0'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("x <b", "Unclosed start tag at byte offset 2"),
        ("🏟 🏟&lt;<abac aba>", 'Unsupported start tag "abac" at byte offset 13'),
        ("🏟 🏟&lt;<i   =aba>", 'Empty attribute name in the tag "i" at byte offset 13'),
        ("🏟 🏟&lt;<i    aba>",
         'Expected equal sign in declaration of an attribute of the tag "i" at byte offset 13'),
        ("🏟 🏟&lt;<i    aba  =  ", 'Unclosed start tag "i" at byte offset 13'),
        ("🏟 🏟&lt;<i    aba  =  190azAz-.,",
         "Unexpected end of name token at byte offset 27"),
        ("🏟 🏟&lt;</", "Unexpected end tag at byte offset 13"),
        ("🏟 🏟&lt;<i>a</i   ", "Unclosed end tag at byte offset 17"),
        ("🏟 🏟&lt;<i>a</em   >",
         'Unmatched end tag at byte offset 17, expected "</i>", found "</em>"'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("Tom & Jerry", "Can't find end of the entity starting at byte offset 4"),
        ("&laquo;", "Can't find end of the entity starting at byte offset 0"),
    ],
)
def test_parse_errors(source: str, message: str) -> None:
    with pytest.raises(HtmlParseError) as raised:
        parse_html(source)
    assert str(raised.value) == message


def test_entities_in_utf16_units() -> None:
    text, entities = parse_html("🏟 🏟<i>🏟 &lt;🏟</i>")
    assert text == "🏟 🏟🏟 <🏟"
    assert entities == [{"type": "italic", "offset": 5, "length": 6}]


def test_nested_and_link_entities() -> None:
    text, entities = parse_html('<b>Bold <a href="https://x.example/?a=1&amp;b=2">link</a></b>')
    assert text == "Bold link"
    assert entities == [
        {"type": "bold", "offset": 0, "length": 9},
        {"type": "text_link", "offset": 5, "length": 4, "url": "https://x.example/?a=1&b=2"},
    ]


def test_all_tag_kinds() -> None:
    source = (
        "<strong>a</strong><em>b</em><ins>c</ins><del>d</del><tg-spoiler>e</tg-spoiler>"
        '<span class="tg-spoiler">f</span><code>g</code>'
        '<pre><code class="language-py">h</code></pre><blockquote expandable>i</blockquote>'
        '<tg-emoji emoji-id="5368324170671202286">j</tg-emoji>'
    )
    text, entities = parse_html(source)
    assert text == "abcdefghij"
    assert [entity["type"] for entity in entities] == [
        "bold", "italic", "underline", "strikethrough", "spoiler", "spoiler", "code", "pre",
        "expandable_blockquote", "custom_emoji",
    ]
    assert entities[7]["language"] == "py"
    assert entities[9]["custom_emoji_id"] == "5368324170671202286"


def test_entities_decoded() -> None:
    text, entities = parse_html("&lt;&gt;&amp;&quot;&#65;&#x42;")
    assert text == '<>&"AB'
    assert entities == []


@pytest.mark.asyncio
async def test_send_html_parse_error(bot: Bot, sandbox: SandboxClient, started_user: int) -> None:
    with pytest.raises(BadRequest, match="Can't parse entities: unsupported start tag"):
        await bot.send_message(started_user, "price < 100", parse_mode="HTML")
    calls = await sandbox.calls(method="sendMessage")
    assert calls[-1]["description"] == (
        "Bad Request: can't parse entities: Unsupported start tag \"\" at byte offset 6"
    )


@pytest.mark.asyncio
async def test_send_html_stores_plain_text(bot: Bot, sandbox: SandboxClient,
                                           started_user: int) -> None:
    message = await bot.send_message(started_user, "<b>Séjour</b> à Nice", parse_mode="HTML")
    assert message.text == "Séjour à Nice"
    assert message.entities[0].type == "bold"
    stored = (await sandbox.messages(started_user))[-1]
    assert stored["text"] == "Séjour à Nice"
    assert stored["entities"] == [{"type": "bold", "offset": 0, "length": 6}]
