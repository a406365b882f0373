// Entry point of the sandbox page: loads the stand-in's state, then keeps every panel live
// from the server-sent event stream.

import { get, listen } from "./api.js";
import { handleCallbackAnswer, toast } from "./chat.js";
import { AdvisorsPanel } from "./group.js";
import { PersonPanel } from "./person.js";
import { PrivateChatPanel } from "./phone.js";

class App {
  constructor() {
    this.bot = null;
    this.roles = {
      agent_chat_id: null, advisor_ids: [], admin_ids: [], group_ids: [], campaigns: [],
    };
    this.users = new Map();
    this.person = new PersonPanel(this);
    this.admin = new PrivateChatPanel(this, "admin");
    this.group = new AdvisorsPanel(this);
    this.connection = document.getElementById("connection");
    this.setUpSwitches();
  }

  start() {
    listen({
      onOpen: () => {
        this.connection.textContent = "Live";
        this.connection.dataset.state = "live";
        this.reloadAll();
      },
      onError: () => {
        this.connection.textContent = "Reconnecting…";
        this.connection.dataset.state = "down";
      },
      onEvent: (event) => this.dispatch(event),
    });
  }

  // Runs after every (re)connection of the event stream, so nothing missed stays missing.
  async reloadAll() {
    try {
      const info = await get("page");
      this.bot = info.bot;
      this.roles = info.roles;
      document.getElementById("bot-name").textContent = this.bot
        ? `Bot: ${this.bot.first_name} (@${this.bot.username})`
        : "Waiting for the bot's first call…";
      for (const id of ["person-chat-title", "admin-chat-title"]) {
        document.getElementById(id).textContent = this.bot ? this.bot.first_name : "Bot";
      }
      this.person.setCampaigns(this.roles.campaigns || []);
      await this.reloadUsers();
      await this.reloadChats();
      await Promise.all([this.person.reload(), this.admin.reload()]);
    } catch (error) {
      toast(`Could not load the sandbox state: ${error.message}`, "error");
    }
  }

  async reloadUsers() {
    const users = await get("users");
    this.users = new Map(users.map((user) => [user.id, user]));
    const staff = new Set([...this.roles.advisor_ids, ...this.roles.admin_ids]);
    const admins = new Set(this.roles.admin_ids);
    const people = users.filter((user) => !user.is_bot && !staff.has(user.id));
    this.person.setPeople(people.length ? people : users);
    const adminUsers = users.filter((user) => admins.has(user.id));
    this.admin.setPeople(adminUsers.length ? adminUsers : users);
  }

  async reloadChats() {
    this.group.setGroups(await get("chats"));
  }

  dispatch(event) {
    switch (event.type) {
      case "reset":
        this.reloadAll();
        return;
      case "callback_answer":
        handleCallbackAnswer(event.callback_query);
        return;
      case "topic":
      case "chat":
      case "migrate":
      case "bot_status":
        this.reloadChats().catch((error) => toast(error.message, "error"));
        break;
      case "block":
        this.reloadUsers().catch((error) => toast(error.message, "error"));
        break;
      default:
        break;
    }
    if (!this.bot && event.message && event.message.from_bot) this.reloadAll();
    this.person.handleEvent(event);
    this.admin.handleEvent(event);
    this.group.handleEvent(event);
  }

  // The two columns at phone width, and the group/admin tabs.
  setUpSwitches() {
    const showPerson = document.getElementById("show-person");
    const showStaff = document.getElementById("show-staff");
    const show = (view) => {
      document.body.dataset.view = view;
      showPerson.setAttribute("aria-pressed", String(view === "person"));
      showStaff.setAttribute("aria-pressed", String(view === "staff"));
    };
    showPerson.addEventListener("click", () => show("person"));
    showStaff.addEventListener("click", () => show("staff"));

    const tabs = [...document.querySelectorAll('[role="tab"]')];
    const select = (tab) => {
      for (const other of tabs) {
        const selected = other === tab;
        other.setAttribute("aria-selected", String(selected));
        other.tabIndex = selected ? 0 : -1;
        document.getElementById(other.getAttribute("aria-controls")).hidden = !selected;
      }
      tab.focus();
    };
    tabs.forEach((tab, index) => {
      tab.addEventListener("click", () => select(tab));
      tab.addEventListener("keydown", (event) => {
        const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
        if (step) select(tabs[(index + step + tabs.length) % tabs.length]);
      });
    });
  }
}

new App().start();
