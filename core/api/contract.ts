/**
 * The API every front end speaks: the Electron shell over IPC, `paddock serve` over a WebSocket,
 * and the renderer on the other side of both. Each call has an input and an output schema, each
 * event a payload schema; the registry (handlers.ts) validates both directions with them.
 *
 * This file is loaded by the renderer in a browser: it imports zod and nothing else (no Node
 * builtins, no core services), so the schemas mirror the core types instead of importing them.
 * handlers.ts is where TypeScript checks that the core's values fit these schemas.
 */
import { z } from 'zod';
import { netCalls, netEvents } from './net.contract.ts';
export { netEventSchema, type AllowResult, type NetEvent } from './net.contract.ts';
import { apiErrorSchema, clientIdSchema, workspaceName, type ApiError } from './primitives.ts';

// ---- shared shapes ----

/** A TOML value as the config editor writes it (JSON can carry every one of them). */
export type TomlValue = string | number | boolean | TomlValue[] | { [key: string]: TomlValue };

export const tomlValueSchema: z.ZodType<TomlValue> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.array(tomlValueSchema), z.record(z.string(), tomlValueSchema)]),
);

/** A path into the config document: table and key names, and array indexes (`["workspaces", "web", "paths", 0]`). */
export const keyPathSchema = z.array(z.union([z.string(), z.number().int().nonnegative()]));

/** One change to the config file, as core/config/edit.ts applies it (comments and formatting elsewhere stay). */
export const configEditSchema = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('set'), path: keyPathSchema.min(1), value: tomlValueSchema }),
  z.strictObject({ op: z.literal('unset'), path: keyPathSchema.min(1) }),
  /** Adds a value to a list (creating the list); a value already there is not added twice. */
  z.strictObject({ op: z.literal('add'), path: keyPathSchema.min(1), value: tomlValueSchema }),
  z.strictObject({ op: z.literal('remove'), path: keyPathSchema.min(1), value: tomlValueSchema }),
  z.strictObject({ op: z.literal('createWorkspace'), name: z.string(), values: z.record(z.string(), tomlValueSchema).optional() }),
  z.strictObject({ op: z.literal('deleteWorkspace'), name: z.string() }),
]);
export type ConfigEdit = z.output<typeof configEditSchema>;

/** A config problem, with its place in the file (line and column are 1-based). */
export const configIssueSchema = z.object({
  severity: z.enum(['error', 'warning']),
  file: z.string(),
  /** Dotted key path (`workspaces.web.mounts[1]`); null for whole-file problems such as syntax errors. */
  keyPath: z.string().nullable(),
  line: z.number().int().nullable(),
  column: z.number().int().nullable(),
  message: z.string(),
});
export type ConfigIssue = z.output<typeof configIssueSchema>;

/** A configured workspace, resolved against [defaults] and [base]. */
export const workspaceSummarySchema = z.object({
  name: z.string(),
  /** Host folders, absolute (`~` expanded). */
  paths: z.array(z.string()),
  /** Where the agent starts: the first path. */
  workdir: z.string().nullable(),
  agent: z.string(),
  command: z.array(z.string()).nullable(),
  /** Where the image comes from, in one line (`overlay ~/web/Dockerfile on embedded (full, from ubuntu:24.04)`). */
  image: z.string(),
  /** The workspace's own overlay Dockerfile (path or URL), if it has one. */
  dockerfile: z.string().nullable(),
  /** The agent runs OpenCode's server (reachable over HTTP) rather than a terminal session. */
  servesOpenCode: z.boolean(),
  /** The 127.0.0.1 port the agent's server is published on; null when nothing is published. */
  port: z.number().int().nullable(),
  cpu: z.number(),
  memory: z.string(),
  egress: z.enum(['open', 'allowlist']),
  enableDocker: z.boolean(),
});
export type WorkspaceSummary = z.output<typeof workspaceSummarySchema>;

