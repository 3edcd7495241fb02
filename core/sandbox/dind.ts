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

/**
 * The daemon's program, run as UID 1000 by DIND_COMMAND. Its one argument-free job: share the
 * client, then run rootless dockerd on the socket.
 */
const DAEMON_SCRIPT = `set -eu
fail() { echo "paddock-dind: $*" >&2; exit 1; }
start=$(PATH="$PATH:/usr/share/docker.io/contrib:/usr/local/bin" command -v dockerd-rootless.sh) \\
  || fail "dockerd-rootless.sh is not in this image; a dind_image needs rootless Docker (dockerd, rootlesskit, slirp4netns, newuidmap)"
[ -w ${DIND_SOCKET_DIR} ] || fail "${DIND_SOCKET_DIR} is not writable by UID 1000; a dind_image must create it owned by UID 1000"
export XDG_RUNTIME_DIR=/tmp/paddock-rootless
mkdir -p "$XDG_RUNTIME_DIR" ${DIND_SOCKET_DIR}/bin
client=$(command -v docker) && cp "$client" ${DIND_CLIENT}.new && mv ${DIND_CLIENT}.new ${DIND_CLIENT}
exec "$start" --host ${DIND_HOST}
`;

/**
 * The container starts as root for one step only: Docker copies the host's mode onto the
 * container's own /dev/net/tun node, and hosts without udev rules (Docker Desktop's VM, minimal
 * servers) have it 0600, which UID 1000 cannot open. Root owns that node, so chmod needs no
 * capability and leaves the host's node alone. setpriv then becomes UID 1000, which empties the
 * effective and permitted sets; the bounding set still holds what the ID-mapping helpers need.
 */
const ROOT_PRELUDE = `set -eu
fail() { echo "paddock-dind: $*" >&2; exit 1; }
[ -c /dev/net/tun ] || fail "no /dev/net/tun in the container; load the tun module on the Docker host (modprobe tun)"
chmod 0666 /dev/net/tun
command -v setpriv >/dev/null || fail "setpriv is not in this image; a dind_image needs util-linux to drop to UID 1000"
exec setpriv --reuid=1000 --regid=1000 --clear-groups --inh-caps=-all sh -c "$1"
`;

export const DIND_USER = '0:0';
export const DIND_COMMAND = ['sh', '-c', ROOT_PRELUDE, 'paddock-dind', DAEMON_SCRIPT];
/** Set here because Docker derives HOME from the container's starting user, root. */
export const DIND_ENV: Array<[string, string]> = [
  ['HOME', '/home/rootless'],
  ['USER', 'rootless'],
];

/**
 * Ready when the daemon answers on the socket, which is also what the agent will use. Health
 * checks run as the container's starting user, root, which holds no DAC_OVERRIDE to open UID
 * 1000's socket, so the check drops to UID 1000 as the daemon did.
 */
export const DIND_HEALTH_TEST = ['CMD', 'setpriv', '--reuid=1000', '--regid=1000', '--clear-groups', 'docker', '--host', DIND_HOST, 'version', '--format', '{{.Server.Version}}'];
