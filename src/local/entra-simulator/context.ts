// What the simulator's handlers share.
import type { TokenCodec } from './delta-engine';
import type { SubscriptionManager } from './subscriptions';
import type { TenantDirectory } from './tenant-directory';
import type { AccessTokens } from './token-endpoint';
import type { SignInService } from './sign-in';

export type LogFn = (event: string, fields: Record<string, unknown>) => void;

export interface SimulatorContext {
  readonly clientId: string;
  readonly clientSecret: string | undefined;
  readonly allowedRedirectUris: readonly string[];
  readonly deltaPageSize: number;
  readonly now: () => Date;
  readonly log: LogFn;
  /** `https://127.0.0.1:PORT` (known once listening). */
  origin(): string;
  readonly tenants: ReadonlyMap<string, TenantDirectory>;
  /** By id, primary domain or `*.onmicrosoft.com` domain (case-insensitive). */
  findTenant(idOrDomain: string): TenantDirectory | undefined;
  readonly accessTokens: AccessTokens;
  /** Sign-in: authorization codes, the id_token key, injected faults. */
  readonly signIn: SignInService;
  readonly codec: TokenCodec;
  readonly subscriptions: SubscriptionManager;
  /** Grants or revokes the app's consent in a tenant (revoking notifies subscriptions). */
  setConsent(tenantId: string, granted: boolean): void;
}
