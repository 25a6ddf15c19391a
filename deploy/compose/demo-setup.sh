#!/bin/sh
# The demo profile's devices: registers the generated community (about 300 devices, the scenarios'
# and the simulated cameras' among them) in the running gateway, writes the scenario player's
# credentials to SECRETS_DIR/demo_credentials.json, and restarts the gateway, which onboards the
# cameras listed in gateway-demo.yaml once they are registered. Run it once, with
# GATEWAY_CONFIG=gateway-demo.yaml in .env, after `docker compose --profile gateway up -d`:
#
#   deploy/compose/demo-setup.sh
#   docker compose --profile gateway --profile demo up -d
#
# The commands it runs can be replaced (DEMO_SIM, DEMO_GATEWAY, DEMO_GATEWAY_CONFIG,
# DEMO_GATEWAY_RESTART), so the same steps also run without containers.
set -eu

dir="${SECRETS_DIR:-./secrets}"
sim="${DEMO_SIM:-docker compose run --rm -T --no-deps demo-scenario}"
gateway="${DEMO_GATEWAY:-docker compose exec -T gateway node /app/gateway/dist/cli/bin.js}"
config="${DEMO_GATEWAY_CONFIG:-/etc/gridlink/gateway.yaml}"
restart="${DEMO_GATEWAY_RESTART:-docker compose restart gateway}"
[ -d "$dir" ] || { echo "demo-setup.sh: $dir is missing: run deploy/compose/make-secrets.sh first" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The commands are words to split: "docker compose exec -T gateway …".
# shellcheck disable=SC2086
$sim community --size small >"$work/community.csv"
# shellcheck disable=SC2086
$gateway device import /dev/stdin --config "$config" <"$work/community.csv" >"$work/passwords.csv"

# id,password lines (CSV, CRLF; base64url passwords: no comma, no quote) into the player's JSON.
awk -F, '
	{ sub(/\r$/, "") }
	NR == 1 && $1 == "id" { next }
	NF >= 2 { printf "%s\n    \"%s\": \"%s\"", (count++ ? "," : ""), $1, $2 }
	END {
		if (count == 0) exit 1
	}
' "$work/passwords.csv" >"$work/devices.json" || {
	echo "demo-setup.sh: the gateway registered no device (already registered? the passwords are shown only once)" >&2
	exit 1
}
{
	printf '{\n  "base_topic": "gridlink",\n  "devices": {'
	cat "$work/devices.json"
	printf '\n  }\n}\n'
} >"$dir/demo_credentials.json"
# Read inside the container by its unprivileged user; the folder stays closed to others.
chmod 644 "$dir/demo_credentials.json"
echo "registered $(($(wc -l <"$work/passwords.csv") - 1)) devices; wrote $dir/demo_credentials.json"
# The gateway takes its cameras at start, and only those registered then.
# shellcheck disable=SC2086
$restart
