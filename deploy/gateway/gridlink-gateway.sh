#!/bin/sh
# gridlink-gateway on an installed box (install.sh puts this in /usr/local/bin): the gateway's
# command line as the user gridlink, with the box's secrets and GRIDLINK_* settings, as the
# systemd unit runs it. Examples:
#   sudo gridlink-gateway check-config /etc/gridlink/gateway.yaml
#   sudo gridlink-gateway device list --config /etc/gridlink/gateway.yaml
set -eu

if [ -r /etc/gridlink/gateway.env ]; then
	set -a
	# shellcheck disable=SC1091 # the box's own settings, written by the installer
	. /etc/gridlink/gateway.env
	set +a
fi
export GRIDLINK_UPLINK__TOKEN_FILE=/etc/gridlink/secrets/uplink-token
export GRIDLINK_HTTP__METRICS_TOKEN_FILE=/etc/gridlink/secrets/metrics-token
cli=/opt/gridlink/gateway/current/gateway/dist/cli/bin.js
if [ "$(id -u)" -eq 0 ]; then
	# The registry's files belong to gridlink: never create them as root.
	exec runuser -u gridlink -- /usr/bin/node "$cli" "$@"
fi
exec /usr/bin/node "$cli" "$@"
