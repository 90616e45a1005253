// Deterministic, realistic-looking directory contents for a simulated tenant.
//
// One pass, O(n): people in a manager tree, plus a few percent each of shared mailboxes, rooms,
// guests, disabled former employees, role addresses and service accounts without mail. All
// external addresses use reserved `.example` domains so nothing can ever be mailed for real.
import { deterministicGuid, Prng } from './prng';
import type { AssignedLicense, SimulatedUser, SimulatedUserKind } from './types';

export const SKUS = {
  microsoft365E3: '05e9a617-0261-4cee-bb44-138d3ef5d965',
  microsoft365E5: '06ebc4ee-1bb5-47dd-8120-11324bc54e06',
  businessPremium: 'cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46',
  businessStandard: 'f245ecc8-75af-4f8e-b61f-27d8114de5f3',
  office365E3: '6fd2c87f-b296-42f0-b197-1e91e994b900',
  powerBiPro: 'f8a1db68-be16-40ed-86d5-cb42ce701560',
} as const;

const GIVEN_NAMES = [
  'James', 'Mary', 'John', 'Patricia', 'Robert', 'Jennifer', 'Michael', 'Linda', 'William', 'Elizabeth',
  'David', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Charles', 'Karen',
  'Christopher', 'Nancy', 'Daniel', 'Lisa', 'Matthew', 'Betty', 'Anthony', 'Margaret', 'Mark', 'Sandra',
  'Donald', 'Ashley', 'Steven', 'Kimberly', 'Paul', 'Emily', 'Andrew', 'Donna', 'Joshua', 'Michelle',
  'Kenneth', 'Dorothy', 'Kevin', 'Carol', 'Brian', 'Amanda', 'George', 'Melissa', 'Edward', 'Deborah',
  'Oliver', 'Amelia', 'Harry', 'Isla', 'Jack', 'Ava', 'Noah', 'Mia', 'Leo', 'Grace', 'Lukas', 'Hannah',
  'Felix', 'Lena', 'Jonas', 'Marie', 'Lucas', 'Chloé', 'Hugo', 'Léa', 'Louis', 'Manon', 'Sem', 'Julia',
  'Daan', 'Tess', 'Liam', 'Zoë', 'Mateo', 'Sofía', 'Alejandro', 'Lucía', 'José', 'Camila', 'Björn', 'Åsa',
  'Søren', 'Ingrid', 'Łukasz', 'Zofia', 'Aarav', 'Priya', 'Arjun', 'Ananya', 'Wei', 'Mei', 'Hiroshi',
  'Yuki', 'Min-jun', 'Seo-yeon', 'Olumide', 'Amara', 'Kwame', 'Nia', 'Mohammed', 'Fatima', 'Omar', 'Layla',
  'Siobhán', 'Seán', 'Anaïs', 'François', 'Jürgen', 'Dmitri', 'Anastasia', 'Thanh', 'Linh', 'Mary-Jane',
];

const SURNAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez',
  'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin',
  'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson',
  'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores', 'Green',
  'Adams', 'Nelson', 'Baker', 'Hall', 'Rivera', 'Campbell', 'Mitchell', 'Carter', 'Roberts', 'Evans',
  'Turner', 'Phillips', 'Parker', 'Edwards', 'Collins', 'Stewart', 'Morris', 'Murphy', 'Cook', 'Rogers',
  "O'Brien", "O'Connor", 'McCarthy', 'Kelly', 'Byrne', 'Walsh', 'Müller', 'Schmidt', 'Schneider', 'Fischer',
  'Weber', 'Meyer', 'Wagner', 'Becker', 'Hoffmann', 'Schäfer', 'Dubois', 'Lefèvre', 'Moreau', 'Laurent',
  'Girard', 'Fontaine', 'de Vries', 'van den Berg', 'Jansen', 'Bakker', 'Visser', 'Smit', 'García',
  'Fernández', 'González', 'Martín', 'Jiménez', 'Ruiz', 'Andersson', 'Johansson', 'Karlsson', 'Nielsen',
  'Hansen', 'Kowalski', 'Nowak', 'Wiśniewski', 'Patel', 'Sharma', 'Gupta', 'Singh', 'Kumar', 'Chen',
  'Wang', 'Li', 'Zhang', 'Liu', 'Tanaka', 'Suzuki', 'Sato', 'Kim', 'Park', 'Choi', 'Okafor', 'Mensah',
  'Adeyemi', 'Haddad', 'Khan', 'Ali', 'Ivanov', 'Petrova', 'Smith-Jones', 'Nguyễn', 'Tran', 'Pham',
];

