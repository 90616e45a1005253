// azd preprovision hook: checks the values the deployment will use before anything is created,
// so a malformed URL or e-mail address fails in seconds with the variable's name, not after ten
// minutes of provisioning (or at the app's first start). Unset required values are left to azd,
// which asks for them.
import { parseClientCertificate } from '../../src/adapters/graph/entra-credentials';
import { isAppError } from '../../src/domain/app-error';
import { environmentProblems, ProvisionInputsSchema, readPemFile } from './azd-environment';

export function provisionProblems(env: Record<string, string | undefined>, readFile: (path: string) => string = readPemFile): string[] {
  const parsed = ProvisionInputsSchema.safeParse(env);
  if (!parsed.success) return environmentProblems(parsed.error);
  const problems: string[] = [];
  const input = parsed.data;
  if (input.ENTRA_CREDENTIAL === 'client-certificate' && input.ENTRA_CLIENT_CERTIFICATE_FILE !== undefined) {
    try {
      parseClientCertificate(readFile(input.ENTRA_CLIENT_CERTIFICATE_FILE));
    } catch (error) {
      problems.push(`ENTRA_CLIENT_CERTIFICATE_FILE: ${isAppError(error) ? error.message : 'cannot be read'}`);
    }
  }
  return problems;
}

if (require.main === module) {
  const problems = provisionProblems(process.env);
  if (problems.length > 0) {
    console.error(`The azd environment has values the deployment cannot use:\n  ${problems.join('\n  ')}\nFix them with \`azd env set <NAME> <value>\` and run \`azd provision\` again.`);
    process.exit(1);
  }
  console.log('preprovision: the azd environment values are well-formed.');
}
