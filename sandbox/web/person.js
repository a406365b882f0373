// The person's panel: a private chat plus new people, campaign links and blocking the bot.

import { post } from "./api.js";
import { toast } from "./chat.js";
import { byId, PrivateChatPanel } from "./phone.js";
import { element } from "./render.js";

export class PersonPanel extends PrivateChatPanel {
  constructor(app) {
    super(app, "person");
    this.blockButton = byId("person-block");
    this.payload = byId("campaign-payload");
    this.linkPreview = byId("campaign-link");

    byId("new-person-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.addPerson(event.target);
    });
    byId("campaign-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.arrive();
    });
    this.payload.addEventListener("input", () => this.drawLink());
    this.blockButton.addEventListener("click", () => this.toggleBlock());
  }

  setCampaigns(codes) {
    const list = byId("campaign-codes");
    list.replaceChildren(...codes.map((code) => {
      const option = element("option");
      option.value = code;
      return option;
    }));
    if (!this.payload.value && codes.length) this.payload.placeholder = codes[0];
    this.drawLink();
  }

  drawLink() {
    const username = this.app.bot ? this.app.bot.username : "your_bot";
    const payload = this.payload.value.trim();
    this.linkPreview.textContent = payload
      ? `Same as tapping t.me/${username}?start=${payload}: sends “/start ${payload}”.`
      : `Same as tapping t.me/${username}: sends “/start”.`;
  }

  async arrive() {
    const payload = this.payload.value.trim();
    await this.send(payload ? `/start ${payload}` : "/start");
  }

  async addPerson(form) {
    const data = new FormData(form);
    const used = new Set(this.app.users.keys());
    let id = 7101;
    while (used.has(id)) id += 1;
    const body = { id, first_name: String(data.get("first_name")).trim() };
    const lastName = String(data.get("last_name") || "").trim();
    if (lastName) body.last_name = lastName;
    if (data.get("language_code")) body.language_code = String(data.get("language_code"));
    try {
      await post("users", body);
    } catch (error) {
      toast(error.message, "error");
      return;
    }
    form.reset();
    form.closest("details").open = false;
    await this.app.reloadUsers();
    await this.choose(id);
    this.text.focus();
  }

  async choose(userId) {
    await super.choose(userId);
    this.drawBlocked();
  }

  drawBlocked() {
    const blocked = Boolean(this.user && this.user.blocked);
    this.blockButton.textContent = blocked ? "Unblock the bot" : "Block the bot";
    this.blockButton.setAttribute("aria-pressed", String(blocked));
  }

  async toggleBlock() {
    if (!this.user) return;
    try {
      await post("block", { user_id: this.userId, blocked: !this.user.blocked });
      await this.app.reloadUsers();
    } catch (error) {
      toast(error.message, "error");
    }
    this.drawBlocked();
  }

  handleEvent(event) {
    super.handleEvent(event);
    if (event.type === "message" && event.chat_id === this.userId && !event.message.from_bot
        && this.user && this.user.blocked) {
      // Writing to the bot unblocks it, as in Telegram.
      this.app.reloadUsers().then(() => this.drawBlocked());
    }
  }
}
