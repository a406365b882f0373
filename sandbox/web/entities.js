// Telegram message entities (bold, links, code...) turned into DOM nodes, with every piece of
// text added as a text node.

const SAFE_PROTOCOLS = new Set(["http:", "https:", "tg:", "mailto:"]);

// Formatting entities and the element each one becomes.
const ENTITY_TAGS = {
  bold: "strong",
  italic: "em",
  underline: "u",
  strikethrough: "s",
  code: "code",
  pre: "pre",
  blockquote: "blockquote",
  expandable_blockquote: "blockquote",
  spoiler: "span",
  mention: "span",
  hashtag: "span",
  cashtag: "span",
  email: "span",
  phone_number: "span",
  text_mention: "span",
  custom_emoji: "span",
};

// Create an element whose content, if given, is plain text.
export function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

export function safeUrl(value) {
  try {
    const url = new URL(String(value));
    return SAFE_PROTOCOLS.has(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

function validEntities(text, entities) {
  if (!Array.isArray(entities)) return [];
  return entities
    .filter((entity) => entity && Number.isInteger(entity.offset)
      && Number.isInteger(entity.length) && entity.offset >= 0 && entity.length > 0
      && entity.offset < text.length)
    .sort((a, b) => a.offset - b.offset || b.length - a.length);
}

// Entity offsets count UTF-16 code units, which is also how JavaScript indexes strings.
export function renderText(text, entities, options = {}) {
  const fragment = document.createDocumentFragment();
  appendEntities(fragment, text, 0, text.length, validEntities(text, entities), options);
  return fragment;
}

function appendEntities(parent, text, start, end, entities, options) {
  let cursor = start;
  let index = 0;
  while (index < entities.length) {
    const entity = entities[index];
    if (entity.offset < cursor) {
      // An entity that starts inside an earlier sibling and ends past it cannot nest, so it is
      // dropped.
      index += 1;
      continue;
    }
    const entityEnd = Math.min(entity.offset + entity.length, end);
    let next = index + 1;
    const inner = [];
    while (next < entities.length && entities[next].offset < entityEnd) {
      inner.push(entities[next]);
      next += 1;
    }
    parent.append(text.slice(cursor, entity.offset));
    const node = entityElement(entity, text.slice(entity.offset, entityEnd), options);
    appendEntities(node, text, entity.offset, entityEnd, inner, options);
    parent.append(node);
    cursor = entityEnd;
    index = next;
  }
  parent.append(text.slice(cursor, end));
}

function entityElement(entity, covered, options) {
  if (entity.type === "text_link" || entity.type === "url") {
    const href = safeUrl(entity.type === "url" ? covered : entity.url);
    if (href) {
      const link = element("a", "entity-link");
      link.href = href;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      return link;
    }
    return element("span", "entity-link-unsafe");
  }
  if (entity.type === "bot_command" && options.onCommand) {
    const command = element("button", "entity-command");
    command.type = "button";
    command.addEventListener("click", () => options.onCommand(covered));
    return command;
  }
  const tag = ENTITY_TAGS[entity.type] || "span";
  const node = element(tag, `entity-${entity.type}`);
  if (entity.type === "spoiler") {
    node.tabIndex = 0;
    node.title = "Spoiler: click or press Enter to reveal";
    const reveal = () => node.classList.add("revealed");
    node.addEventListener("click", reveal);
    node.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") reveal();
    });
  }
  return node;
}