/** The config file as it is on disk: its text, what it means, and what is wrong with it. */
export const configSnapshotSchema = z.object({
  file: z.string(),
  text: z.string(),
  /** sha256 of the text: pass it back when saving, so a file changed on disk is never overwritten. */
  hash: z.string(),
  /** This read created the file from the default template. */
  created: z.boolean(),
  ok: z.boolean(),
  errors: z.array(configIssueSchema),
  warnings: z.array(configIssueSchema),
  /** The parsed TOML document, valid or not; null when the text is not TOML. Dates become ISO strings. */
  data: z.record(z.string(), tomlValueSchema).nullable(),
  /** Empty when the config is invalid. */
  workspaces: z.array(workspaceSummarySchema),
});
export type ConfigSnapshot = z.output<typeof configSnapshotSchema>;

export const engineStateSchema = z.object({
  state: z.enum(['connecting', 'connected', 'unavailable']),
  /** The engine's address (`unix:///var/run/docker.sock`) once connected. */
  endpoint: z.string().nullable(),
  /** Why that endpoint: `DOCKER_HOST`, `docker context "colima"`, `default socket`, … */
  source: z.string().nullable(),
  /** What went wrong, when unavailable. */
  message: z.string().nullable(),
  /** What to do about it (the doctor's fix), when unavailable. */
  hint: z.string().nullable(),
  /** When the state last changed (ISO 8601). */
  since: z.string(),
});
export type EngineState = z.output<typeof engineStateSchema>;

export const doctorReportSchema = z.object({
  ok: z.boolean(),
  endpoint: z.object({ address: z.string(), source: z.string() }).nullable(),
  engine: z
    .object({
      product: z.string(),
      version: z.string(),
      apiVersion: z.string(),
      os: z.string(),
      arch: z.string(),
      kernel: z.string(),
      operatingSystem: z.string(),
      storageDriver: z.string(),
      cgroupVersion: z.string(),
      rootless: z.boolean(),
    })
    .nullable(),
  checks: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      status: z.enum(['ok', 'warn', 'fail', 'skip']),
      detail: z.string(),
      hint: z.string().optional(),
    }),
  ),
});
export type DoctorReport = z.output<typeof doctorReportSchema>;

export const workspaceStateSchema = z.enum(['running', 'starting', 'unhealthy', 'stopped', 'partial']);
export type WorkspaceState = z.output<typeof workspaceStateSchema>;

export const portBindingSchema = z.object({ host: z.string(), hostPort: z.number().int(), containerPort: z.number().int() });

export const serviceStatusSchema = z.object({
  service: z.string(),
  id: z.string(),
  name: z.string(),
  image: z.string(),
  /** Docker's container state: created, running, paused, restarting, removing, exited or dead. */
  state: z.string(),
  health: z.enum(['healthy', 'unhealthy', 'starting']).nullable(),
  exitCode: z.number().int().nullable(),
  startedAt: z.string().nullable(),
  /** Seconds since it started, when the instance was read; null when it is not running. */
  uptimeSeconds: z.number().nullable(),
  ports: z.array(portBindingSchema),
});

/** A workspace that has containers. A configured workspace without any is simply not listed: it is stopped. */
export const instanceSchema = z.object({
  workspace: z.string(),
  project: z.string(),
  state: workspaceStateSchema,
  services: z.array(serviceStatusSchema),
});
export type Instance = z.output<typeof instanceSchema>;

export const instanceStatsSchema = z.object({
  id: z.string(),
  running: z.boolean(),
  /** 100 = one core fully busy, so up to onlineCpus × 100. */
  cpuPercent: z.number(),
  onlineCpus: z.number(),
  memory: z.object({ used: z.number(), limit: z.number(), percent: z.number() }),
  pids: z.object({ current: z.number(), limit: z.number().nullable() }),
  network: z.object({ rx: z.number(), tx: z.number() }),
  block: z.object({ read: z.number(), write: z.number() }),
  uptimeSeconds: z.number().nullable(),
});
export type InstanceStats = z.output<typeof instanceStatsSchema>;

