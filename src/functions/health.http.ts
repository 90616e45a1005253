import { defineHttpFunction } from '../app/function-registry';
import { ok } from '../http/responses';

export const health = defineHttpFunction({
  name: 'health',
  methods: ['GET'],
  route: 'health',
  handler: () => Promise.resolve(ok({ status: 'ok' })),
});
