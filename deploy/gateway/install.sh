#!/bin/sh
# Installs the Gridlink gateway from this release onto a guard-room box (Debian or Ubuntu, systemd,
# Node.js >= 20.12 at /usr/bin/node). Run it as root from the extracted release:
#
#   sudo ./deploy/gateway/install.sh --gateway-id gw-320803-001 --community 320803001001
#
# It creates the system user `gridlink`, the folders with their permissions, /etc/gridlink/gateway.yaml
# from the example (kept when it exists), empty secret files, the command /usr/local/bin/gridlink-gateway,
# the systemd unit, journald's retention, and the first installer account (its password printed once). Safe to run again:
# what exists is kept. Options:
#   --gateway-id ID      this gateway's id (required for a new configuration)
#   --community CODE     its community's 12-digit code (required for a new configuration)
#   --installer NAME     the first installer account (default: installer; none with --no-account)
#   --no-account         create no account
#   --with-node-red      also install the Node-RED unit (Node-RED itself: see README.md)
#   --prefix DIR         install into DIR instead of / (a staged tree; no user is created, files
#                        belong to whoever runs this); DESTDIR does the same
#   --no-systemctl       do not reload, enable or start the units
set -eu

usage() {
	sed -n '2,/^set -eu/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
	exit "${1:-0}"
}
fail() {
	echo "install.sh: $*" >&2
	exit 1
}

prefix="${DESTDIR:-}"
gateway_id=""
community=""
installer="installer"
account=yes
node_red=no
systemctl=yes
while [ $# -gt 0 ]; do
	case "$1" in
	--gateway-id) gateway_id="${2:?--gateway-id needs a value}"; shift 2 ;;
	--community) community="${2:?--community needs a value}"; shift 2 ;;
	--installer) installer="${2:?--installer needs a value}"; shift 2 ;;
	--no-account) account=no; shift ;;
	--with-node-red) node_red=yes; shift ;;
	--prefix) prefix="${2:?--prefix needs a directory}"; shift 2 ;;
	--no-systemctl) systemctl=no; shift ;;
	-h | --help) usage 0 ;;
	*) echo "install.sh: unknown option $1" >&2; usage 2 ;;
	esac
done
prefix="${prefix%/}"

# The release this script belongs to: <release>/deploy/gateway/install.sh.
release="$(cd "$(dirname "$0")/../.." && pwd)"
cli="$release/gateway/dist/cli/bin.js"
[ -f "$cli" ] || fail "$cli is missing: run this script from an extracted release (npm run release:gateway)"
node="${NODE:-node}"
command -v "$node" >/dev/null 2>&1 || fail "node is not installed: install Node.js 20.12 or newer"
"$node" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&b>=12)?0:1)' ||
	fail "node $("$node" --version) is too old: install Node.js 20.12 or newer"

if [ -z "$prefix" ]; then
	[ "$(id -u)" -eq 0 ] || fail "run it as root (sudo), or stage it with --prefix DIR"
	owner=gridlink
	if ! id -u gridlink >/dev/null 2>&1; then
		useradd --system --user-group --home-dir /var/lib/gridlink --no-create-home \
			--shell /usr/sbin/nologin --comment "Gridlink gateway" gridlink
		echo "created the system user gridlink"
	fi
else
	owner="$(id -un)"
fi
group="$(id -gn "$owner")"

etc="$prefix/etc/gridlink"
data="$prefix/var/lib/gridlink"
opt="$prefix/opt/gridlink/gateway"
units="$prefix/etc/systemd/system"

# Folders: configuration readable by the service, secrets by root alone, data by the service alone.
install -d -m 0755 "$etc" "$opt" "$units" "$prefix/etc/systemd/journald.conf.d" "$prefix/usr/local/bin"
install -d -m 0750 -g "$group" "$etc/secrets"
install -d -m 0750 -o "$owner" -g "$group" "$data" "$data/gateway"
[ "$node_red" = no ] || install -d -m 0750 -o "$owner" -g "$group" "$data/node-red"