export const logLineSchema = z.object({
  service: z.string(),
  stream: z.enum(['stdout', 'stderr']),
  line: z.string(),
  /** RFC 3339 with nanoseconds, UTC; null when the engine gave none. */
  time: z.string().nullable(),
});
export type LogLine = z.output<typeof logLineSchema>;

/** embedded, preset and overlay make the agent's image; firewall and dind are the sidecars'. */
export const stepKindSchema = z.enum(['embedded', 'preset', 'overlay', 'firewall', 'dind', 'user']);

export const imagePlanSchema = z.object({
  workspace: z.string(),
  /** The image the workspace runs; null only while it depends on a base that is not built yet. */
  image: z.string().nullable(),
  steps: z.array(
    z.object({
      kind: stepKindSchema,
      source: z.string(),
      tag: z.string().nullable(),
      base: z.string().nullable(),
      context: z.string().nullable(),
    }),
  ),
  warnings: z.array(z.string()),
});
export type ImagePlan = z.output<typeof imagePlanSchema>;

export const layerPartSchema = z.enum(['upstream', 'embedded', 'preset', 'overlay']);

export const imageLayersSchema = z.object({
  image: z.string(),
  id: z.string(),
  size: z.number(),
  parts: z.array(z.object({ part: layerPartSchema, size: z.number(), layers: z.number().int() })),
  /** Bottom (oldest) first. */
  layers: z.array(
    z.object({
      index: z.number().int(),
      id: z.string().nullable(),
      instruction: z.string(),
      size: z.number(),
      created: z.string(),
      part: layerPartSchema,
      /** The Dockerfile and line that made the layer, when Paddock built it from a Dockerfile it still has. */
      source: z.string().nullable(),
      line: z.number().int().nullable(),
    }),
  ),
});
export type ImageLayers = z.output<typeof imageLayersSchema>;

export const layerFileSchema = z.object({
  path: z.string(),
  type: z.enum(['file', 'directory', 'symlink', 'link', 'other']),
  size: z.number(),
  mode: z.number().int(),
  /** A whiteout: the layer deletes this path from the layers below. */
  deleted: z.boolean(),
});
/** At most this many files of one layer cross the boundary; `total` says how many there are. */
export const LAYER_FILES_LIMIT = 10_000;

// ---- the Dockerfile workbench: lint, stack detection, the overlay file, folders ----

export const severitySchema = z.enum(['fatal', 'breaking', 'degraded', 'warning', 'info']);
const spanShape = { line: z.number().int(), column: z.number().int(), endLine: z.number().int(), endColumn: z.number().int() };
/** Lines and columns are 1-based (columns in UTF-16 units, as CodeMirror counts); ends are exclusive. */
export const diagnosticSchema = z.object({
  ...spanShape,
  rule: z.string(),
  severity: severitySchema,
  message: z.string(),
  fix: z.object({ title: z.string(), edits: z.array(z.object({ ...spanShape, text: z.string() })) }).optional(),
});
export type LintDiagnostic = z.output<typeof diagnosticSchema>;

const evidenceSchema = z.object({ file: z.string(), detail: z.string().optional() });
export const detectResultSchema = z.object({
  dir: z.string(),
  languages: z.array(
    z.object({
      language: z.enum(['node', 'python', 'go', 'rust', 'ruby', 'java']),
      evidence: z.array(evidenceSchema),
      version: z.object({ value: z.string(), evidence: evidenceSchema }).nullable(),
      tool: z.object({ name: z.string(), version: z.string().nullable(), evidence: evidenceSchema, wrapper: z.boolean() }).nullable(),
    }),
  ),
  systemPackages: z.array(z.object({ name: z.string(), reasons: z.array(z.string()), evidence: z.array(evidenceSchema) })),
  notes: z.array(z.string()),
});

