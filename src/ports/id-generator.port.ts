export interface IdGenerator {
  /** A random UUID (v4). */
  uuid(): string;
  /** A random url-safe token with at least `bytes` bytes of entropy. */
  token(bytes: number): string;
}
