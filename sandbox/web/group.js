// The advisors' group: forum topics or one plain stream, writing and replying as an advisor,
// lead-card buttons and // notes.

import { get, post } from "./api.js";
import { ChatView, TypingStatus, isPending, pressButton, toast } from "./chat.js";
import { element, excerpt, fullName, renderMessage, senderName } from "./render.js";

// Topic filters besides a topic's own thread id.
const ALL = "all";
const GENERAL = "general";

function byId(id) {
  return document.getElementById(id);
}

function threadOf(message) {
  return message.is_topic_message ? message.message_thread_id : null;
}

export class AdvisorsPanel {
  constructor(app) {
    this.app = app;
    this.chat = null;
    this.topic = ALL;
    this.replyTo = null;
    this.unread = new Map();
    this.groupSelect = byId("group-select");
    this.sender = byId("group-sender");
    this.text = byId("group-composer-text");
    this.typing = new TypingStatus(byId("group-chat-status"));
    this.view = new ChatView(byId("group-messages"), {
      render: (message) => renderMessage(message, {
        ownId: Number(this.sender.value),
        showSender: true,
        onPress: (pressed, button, key) => this.press(pressed, button, key),
        isPending: (pressed, key) => this.chat && isPending(this.chat.id, pressed.message_id, key),
        onReply: (replied) => this.startReply(replied),
      }),
      filter: (message) => this.inTopic(message),
      emptyText: "No messages here yet.",
    });

    this.groupSelect.addEventListener("change", () => {
      this.chooseGroup(Number(this.groupSelect.value));
    });
    this.sender.addEventListener("change", () => this.view.redraw());
    byId("group-composer").addEventListener("submit", (event) => {
      event.preventDefault();
      this.sendTyped();
    });
    this.text.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        this.sendTyped();
      } else if (event.key === "Escape" && this.replyTo) {
        this.cancelReply();
      }
    });
    byId("group-reply-cancel").addEventListener("click", () => this.cancelReply());
  }

  // Fill the group list from /control/chats; the bot's advisors' group comes first.
  setGroups(chats) {
    const groups = chats.filter((chat) => chat.type !== "private" && !chat.migrated_to);
    const agentId = this.app.roles.agent_chat_id;
    groups.sort((a, b) => (b.id === agentId) - (a.id === agentId));
    this.groups = new Map(groups.map((chat) => [chat.id, chat]));
    this.groupSelect.replaceChildren();
    for (const chat of groups) {
      const mark = chat.id === agentId ? " (the bot's advisors' group)" : "";
      const option = element("option", null, `${chat.title}${mark}`);
      option.value = String(chat.id);
      this.groupSelect.append(option);
    }
    const note = byId("group-note");
    note.textContent = groups.length ? "" : "No group yet: the stand-in has no group chats.";
    if (agentId && !this.groups.has(agentId)) {
      note.textContent = `AGENT_CHAT_ID is ${agentId}, a chat the sandbox does not know, so `
        + "the bot's leads will fail. Unset it to use the demo group.";
    }

    const current = this.chat && this.groups.get(this.chat.id);
    if (current) {
      this.chat = current;
      this.groupSelect.value = String(current.id);
      this.drawTopics();
    } else if (groups.length) {
      this.chooseGroup(groups[0].id);
    }
  }

  async chooseGroup(chatId) {
    this.chat = this.groups.get(chatId);
    this.groupSelect.value = String(chatId);
    this.topic = ALL;
    this.unread.clear();
    this.cancelReply();
    byId("group-mode").textContent = this.chat.is_forum ? "Forum: one topic per customer"
      : "Plain group: reply to a relayed message";
    byId("group-chat-title").textContent = this.chat.title;
    await this.loadMembers();
    this.drawTopics();
    try {
      await this.view.load(chatId, (id) => get(`chats/${id}/messages`));
    } catch (error) {
      toast(error.message, "error");
    }
  }

  async loadMembers() {
    let members = [];
    try {
      members = await get(`chats/${this.chat.id}/members`);
    } catch (error) {
      toast(error.message, "error");
    }
    const advisors = new Set(this.app.roles.advisor_ids);
    const people = members.filter((member) => !member.user.is_bot
      && !["left", "kicked"].includes(member.status))
      .sort((a, b) => advisors.has(b.user.id) - advisors.has(a.user.id));
    const previous = Number(this.sender.value);
    this.sender.replaceChildren();
    for (const member of people) {
      const option = element("option", null, `As ${fullName(member.user)}`);
      option.value = String(member.user.id);
      this.sender.append(option);
    }
    if (people.some((member) => member.user.id === previous)) this.sender.value = String(previous);
  }

  inTopic(message) {
    if (!this.chat || !this.chat.is_forum || this.topic === ALL) return true;
    const thread = threadOf(message);
    return this.topic === GENERAL ? thread === null : thread === this.topic;
  }

  drawTopics() {
    const nav = byId("group-topics");
    const list = byId("group-topic-list");
    nav.hidden = !this.chat.is_forum;
    list.replaceChildren();
    if (!this.chat.is_forum) return;
    const entries = [[ALL, "All messages"], [GENERAL, "General"]];
    for (const topic of this.chat.topics || []) {
      if (topic.deleted) continue;
      entries.push([topic.thread_id, `${topic.name}${topic.closed ? " (closed)" : ""}`]);
    }
    for (const [key, label] of entries) {
      const item = element("li");
      const button = element("button", "topic", label);
      button.type = "button";
      button.setAttribute("aria-pressed", String(this.topic === key));
      const count = this.unread.get(key) || 0;
      if (count) {
        const badge = element("span", "unread", String(count));
        badge.setAttribute("aria-label", `${count} new`);
        button.append(badge);
      }
      button.addEventListener("click", () => this.chooseTopic(key));
      item.append(button);
      list.append(item);
    }
  }

  chooseTopic(key) {
    this.topic = key;
    this.unread.delete(key);
    this.cancelReply();
    this.drawTopics();
    this.view.redraw();
    const topic = (this.chat.topics || []).find((candidate) => candidate.thread_id === key);
    byId("group-chat-title").textContent = topic ? `${this.chat.title} › ${topic.name}`
      : this.chat.title;
    this.text.focus();
  }

  handleEvent(event) {
    if (!this.chat) return;
    if (event.type === "chat_action" && event.chat_id === this.chat.id) {
      this.typing.show(event.action);
      return;
    }
    if (event.chat_id !== this.chat.id) return;
    if (event.type === "message" || event.type === "edit") {
      if (event.message.from_bot) this.typing.clear();
      this.view.upsert(event.message);
      this.countUnread(event);
    } else if (event.type === "delete") {
      this.view.remove(event.message_id);
    }
  }

  countUnread(event) {
    if (event.type !== "message" || !this.chat.is_forum || this.inTopic(event.message)) return;
    const key = threadOf(event.message) ?? GENERAL;
    this.unread.set(key, (this.unread.get(key) || 0) + 1);
    this.drawTopics();
  }

  startReply(message) {
    this.replyTo = message;
    const target = `Replying to ${senderName(message)}: ${excerpt(message)}`;
    byId("group-reply-text").textContent = target;
    byId("group-reply-target").hidden = false;
    this.text.focus();
  }

  cancelReply() {
    this.replyTo = null;
    byId("group-reply-target").hidden = true;
  }

  async sendTyped() {
    const text = this.text.value;
    if (!text.trim() || !this.chat || !this.sender.value) return;
    const body = { user_id: Number(this.sender.value), chat_id: this.chat.id, text };
    if (this.replyTo) body.reply_to_message_id = this.replyTo.message_id;
    const thread = this.replyTo ? threadOf(this.replyTo) : this.topic;
    if (this.chat.is_forum && typeof thread === "number") body.message_thread_id = thread;
    this.view.follow();
    try {
      await post("messages", body);
      this.text.value = "";
      this.cancelReply();
    } catch (error) {
      toast(error.message, "error");
    }
  }

  async press(message, button, key) {
    try {
      await pressButton(this.view, Number(this.sender.value), this.chat.id, message, button, key);
    } catch (error) {
      toast(error.message, "error");
    }
  }
}
