import { defineConfig } from 'vitest/config';

/**
 * The admin console: static files under `/console/` (the local host serves them there; any static
 * host can). Paths are relative to the repository root, where npm scripts run.
 */
export default defineConfig({
  root: 'web',
  base: '/console/',
  // JSX and TypeScript are compiled by Vite's own transformer; the console needs no dev-server plugin.
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
    reportCompressedSize: false,
    rolldownOptions: {
      // Fluent UI marks its modules 'use client' (for React Server Components); a static bundle has no server side.
      onLog(level, log, handler) {
        if (log.code === 'MODULE_LEVEL_DIRECTIVE') return;
        handler(level, log);
      },
    },
  },
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    environment: 'node',
  },
});
