// Zod schemas for simulated users (admin API bodies, DirectoryControl input, the state file) and the
// list of Graph `user` properties the simulator serves.
import { z } from 'zod';
import type { SimulatedUser } from './types';

const guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a GUID');
const nullableText = (max: number) => z.string().max(max).nullable();
const address = z.string().max(320).regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'must be an e-mail address');

export const userKindSchema = z.enum(['person', 'formerEmployee', 'sharedMailbox', 'room', 'guest', 'roleAccount', 'serviceAccount']);

const writableShape = {
  accountEnabled: z.boolean(),
  displayName: z.string().min(1).max(256),
  givenName: nullableText(64),
  surname: nullableText(64),
  userPrincipalName: z.string().max(113).regex(/^[^@\s]+@[^@\s]+$/, 'must look like local@domain'),
  mail: address.nullable(),
  mailNickname: z.string().min(1).max(64),
  otherMails: z.array(address).max(20),
  proxyAddresses: z.array(z.string().regex(/^(SMTP|smtp|SIP|sip|X500|x500|SPO|spo):\S+$/, 'must be like SMTP:addr')).max(100),
  jobTitle: nullableText(128),
  department: nullableText(64),
  officeLocation: nullableText(128),
  companyName: nullableText(64),
  employeeId: nullableText(16),
  employeeType: nullableText(64),
  employeeHireDate: z.iso.datetime({ offset: true }).nullable(),
  mobilePhone: nullableText(64),
  businessPhones: z.array(z.string().max(64)).max(1),
  streetAddress: nullableText(1024),
  city: nullableText(128),
  state: nullableText(128),
  postalCode: nullableText(40),
  country: nullableText(128),
  usageLocation: z.string().regex(/^[A-Z]{2}$/, 'must be a two-letter country code').nullable(),
  preferredLanguage: nullableText(16),
  userType: z.enum(['Member', 'Guest']),
  creationType: nullableText(64),
  externalUserState: nullableText(64),
  assignedLicenses: z.array(z.object({ skuId: guid, disabledPlans: z.array(guid) }).strict()).max(50),
  managerId: guid.nullable(),
};

export const userPatchSchema = z.object(writableShape).partial().strict();
export const userInputSchema = z
  .object({ ...writableShape, id: guid, kind: userKindSchema })
  .partial()
  .strict();
export const storedUserSchema = z.object({ ...writableShape, id: guid, kind: userKindSchema, createdDateTime: z.string() }).strict();

// Compile-time check that the stored schema and the public type agree (both directions).
type StoredUser = z.infer<typeof storedUserSchema>;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const STORED_USER_MATCHES_TYPE: Same<StoredUser, SimulatedUser> = true;

/** Graph `user` properties served (besides `manager`, which is a navigation property). */
export const GRAPH_USER_PROPERTIES = [
  'id', 'accountEnabled', 'displayName', 'givenName', 'surname', 'userPrincipalName', 'mail', 'mailNickname',
  'otherMails', 'proxyAddresses', 'jobTitle', 'department', 'officeLocation', 'companyName', 'employeeId',
  'employeeType', 'employeeHireDate', 'mobilePhone', 'businessPhones', 'streetAddress', 'city', 'state',
  'postalCode', 'country', 'usageLocation', 'preferredLanguage', 'userType', 'creationType', 'externalUserState',
  'createdDateTime', 'assignedLicenses',
] as const satisfies ReadonlyArray<keyof SimulatedUser>;
export type GraphUserProperty = (typeof GRAPH_USER_PROPERTIES)[number];

/** What Graph v1.0 returns for a user when there is no `$select`. */
export const DEFAULT_USER_PROPERTIES: readonly GraphUserProperty[] = [
  'businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation',
  'preferredLanguage', 'surname', 'userPrincipalName', 'id',
];
