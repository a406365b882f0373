// Builds the DOM of one message from its Bot API fields with DOM APIs only, so every string
// from the stand-in (names, texts, captions, button labels) becomes text, never markup.

import { fileUrl } from "./api.js";
import { element, renderText, safeUrl } from "./entities.js";

export { element };

export function fullName(user) {
  if (!user) return "Unknown";
  return [user.first_name, user.last_name].filter(Boolean).join(" ") || `User ${user.id}`;
}

export function senderName(message) {
  if (message.sender_chat) {
    const signature = message.author_signature ? ` (${message.author_signature})` : "";
    return `${message.sender_chat.title || "Anonymous"}${signature}`;
  }
  return fullName(message.from);
}

export function messageText(message) {
  return String(message.text ?? message.caption ?? "");
}

export function isNote(message) {
  return !message.from_bot && messageText(message).trimStart().startsWith("//");
}

// Text shown for a service message (topic created, member joined...), or null.
export function serviceText(message) {
  if (message.forum_topic_created) return `Topic “${message.forum_topic_created.name}” created`;
  if (message.forum_topic_edited) {
    const name = message.forum_topic_edited.name;
    return name ? `Topic renamed to “${name}”` : "Topic edited";
  }
  if (message.forum_topic_closed) return "Topic closed";
  if (message.forum_topic_reopened) return "Topic reopened";
  if (message.new_chat_members) {
    return `${message.new_chat_members.map(fullName).join(", ")} joined the group`;
  }
  if (message.left_chat_member) return `${fullName(message.left_chat_member)} left the group`;
  if (message.migrate_to_chat_id) return `Group upgraded to ${message.migrate_to_chat_id}`;
  if (message.migrate_from_chat_id) return `Upgraded from group ${message.migrate_from_chat_id}`;
  if (message.pinned_message) return `${senderName(message)} pinned a message`;
  return null;
}

export function excerpt(message, limit = 80) {
  const text = messageText(message).replace(/\s+/g, " ").trim();
  let media = "Message";
  if (message.photo) {
    media = "Photo";
  } else if (message.document) {
    media = "File";
  }
  const shown = text || media;
  return shown.length > limit ? `${shown.slice(0, limit - 1)}…` : shown;
}

