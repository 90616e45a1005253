// Public types of the simulated Entra ID tenant (a Graph-compatible HTTPS server on loopback).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Scheduler } from '../scheduler';

export interface SimulatedTenantSpec {
  /** GUID; default derived deterministically from `seed`. */
  id?: string;
  name: string;
  /** Verified primary domain, e.g. `contoso.example`. */
  domain: string;
  userCount: number;
  seed: number;
}

export interface EntraSimulatorOptions {
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 0 (random). */
  port?: number;
  tls: { cert: string | Buffer; key: string | Buffer };
  /** The app's client id; the consent page and the token endpoint check it. */
  clientId: string;
  /** If set, the token endpoint checks it. */
  clientSecret?: string;
  /** Like an app registration's redirect URIs; the consent page rejects others (AADSTS50011). */
  allowedRedirectUris: string[];
  /** Default: Contoso (300 users, seed 1) and Fabrikam (40 users, seed 2). */
  tenants?: SimulatedTenantSpec[];
  /** If set: state is loaded at start (when the file exists) and saved after changes and on close. */
  stateFile?: string;
  /** Clock (default real time): token lifetimes, delta-token age, subscription expiry. */
  now?: () => Date;
  /**
   * Timers (default Node's, which do not keep the process alive): notification batch windows,
   * delivery retries, handshake and delivery timeouts, the state file's debounce. Tests pass a
   * manual one with `now` and move both.
   */
  scheduler?: Scheduler;
  /** Default 200. */
  deltaPageSize?: number;
  /** Local hosts are plain http; real Graph requires https. */
  allowHttpNotificationUrls?: boolean;
  /** Change notifications within this window go out in one POST (default 250). */
  notificationBatchWindowMs?: number;
  /** Structured log, never PII. */
  log?: (event: string, fields: Record<string, unknown>) => void;
}

/** What a simulated directory object stands for; not a Graph property (never served by Graph). */
export type SimulatedUserKind =
  | 'person'
  | 'formerEmployee'
  | 'sharedMailbox'
  | 'room'
  | 'guest'
  | 'roleAccount'
  | 'serviceAccount';

export interface AssignedLicense {
  skuId: string;
  disabledPlans: string[];
}

/** A directory user: Graph `user` properties plus `managerId` and `kind` (simulator metadata). */
export interface SimulatedUser {
  id: string;
  accountEnabled: boolean;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  userPrincipalName: string;
  mail: string | null;
  mailNickname: string;
  otherMails: string[];
  proxyAddresses: string[];
  jobTitle: string | null;
  department: string | null;
  officeLocation: string | null;
  companyName: string | null;
  employeeId: string | null;
  employeeType: string | null;
  employeeHireDate: string | null;
  mobilePhone: string | null;
  businessPhones: string[];
  streetAddress: string | null;
  city: string | null;
  state: string | null;
  postalCode: string | null;
  country: string | null;
  usageLocation: string | null;
  preferredLanguage: string | null;
  userType: 'Member' | 'Guest';
  creationType: string | null;
  externalUserState: string | null;
  createdDateTime: string;
  assignedLicenses: AssignedLicense[];
  /** Manager's object id (Graph: the `manager` navigation property / `manager@delta`). */
  managerId: string | null;
  kind: SimulatedUserKind;
}

/** Properties a caller may set when creating a user (everything optional; sensible defaults). */
export type SimulatedUserInput = Partial<Omit<SimulatedUser, 'createdDateTime'>>;
/** Properties a caller may change. */
export type SimulatedUserPatch = Partial<Omit<SimulatedUser, 'id' | 'kind' | 'createdDateTime'>>;

export type LifecycleEvent = 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed';

/** A Graph change-notification subscription, as Graph returns it. */
export interface SimulatedSubscription {
  id: string;
  resource: string;
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  expirationDateTime: string;
  clientState: string | null;
  applicationId: string;
  creatorId: string;
  latestSupportedTlsVersion: string;
  includeResourceData: boolean;
  notificationQueryOptions: null;
  notificationUrlAppId: null;
  encryptionCertificate: null;
  encryptionCertificateId: null;
}

