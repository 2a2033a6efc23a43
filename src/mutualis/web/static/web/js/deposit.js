// The sealed deposit (docs/sealing.md): seal each file in a Worker into the browser's
// private file system, declare the deposit, then send each sealed file with tus.
// The state kept in localStorage (no secret in it) lets a reload continue the upload.

const form = document.getElementById("sealed-deposit");
const submit = document.getElementById("deposit-submit");
const errorBox = document.getElementById("deposit-error");
const progress = document.getElementById("deposit-progress");
const bar = document.getElementById("deposit-bar");
const statusLine = document.getElementById("deposit-status");
const resumeBox = document.getElementById("deposit-resume");
const urls = form.dataset;
const stateKey = `mutualis.deposit.${urls.consultation}`;
const CHUNK_SIZE = 8 * 1024 * 1024;
const STATUS_EVERY_MS = 1000;

let crypto;
let sealing;

function text(key, values = {}) {
  const item = document.querySelector(`#deposit-texts [data-text="${key}"]`);
  return item.textContent.replace(/\{(\w+)\}/g, (_, name) => values[name] ?? "");
}

function showError(message) {
  errorBox.replaceChildren();
  if (!message) return;
  const paragraph = document.createElement("p");
  paragraph.className = "message error";
  paragraph.textContent = message;
  errorBox.append(paragraph);
}

function showStatus(value, max, message) {
  progress.hidden = false;
  bar.max = max || 1;
  bar.value = value;
  statusLine.textContent = message;
}

const language = document.documentElement.lang || undefined;
const UNITS = ["KB", "MB", "GB", "TB"];

// Sizes as the server's pages write them (Django's filesizeformat: 1024-based).
function size(bytes) {
  if (bytes < 1024) return `${bytes.toLocaleString(language)} bytes`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = { minimumFractionDigits: 1, maximumFractionDigits: 1 };
  return `${value.toLocaleString(language, digits)} ${UNITS[unit]}`;
}

function duration(seconds) {
  const whole = Math.max(1, Math.round(seconds));
  const format = (value, unit) =>
    new Intl.NumberFormat(language, { style: "unit", unit, unitDisplay: "long" }).format(value);
  if (whole < 90) return format(whole, "second");
  if (whole < 5400) return format(Math.round(whole / 60), "minute");
  return format(Math.round(whole / 360) / 10, "hour");
}

function csrfToken() {
  return form.querySelector("[name=csrfmiddlewaretoken]").value;
}

// Choices and limits, checked before sealing with the messages the server uses.

function chosen() {
  const lot = form.querySelector("input[name=lot]:checked");
  return {
    business: Number(form.querySelector("[name=business]").value),
    lot: lot ? Number(lot.value) : null,
    hasLots: form.querySelector("input[name=lot]") !== null,
    files: Array.from(form.querySelector("input[name=files]").files),
  };
}

// Documents checked from the vault: fetched with the member's session from the
// platform, then sealed like the files chosen on disk. The checkbox gives the
// plaintext name and size, so that the limits are checked before any fetch.

function vaultChosen(business) {
  const boxes = form.querySelectorAll(`#vault-documents [data-business="${business}"] input:checked`);
  return Array.from(boxes, (box) => ({ name: box.dataset.name, size: Number(box.dataset.size), url: box.dataset.url }));
}

async function vaultFiles(documents) {
  const files = [];
  for (const { name, url } of documents) {
    const response = await fetch(url, { credentials: "same-origin", cache: "no-store" }).catch(() => null);
    if (!response || !response.ok) throw new Error(text("vault_failed", { name }));
    files.push(new File([await response.blob()], name));
  }
  return files;
}

function showVaultOf(business) {
  for (const item of form.querySelectorAll("#vault-documents [data-business]")) {
    item.hidden = item.dataset.business !== String(business);
    if (item.hidden) item.querySelector("input").checked = false;
  }
}

function refusal({ files, lot, hasLots }) {
  const limits = sealing.limits;
  if (hasLots && lot === null) return text("choose_lot");
  if (files.length === 0) return text("no_file");
  if (files.length > limits.max_files) {
    return text("too_many", { count: files.length, limit: limits.max_files });
  }
  const seen = new Set();
  for (const file of files) {
    if (seen.has(file.name)) return text("same_name", { name: file.name });
    seen.add(file.name);
    if (file.size > limits.max_file_size) {
      return text("too_large", { name: file.name, limit: size(limits.max_file_size) });
    }
  }
  const total = files.reduce((sum, file) => sum + file.size, 0);
  if (total > limits.max_bid_size) {
    return text("bid_too_large", { size: size(total), limit: size(limits.max_bid_size) });
  }
  return null;
}