const DEPARTMENTS = [
  'Engineering', 'Sales', 'Marketing', 'Finance', 'Human Resources', 'Operations', 'Customer Support',
  'Legal', 'IT', 'Product', 'Research & Development', 'Procurement',
];

const ROLES: Record<string, readonly string[]> = {
  Engineering: ['Software Engineer', 'Senior Software Engineer', 'QA Engineer', 'DevOps Engineer', 'Site Reliability Engineer', 'Principal Engineer'],
  Sales: ['Account Executive', 'Sales Representative', 'Sales Development Representative', 'Key Account Manager', 'Sales Operations Analyst'],
  Marketing: ['Marketing Specialist', 'Content Writer', 'SEO Specialist', 'Brand Manager', 'Marketing Analyst', 'Graphic Designer'],
  Finance: ['Accountant', 'Financial Analyst', 'Payroll Specialist', 'Accounts Payable Clerk', 'Controller'],
  'Human Resources': ['HR Generalist', 'Recruiter', 'HR Business Partner', 'Talent Acquisition Specialist'],
  Operations: ['Operations Analyst', 'Logistics Coordinator', 'Facilities Coordinator', 'Project Coordinator'],
  'Customer Support': ['Support Specialist', 'Customer Success Manager', 'Technical Support Engineer', 'Support Agent'],
  Legal: ['Legal Counsel', 'Paralegal', 'Compliance Officer', 'Contracts Manager'],
  IT: ['Systems Administrator', 'IT Support Technician', 'Security Analyst', 'Network Engineer', 'Cloud Administrator'],
  Product: ['Product Manager', 'Product Owner', 'UX Designer', 'UX Researcher', 'Business Analyst'],
  'Research & Development': ['Research Scientist', 'Data Scientist', 'Research Engineer', 'Lab Technician'],
  Procurement: ['Buyer', 'Procurement Specialist', 'Vendor Manager', 'Category Manager'],
};

interface Office {
  city: string;
  state: string | null;
  country: string;
  usageLocation: string;
  postalCode: string;
  street: string;
  preferredLanguage: string;
  mobile: (prng: Prng) => string;
  business: (prng: Prng) => string;
}

