# The firewall sidecar is the only Paddock container that runs as root with NET_ADMIN, and only
# to install the agent's egress rules, so it carries the rule tools and nothing else: each extra
# package would be attack surface where it matters most. iptables brings both the nft and the
# legacy backends on Debian and Ubuntu, so the rules can follow whichever one the host uses;
# iproute2 reads addresses and routes; libc-bin provides getent to resolve allowed host names.
# Paddock builds it with the Engine API's legacy builder, hence classic Dockerfile syntax only.
ARG FROM_IMAGE=ubuntu:24.04
FROM ${FROM_IMAGE}

# An ARG, not ENV, so that it only quiets apt during the build.
ARG DEBIAN_FRONTEND=noninteractive

# One layer, so that apt's lists and downloaded packages never reach the image (`apt-get clean`
# because a minbase import lacks the docker-clean hook of the official images).
RUN apt-get update \
    && apt-get install -y --no-install-recommends iptables iproute2 libc-bin \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/*