// Sealing: the bid identity, its shares for the openers, each file, the inner manifest.

function secretOf(identity) {
  const { words } = crypto.bech32.decode(identity.toLowerCase(), 100);
  return Uint8Array.from(crypto.bech32.fromWords(words));
}

async function splitSecret(secret, count, threshold) {
  if (threshold >= 2) return crypto.split(secret, count, threshold);
  // One share opens: each share is the secret itself with a distinct x-coordinate,
  // as bids/shamir.py makes them (the npm package wants a threshold of 2 or more).
  const xs = new Set();
  while (xs.size < count) xs.add(1 + (globalThis.crypto.getRandomValues(new Uint8Array(1))[0] % 255));
  return Array.from(xs, (x) => Uint8Array.from([...secret, x]));
}

async function sealBytes(bytes, recipient) {
  const encrypter = new crypto.Encrypter();
  encrypter.addRecipient(recipient);
  return crypto.base64.encode(await encrypter.encrypt(bytes));
}

function inWorker(message, onProgress, fail) {
  const worker = new Worker(urls.workerUrl, { type: "module" });
  return new Promise((resolve, reject) => {
    worker.onmessage = ({ data }) => {
      if (data.type === "progress") return onProgress(data.done);
      worker.terminate();
      if (data.type === "sealed") resolve(data);
      else reject(new Error(fail(data.message)));
    };
    worker.onerror = (event) => {
      worker.terminate();
      reject(new Error(fail(event.message)));
    };
    worker.postMessage({ cryptoUrl: urls.cryptoUrl, ...message });
  });
}

async function sealFile(file, recipient, target, index, count) {
  const done = { seal: 0, hash: 0 };
  const values = { name: file.name, index: index + 1, count, total: size(file.size) };
  const report = (mode) => (bytes) => {
    done[mode] = bytes;
    const both = Math.min(done.seal, done.hash);
    showStatus(both, file.size, text("sealing", { ...values, done: size(both) }));
  };
  const fail = (reason) => text("sealing_failed", { name: file.name, reason });
  const [sealed, hashed] = await Promise.all([
    inWorker({ mode: "seal", file, recipient, target }, report("seal"), fail),
    inWorker({ mode: "hash", file }, report("hash"), fail),
  ]);
  return { size: sealed.size, plainSize: hashed.plainSize, sha256: hashed.sha256 };
}

async function seal(choice) {
  const depositKey = globalThis.crypto.randomUUID();
  const identity = await crypto.generateX25519Identity();
  const recipient = await crypto.identityToRecipient(identity);
  const openers = sealing.openers;
  const parts = await splitSecret(secretOf(identity), openers.length, sealing.threshold);
  const shares = [];
  for (const [index, opener] of openers.entries()) {
    shares.push({ opener_key: opener.key, share: await sealBytes(parts[index], opener.recipient) });
  }

  const sealed = [];
  for (const [index, file] of choice.files.entries()) {
    const target = `deposit-${depositKey}-${index}.age`;
    const result = await sealFile(file, recipient, target, index, choice.files.length);
    sealed.push({ name: file.name, target, ...result });
  }
  const inner = JSON.stringify({
    files: sealed.map((file) => ({ name: file.name, size: file.plainSize, sha256: file.sha256 })),
  });

  return {
    business: choice.business,
    targets: sealed.map((file) => file.target),
    manifest: {
      format: "mutualis-sealed-bid/1",
      deposit_key: depositKey,
      consultation: sealing.consultation,
      lot: choice.lot,
      bid_recipient: recipient,
      threshold: sealing.threshold,
      shares,
      files: sealed.map((file) => ({ name: file.name, size: file.size })),
      inner: await sealBytes(new TextEncoder().encode(inner), recipient),
      backup_copy: false,
    },
  };
}

// Sending: declare the deposit (the same deposit_key answers the same deposit), then
// each sealed file from disk; tus asks the server's offset first, so a reload goes on.

async function declare(state) {
  showStatus(0, 1, text("starting"));
  let response;
  try {
    response = await fetch(urls.depositsUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ business: state.business, manifest: state.manifest }),
    });
  } catch {
    throw new Error(text("network"));
  }
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(text("refused", { reason: answer.error || response.statusText }));
  }
  return answer;
}

