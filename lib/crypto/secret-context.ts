// What a sealed secret is bound to (AES-GCM associated data). Each names the table and the
// identity of the secret within its connection, so a ciphertext moved to another connection, key
// position or table fails to open. Every legitimate change of a secret seals it again, so nothing
// needs to survive a move: editing a connection's keys rewrites them all, and HMAC secrets are
// only ever added or retired.

/** The API key value at `position` (0-based, as stored) of a connection. */
export const apiKeyContext = (connectionId: string, position: number) => `tributary/connection_api_keys/${connectionId}/${position}`;

/** One HMAC signing secret (its row id) of a connection. */
export const hmacSecretContext = (connectionId: string, secretId: string) => `tributary/hmac_secrets/${connectionId}/${secretId}`;