export const overlayFileSchema = z.object({
  workspace: z.string(),
  path: z.string(),
  /** The config names this file; false: where a new overlay for the workspace would go. */
  configured: z.boolean(),
  exists: z.boolean(),
  text: z.string(),
  hash: z.string(),
  context: z.string(),
  diagnostics: z.array(diagnosticSchema),
});

export const directoryListingSchema = z.object({
  dir: z.string(),
  display: z.string(),
  parent: z.string().nullable(),
  entries: z.array(z.object({ name: z.string(), path: z.string(), forbidden: z.string().nullable() })),
  /** Why this folder cannot be a workspace path, or null. */
  forbidden: z.string().nullable(),
});

/** Dockerfiles are capped as Paddock caps them when it loads one. */
const dockerfileText = z.string().max(1024 * 1024);

// ---- long operations: up, down, restart, build ----

export const operationKindSchema = z.enum(['up', 'down', 'restart', 'build']);
export type OperationKind = z.output<typeof operationKindSchema>;

/** What up did to a service's container ('removed': a sidecar the config no longer asks for). */
export const serviceActionSchema = z.enum(['kept', 'started', 'created', 'recreated', 'removed']);

/** One step of progress: the image pipeline's build events and the launcher's service events. */
export const progressEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('plan'), workspace: z.string(), steps: z.array(z.object({ kind: stepKindSchema, source: z.string(), tag: z.string().nullable() })) }),
  z.object({ type: z.literal('image-start'), kind: stepKindSchema, tag: z.string(), source: z.string(), steps: z.number().int(), contextFiles: z.number().int() }),
  z.object({ type: z.literal('image-skip'), kind: stepKindSchema, tag: z.string(), reason: z.literal('exists') }),
  z.object({ type: z.literal('step'), tag: z.string(), step: z.number().int(), steps: z.number().int(), instruction: z.string(), line: z.number().int().nullable() }),
  z.object({ type: z.literal('step-cached'), tag: z.string(), step: z.number().int() }),
  z.object({ type: z.literal('output'), tag: z.string(), step: z.number().int(), line: z.string() }),
  z.object({
    type: z.literal('pull'),
    tag: z.string().nullable(),
    image: z.string(),
    layer: z.string().nullable(),
    status: z.string(),
    current: z.number().nullable(),
    total: z.number().nullable(),
  }),
  z.object({ type: z.literal('image-done'), kind: stepKindSchema, tag: z.string(), id: z.string(), durationMs: z.number() }),
  z.object({ type: z.literal('warning'), message: z.string() }),
  /** The images are ready (the end of the image part; a launch goes on with its services). */
  z.object({ type: z.literal('done'), image: z.string(), built: z.array(z.string()), skipped: z.array(z.string()) }),
  /** Another Paddock process works on this workspace; this one waits for it. */
  z.object({ type: z.literal('lock-wait'), pid: z.number().int() }),
  z.object({ type: z.literal('service'), service: z.string(), action: serviceActionSchema, id: z.string() }),
  z.object({ type: z.literal('waiting'), service: z.string(), until: z.literal('healthy') }),
  z.object({ type: z.literal('ready'), workspace: z.string(), port: z.number().int().nullable() }),
  /** down, and the first half of restart: these services' containers were removed. */
  z.object({ type: z.literal('stopped'), removed: z.array(z.string()) }),
]);
export type ProgressEvent = z.output<typeof progressEventSchema>;

export const operationResultSchema = z.discriminatedUnion('type', [
  /** up and restart */
  z.object({
    type: z.literal('launched'),
    project: z.string(),
    port: z.number().int().nullable(),
    services: z.array(z.object({ service: z.string(), id: z.string(), action: serviceActionSchema })),
  }),
  z.object({ type: z.literal('stopped'), removed: z.array(z.string()), volumesRemoved: z.array(z.string()) }),
  z.object({ type: z.literal('built'), image: z.string(), built: z.array(z.string()), skipped: z.array(z.string()) }),
]);
export type OperationResult = z.output<typeof operationResultSchema>;