async function sealedFiles(state) {
  const directory = await navigator.storage.getDirectory();
  const files = [];
  for (const target of state.targets) {
    files.push(await (await directory.getFileHandle(target)).getFile());
  }
  return files;
}

function sendOne(tus, file, url, name, onProgress) {
  return new Promise((resolve, reject) => {
    const upload = new tus.Upload(file, {
      uploadUrl: url,
      chunkSize: CHUNK_SIZE,
      retryDelays: [0, 1000, 3000, 5000, 10000],
      storeFingerprintForResuming: false,
      headers: { "X-CSRFToken": csrfToken() },
      onProgress,
      onSuccess: resolve,
      onError: (error) => reject(new Error(text("upload_failed", { name, reason: reason(error) }))),
    });
    upload.start();
  });
}

function reason(error) {
  const response = error.originalResponse;
  if (response) {
    try {
      const body = JSON.parse(response.getBody());
      if (body.error) return body.error;
    } catch {
      // Not JSON: fall back on the client's own message below.
    }
  }
  return String(error.message || error);
}

async function send(state) {
  const tus = await import(urls.tusUrl);
  const answer = await declare(state);
  const files = await sealedFiles(state);
  const total = files.reduce((sum, file) => sum + file.size, 0);
  const started = performance.now();
  let before = 0;
  let firstOffset = null;
  let shown = 0;

  for (const [index, file] of files.entries()) {
    const name = state.manifest.files[index].name;
    await sendOne(tus, file, answer.uploads[index], name, (sent) => {
      const done = before + sent;
      firstOffset ??= done;
      const now = performance.now();
      if (now - shown < STATUS_EVERY_MS && sent !== file.size) return;
      shown = now;
      const speed = (done - firstOffset) / ((now - started) / 1000);
      const values = { sent: size(done), total: size(total) };
      const message = speed > 0
        ? text("sending", { ...values, speed: size(speed), left: duration((total - done) / speed) })
        : text("sending_start", values);
      showStatus(done, total, message);
    });
    before += file.size;
  }
  return answer.deposit;
}

async function finish(state, receipt) {
  showStatus(1, 1, text("done"));
  localStorage.removeItem(stateKey);
  await discardFiles(state);
  window.location.assign(urls.receiptUrl.replace("RECEIPT", encodeURIComponent(receipt)));
}

async function discardFiles(state) {
  const directory = await navigator.storage.getDirectory();
  for (const target of state.targets) {
    await directory.removeEntry(target).catch(() => {});
  }
}

async function run(work) {
  submit.disabled = true;
  resumeBox.hidden = true;
  showError(null);
  try {
    await work();
  } catch (error) {
    showError(error.message);
    submit.disabled = false;
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const choice = chosen();
  const fromVault = vaultChosen(choice.business);
  const refused = refusal({ ...choice, files: [...choice.files, ...fromVault] });
  if (refused) {
    showError(refused);
    return;
  }
  run(async () => {
    choice.files.push(...(await vaultFiles(fromVault)));
    const state = await seal(choice);
    localStorage.setItem(stateKey, JSON.stringify(state));
    await finish(state, await send(state));
  });
});

async function offerResume() {
  const saved = localStorage.getItem(stateKey);
  if (!saved) return;
  const state = JSON.parse(saved);
  try {
    await sealedFiles(state);
  } catch {
    localStorage.removeItem(stateKey);
    showError(text("resume_lost"));
    return;
  }
  const total = state.manifest.files.reduce((sum, file) => sum + file.size, 0);
  document.getElementById("deposit-resume-text").textContent = text("resume", {
    count: state.targets.length,
    total: size(total),
  });
  resumeBox.hidden = false;
  document.getElementById("deposit-resume-go").onclick = () =>
    run(async () => finish(state, await send(state)));
  document.getElementById("deposit-resume-discard").onclick = async () => {
    localStorage.removeItem(stateKey);
    await discardFiles(state);
    resumeBox.hidden = true;
  };
}

async function start() {
  if (!navigator.storage || !navigator.storage.getDirectory) {
    showError(text("no_opfs"));
    return;
  }
  crypto = await import(urls.cryptoUrl);
  const response = await fetch(urls.sealingUrl, { credentials: "same-origin" });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    showError(answer.error || text(response.status === 404 ? "no_commission" : "no_sealing"));
    return;
  }
  sealing = answer;
  const business = form.querySelector("[name=business]");
  showVaultOf(business.value);
  business.addEventListener("change", () => showVaultOf(business.value));
  submit.disabled = false;
  await offerResume();
}

start().catch((error) => showError(error.message));