function formatSize(bytes) {
  if (!Number.isFinite(bytes)) return "";
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function formatTime(seconds) {
  const date = new Date(seconds * 1000);
  return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function renderMedia(message, body) {
  if (message.photo_file_id) {
    const image = element("img", "msg-photo");
    image.src = fileUrl(message.photo_file_id);
    image.alt = messageText(message) ? "Photo with the caption below" : "Photo";
    image.loading = "lazy";
    body.append(image);
  }
  if (message.document) {
    const document_ = message.document;
    const link = element("a", "msg-document");
    link.href = fileUrl(document_.file_id);
    link.download = document_.file_name || "file";
    link.append(element("span", "msg-document-name", document_.file_name || "File"));
    link.append(element("span", "msg-document-size", formatSize(document_.file_size)));
    body.append(link);
  }
  const placeholders = [
    ["voice", "Voice message"], ["video", "Video"], ["video_note", "Video message"],
    ["sticker", "Sticker"], ["animation", "GIF"], ["audio", "Audio"], ["poll", "Poll"],
    ["dice", "Dice"], ["location", "Location"], ["contact", "Contact"],
  ];
  for (const [field, label] of placeholders) {
    if (message[field] && !(field === "animation" && message.document)) {
      body.append(element("div", "msg-media", label));
    }
  }
}

function renderKeyboard(message, options) {
  const rows = message.reply_markup && message.reply_markup.inline_keyboard;
  if (!Array.isArray(rows) || rows.length === 0) return null;
  const keyboard = element("div", "keyboard");
  keyboard.setAttribute("role", "group");
  keyboard.setAttribute("aria-label", "Buttons");
  rows.forEach((row, rowIndex) => {
    const line = element("div", "keyboard-row");
    (Array.isArray(row) ? row : []).forEach((button, columnIndex) => {
      line.append(renderButton(message, button, `${rowIndex}:${columnIndex}`, options));
    });
    keyboard.append(line);
  });
  return keyboard;
}

function renderButton(message, button, key, options) {
  const label = String(button.text ?? "");
  const href = button.url ? safeUrl(button.url) : null;
  if (href) {
    const link = element("a", "keyboard-button keyboard-link", label);
    link.href = href;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    link.dataset.focusKey = `button:${key}`;
    return link;
  }
  const node = element("button", "keyboard-button", label);
  node.type = "button";
  node.dataset.focusKey = `button:${key}`;
  if (button.callback_data !== undefined && options.onPress) {
    if (options.isPending && options.isPending(message, key)) {
      node.classList.add("pending");
      node.setAttribute("aria-busy", "true");
    }
    node.addEventListener("click", () => options.onPress(message, button, key));
  } else if (button.copy_text && navigator.clipboard) {
    node.addEventListener("click", () => navigator.clipboard.writeText(button.copy_text.text));
  } else {
    node.disabled = true;
    node.title = "This kind of button does nothing in the sandbox";
  }
  return node;
}

function renderQuote(message) {
  const replied = message.reply_to_message;
  // In a forum, every topic message implicitly replies to the topic's creation message.
  if (!replied || replied.forum_topic_created) return null;
  const quote = element("blockquote", "msg-quote");
  quote.append(element("span", "msg-quote-name", senderName(replied)));
  quote.append(element("span", "msg-quote-text", excerpt(replied)));
  return quote;
}

function forwardLabel(origin) {
  if (!origin) return null;
  if (origin.type === "user") return fullName(origin.sender_user);
  if (origin.type === "hidden_user") return origin.sender_user_name;
  if (origin.chat) return origin.chat.title;
  return "someone";
}

// options: ownId (messages from this user id are drawn as outgoing), showSender,
// onPress(message, button, key), isPending(message, key), onReply(message), onCommand(text).
export function renderMessage(message, options = {}) {
  const service = serviceText(message);
  if (service) {
    const notice = element("div", "msg-service", service);
    notice.dataset.messageId = String(message.message_id);
    return notice;
  }

  const outgoing = Boolean(message.from) && options.ownId !== undefined
    && message.from.id === options.ownId;
  let kind = outgoing ? "outgoing" : "incoming";
  if (message.from_bot) kind = "from-bot";
  const article = element("article", `msg ${kind}${isNote(message) ? " note" : ""}`);
  article.dataset.messageId = String(message.message_id);

  const sender = senderName(message);
  if (options.showSender || !outgoing) {
    article.append(element("div", "msg-sender", message.from_bot ? `${sender} (bot)` : sender));
  }
  const forward = forwardLabel(message.forward_origin);
  if (forward) article.append(element("div", "msg-forward", `Forwarded from ${forward}`));
  const quote = renderQuote(message);
  if (quote) article.append(quote);

  renderMedia(message, article);
  const text = messageText(message);
  if (text) {
    const entities = message.text !== undefined ? message.entities : message.caption_entities;
    const body = element("div", "msg-text");
    body.append(renderText(text, entities, options));
    article.append(body);
  }

  const meta = element("div", "msg-meta");
  if (isNote(message)) meta.append(element("span", "msg-flag", "internal note"));
  if (message.edit_date) meta.append(element("span", "msg-flag", "edited"));
  const time = element("time", null, formatTime(message.edit_date || message.date));
  time.dateTime = new Date((message.edit_date || message.date) * 1000).toISOString();
  meta.append(time);
  if (options.onReply) {
    const reply = element("button", "msg-reply secondary", "Reply");
    reply.type = "button";
    reply.dataset.focusKey = "reply";
    reply.setAttribute("aria-label", `Reply to ${sender}`);
    reply.addEventListener("click", () => options.onReply(message));
    meta.append(reply);
  }
  article.append(meta);

  const keyboard = renderKeyboard(message, options);
  if (keyboard) article.append(keyboard);
  return article;
}
