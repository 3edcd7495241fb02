import { describe, inject, it } from 'vitest';

/**
 * `describe` for tests that need a real engine: they run when one is reachable, skip when not,
 * and fail (rather than skip) when PADDOCK_REQUIRE_DOCKER=1.
 */
export function describeWithDocker(name: string, body: () => void): void {
  const docker = inject('docker');
  if (docker.available) describe(name, body);
  else if (docker.required) {
    describe(name, () => {
      it('needs a Docker engine', () => {
        throw new Error(`PADDOCK_REQUIRE_DOCKER=1 but no Docker engine is reachable: ${docker.reason}`);
      });
    });
  } else describe.skip(name, body);
}

/** The base image tests build from: an offline debootstrap import in CI, pullable elsewhere. */
export const TEST_BASE_IMAGE = process.env.PADDOCK_TEST_BASE_IMAGE ?? 'debian:bookworm-slim';
