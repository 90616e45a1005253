import type { generateDirectory } from '../src/local/entra-simulator';

/** A simulated user as Graph's `users/delta` returns it (the engine's `$select`). */
export function graphPayload(u: ReturnType<typeof generateDirectory>[number]): Record<string, unknown> {
  return {
    id: u.id,
    userPrincipalName: u.userPrincipalName,
    mail: u.mail,
    otherMails: u.otherMails,
    proxyAddresses: u.proxyAddresses,
    givenName: u.givenName,
    surname: u.surname,
    displayName: u.displayName,
    jobTitle: u.jobTitle,
    department: u.department,
    officeLocation: u.officeLocation,
    companyName: u.companyName,
    employeeId: u.employeeId,
    mobilePhone: u.mobilePhone,
    country: u.country,
    city: u.city,
    usageLocation: u.usageLocation,
    accountEnabled: u.accountEnabled,
    userType: u.userType,
    creationType: u.creationType,
    assignedLicenses: u.assignedLicenses,
    ...(u.managerId ? { 'manager@delta': [{ id: u.managerId }] } : {}),
  };
}
