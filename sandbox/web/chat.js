// A live list of messages keyed by message_id, plus the toasts, alerts and button presses
// that every chat on the page shares.

import { post } from "./api.js";
import { element } from "./render.js";

const TOAST_SECONDS = 4;
const MAX_TOASTS = 3;
// A callback query that gets no answer within this time leaves the client spinning in real
// Telegram. The page reports it, because that is a bug in the bot.
const ANSWER_TIMEOUT_MS = 10000;
const TYPING_MS = 5000;

export function toast(text, kind = "info") {
  const area = document.getElementById("toasts");
  const item = element("div", `toast toast-${kind}`, text);
  if (kind === "error") item.setAttribute("role", "alert");
  area.append(item);
  while (area.children.length > MAX_TOASTS) area.firstElementChild.remove();
  setTimeout(() => item.remove(), TOAST_SECONDS * 1000);
}

export function showAlert(text) {
  const dialog = document.getElementById("alert-dialog");
  document.getElementById("alert-text").textContent = text;
  if (dialog.open) dialog.close();
  dialog.showModal();
  document.getElementById("alert-ok").focus();
}

// Pressed buttons waiting for the bot's answerCallbackQuery, by callback_query_id.
const pendingAnswers = new Map();
// Answers that arrived on the event stream before the press request itself returned.
const earlyAnswers = new Map();
const EARLY_ANSWERS_KEPT = 200;

export async function pressButton(view, userId, chatId, message, button, key) {
  const result = await post("callback", {
    user_id: userId,
    chat_id: chatId,
    message_id: message.message_id,
    data: button.callback_data,
  });
  // The bot's reply to a button usually comes as a new message: show it when it arrives.
  view.followNextMessage();
  const pending = { view, chatId, messageId: message.message_id, key };
  pendingAnswers.set(result.callback_query_id, pending);
  const early = earlyAnswers.get(result.callback_query_id);
  if (early) {
    handleCallbackAnswer(early);
    return;
  }
  view.refreshMessage(message.message_id);
  pending.timer = setTimeout(() => {
    if (pendingAnswers.delete(result.callback_query_id)) {
      view.refreshMessage(message.message_id);
      toast(`The bot did not answer the button “${button.text}”.`, "error");
    }
  }, ANSWER_TIMEOUT_MS);
}

export function isPending(chatId, messageId, key) {
  for (const pending of pendingAnswers.values()) {
    if (pending.chatId === chatId && pending.messageId === messageId && pending.key === key) {
      return true;
    }
  }
  return false;
}

// Show the bot's answer to a button pressed on this page: an alert, a toast or nothing.
export function handleCallbackAnswer(record) {
  const pending = pendingAnswers.get(record.id);
  if (!pending) {
    earlyAnswers.set(record.id, record);
    if (earlyAnswers.size > EARLY_ANSWERS_KEPT) {
      earlyAnswers.delete(earlyAnswers.keys().next().value);
    }
    return;
  }
  earlyAnswers.delete(record.id);
  pendingAnswers.delete(record.id);
  clearTimeout(pending.timer);
  pending.view.refreshMessage(pending.messageId);
  if (record.url) toast(`The bot asked to open ${record.url}`);
  if (!record.text) return;
  if (record.show_alert) {
    showAlert(record.text);
  } else {
    toast(record.text);
  }
}

export class ChatView {
  // render(message) returns the node of one message; filter(message) decides if it is shown.
  constructor(list, { render, filter = () => true, emptyText = "No messages yet." }) {
    this.list = list;
    this.render = render;
    this.filter = filter;
    this.emptyText = emptyText;
    this.messages = new Map();
    this.nodes = new Map();
    this.chatId = null;
    this.loading = null;
    this.buffered = [];
    // Follow new messages while the reader is at the bottom, also when a photo loads late.
    this.pinned = true;
    this.followNext = false;
    list.addEventListener("scroll", () => {
      this.pinned = this.nearBottom();
    });
    list.addEventListener("load", () => {
      if (this.pinned) this.scrollToEnd();
    }, true);
    new ResizeObserver(() => {
      if (this.pinned) this.scrollToEnd();
    }).observe(list);
  }

