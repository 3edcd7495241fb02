import type { TestProject } from 'vitest/node';
import { connectDocker, DockerConnectionError } from '../../core/docker/connect.ts';

/**
 * Checks once whether a Docker engine is reachable. Without one, Docker tests skip with one line
 * saying why, unless PADDOCK_REQUIRE_DOCKER=1 (CI), where they fail instead.
 */
export default async function setup(project: TestProject): Promise<void> {
  let reason = '';
  try {
    await connectDocker();
  } catch (error) {
    reason = error instanceof DockerConnectionError ? error.message.replace(/\n\s*/g, ' ') : String(error);
  }
  const required = process.env.PADDOCK_REQUIRE_DOCKER === '1';
  if (reason && !required) {
    console.warn(`Docker tests skipped: ${reason} (set PADDOCK_REQUIRE_DOCKER=1 to make this a failure)`);
  }
  project.provide('docker', { available: reason === '', reason, required });
}

declare module 'vitest' {
  export interface ProvidedContext {
    docker: { available: boolean; reason: string; required: boolean };
  }
}
