// Web chat for citizens and volunteers: POST /api/chat, buttons as taps, files as downloads.
"use strict";

(function () {
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("text");
  const send = document.getElementById("send");
  const typing = document.getElementById("typing");
  const INBOX_EVERY_MS = 30000;
  let busy = false;

  // The server issues the session (an HttpOnly cookie); the page only remembers that it has
  // been here before, to greet a first visit differently from a return.
  const fresh = localStorage.getItem("tthc-seen") !== "1";
  localStorage.setItem("tthc-seen", "1");
  localStorage.removeItem("tthc-user");

  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }

  // Text with http(s) links made clickable, without ever parsing HTML.
  function fillText(el, text) {
    const parts = text.split(/(https?:\/\/[^\s)]+)/g);
    parts.forEach(function (part, i) {
      if (i % 2 === 1) {
        const a = document.createElement("a");
        a.href = part;
        a.textContent = part;
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        el.appendChild(a);
      } else if (part) {
        el.appendChild(document.createTextNode(part));
      }
    });
  }

  function bubble(kind, text) {
    const div = document.createElement("div");
    div.className = "msg " + kind;
    fillText(div, text);
    log.appendChild(div);
    scrollDown();
    return div;
  }

  function attachmentLink(att) {
    const raw = atob(att.data_base64);
    const bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    const url = URL.createObjectURL(new Blob([bytes], { type: att.mime || "application/octet-stream" }));
    const a = document.createElement("a");
    a.className = "file";
    a.href = url;
    a.download = att.filename;
    a.textContent = "📎 Tải tệp: " + att.filename;
    if ((att.mime || "").indexOf("image/") !== 0) return a;
    const box = document.createElement("div");  // an image (the booking QR code) is shown
    const img = document.createElement("img");
    img.className = "attachment-image";
    img.src = url;
    img.alt = att.filename;
    box.appendChild(img);
    box.appendChild(a);
    return box;
  }

  function disableOldChoices() {
    log.querySelectorAll(".choice").forEach(function (b) { b.disabled = true; });
  }

  function showReply(reply) {
    const div = bubble("bot", reply.text || "");
    if (reply.attachment) div.appendChild(attachmentLink(reply.attachment));
    if (reply.buttons && reply.buttons.length) {
      const row = document.createElement("div");
      row.className = "choices";
      reply.buttons.forEach(function (b) {
        const btn = document.createElement("button");
        btn.type = "button";
        btn.className = "choice";
        btn.textContent = b.label;
        btn.addEventListener("click", function () {
          if (busy) return;
          disableOldChoices();
          bubble("user", b.label);
          turn({ button: b.payload });
        });
        row.appendChild(btn);
      });
      div.appendChild(row);
    }
    scrollDown();
  }

  function setBusy(value) {
    busy = value;
    send.disabled = value;
    typing.hidden = !value;
  }

  async function turn(body) {
    setBusy(true);
    try {
      const res = await fetch("/api/chat", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error("HTTP " + res.status);
      const data = await res.json();
      (data.replies || []).forEach(showReply);
    } catch (err) {
      bubble("error", "Không gửi được tin nhắn (" + err.message + "). Anh/chị thử lại giúp tôi nhé.");
    } finally {
      setBusy(false);
      input.focus();
    }
  }

  async function checkInbox() {
    if (busy || document.hidden) return;
    try {
      const res = await fetch("/api/inbox");
      if (res.ok) ((await res.json()).replies || []).forEach(showReply);
    } catch (err) {
      /* offline: try again later */
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || busy) return;
    input.value = "";
    input.style.height = "";
    disableOldChoices();
    bubble("user", text);
    turn({ text: text });
  });

  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  input.addEventListener("input", function () {
    input.style.height = "";
    input.style.height = Math.min(input.scrollHeight, 160) + "px";
  });

  document.getElementById("restart").addEventListener("click", function () {
    if (busy) return;
    log.textContent = "";
    turn({ button: "cmd:restart" });
  });

  // A returning visitor sees the conversation so far (from the database) and goes on from there;
  // a first visit, or one with nothing stored, gets the welcome.
  async function resume() {
    if (!fresh) {
      try {
        const res = await fetch("/api/history");
        const messages = res.ok ? (await res.json()).messages || [] : [];
        if (messages.length) {
          messages.forEach(function (m) {
            if (m.from === "citizen") { disableOldChoices(); bubble("user", m.text); } else { showReply(m); }
          });
          return;
        }
      } catch (err) {
        /* offline: start fresh */
      }
    }
    turn({ text: "" });
  }
  resume();
  setInterval(checkInbox, INBOX_EVERY_MS);
})();
