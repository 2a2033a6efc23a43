// The opener's side, in the browser (docs/sealing.md): create an age identity kept
// in a passphrase-protected identity.age, and, at the opening, decrypt one's key
// shares locally and hand over only the plaintext shares. No key leaves the browser.

const SHARES_FORMAT = "mutualis-opening-shares/1";
const MIN_PASSPHRASE = 12;

function texts(root) {
  return (key, values = {}) => {
    const item = root.querySelector(`[data-text="${key}"]`);
    return item.textContent.replace(/\{(\w+)\}/g, (_, name) => values[name] ?? "");
  };
}

function say(box, message) {
  box.replaceChildren();
  if (!message) return;
  const paragraph = document.createElement("p");
  paragraph.className = "message error";
  paragraph.textContent = message;
  box.append(paragraph);
}

function csrfToken() {
  const field = document.querySelector("[name=csrfmiddlewaretoken]");
  if (field) return field.value;
  const cookie = document.cookie.split("; ").find((item) => item.startsWith("csrftoken="));
  return cookie ? cookie.slice("csrftoken=".length) : "";
}

function identityIn(text) {
  const keys = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"));
  return keys.length === 1 && keys[0].startsWith("AGE-SECRET-KEY-1") ? keys[0] : null;
}

// Key generation, on the opener-keys page.

async function setUpKeygen(root) {
  const text = texts(root);
  const crypto = await import(root.dataset.cryptoUrl);
  const error = root.querySelector("[data-role=error]");
  const done = root.querySelector("[data-role=done]");
  const link = root.querySelector("[data-role=download]");
  const button = root.querySelector("[data-role=generate]");
  root.hidden = false;

  button.addEventListener("click", async () => {
    const passphrase = root.querySelector("[data-role=passphrase]").value;
    const again = root.querySelector("[data-role=again]").value;
    say(error, null);
    if (passphrase.length < MIN_PASSPHRASE) return say(error, text("short", { min: MIN_PASSPHRASE }));
    if (passphrase !== again) return say(error, text("mismatch"));

    button.disabled = true;
    try {
      const identity = await crypto.generateX25519Identity();
      const recipient = await crypto.identityToRecipient(identity);
      const created = new Date().toISOString().replace(/\.\d+Z$/, "Z");
      const file = `# created: ${created}\n# public key: ${recipient}\n${identity}\n`;
      const encrypter = new crypto.Encrypter();
      encrypter.setPassphrase(passphrase);
      const sealed = await encrypter.encrypt(file);
      link.href = URL.createObjectURL(new Blob([sealed], { type: "application/octet-stream" }));
      const field = document.getElementById(root.dataset.recipientField);
      if (field) field.value = recipient;
      root.querySelector("[data-role=recipient]").textContent = recipient;
      done.hidden = false;
      link.focus();
    } catch (failure) {
      say(error, text("failed", { reason: failure.message }));
      button.disabled = false;
    }
  });
}

// Handing over the shares, on the opening page.

async function openIdentity(crypto, file, passphrase, text) {
  const decrypter = new crypto.Decrypter();
  decrypter.addPassphrase(passphrase);
  let plain;
  try {
    plain = await decrypter.decrypt(new Uint8Array(await file.arrayBuffer()), "text");
  } catch {
    throw new Error(text("cannot_open"));
  }
  const identity = identityIn(plain);
  if (!identity) throw new Error(text("not_identity"));
  return identity;
}

async function decryptShares(crypto, identity, document, text) {
  const decrypter = new crypto.Decrypter();
  decrypter.addIdentity(identity);
  const shares = [];
  for (const entry of document.shares) {
    try {
      const plain = await decrypter.decrypt(crypto.base64.decode(entry.share));
      shares.push({ bid: entry.bid, key: entry.key, share: crypto.base64.encode(plain) });
    } catch {
      throw new Error(text("wrong_identity", { bid: entry.bid }));
    }
  }
  return { format: SHARES_FORMAT, consultation: document.consultation, shares };
}

async function fetchJson(url, options, text) {
  let response;
  try {
    response = await fetch(url, { credentials: "same-origin", ...options });
  } catch {
    throw new Error(text("network"));
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(text("refused", { reason: body.error || response.statusText }));
  return body;
}

async function setUpShares(root) {
  const text = texts(root);
  const crypto = await import(root.dataset.cryptoUrl);
  const error = root.querySelector("[data-role=error]");
  const status = root.querySelector("[data-role=status]");
  const button = root.querySelector("[data-role=submit]");
  root.hidden = false;

  button.addEventListener("click", async () => {
    const file = root.querySelector("[data-role=identity]").files[0];
    const passphrase = root.querySelector("[data-role=passphrase]").value;
    say(error, null);
    if (!file) return say(error, text("no_file"));

    button.disabled = true;
    try {
      status.textContent = text("opening_identity");
      const identity = await openIdentity(crypto, file, passphrase, text);
      const sealed = await fetchJson(root.dataset.sharesUrl, {}, text);
      if (sealed.shares.length === 0) throw new Error(text("none"));
      status.textContent = text("decrypting", { count: sealed.shares.length });
      const plain = await decryptShares(crypto, identity, sealed, text);
      await fetchJson(
        root.dataset.submitUrl,
        {
          method: "POST",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
          body: JSON.stringify(plain),
        },
        text,
      );
      status.textContent = text("sent", { count: plain.shares.length });
      window.location.assign(root.dataset.nextUrl || window.location.href);
    } catch (failure) {
      status.textContent = "";
      say(error, failure.message);
      button.disabled = false;
    }
  });
}

for (const root of document.querySelectorAll("[data-opener-keygen]")) {
  setUpKeygen(root);
}
for (const root of document.querySelectorAll("[data-opener-shares]")) {
  setUpShares(root);
}
