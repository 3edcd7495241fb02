/** The config written on first use: valid as is, and every key shown commented with its default. */
export const DEFAULT_CONFIG_TEXT = `# Paddock configuration. Reference: docs/configuration.md
# Check it with \`paddock config check\`; the app edits this file and keeps your comments.

[base]
# The image the embedded Dockerfile builds FROM, and whether it installs the agent CLIs.
# from = "ubuntu:24.04"
# variant = "full"          # or "minimal": the sandbox without agent CLIs
# Replace the embedded Dockerfile (absolute path, ~/ path or http(s) URL, 1 MiB at most):
# dockerfile = "~/dockerfiles/base.Dockerfile"

[defaults]
# Every key here applies to all workspaces; a workspace's own value wins.
# agent = "opencode"        # "claude", "codex", "gemini" or "shell"
# command = ["bash", "-l"]  # run this instead of the agent
# image = "ubuntu:24.04"    # a pre-built image, used as is or as the BASE of overlays
# cpu = 2.0
# memory = "4g"
# env = ["EDITOR=vim"]
# env_file = ["~/.config/paddock/agent.env"]
# mounts = ["~/.config/opencode:/home/agent/.config/opencode:rw"]
# allowed_hosts = ["registry.internal.example.com"]   # private hosts the agent may reach
# allowed_networks = ["10.20.0.0/16"]
# egress = "open"           # or "allowlist": only allowed_hosts and allowed_networks
# build_network = "default" # or "none": RUN steps of your Dockerfiles get no network
# networks = []             # existing Docker networks to join
# ssh_auth_sock = false
# git_config = true
# expose_port = true
# enable_docker = false     # a Docker daemon for the agent, in its own sidecar
# dind_image = "my/rootless-dind:1"   # that daemon's image (default: built by Paddock)
#
# [defaults.secrets.env.ANTHROPIC_API_KEY]
# from_env = "ANTHROPIC_API_KEY"

[workspaces.default]
paths = []
# paths = ["~/projects/myproject"]
# dockerfile = "~/projects/myproject/overlay.Dockerfile"
# build_context = "~/projects/myproject"
`;
