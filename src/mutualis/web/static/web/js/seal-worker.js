// Seals one file with age, streaming, into the origin private file system (OPFS).
// It runs in a Worker: on the page's thread the encryption froze the page. The
// page sends {cryptoUrl, file, recipient, target}; the worker answers with
// "progress" messages, then "sealed" (sizes and the plaintext SHA-256) or "failed".

const PROGRESS_EVERY = 4 * 1024 * 1024;

self.onmessage = async (event) => {
  const { cryptoUrl, file, recipient, target } = event.data;
  try {
    const crypto = await import(cryptoUrl);
    self.postMessage({ type: "sealed", ...(await seal(crypto, file, recipient, target)) });
  } catch (error) {
    self.postMessage({ type: "failed", message: String(error && error.message) });
  }
};

async function seal(crypto, file, recipient, target) {
  const hash = crypto.sha256.create();
  let read = 0;
  let reported = 0;
  const counted = file.stream().pipeThrough(
    new TransformStream({
      transform(chunk, controller) {
        hash.update(chunk);
        read += chunk.length;
        if (read - reported >= PROGRESS_EVERY) {
          reported = read;
          self.postMessage({ type: "progress", done: read });
        }
        controller.enqueue(chunk);
      },
    }),
  );

  const encrypter = new crypto.Encrypter();
  encrypter.addRecipient(recipient);
  const sealed = await encrypter.encrypt(counted);
  const size = await writeToDisk(sealed, target);
  return { size, plainSize: read, sha256: hex(hash.digest()) };
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