export const operationInfoSchema = z.object({
  operation: z.string(),
  kind: operationKindSchema,
  workspace: z.string(),
  startedAt: z.string(),
});
export type OperationInfo = z.output<typeof operationInfoSchema>;

const operationStarted = z.object({ operation: z.string() });

// ---- errors ----

export { apiErrorSchema, type ApiError } from './primitives.ts';

/** A workspace's image as the engine has it: built (when, how big), not built, or unknown and why. */
export const imageSummarySchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('present'), image: z.string(), size: z.number(), createdAt: z.string().nullable() }),
  z.object({ status: z.literal('missing'), image: z.string().nullable() }),
  z.object({ status: z.literal('error'), error: apiErrorSchema }),
]);
export type ImageSummary = z.output<typeof imageSummarySchema>;

/** The codes the registry produces (a transport may add its own; clients must tolerate others). */
export const API_ERROR_CODES = [
  'invalid-input',
  /** serve's socket: a message that is not a well-formed call. */
  'invalid-message',
  'unknown-method',
  'config-invalid',
  'config-conflict',
  'config-edit-refused',
  'engine-unavailable',
  'workspace-not-found',
  'instance-not-found',
  'image-not-found',
  'dockerfile-unavailable',
  'secret-unavailable',
  'launch-failed',
  /** The running firewall did not take a new allowlist (it keeps its last good one); the message says why. */
  'policy-not-applied',
  'build-failed',
  /**
   * The workspace's Dockerfile or build context lies where an agent can write and changed since
   * the user last approved a build: `details` (buildApprovalDetailsSchema) has the diff to show,
   * and images.approveBuild with its `approval` lets the next build go ahead.
   */
  'build-approval-required',
  'operation-not-found',
  'subscription-not-found',
  'cancelled',
  /** A Dockerfile with a fatal lint finding is not saved; `details.diagnostics` says which. */
  'lint-fatal',
  'not-found',
  'internal',
] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

/** `details` of a 'config-invalid' error. */
export const configInvalidDetailsSchema = z.object({ file: z.string(), issues: z.array(configIssueSchema) });
/** `details` of a 'build-failed' error: the failing step, where it is, and what it printed last. */
export const buildFailedDetailsSchema = z.object({
  tag: z.string(),
  step: z.number().int().nullable(),
  instruction: z.string().nullable(),
  line: z.number().int().nullable(),
  source: z.string(),
  output: z.array(z.string()),
});

/** `details` of a 'build-approval-required' error: what changed since the last approved build. */
export const buildApprovalDetailsSchema = z.object({
  workspace: z.string(),
  approval: z.string(),
  steps: z.array(
    z.object({
      kind: z.enum(['preset', 'overlay']),
      source: z.string(),
      context: z.string().nullable(),
      writable: z.string(),
      firstBuild: z.boolean(),
      dockerfileDiff: z.string(),
      files: z.object({ added: z.array(z.string()), removed: z.array(z.string()), changed: z.array(z.string()) }),
    }),
  ),
});
export type BuildApprovalDetails = z.output<typeof buildApprovalDetailsSchema>;

/** An ApiError thrown on the client side of a transport, so callers can `catch` it and read `code`. */
export class ApiCallError extends Error {
  override readonly name: string;
  readonly code: string;
  readonly details: unknown;

  constructor(error: ApiError) {
    super(error.message);
    this.name = error.name;
    this.code = error.code;
    this.details = error.details;
  }
}

// ---- calls ----

const none = z.strictObject({});
const workspaceInput = z.strictObject({ workspace: workspaceName });