const OFFICES: readonly Office[] = [
  { city: 'Seattle', state: 'WA', country: 'United States', usageLocation: 'US', postalCode: '98101', street: '1 Pine Street', preferredLanguage: 'en-US', mobile: (p) => `+1 206 555 01${p.digits(2)}`, business: (p) => `+1 425 555 01${p.digits(2)}` },
  { city: 'New York', state: 'NY', country: 'United States', usageLocation: 'US', postalCode: '10001', street: '350 Fifth Avenue', preferredLanguage: 'en-US', mobile: (p) => `+1 212 555 01${p.digits(2)}`, business: (p) => `+1 212 555 01${p.digits(2)}` },
  { city: 'Chicago', state: 'IL', country: 'United States', usageLocation: 'US', postalCode: '60601', street: '200 Randolph Street', preferredLanguage: 'en-US', mobile: (p) => `+1 312 555 01${p.digits(2)}`, business: (p) => `+1 312 555 01${p.digits(2)}` },
  { city: 'London', state: null, country: 'United Kingdom', usageLocation: 'GB', postalCode: 'EC2A 4NE', street: '10 Finsbury Square', preferredLanguage: 'en-GB', mobile: (p) => `+44 7700 900${p.digits(3)}`, business: (p) => `+44 20 7946 0${p.digits(3)}` },
  { city: 'Manchester', state: null, country: 'United Kingdom', usageLocation: 'GB', postalCode: 'M1 1AD', street: '1 Piccadilly Gardens', preferredLanguage: 'en-GB', mobile: (p) => `+44 7700 900${p.digits(3)}`, business: (p) => `+44 161 496 0${p.digits(3)}` },
  { city: 'Berlin', state: 'Berlin', country: 'Germany', usageLocation: 'DE', postalCode: '10117', street: 'Friedrichstraße 100', preferredLanguage: 'de-DE', mobile: (p) => `+49 1555 ${p.digits(7)}`, business: (p) => `+49 30 ${p.digits(8)}` },
  { city: 'Paris', state: null, country: 'France', usageLocation: 'FR', postalCode: '75008', street: '8 Rue de la Paix', preferredLanguage: 'fr-FR', mobile: (p) => `+33 6 39 98 ${p.digits(2)} ${p.digits(2)}`, business: (p) => `+33 1 99 00 ${p.digits(2)} ${p.digits(2)}` },
  { city: 'Amsterdam', state: null, country: 'Netherlands', usageLocation: 'NL', postalCode: '1012 AB', street: 'Damrak 1', preferredLanguage: 'nl-NL', mobile: (p) => `+31 6 ${p.digits(8)}`, business: (p) => `+31 20 ${p.digits(7)}` },
  { city: 'Sydney', state: 'NSW', country: 'Australia', usageLocation: 'AU', postalCode: '2000', street: '1 George Street', preferredLanguage: 'en-AU', mobile: (p) => `+61 491 570 ${p.digits(3)}`, business: (p) => `+61 2 5550 ${p.digits(4)}` },
  { city: 'Toronto', state: 'ON', country: 'Canada', usageLocation: 'CA', postalCode: 'M5H 2N2', street: '100 King Street West', preferredLanguage: 'en-CA', mobile: (p) => `+1 416 555 01${p.digits(2)}`, business: (p) => `+1 416 555 01${p.digits(2)}` },
];

const GUEST_DOMAINS = ['northwind.example', 'adventure-works.example', 'tailspin.example', 'wingtip.example', 'mail.example', 'litware.example'];
const GUEST_COMPANIES: Record<string, string | null> = {
  'northwind.example': 'Northwind Traders',
  'adventure-works.example': 'Adventure Works',
  'tailspin.example': 'Tailspin Toys',
  'wingtip.example': 'Wingtip Toys',
  'mail.example': null,
  'litware.example': 'Litware Inc.',
};
const PERSONAL_DOMAINS = ['mail.example', 'inbox.example', 'post.example'];

const SHARED_MAILBOXES: ReadonlyArray<readonly [string, string]> = [
  ['sales', 'Sales'], ['info', 'Info'], ['accounts', 'Accounts Payable'], ['hr', 'HR Team'], ['finance', 'Finance'],
  ['marketing', 'Marketing'], ['reception', 'Reception'], ['billing', 'Billing'], ['careers', 'Careers'],
  ['payroll', 'Payroll'], ['events', 'Events'], ['press', 'Press Office'], ['orders', 'Orders'], ['legal', 'Legal'],
  ['facilities', 'Facilities'], ['training', 'Training'], ['projects', 'Projects'], ['invoices', 'Invoices'],
];
const ROLE_ACCOUNTS: ReadonlyArray<readonly [string, string, boolean]> = [
  // local part, display name, licensed
  ['noreply', 'No Reply', false], ['support', 'Support', true], ['admin', 'Administrator', true],
  ['security', 'Security', false], ['postmaster', 'Postmaster', false], ['webmaster', 'Webmaster', false],
  ['helpdesk', 'IT Helpdesk', true], ['privacy', 'Privacy Office', false],
];
const SERVICE_PURPOSES = ['backup', 'scanner', 'sync', 'printer', 'crm', 'erp', 'monitoring', 'build', 'reporting', 'teams-rooms'];
const ROOM_NAMES = ['Boardroom', 'Huddle', 'Focus', 'Training', 'Conference'];

export interface SeedSpec {
  name: string;
  domain: string;
  userCount: number;
  seed: number;
}

/** `contoso.onmicrosoft.com` from the tenant name `Contoso`. */
export function onMicrosoftDomainFor(name: string): string {
  const label = asciiFold(name).replace(/[^a-z0-9]/g, '').slice(0, 27) || 'tenant';
  return `${label}.onmicrosoft.com`;
}

