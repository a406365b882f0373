// Same-origin calls to the stand-in's control interface and its server-sent event stream.

export class ControlError extends Error {}

// Event types the stand-in publishes on /control/events (sandbox/README.md lists them).
const EVENT_TYPES = [
  "message", "edit", "delete", "callback_query", "callback_answer", "chat_action", "topic",
  "block", "bot_status", "chat", "migrate", "reset",
];

export async function control(method, path, body) {
  const options = { method, headers: {} };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(`/control/${path}`, options);
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const reason = data && data.error ? data.error : `HTTP ${response.status}`;
    throw new ControlError(`${method} /control/${path} failed: ${reason}`);
  }
  return data;
}

export function get(path) {
  return control("GET", path);
}

export function post(path, body) {
  return control("POST", path, body || {});
}

export function fileUrl(fileId) {
  return `/control/files/${encodeURIComponent(fileId)}`;
}

// Open the event stream. The browser reconnects by itself, and onOpen runs after every
// connection, so that the caller can reload what it may have missed.
export function listen({ onOpen, onEvent, onError }) {
  const source = new EventSource("/control/events");
  source.addEventListener("open", onOpen);
  source.addEventListener("error", onError);
  for (const type of EVENT_TYPES) {
    source.addEventListener(type, (message) => {
      let event;
      try {
        event = JSON.parse(message.data);
      } catch {
        return;
      }
      onEvent(event);
    });
  }
  return source;
}

export function readFileAsBase64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.addEventListener("load", () => {
      const url = String(reader.result);
      resolve(url.slice(url.indexOf(",") + 1));
    });
    reader.addEventListener("error", () => reject(reader.error));
    reader.readAsDataURL(file);
  });
}
