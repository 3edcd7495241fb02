# The Docker daemon a workspace's agent gets with `enable_docker = true`: rootless dockerd under
# RootlessKit, as UID 1000, in the firewall's network namespace. Everything its containers send
# leaves through slirp4netns, a user-space network stack that opens ordinary sockets in that
# namespace, so the firewall's egress rules apply to them as to the agent. Being rootless, the
# daemon's "root" only holds capabilities inside a user namespace it created, so no container it
# runs, privileged or not, can touch the firewall's rules.
# Paddock builds it with the Engine API's legacy builder, hence classic Dockerfile syntax only.
ARG FROM_IMAGE=ubuntu:24.04
FROM ${FROM_IMAGE}

ARG DEBIAN_FRONTEND=noninteractive

# docker.io brings dockerd, the client and dockerd-rootless.sh; uidmap the ID-mapping helpers;
# libcap2-bin setcap (iproute2, which RootlessKit runs, depends on it anyway).
# The helpers get file capabilities instead of their setuid bit: a setuid-root helper would need
# CAP_SYS_ADMIN in the container's bounding set to map IDs, while file capabilities keep the
# caller's UID, which owns the new user namespace. So the container runs with SETUID, SETGID and
# SETFCAP only, and every other setuid program loses its bit, leaving nothing to become root with.
# UID 1000 may be taken in the FROM image (ubuntu on Ubuntu 24.04), so whoever holds it goes first.
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        ca-certificates \
        docker.io \
        iproute2 \
        libcap2-bin \
        rootlesskit \
        slirp4netns \
        uidmap; \
    old_user="$(getent passwd 1000 | cut -d: -f1)"; \
    if [ -n "$old_user" ]; then userdel --remove "$old_user"; fi; \
    old_group="$(getent group 1000 | cut -d: -f1)"; \
    if [ -n "$old_group" ]; then groupdel "$old_group"; fi; \
    groupadd --gid 1000 rootless; \
    useradd --uid 1000 --gid 1000 --home-dir /home/rootless --create-home --shell /bin/sh rootless; \
    echo 'rootless:100000:65536' > /etc/subuid; \
    echo 'rootless:100000:65536' > /etc/subgid; \
    find / -xdev -type f -perm /6000 -exec chmod ug-s {} +; \
    setcap cap_setuid,cap_setfcap+ep /usr/bin/newuidmap; \
    setcap cap_setgid,cap_setfcap+ep /usr/bin/newgidmap; \
    apt-get clean; \
    rm -rf /var/lib/apt/lists/*; \
    mkdir -p /home/rootless/.local/share/docker /paddock-docker; \
    chown -R rootless:rootless /home/rootless /paddock-docker

ENV PATH=/usr/share/docker.io/contrib:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