export function tenantIdFromSeed(seed: number): string {
  return deterministicGuid(seed, 'tenant');
}

const FOLD: Record<string, string> = { ł: 'l', ø: 'o', æ: 'ae', ß: 'ss', đ: 'd', œ: 'oe', å: 'a' };

/** Lower-case ASCII: diacritics and specials folded (`Søren` → `soren`, `Nguyễn` → `nguyen`). */
export function asciiFold(value: string): string {
  return value
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[łøæßđœå]/g, (c) => FOLD[c] ?? c);
}

const localPartCache = new Map<string, string>();

/** Address-safe local-part fragment: `O'Brien` → `obrien`, `van den Berg` → `vandenberg`. */
export function localPartOf(value: string): string {
  let out = localPartCache.get(value);
  if (out === undefined) {
    out = asciiFold(value).replace(/[^a-z0-9-]/g, '');
    if (localPartCache.size < 10_000) localPartCache.set(value, out);
  }
  return out;
}

/** Hands out unique local parts per domain (`john.smith`, `john.smith2`, …) in amortised O(1). */
export class AddressBook {
  private readonly taken = new Set<string>();
  private readonly counters = new Map<string, number>();

  has(address: string): boolean {
    return this.taken.has(address.toLowerCase());
  }

  add(address: string): void {
    this.taken.add(address.toLowerCase());
  }

  /** Reserves an address that is already lower-case; false if it was taken. */
  tryAddLower(address: string): boolean {
    const before = this.taken.size;
    this.taken.add(address);
    return this.taken.size !== before;
  }

  delete(address: string): void {
    this.taken.delete(address.toLowerCase());
  }

  /** Returns an unused `local@domain`, reserving it (comparison is case-insensitive). */
  claim(local: string, domain: string): string {
    const lowerLocal = local.toLowerCase();
    const lowerDomain = domain.toLowerCase();
    const key = `${lowerLocal}@${lowerDomain}`;
    if (this.tryAddLower(key)) return `${local}@${domain}`;
    let n = this.counters.get(key) ?? 1;
    do {
      n += 1;
    } while (!this.tryAddLower(`${lowerLocal}${n}@${lowerDomain}`));
    this.counters.set(key, n);
    return `${local}${n}@${domain}`;
  }
}

interface Mix {
  guests: number;
  formerEmployees: number;
  sharedMailboxes: number;
  rooms: number;
  roleAccounts: number;
  serviceAccounts: number;
  people: number;
}

/** How many of each kind a tenant of `n` users gets (at least one each once n ≥ 7). */
export function directoryMix(n: number): Mix {
  if (n < 7) {
    return { guests: 0, formerEmployees: 0, sharedMailboxes: 0, rooms: 0, roleAccounts: 0, serviceAccounts: 0, people: Math.max(0, n) };
  }
  const atLeastOne = (share: number): number => Math.max(1, Math.round(n * share));
  const mix = {
    guests: atLeastOne(0.04),
    formerEmployees: atLeastOne(0.03),
    sharedMailboxes: atLeastOne(0.02),
    rooms: atLeastOne(0.015),
    roleAccounts: Math.min(ROLE_ACCOUNTS.length, atLeastOne(0.01)),
    serviceAccounts: atLeastOne(0.01),
  };
  const others = mix.guests + mix.formerEmployees + mix.sharedMailboxes + mix.rooms + mix.roleAccounts + mix.serviceAccounts;
  return { ...mix, people: n - others };
}

const PAD2: readonly string[] = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const dayCache: Array<string | undefined> = [];

/** `YYYY-MM-DD` of a day number since the epoch (memoised: only a few thousand distinct days). */
function dayString(day: number): string {
  let out = dayCache[day];
  if (out === undefined) {
    out = new Date(day * 86_400_000).toISOString().slice(0, 10);
    dayCache[day] = out;
  }
  return out;
}

