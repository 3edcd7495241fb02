# Paddock builds this file with the Docker Engine API's legacy builder, which is there on every
# engine, so it must stay classic Dockerfile syntax: BuildKit-only features would fail the build.
# `[base] from` sets FROM_IMAGE and `[base] variant` picks the target stage.
ARG FROM_IMAGE=ubuntu:24.04

# minimal exists for workspaces that bring their own agent or run a shell: it is the sandbox
# contract every workspace relies on (the agent user, its home, the everyday tools), built with
# nothing but apt so that it works from any Debian or Ubuntu image, even a bare minbase.
FROM ${FROM_IMAGE} AS minimal

# An ARG, not ENV, so that it quiets apt during the build without leaking into the workspace,
# where interactive tools should behave normally.
ARG DEBIAN_FRONTEND=noninteractive

# /home/agent/.local/bin comes first so that tools the agent installs for itself without root
# (pip --user, an npm prefix, downloaded binaries) are found, and win. C.UTF-8 is built into
# glibc, so UTF-8 works without the locales package.
ENV PATH=/home/agent/.local/bin:$PATH \
    LANG=C.UTF-8 \
    LC_ALL=C.UTF-8

# One layer, so that apt's lists and downloaded packages are gone from the image for good
# (`apt-get clean` because a minbase import lacks the docker-clean hook of the official images).
# UID and GID 1000 are what Paddock starts the container with, so whoever holds them in the FROM
# image (ubuntu on Ubuntu 24.04) has to go first. The folders under /home/agent are created here
# because bind mounts below them (such as ~/.config/opencode) would otherwise make their parents
# root-owned, and the agent could not write there.
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        bash \
        ca-certificates \
        curl \
        git \
        jq \
        less \
        openssh-client \
        procps \
        ripgrep \
        tmux; \
    apt-get clean; \
    rm -rf /var/lib/apt/lists/*; \
    old_user="$(getent passwd 1000 | cut -d: -f1)"; \
    if [ -n "$old_user" ]; then userdel --remove "$old_user"; fi; \
    old_group="$(getent group 1000 | cut -d: -f1)"; \
    if [ -n "$old_group" ]; then groupdel "$old_group"; fi; \
    groupadd --gid 1000 agent; \
    useradd --uid 1000 --gid 1000 --home-dir /home/agent --create-home --shell /bin/bash agent; \
    mkdir -p /home/agent/.local/bin /home/agent/.local/share /home/agent/.local/state \
        /home/agent/.config /home/agent/.cache; \
    chown -R agent:agent /home/agent

# USER stays root so that overlays (`ARG BASE` / `FROM ${BASE}`) can apt-get install; Paddock
# starts the container as 1000:1000 whatever the image says.
WORKDIR /home/agent

# full exists so that a workspace can start any supported agent, with language servers for the
# usual project languages, without an overlay. Every version is pinned so that the same config
# always builds the same image, and so that a new agent release arrives only with a Paddock one.
FROM minimal AS full

ARG NODE_VERSION=22.23.3
ARG OPENCODE_VERSION=1.18.33
ARG CLAUDE_CODE_VERSION=2.1.330
ARG CODEX_VERSION=0.169.0
ARG GEMINI_CLI_VERSION=0.61.0
ARG TS_LS_VERSION=6.0.2
ARG TYPESCRIPT_VERSION=5.9.3
ARG PYRIGHT_VERSION=1.1.414
ARG BASH_LS_VERSION=5.8.1
ARG YAML_LS_VERSION=2.0.0

# Node comes from nodejs.org rather than apt because the distributions' Node is too old for the
# agent CLIs. The .tar.gz is used so that xz-utils is not needed, and the checksum is checked
# before anything is unpacked, so a corrupt or swapped download fails the build.
RUN set -eux; \
    arch="$(dpkg --print-architecture)"; \
    case "$arch" in \
        amd64) node_arch=x64 ;; \
        arm64) node_arch=arm64 ;; \
        *) echo "no Node.js build for the architecture $arch" >&2; exit 1 ;; \
    esac; \
    tarball="node-v${NODE_VERSION}-linux-${node_arch}.tar.gz"; \
    cd /tmp; \
    curl -fsSLO "https://nodejs.org/dist/v${NODE_VERSION}/${tarball}"; \
    curl -fsSLO "https://nodejs.org/dist/v${NODE_VERSION}/SHASUMS256.txt"; \
    grep " ${tarball}\$" SHASUMS256.txt | sha256sum -c -; \
    tar -xzf "$tarball" -C /usr/local --strip-components=1 --no-same-owner; \
    rm -f "$tarball" SHASUMS256.txt; \
    node --version; \
    npm --version

# One RUN, so that npm's cache never lands in a layer.
RUN npm install -g --no-fund --no-audit \
        "opencode-ai@${OPENCODE_VERSION}" \
        "@anthropic-ai/claude-code@${CLAUDE_CODE_VERSION}" \
        "@openai/codex@${CODEX_VERSION}" \
        "@google/gemini-cli@${GEMINI_CLI_VERSION}" \
        "typescript-language-server@${TS_LS_VERSION}" \
        "typescript@${TYPESCRIPT_VERSION}" \
        "pyright@${PYRIGHT_VERSION}" \
        "bash-language-server@${BASH_LS_VERSION}" \
        "yaml-language-server@${YAML_LS_VERSION}" \
    && npm cache clean --force \
    && rm -rf /tmp/*