  // Load every message of a chat; events that arrive meanwhile are replayed afterwards.
  async load(chatId, fetchMessages) {
    this.chatId = chatId;
    this.messages.clear();
    this.pinned = true;
    this.redraw();
    if (chatId === null) return;
    const token = {};
    this.loading = token;
    this.buffered = [];
    let messages = [];
    try {
      messages = await fetchMessages(chatId);
    } finally {
      if (this.loading === token) this.loading = null;
    }
    if (this.chatId !== chatId) return;
    this.messages = new Map(messages.map((message) => [message.message_id, message]));
    const replay = this.buffered;
    this.buffered = [];
    for (const message of replay) this.messages.set(message.message_id, message);
    this.redraw();
  }

  upsert(message) {
    if (this.loading) {
      this.buffered.push(message);
      return;
    }
    this.messages.set(message.message_id, message);
    this.drawOne(message.message_id);
  }

  remove(messageId) {
    const message = this.messages.get(messageId);
    if (message) this.upsert({ ...message, deleted: true });
  }

  // Scroll to the end now and keep following, as after the viewer sends a message.
  follow() {
    this.pinned = true;
    this.scrollToEnd();
  }

  followNextMessage() {
    this.followNext = true;
  }

  refreshMessage(messageId) {
    if (this.messages.has(messageId)) this.drawOne(messageId);
  }

  visible(message) {
    return message && !message.deleted && this.filter(message);
  }

  redraw() {
    this.list.replaceChildren();
    this.nodes.clear();
    const ids = [...this.messages.keys()].sort((a, b) => a - b);
    for (const id of ids) {
      const message = this.messages.get(id);
      if (!this.visible(message)) continue;
      const node = this.render(message);
      this.nodes.set(id, node);
      this.list.append(node);
    }
    if (this.nodes.size === 0) this.list.append(element("p", "empty", this.emptyText));
    if (this.pinned) this.scrollToEnd();
  }

  // Replace or insert one message in place, keeping keyboard focus on the same button.
  drawOne(id) {
    const message = this.messages.get(id);
    const old = this.nodes.get(id);
    const focusKey = old && old.contains(document.activeElement)
      ? document.activeElement.dataset.focusKey : null;

    if (!this.visible(message)) {
      if (old) old.remove();
      this.nodes.delete(id);
      return;
    }
    const node = this.render(message);
    this.nodes.set(id, node);
    if (old) {
      old.replaceWith(node);
    } else {
      const empty = this.list.querySelector(".empty");
      if (empty) empty.remove();
      if (this.followNext) {
        this.followNext = false;
        this.pinned = true;
      }
      const after = [...this.nodes.keys()].filter((other) => other > id).sort((a, b) => a - b)[0];
      const anchor = after === undefined ? null : this.nodes.get(after);
      this.list.insertBefore(node, anchor && anchor.parentNode === this.list ? anchor : null);
    }
    if (focusKey) {
      const target = [...node.querySelectorAll("[data-focus-key]")]
        .find((candidate) => candidate.dataset.focusKey === focusKey);
      if (target) target.focus();
    }
    if (this.pinned) this.scrollToEnd();
  }

  nearBottom() {
    return this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 80;
  }

  scrollToEnd() {
    this.list.scrollTop = this.list.scrollHeight;
  }
}

// "typing…" under a chat title after sendChatAction, cleared by the next message.
export class TypingStatus {
  constructor(node) {
    this.node = node;
    this.timer = null;
  }

  show(action) {
    const labels = { typing: "typing…", upload_photo: "sending a photo…",
      upload_document: "sending a file…" };
    this.node.textContent = labels[action] || `${action}…`;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.clear(), TYPING_MS);
  }

  clear() {
    clearTimeout(this.timer);
    this.node.textContent = "";
  }
}
