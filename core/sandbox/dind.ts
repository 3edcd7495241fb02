/**
 * The Docker daemon a workspace's agent may get (`enable_docker = true`): rootless dockerd in its
 * own container, sharing the firewall's network namespace, so its containers' traffic meets the
 * same egress rules (see core/assets/dind.Dockerfile for why rootless makes that hold).
 *
 * The agent reaches it through a Unix socket on a volume that only the agent and the daemon
 * mount. No TCP endpoint exists, so there is no network path to protect with TLS: the daemon's
 * own containers cannot reach the namespace's loopback (slirp4netns runs with
 * --disable-host-loopback) and cannot see the volume.
 */
export const DIND_SOCKET_DIR = '/paddock-docker';
export const DIND_SOCKET = `${DIND_SOCKET_DIR}/docker.sock`;
export const DIND_HOST = `unix://${DIND_SOCKET}`;
/** The client binary the daemon's container shares, for agent images that lack one. */
export const DIND_CLIENT = `${DIND_SOCKET_DIR}/bin/docker`;
export const DIND_DATA_TARGET = '/home/rootless/.local/share/docker';

/**
 * Capabilities the daemon's container keeps: the ID-mapping helpers' file capabilities need them
 * in the bounding set. Nothing else: no NET_ADMIN, so not even the container's own user could
 * change the shared namespace's rules.
 */
export const DIND_CAPABILITIES = ['SETUID', 'SETGID', 'SETFCAP'];

/**
 * What RootlessKit needs from the runtime: creating user, mount and network namespaces (blocked by
 * the default seccomp and AppArmor profiles), mounting a fresh /proc in them (refused while
 * Docker masks parts of the container's /proc), and a TUN device for slirp4netns.
 * `no-new-privileges` stays off because it would also void the helpers' file capabilities.
 */
export const SYSTEM_PATHS_UNCONFINED = 'systempaths=unconfined';
export const DIND_SECURITY_OPT = ['seccomp=unconfined', 'apparmor=unconfined', SYSTEM_PATHS_UNCONFINED];
export const DIND_DEVICES = ['/dev/net/tun'];

/** The daemon container's program: share the client, then run rootless dockerd on the socket. */
export const DIND_SCRIPT = `set -eu
fail() { echo "paddock-dind: $*" >&2; exit 1; }
[ "$(id -u)" != 0 ] || fail "runs as root; Paddock starts the Docker sidecar as UID 1000, so a dind_image must not need root"
start=$(PATH="$PATH:/usr/share/docker.io/contrib:/usr/local/bin" command -v dockerd-rootless.sh) \\
  || fail "dockerd-rootless.sh is not in this image; a dind_image needs rootless Docker (dockerd, rootlesskit, slirp4netns, newuidmap)"
[ -w ${DIND_SOCKET_DIR} ] || fail "${DIND_SOCKET_DIR} is not writable by UID 1000; a dind_image must create it owned by UID 1000"
export XDG_RUNTIME_DIR=/tmp/paddock-rootless
mkdir -p "$XDG_RUNTIME_DIR" ${DIND_SOCKET_DIR}/bin
client=$(command -v docker) && cp "$client" ${DIND_CLIENT}.new && mv ${DIND_CLIENT}.new ${DIND_CLIENT}
exec "$start" --host ${DIND_HOST}
`;

/** Ready when the daemon answers on the socket, which is also what the agent will use. */
export const DIND_HEALTH_TEST = ['CMD', 'docker', '--host', DIND_HOST, 'version', '--format', '{{.Server.Version}}'];
