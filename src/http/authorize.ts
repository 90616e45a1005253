import { HttpRequest } from '@azure/functions';
import { AppError } from '../domain/app-error';
import { CompanyIdSchema } from '../domain/company-id';
import { Principal, TokenVerifier } from '../ports/token-verifier.port';

const BEARER = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)$/;

/** 401 unless the request carries a valid bearer token. */
export async function authenticate(request: HttpRequest, tokens: TokenVerifier): Promise<Principal> {
  const header = request.headers.get('authorization');
  if (!header) throw new AppError('unauthorized', 'A bearer token is required (Authorization: Bearer <token>).');
  const match = BEARER.exec(header.trim());
  if (!match?.[1] || match[1].length > 16_384) throw new AppError('unauthorized', 'The Authorization header must be "Bearer <token>".');
  return tokens.verify(match[1]);
}

export function mayActOn(principal: Principal, companyId: string): boolean {
  return principal.companies === '*' || principal.companies.includes(companyId);
}

/**
 * Authenticates the caller and checks it may act on the company in the route: 401 for a missing
 * or bad token, 400 for a malformed company id, 403 for a company the token does not grant.
 * An MSP token listing several companies is checked for this one company only.
 */
export async function authorizeCompany(request: HttpRequest, tokens: TokenVerifier): Promise<{ principal: Principal; companyId: string }> {
  const principal = await authenticate(request, tokens);
  const parsed = CompanyIdSchema.safeParse(request.params.companyId);
  if (!parsed.success) {
    throw new AppError('validation_failed', 'The company id in the path is malformed.', { errors: [{ field: 'companyId', message: parsed.error.issues[0]?.message ?? 'is invalid' }] });
  }
  if (!mayActOn(principal, parsed.data)) throw new AppError('forbidden', 'This token does not grant access to that company.');
  return { principal, companyId: parsed.data };
}