/** A random second on the given day of the year, as `YYYY-MM-DDThh:mm:ssZ`. */
function isoDate(year: number, dayOfYear: number, prng: Prng): string {
  const day = Date.UTC(year, 0, 1) / 86_400_000 + dayOfYear;
  const second = prng.int(86_400);
  const h = Math.floor(second / 3600);
  const m = Math.floor(second / 60) % 60;
  return `${dayString(day)}T${PAD2[h] ?? '00'}:${PAD2[m] ?? '00'}:${PAD2[second % 60] ?? '00'}Z`;
}

function blankUser(id: string, kind: SimulatedUserKind, createdDateTime: string): SimulatedUser {
  return {
    id,
    accountEnabled: true,
    displayName: '',
    givenName: null,
    surname: null,
    userPrincipalName: '',
    mail: null,
    mailNickname: '',
    otherMails: NONE,
    proxyAddresses: NONE,
    jobTitle: null,
    department: null,
    officeLocation: null,
    companyName: null,
    employeeId: null,
    employeeType: null,
    employeeHireDate: null,
    mobilePhone: null,
    businessPhones: NONE,
    streetAddress: null,
    city: null,
    state: null,
    postalCode: null,
    country: null,
    usageLocation: null,
    preferredLanguage: null,
    userType: 'Member',
    creationType: null,
    externalUserState: null,
    createdDateTime,
    assignedLicenses: NONE,
    managerId: null,
    kind,
  };
}

/** Shared, frozen values: seeded users reuse them (the directory never mutates a user in place). */
function frozen<T>(items: T[]): T[] {
  return Object.freeze(items) as T[];
}
const NONE: never[] = frozen([]);
const licenceCache = new Map<string, AssignedLicense[]>();

function license(...skuIds: string[]): AssignedLicense[] {
  const key = skuIds.join(',');
  let out = licenceCache.get(key);
  if (!out) {
    out = frozen(skuIds.map((skuId) => Object.freeze({ skuId, disabledPlans: NONE }) as AssignedLicense));
    licenceCache.set(key, out);
  }
  return out;
}

const officeLocationCache = new Map<string, string>();
function officeLocation(city: string, floor: number): string {
  const key = `${city}#${floor}`;
  let out = officeLocationCache.get(key);
  if (out === undefined) {
    out = `${city} office, floor ${floor}`;
    officeLocationCache.set(key, out);
  }
  return out;
}

function setOffice(user: SimulatedUser, office: Office, withAddress: boolean): void {
  user.city = office.city;
  user.state = office.state;
  user.country = office.country;
  user.usageLocation = office.usageLocation;
  user.preferredLanguage = office.preferredLanguage;
  if (withAddress) {
    user.streetAddress = office.street;
    user.postalCode = office.postalCode;
  }
}

/**
 * Generates the tenant's users. Deterministic for a given spec; O(n) time and memory.
 * `addresses` receives every address in use (for later de-duplication of added users).
 */