export const calls = {
  /** Answers at once, without waiting for the engine: the first view renders from it. */
  'app.info': {
    input: none,
    output: z.object({ version: z.string(), configFile: z.string(), home: z.string(), platform: z.string(), engine: engineStateSchema }),
  },
  /** The engine's state after trying to reach it now (when it is not connected). */
  'engine.status': { input: none, output: engineStateSchema },
  /** `paddock doctor`: the engine and whether it can run the sandbox. */
  'engine.doctor': { input: z.strictObject({ probeImage: z.string().min(1).optional() }), output: doctorReportSchema },

  /** The config file's text, meaning and problems; creates the default file on first use. */
  'config.read': { input: none, output: configSnapshotSchema },
  /** What the config would be with these edits, without saving: the problems, also keyed by key path. */
  'config.validate': {
    input: z.strictObject({ edits: z.array(configEditSchema) }),
    output: z.object({
      ok: z.boolean(),
      /** The hash of the text the edits were applied to (the file as it is on disk). */
      hash: z.string(),
      /** The text the edits produce (unchanged when an edit could not be applied). */
      text: z.string(),
      issues: z.array(configIssueSchema),
      /** The issues by dotted key path; whole-file problems under "". */
      byKeyPath: z.record(z.string(), z.array(configIssueSchema)),
    }),
  },
  /**
   * Applies edits and writes the file (atomically, comments kept). `baseHash` is the hash of the
   * text the edits were made against: when the file changed since, nothing is written and the call
   * fails with 'config-conflict'. An edit that makes the config invalid fails with 'config-invalid'.
   */
  'config.save': {
    input: z.strictObject({ edits: z.array(configEditSchema).min(1), baseHash: z.string() }),
    output: configSnapshotSchema,
  },
  /** Replaces the whole text (a raw editor), with the same conflict and validity checks as config.save. */
  'config.write': { input: z.strictObject({ text: z.string(), baseHash: z.string() }), output: configSnapshotSchema },

  'workspaces.list': { input: none, output: z.object({ file: z.string(), workspaces: z.array(workspaceSummarySchema) }) },
  /** Adds `[workspaces.<name>]` with its paths and any other keys; `baseHash` optional (conflicts checked when given). */
  'workspaces.add': {
    input: z.strictObject({
      name: z.string().min(1),
      paths: z.array(z.string()),
      values: z.record(z.string(), tomlValueSchema).optional(),
      baseHash: z.string().optional(),
    }),
    output: configSnapshotSchema,
  },
  'workspaces.remove': { input: z.strictObject({ name: workspaceName, baseHash: z.string().optional() }), output: configSnapshotSchema },
  /** Starts a workspace (building what it needs); returns at once, progress comes as operation.* events. */
  'workspaces.up': { input: z.strictObject({ workspace: workspaceName, operation: clientIdSchema.optional() }), output: operationStarted },
  'workspaces.down': {
    input: z.strictObject({ workspace: workspaceName, volumes: z.boolean().default(false), operation: clientIdSchema.optional() }),
    output: operationStarted,
  },
  'workspaces.restart': { input: z.strictObject({ workspace: workspaceName, operation: clientIdSchema.optional() }), output: operationStarted },

  /** Workspaces that have containers, with their state, health, services, ports and uptime. */
  'instances.list': { input: none, output: z.array(instanceSchema) },
  /** One workspace's instance, or null when it has no containers (it is stopped). */
  'instances.get': { input: workspaceInput, output: instanceSchema.nullable() },
  /** CPU, memory, pids, network and block I/O of one service (default the agent); null when it has no container. */
  'instances.stats': { input: z.strictObject({ workspace: workspaceName, service: z.string().min(1).default('agent') }), output: instanceStatsSchema.nullable() },

  /** The last lines of a workspace's logs (all its containers merged by time, or one service's). */
  'logs.tail': {
    input: z.strictObject({
      workspace: workspaceName,
      service: z.string().min(1).optional(),
      tail: z.number().int().min(0).max(10_000).default(200),
      /** RFC 3339 time, Unix seconds, or a duration ago (`10m`). */
      since: z.string().optional(),
    }),
    output: z.object({ lines: z.array(logLineSchema) }),
  },
  /** Follows the logs: lines come as 'logs.line' events with this subscription's ID, to this client only. */
  'logs.follow': {
    input: z.strictObject({
      workspace: workspaceName,
      service: z.string().min(1).optional(),
      tail: z.number().int().min(0).max(10_000).default(200),
      since: z.string().optional(),
      subscription: clientIdSchema.optional(),
    }),
    output: z.object({ subscription: z.string() }),
  },
  'logs.unfollow': { input: z.strictObject({ subscription: z.string().min(1) }), output: z.object({ stopped: z.boolean() }) },
  /**
   * Follows one service's stats as the engine streams them (about one a second): 'stats.sample'
   * events with this subscription's ID, to this client only, until unfollowed or the container stops.
   */
  'stats.follow': {
    input: z.strictObject({ workspace: workspaceName, service: z.string().min(1).default('agent'), subscription: clientIdSchema.optional() }),
    output: z.object({ subscription: z.string() }),
  },
  'stats.unfollow': { input: z.strictObject({ subscription: z.string().min(1) }), output: z.object({ stopped: z.boolean() }) },

  /** Which images a workspace needs and their tags, without building or pulling. Works without an engine. */
  'images.plan': { input: workspaceInput, output: imagePlanSchema },
  /** Builds what the workspace needs; returns at once, progress comes as operation.* events. */
  'images.build': {
    input: z.strictObject({
      workspace: workspaceName,
      rebuild: z.boolean().default(false),
      pull: z.boolean().default(false),
      operation: clientIdSchema.optional(),
    }),
    output: operationStarted,
  },
  /**
   * Approves building from the files a 'build-approval-required' error showed (its `approval`).
   * Fails with that error again, showing what is there now, when the files changed since.
   */
  'images.approveBuild': {
    input: z.strictObject({ workspace: workspaceName, approval: z.string().regex(/^[0-9a-f]{64}$/) }),
    output: z.object({ approved: z.literal(true) }),
  },
  /**
   * The images of these workspaces (default: every workspace of the config), in one call: one
   * image listing answers for all. A workspace whose image cannot be planned gets its error.
   */
  'images.summaries': {
    input: z.strictObject({ workspaces: z.array(workspaceName).optional() }),
    output: z.object({ images: z.record(z.string(), imageSummarySchema) }),
  },
  /** A workspace's image (or any local image) as its layers, grouped into upstream, embedded, preset, overlay. */
  'images.layers': {
    input: z.union([z.strictObject({ workspace: workspaceName }), z.strictObject({ image: z.string().min(1) })]),
    output: imageLayersSchema,
  },

  /**
   * The files one layer adds, changes or deletes (`index` as in images.layers). The first call for an
   * image reads its export once (seconds for a large image); the others are answered from that.
   * `request` names the call so that images.cancelLayerFiles can stop it.
   */
  'images.layerFiles': {
    input: z.strictObject({ image: z.string().min(1), index: z.number().int().min(0), request: clientIdSchema.optional() }),
    output: z.object({ image: z.string(), index: z.number().int(), total: z.number().int(), files: z.array(layerFileSchema) }),
  },
  'images.cancelLayerFiles': { input: z.strictObject({ request: clientIdSchema }), output: z.object({ cancelled: z.boolean() }) },

  /** Lints Dockerfile text as `paddock lint` does; pass the workspace's paths for overlay/volume. */
  'lint.dockerfile': {
    input: z.strictObject({ text: dockerfileText, workspacePaths: z.array(z.string()).default([]) }),
    output: z.object({ diagnostics: z.array(diagnosticSchema), blocking: z.boolean() }),
  },
  /** What a project folder is built with, and an overlay proposal that lints clean. */
  'onboarding.detect': { input: z.strictObject({ dir: z.string().min(1) }), output: z.object({ stack: detectResultSchema, overlay: z.string() }) },
  /** The folders in a folder (default: home), for picking a project where no native dialog exists. */
  'files.listDirectories': { input: z.strictObject({ dir: z.string().min(1).optional() }), output: directoryListingSchema },
  /** A workspace's overlay Dockerfile (its `dockerfile`, or where a new one would go), linted. */
  'overlay.read': { input: z.strictObject({ workspace: workspaceName }), output: overlayFileSchema },
  /**
   * Saves the overlay, unless a fatal finding remains ('lint-fatal') or the file changed since it
   * was read ('config-conflict'). A workspace with no `dockerfile` gets one pointing at the file.
   */
  'overlay.write': {
    input: z.strictObject({ workspace: workspaceName, text: dockerfileText, baseHash: z.string() }),
    output: overlayFileSchema,
  },

  /** The operations running now (a window opened late can show their progress). */
  'operations.list': { input: none, output: z.array(operationInfoSchema) },
  /** Cancels an operation; it ends with an 'operation.done' event whose status is 'cancelled'. */
  'operations.cancel': { input: z.strictObject({ operation: z.string().min(1) }), output: z.object({ cancelled: z.boolean() }) },

  ...netCalls,
} as const satisfies Record<string, { input: z.ZodType; output: z.ZodType }>;

