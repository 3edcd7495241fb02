# The firewall sidecar is the only Paddock container that runs as root with NET_ADMIN, and only
# to install the agent's egress rules and answer its DNS, so it carries those tools and nothing
# else: each extra package would be attack surface where it matters most. nftables loads the rules
# in one atomic transaction and holds the allowed addresses in sets with timeouts; iproute2 reads
# addresses and routes; perl-base (in every Debian and Ubuntu image already) runs Paddock's
# resolver and network log (core/assets/firewall.pl, passed as the command).
# Paddock builds it with the Engine API's legacy builder, hence classic Dockerfile syntax only.
ARG FROM_IMAGE=ubuntu:24.04
FROM ${FROM_IMAGE}

# An ARG, not ENV, so that it only quiets apt during the build.
ARG DEBIAN_FRONTEND=noninteractive

# One layer, so that apt's lists and downloaded packages never reach the image (`apt-get clean`
# because a minbase import lacks the docker-clean hook of the official images).
RUN apt-get update \
    && apt-get install -y --no-install-recommends nftables iproute2 perl-base \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/*
