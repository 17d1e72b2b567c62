import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Tests that start real servers (Prometheus, keepalived, qemu) use fixed loopback ports and
    // namespaces; run files one at a time so they never race each other on a 2-core CI box.
    fileParallelism: false,
  },
});