# The release, as the one the unit runs.
version="$(cd "$release" && "$node" -p 'require("./gateway/package.json").version')"
ln -sfn "$release" "$opt/current"
echo "gateway $version: $opt/current -> $release"

# The configuration, from the example, with this gateway's id, community and data folder.
config="$etc/gateway.yaml"
if [ -e "$config" ]; then
	echo "kept      $config"
else
	if [ -z "$gateway_id" ] || [ -z "$community" ]; then
		fail "a new configuration needs --gateway-id and --community (this gateway's id and its community's 12-digit code)"
	fi
	example="$release/gateway/gateway.example.yaml"
	[ -f "$example" ] || example="$release/gateway/src/config/gateway.example.yaml"
	sed -e "s|^  id: gw-320803-001\$|  id: $gateway_id|" \
		-e "s|^  community: \"320803001001\"\$|  community: \"$community\"|" \
		-e "s|^  data_dir: ./data\$|  data_dir: /var/lib/gridlink/gateway|" \
		"$example" >"$config.new"
	chmod 0640 "$config.new"
	chgrp "$group" "$config.new"
	mv "$config.new" "$config"
	echo "wrote     $config"
fi
[ -e "$etc/gateway.env" ] || install -m 0640 -g "$group" /dev/null "$etc/gateway.env"

# Secrets: empty until they are known (an empty file leaves its setting unset); root writes them,
# the gateway's user reads them.
for secret in uplink-token metrics-token; do
	[ -e "$etc/secrets/$secret" ] || install -m 0640 -g "$group" /dev/null "$etc/secrets/$secret"
done

# The command line for this box, and the systemd units and the journal's retention (log rotation).
install -m 0755 "$release/deploy/gateway/gridlink-gateway.sh" "$prefix/usr/local/bin/gridlink-gateway"
install -m 0644 "$release/deploy/gateway/systemd/gridlink-gateway.service" "$units/gridlink-gateway.service"
[ "$node_red" = no ] || install -m 0644 "$release/deploy/gateway/systemd/gridlink-node-red.service" "$units/gridlink-node-red.service"
install -m 0644 "$release/deploy/gateway/systemd/journald-gridlink.conf" "$prefix/etc/systemd/journald.conf.d/gridlink.conf"

# The configuration must pass the gateway's own check before anything starts.
run_cli() {
	if [ -z "$prefix" ]; then
		/usr/local/bin/gridlink-gateway "$@"
	else
		GRIDLINK_GATEWAY__DATA_DIR="$data/gateway" \
			GRIDLINK_UPLINK__TOKEN_FILE="$etc/secrets/uplink-token" \
			GRIDLINK_HTTP__METRICS_TOKEN_FILE="$etc/secrets/metrics-token" "$node" "$cli" "$@"
	fi
}
run_cli check-config "$config" >/dev/null || fail "$config does not pass gridlink-gateway check-config (above)"
echo "checked   $config"

# The first installer account, for the installer console and the bridge requests.
if [ "$account" = yes ]; then
	if run_cli service list --config "$config" | grep -q "^${installer}[[:space:]]"; then
		echo "kept      the account $installer"
	else
		echo "the account $installer, its password shown once:"
		run_cli service add --config "$config" --username "$installer" --role installer
	fi
fi

if [ "$systemctl" = yes ]; then
	systemctl daemon-reload
	systemctl restart systemd-journald
	# restart, not just start: a reinstall (an upgrade) runs the release it has just linked.
	systemctl enable gridlink-gateway.service
	systemctl restart gridlink-gateway.service
	if [ "$node_red" = yes ]; then
		systemctl enable gridlink-node-red.service
		systemctl restart gridlink-node-red.service
	fi
	echo "started gridlink-gateway (journalctl -u gridlink-gateway -f)"
fi