export interface TenantSummary {
  id: string;
  name: string;
  domain: string;
  userCount: number;
  consentGranted: boolean;
}

import type { SimulatedGroup } from './groups';

export interface DirectoryControl {
  readonly tenantId: string;
  /** Live (not deleted) users in directory order. Returns copies. */
  listUsers(): SimulatedUser[];
  /** Soft-deleted users (restorable). */
  listDeletedUsers(): SimulatedUser[];
  /** A live user by id or userPrincipalName; undefined if none. */
  getUser(id: string): SimulatedUser | undefined;
  addUser(partial?: SimulatedUserInput): SimulatedUser;
  updateUser(id: string, patch: SimulatedUserPatch): SimulatedUser;
  disableUser(id: string): SimulatedUser;
  enableUser(id: string): SimulatedUser;
  /** Moves the user to deleted items: delta reports `@removed: { reason: 'changed' }`. */
  softDeleteUser(id: string): void;
  /** Brings a soft-deleted user back: delta reports it as new (full representation). */
  restoreUser(id: string): SimulatedUser;
  /** Permanently deletes a live or soft-deleted user: delta reports `@removed: { reason: 'deleted' }`. */
  hardDeleteUser(id: string): void;
  /** The next `count` Graph requests for this tenant get 429 with `Retry-After`. */
  throttle(count: number, retryAfterSeconds: number): void;
  /** Outstanding delta/skip tokens → 410 Gone with `Location` = a fresh start URL. */
  resetDeltaState(): void;
  /** Outstanding delta/skip tokens → 400 `syncStateNotFound`. */
  expireDeltaTokens(): void;
  revokeConsent(): void;
  grantConsent(): void;
  subscriptions(): SimulatedSubscription[];
  /** Sends a lifecycle notification (in the background) to the subscription's lifecycleNotificationUrl. */
  sendLifecycleEvent(subscriptionId: string, event: LifecycleEvent): void;
  /** Live groups in display-name order (optionally those whose name starts with `prefix`). */
  listGroups(prefix?: string): SimulatedGroup[];
  addGroup(input: { displayName: string; description?: string | null; memberIds?: string[] }): SimulatedGroup;
  /** Adds a user or a group (nesting) as a direct member. */
  addGroupMember(groupId: string, memberId: string): SimulatedGroup;
  removeGroupMember(groupId: string, memberId: string): SimulatedGroup;
  deleteGroup(groupId: string): void;
  /** Whether the tenant's consent covers GroupMember.Read.All (a tenant that consented earlier may lack it). */
  setGroupPermission(granted: boolean): void;
}

export interface EntraSimulator {
  /** `https://127.0.0.1:PORT` */
  readonly origin: string;
  /** `${origin}/v1.0` */
  readonly graphBaseUrl: string;
  /** `origin`; token endpoint at `/{tenantId}/oauth2/v2.0/token`. */
  readonly authorityHost: string;
  tenants(): TenantSummary[];
  /** Throws for an unknown tenant (accepts the tenant id or one of its domains). */
  directory(tenantId: string): DirectoryControl;
  /** Stand-in admin-consent page, mountable under any base path by another HTTP server. */
  handleLogin(req: IncomingMessage, res: ServerResponse, basePath: string): Promise<void>;
  /** JSON admin API, mountable under any base path. */
  handleAdmin(req: IncomingMessage, res: ServerResponse, basePath: string): Promise<void>;
  /**
   * Resolves when nothing the simulator does by itself is still running: no notification or
   * lifecycle POST in flight, no state-file write in progress. What waits for a timer (an open
   * batch window, a retry, the save debounce) does not count — move the scheduler to start it.
   */
  whenIdle(): Promise<void>;
  /** Stops timers, flushes state, closes the server. */
  close(): Promise<void>;
}

/** An error carrying the HTTP status the admin API should answer with. */
export class SimulatorError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
    this.name = 'SimulatorError';
  }
}
