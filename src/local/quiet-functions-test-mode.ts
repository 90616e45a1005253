/**
 * Outside the Azure Functions host, `@azure/functions` runs in "test mode" and warns once per
 * registered function. The local host mounts the registered handlers itself, so those warnings
 * are noise here; everything else passes through. Import this before any function module.
 */
const QUIET = [/^WARNING: Failed to detect the Azure Functions runtime/, /^WARNING: Skipping call to register function/];

const original = console.warn.bind(console);
console.warn = (...args: unknown[]) => {
  const first = args[0];
  if (typeof first === 'string' && QUIET.some((pattern) => pattern.test(first))) return;
  original(...args);
};
