// What the deposit page, its Worker and the opener's page use of age and Shamir.
export {
  Decrypter,
  Encrypter,
  generateX25519Identity,
  identityToRecipient,
} from "age-encryption";
export { combine, split } from "shamir-secret-sharing";
export { base64, bech32 } from "@scure/base";
// Incremental SHA-256: WebCrypto's digest takes a whole buffer, not a stream.
export { sha256 } from "@noble/hashes/sha2.js";
