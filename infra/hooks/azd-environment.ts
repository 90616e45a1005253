// The azd environment values the hooks read (azd passes `.azure/<env>/.env` to every hook as
// environment variables), validated once.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const optional = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

export const ENTRA_CREDENTIALS = ['client-secret', 'client-certificate', 'managed-identity-federation'] as const;

/** What preprovision checks before ten minutes of provisioning: the inputs azd passes to Bicep. */
export const ProvisionInputsSchema = z.object({
  ADMIN_UI_URL: optional.pipe(z.url({ protocol: /^https$/ }).optional()),
  AUTH_ISSUER: optional,
  AUTH_AUDIENCE: optional,
  AUTH_JWKS_URL: optional.pipe(z.url({ protocol: /^https$/ }).optional()),
  MAIL_FROM: optional.pipe(z.email().optional()),
  ALERT_EMAIL: optional.pipe(z.email().optional()),
  ENTRA_CLIENT_ID: optional.pipe(z.uuid().optional()),
  ENTRA_CREDENTIAL: optional.pipe(z.enum(ENTRA_CREDENTIALS).optional()),
  HTTP_ALWAYS_READY_INSTANCES: optional.pipe(z.string().regex(/^(?:[0-9]|10)$/, 'must be a whole number from 0 to 10').optional()),
  ENTRA_CLIENT_CERTIFICATE_FILE: optional,
});

/** What postprovision needs: the deployment's outputs and the secrets the operator gave. */
export const PostprovisionInputsSchema = z.object({
  KEY_VAULT_URL: z.url({ protocol: /^https$/ }),
  AZURE_TENANT_ID: optional,
  ENTRA_CREDENTIAL_IN_USE: z.enum(ENTRA_CREDENTIALS),
  ENTRA_APP_CREATED: optional,
  ENTRA_APP_CLIENT_ID: optional,
  ENTRA_REDIRECT_URI: optional,
  PUBLIC_BASE_URL: optional,
  SENDGRID_API_KEY: optional,
  ENTRA_CLIENT_SECRET: optional,
  ENTRA_CLIENT_CERTIFICATE_FILE: optional,
});

/** One line per problem, naming the azd variable. */
export function environmentProblems(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

export function readPemFile(path: string): string {
  return readFileSync(path, 'utf8');
}
