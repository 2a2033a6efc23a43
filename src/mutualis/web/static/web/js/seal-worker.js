// Seals one file with age, streaming, into the origin private file system (OPFS),
// or hashes it: the page runs one Worker of each at once, since a JavaScript
// SHA-256 is as slow as the encryption and a second core is often idle. On the
// page's thread the encryption froze the page. The page sends {mode: "seal" or
// "hash", cryptoUrl, file, recipient, target}; the worker answers with "progress"
// messages, then "sealed" ({size, plainSize} or {plainSize, sha256}) or "failed".

const PROGRESS_EVERY = 4 * 1024 * 1024;

self.onmessage = async (event) => {
  const { mode, cryptoUrl, file, recipient, target } = event.data;
  try {
    const crypto = await import(cryptoUrl);
    const result =
      mode === "hash" ? await hash(crypto, file) : await seal(crypto, file, recipient, target);
    self.postMessage({ type: "sealed", ...result });
  } catch (error) {
    self.postMessage({ type: "failed", message: String(error && error.message) });
  }
};

function counting(stream, onChunk) {
  let read = 0;
  let reported = 0;
  const counted = stream.pipeThrough(
    new TransformStream({
      transform(chunk, controller) {
        onChunk(chunk);
        read += chunk.length;
        if (read - reported >= PROGRESS_EVERY) {
          reported = read;
          self.postMessage({ type: "progress", done: read });
        }
        controller.enqueue(chunk);
      },
    }),
  );
  return { counted, read: () => read };
}

async function hash(crypto, file) {
  const digest = crypto.sha256.create();
  const { counted, read } = counting(file.stream(), (chunk) => digest.update(chunk));
  const reader = counted.getReader();
  while (!(await reader.read()).done);
  return { plainSize: read(), sha256: hex(digest.digest()) };
}

async function seal(crypto, file, recipient, target) {
  const { counted, read } = counting(file.stream(), () => {});
  const encrypter = new crypto.Encrypter();
  encrypter.addRecipient(recipient);
  const size = await writeToDisk(await encrypter.encrypt(counted), target);
  return { size, plainSize: read() };
}

async function writeToDisk(stream, target) {
  const directory = await navigator.storage.getDirectory();
  const handle = await directory.getFileHandle(target, { create: true });
  const access = await handle.createSyncAccessHandle();
  try {
    access.truncate(0);
    let at = 0;
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      at += access.write(value, { at });
    }
    access.flush();
    return at;
  } finally {
    access.close();
  }
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