// ---- events ----

export const events = {
  /** A workspace's containers changed; `instance` is null (and state 'stopped') when it has none left. */
  'instances.changed': z.object({ workspace: z.string(), state: workspaceStateSchema, instance: instanceSchema.nullable() }),
  /** Connected, lost (connecting again), or unavailable with what to do. */
  'engine.changed': engineStateSchema,
  'operation.progress': z.object({ operation: z.string(), kind: operationKindSchema, workspace: z.string(), event: progressEventSchema }),
  /** The end of an operation: exactly one per operation. */
  'operation.done': z.discriminatedUnion('status', [
    z.object({ operation: z.string(), kind: operationKindSchema, workspace: z.string(), status: z.literal('succeeded'), result: operationResultSchema }),
    z.object({ operation: z.string(), kind: operationKindSchema, workspace: z.string(), status: z.literal('failed'), error: apiErrorSchema }),
    z.object({ operation: z.string(), kind: operationKindSchema, workspace: z.string(), status: z.literal('cancelled') }),
  ]),
  'logs.line': z.object({ subscription: z.string(), line: logLineSchema }),
  /** A log subscription ended by itself (the workspace has no containers, the engine went away), or was unfollowed. */
  'logs.ended': z.object({ subscription: z.string(), error: apiErrorSchema.nullable() }),
  'stats.sample': z.object({ subscription: z.string(), stats: instanceStatsSchema }),
  /** A stats subscription ended: unfollowed, the container stopped or went away, or the engine did. */
  'stats.ended': z.object({ subscription: z.string(), error: apiErrorSchema.nullable() }),
  /** The config file changed on disk (by anyone, this app included); `hash` is null when it was removed. */
  'config.changed': z.object({ file: z.string(), hash: z.string().nullable() }),

  ...netEvents,
} as const satisfies Record<string, z.ZodType>;

export type CallName = keyof typeof calls;
export type CallInput<N extends CallName> = z.input<(typeof calls)[N]['input']>;
export type CallOutput<N extends CallName> = z.output<(typeof calls)[N]['output']>;
export type EventName = keyof typeof events;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;
/** An event with its payload, as listeners receive it. */
export type ApiEvent = { [E in EventName]: { event: E; payload: EventPayload<E> } }[EventName];

export const callNames = Object.keys(calls) as readonly CallName[];
export const eventNames = Object.keys(events) as readonly EventName[];

export function isCallName(name: string): name is CallName {
  return Object.hasOwn(calls, name);
}

export function isEventName(name: string): name is EventName {
  return Object.hasOwn(events, name);
}