export function generateDirectory(spec: SeedSpec, addresses: AddressBook = new AddressBook()): SimulatedUser[] {
  const prng = new Prng(spec.seed);
  const n = Math.max(0, Math.floor(spec.userCount));
  const mix = directoryMix(n);
  const domain = spec.domain.toLowerCase();
  const onMicrosoft = onMicrosoftDomainFor(spec.name);
  const users: SimulatedUser[] = [];
  const largeTenant = n > 300;
  const personLicences = (): AssignedLicense[] => {
    if (!largeTenant) return prng.chance(0.85) ? license(SKUS.businessPremium) : license(SKUS.businessStandard);
    const base = prng.chance(0.8) ? SKUS.microsoft365E3 : SKUS.microsoft365E5;
    return prng.chance(0.1) ? license(base, SKUS.powerBiPro) : license(base);
  };
  const mailEnable = (user: SimulatedUser, local: string, aliasLocals: readonly string[] = NONE): void => {
    const mail = addresses.claim(local, domain);
    const mailLocal = mail.slice(0, mail.indexOf('@'));
    user.userPrincipalName = mail;
    user.mail = mail;
    user.mailNickname = mailLocal;
    // Every mail-enabled member gets its routing alias; unique because mail local parts are unique
    // and nothing else is seeded on the onmicrosoft.com domain except guests' #EXT# UPNs.
    const proxies = [`SMTP:${mail}`, `smtp:${mailLocal}@${onMicrosoft}`];
    for (const alias of aliasLocals) {
      const address = `${alias}@${domain}`;
      if (addresses.tryAddLower(address)) proxies.push(`smtp:${address}`);
    }
    user.proxyAddresses = proxies;
  };

  // People (active and former) form one manager tree: a CEO, one director per department, then a
  // heap-shaped tree below the directors.
  const peopleTotal = mix.people + mix.formerEmployees;
  const directorCount = Math.min(DEPARTMENTS.length, Math.max(0, mix.people - 1), 8);
  const branch = 6;
  const active: SimulatedUser[] = [];
  const level: number[] = [];
  for (let i = 0; i < peopleTotal; i++) {
    const former = i >= mix.people;
    const given = prng.pick(GIVEN_NAMES);
    const sur = prng.pick(SURNAMES);
    const hireYear = prng.range(2008, 2024);
    const user = blankUser(prng.guid(), former ? 'formerEmployee' : 'person', isoDate(Math.max(hireYear, 2015), prng.int(360), prng));
    user.givenName = given;
    user.surname = sur;
    user.displayName = `${given} ${sur}`;
    user.companyName = spec.name;
    user.employeeId = String(100000 + i);
    user.employeeType = prng.chance(0.9) ? 'Employee' : 'Contractor';
    user.employeeHireDate = `${dayString(Date.UTC(hireYear, 0, 1) / 86_400_000 + prng.int(360))}T00:00:00Z`;
    const first = localPartOf(given);
    const last = localPartOf(sur);
    const aliases: string[] = prng.chance(0.3) ? [`${first.slice(0, 1)}${last}`] : NONE;
    mailEnable(user, `${first}.${last}`, aliases);
    if (prng.chance(0.08)) user.otherMails = [`${first}.${last}${prng.digits(2)}@${prng.pick(PERSONAL_DOMAINS)}`];

    let office = prng.pick(OFFICES);
    if (!former) {
      const idx = active.length;
      let managerIdx = -1;
      if (idx >= 1 && idx <= directorCount) managerIdx = 0;
      else if (idx > directorCount) managerIdx = Math.floor((idx - directorCount - 1) / branch) + 1;
      const manager = managerIdx >= 0 ? active[managerIdx] : undefined;
      const depth = manager ? (level[managerIdx] ?? 0) + 1 : 0;
      level.push(depth);
      const hasReports = directorCount + (idx - 1) * branch + 1 < mix.people && idx > 0;
      if (!manager) {
        user.department = 'Executive';
        user.jobTitle = 'Chief Executive Officer';
      } else if (depth === 1) {
        const dept = DEPARTMENTS[idx - 1] ?? 'Operations';
        user.department = dept;
        user.jobTitle = `Director of ${dept}`;
      } else {
        const dept = manager.department ?? 'Operations';
        user.department = dept;
        if (hasReports) user.jobTitle = depth === 2 ? `${dept} Manager` : `Team Lead, ${dept}`;
        else user.jobTitle = prng.pick(ROLES[dept] ?? ['Specialist']);
      }
      if (manager) {
        user.managerId = manager.id;
        if (manager.city && prng.chance(0.7)) office = OFFICES.find((o) => o.city === manager.city) ?? office;
      }
      user.assignedLicenses = prng.chance(0.96) ? personLicences() : NONE;
      active.push(user);
    } else {
      const manager = active.length > 0 ? prng.pick(active) : undefined;
      user.managerId = manager?.id ?? null;
      user.department = manager?.department ?? prng.pick(DEPARTMENTS);
      user.jobTitle = prng.pick(ROLES[user.department] ?? ['Specialist']);
      user.accountEnabled = false;
      user.assignedLicenses = prng.chance(0.3) ? personLicences() : NONE;
    }
    setOffice(user, office, prng.chance(0.6));
    user.officeLocation = officeLocation(office.city, prng.range(1, 12));
    if (prng.chance(0.8)) user.mobilePhone = office.mobile(prng);
    if (prng.chance(0.6)) user.businessPhones = [office.business(prng)];
    users.push(user);
  }

  for (let i = 0; i < mix.sharedMailboxes; i++) {
    const [local, display] = SHARED_MAILBOXES[i % SHARED_MAILBOXES.length] ?? ['shared', 'Shared'];
    const round = Math.floor(i / SHARED_MAILBOXES.length);
    const office = prng.pick(OFFICES);
    const user = blankUser(prng.guid(), 'sharedMailbox', isoDate(prng.range(2015, 2024), prng.int(360), prng));
    const cityLocal = localPartOf(office.city);
    user.displayName = round === 0 ? display : `${display} ${office.city}`;
    mailEnable(user, round === 0 ? local : `${local}-${cityLocal}`);
    user.accountEnabled = false;
    user.department = prng.chance(0.5) ? prng.pick(DEPARTMENTS) : null;
    users.push(user);
  }

  for (let i = 0; i < mix.rooms; i++) {
    const office = prng.pick(OFFICES);
    const floor = prng.range(1, 12);
    const number = prng.range(1, 40);
    const user = blankUser(prng.guid(), 'room', isoDate(prng.range(2015, 2024), prng.int(360), prng));
    user.displayName = `${office.city} ${prng.pick(ROOM_NAMES)} Room ${floor}.${String(number).padStart(2, '0')}`;
    mailEnable(user, `room-${localPartOf(office.city)}-${floor}${String(number).padStart(2, '0')}`);
    user.accountEnabled = false;
    user.officeLocation = officeLocation(office.city, floor);
    setOffice(user, office, true);
    users.push(user);
  }

  for (let i = 0; i < mix.guests; i++) {
    const given = prng.pick(GIVEN_NAMES);
    const sur = prng.pick(SURNAMES);
    const extDomain = prng.pick(GUEST_DOMAINS);
    const external = addresses.claim(`${localPartOf(given)}.${localPartOf(sur)}`, extDomain);
    const nickname = `${external.replace('@', '_')}#EXT#`;
    const user = blankUser(prng.guid(), 'guest', isoDate(prng.range(2018, 2024), prng.int(360), prng));
    user.givenName = given;
    user.surname = sur;
    user.displayName = prng.chance(0.7) ? `${given} ${sur}` : `${given} ${sur} (${GUEST_COMPANIES[extDomain] ?? 'Guest'})`;
    user.userPrincipalName = `${nickname}@${onMicrosoft}`;
    user.mailNickname = external.replace('@', '_');
    user.mail = external;
    user.otherMails = [external];
    user.proxyAddresses = [`SMTP:${external}`];
    user.userType = 'Guest';
    user.creationType = 'Invitation';
    user.externalUserState = prng.chance(0.85) ? 'Accepted' : 'PendingAcceptance';
    user.companyName = GUEST_COMPANIES[extDomain] ?? null;
    if (prng.chance(0.4)) user.jobTitle = prng.pick(ROLES[prng.pick(DEPARTMENTS)] ?? ['Consultant']);
    users.push(user);
  }

  for (let i = 0; i < mix.roleAccounts; i++) {
    const [local, display, licensed] = ROLE_ACCOUNTS[i] ?? ['role', 'Role', false];
    const user = blankUser(prng.guid(), 'roleAccount', isoDate(2015, prng.int(360), prng));
    user.displayName = display;
    mailEnable(user, local);
    user.assignedLicenses = licensed ? license(largeTenant ? SKUS.office365E3 : SKUS.businessStandard) : NONE;
    users.push(user);
  }

  for (let i = 0; i < mix.serviceAccounts; i++) {
    const purpose = SERVICE_PURPOSES[i % SERVICE_PURPOSES.length] ?? 'app';
    const user = blankUser(prng.guid(), 'serviceAccount', isoDate(prng.range(2015, 2024), prng.int(360), prng));
    const upn = addresses.claim(`svc-${purpose}`, domain);
    user.displayName = `Service Account - ${purpose}`;
    user.userPrincipalName = upn;
    user.mailNickname = upn.slice(0, upn.indexOf('@'));
    user.department = 'IT';
    users.push(user);
  }

  return prng.shuffle(users);
}
