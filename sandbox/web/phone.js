// A private chat with the bot, drawn like one person's phone. The person's panel and the
// admin's chat are both built from it.

import { get, post, readFileAsBase64 } from "./api.js";
import { ChatView, TypingStatus, isPending, pressButton, toast } from "./chat.js";
import { element, fullName, renderMessage } from "./render.js";

export function byId(id) {
  return document.getElementById(id);
}

function remember(key, value) {
  try {
    localStorage.setItem(key, String(value));
  } catch {
    // Private browsing may forbid storage, and then the page does not keep the choice.
  }
}

function recall(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

export class PrivateChatPanel {
  // prefix names the panel's elements ("person" → #person-select, #person-messages...).
  constructor(app, prefix) {
    this.app = app;
    this.prefix = prefix;
    this.userId = null;
    this.select = byId(`${prefix}-select`);
    this.text = byId(`${prefix}-composer-text`);
    this.menu = byId(`${prefix}-menu`);
    this.menuButton = byId(`${prefix}-menu-button`);
    this.replyKeyboard = byId(`${prefix}-reply-keyboard`);
    this.typing = new TypingStatus(byId(`${prefix}-chat-status`));
    this.view = new ChatView(byId(`${prefix}-messages`), {
      render: (message) => renderMessage(message, {
        ownId: this.userId,
        onPress: (pressed, button, key) => this.press(pressed, button, key),
        isPending: (pressed, key) => isPending(this.userId, pressed.message_id, key),
        onCommand: (command) => this.send(command),
      }),
      emptyText: "No messages yet: open a campaign link or write to the bot.",
    });

    this.select.addEventListener("change", () => this.choose(Number(this.select.value)));
    byId(`${prefix}-composer`).addEventListener("submit", (event) => {
      event.preventDefault();
      this.sendTyped();
    });
    this.text.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        this.sendTyped();
      }
    });
    byId(`${prefix}-photo`).addEventListener("change", (event) => this.sendPhoto(event.target));
    this.menuButton.addEventListener("click", () => this.toggleMenu());
    this.menu.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.closeMenu(true);
    });
  }

  // Fill the identity list with people; keep the current choice when it is still there.
  setPeople(users) {
    const previous = this.userId ?? Number(recall(`sandbox.${this.prefix}`));
    this.select.replaceChildren();
    for (const user of users) {
      const language = user.language_code ? ` · ${user.language_code}` : "";
      const option = element("option", null, `${fullName(user)}${language} · ${user.id}`);
      option.value = String(user.id);
      this.select.append(option);
    }
    const chosen = users.find((user) => user.id === previous) || users[0];
    if (chosen && chosen.id !== this.userId) {
      this.choose(chosen.id);
    } else if (chosen) {
      this.select.value = String(chosen.id);
    }
  }

  async choose(userId) {
    this.userId = userId;
    this.select.value = String(userId);
    remember(`sandbox.${this.prefix}`, userId);
    this.typing.clear();
    this.closeMenu(false);
    await this.reload();
  }

  async reload() {
    if (this.userId === null) return;
    try {
      await this.view.load(this.userId, (chatId) => get(`chats/${chatId}/messages`));
    } catch (error) {
      toast(error.message, "error");
    }
    this.drawReplyKeyboard();
  }

  get user() {
    return this.app.users.get(this.userId);
  }

  handleEvent(event) {
    if (event.type === "chat_action" && event.chat_id === this.userId) {
      this.typing.show(event.action);
      return;
    }
    if (event.chat_id !== this.userId) return;
    if (event.type === "message" || event.type === "edit") {
      if (event.message.from_bot) this.typing.clear();
      this.view.upsert(event.message);
      this.drawReplyKeyboard();
    } else if (event.type === "delete") {
      this.view.remove(event.message_id);
    }
  }

  async send(text) {
    if (this.userId === null) return;
    this.view.follow();
    try {
      await post("messages", { user_id: this.userId, text });
    } catch (error) {
      toast(error.message, "error");
    }
  }

  async sendTyped() {
    const text = this.text.value;
    if (!text.trim()) return;
    this.text.value = "";
    await this.send(text);
  }

  async sendPhoto(input) {
    const [file] = input.files;
    input.value = "";
    if (!file || this.userId === null) return;
    try {
      const photo = await readFileAsBase64(file);
      const caption = this.text.value.trim();
      this.text.value = "";
      this.view.follow();
      await post("messages", { user_id: this.userId, photo, ...(caption ? { caption } : {}) });
    } catch (error) {
      toast(error.message, "error");
    }
  }

  async press(message, button, key) {
    try {
      await pressButton(this.view, this.userId, this.userId, message, button, key);
    } catch (error) {
      toast(error.message, "error");
    }
  }

  // The newest bot message with a reply keyboard decides what shows above the composer.
  drawReplyKeyboard() {
    const messages = [...this.view.messages.values()]
      .filter((message) => message.from_bot && !message.deleted && message.reply_keyboard)
      .sort((a, b) => a.message_id - b.message_id);
    const markup = messages.length ? messages[messages.length - 1].reply_keyboard : null;
    this.replyKeyboard.replaceChildren();
    const rows = markup && Array.isArray(markup.keyboard) ? markup.keyboard : null;
    this.replyKeyboard.hidden = !rows;
    if (!rows) return;
    for (const row of rows) {
      const line = element("div", "keyboard-row");
      for (const button of Array.isArray(row) ? row : []) {
        const label = typeof button === "string" ? button : String(button.text ?? "");
        const node = element("button", "keyboard-button", label);
        node.type = "button";
        node.addEventListener("click", () => this.send(label));
        line.append(node);
      }
      this.replyKeyboard.append(line);
    }
  }

  async toggleMenu() {
    if (!this.menu.hidden) {
      this.closeMenu(true);
      return;
    }
    if (this.userId === null) return;
    let commands = [];
    try {
      const language = (this.user && this.user.language_code) || "";
      const query = `language_code=${encodeURIComponent(language)}`;
      commands = await get(`chats/${this.userId}/commands?${query}`);
    } catch (error) {
      toast(error.message, "error");
      return;
    }
    this.menu.replaceChildren();
    if (commands.length === 0) this.menu.append(element("li", "hint", "The bot set no commands."));
    for (const command of commands) {
      const item = element("li");
      const button = element("button", "command", `/${command.command}`);
      button.type = "button";
      button.append(element("span", "command-description", command.description));
      button.addEventListener("click", () => {
        this.closeMenu(true);
        this.send(`/${command.command}`);
      });
      item.append(button);
      this.menu.append(item);
    }
    this.menu.hidden = false;
    this.menuButton.setAttribute("aria-expanded", "true");
    const first = this.menu.querySelector("button");
    if (first) first.focus();
  }

  closeMenu(returnFocus) {
    if (this.menu.hidden) return;
    this.menu.hidden = true;
    this.menuButton.setAttribute("aria-expanded", "false");
    if (returnFocus) this.menuButton.focus();
  }
}
