#!/bin/sh
# Writes the secret files docker-compose.yml reads into SECRETS_DIR (default ./secrets): a folder
# only its owner may enter (0700), holding files of mode 0644, because compose mounts each file
# into its container as it is, and the apps there run as an unprivileged user who must read it. Generated values are random; an existing file is kept, so running it again never
# changes a password a database already holds. The TLS certificate and key are the district's:
# copy them in as cloud_tls_cert and cloud_tls_key (PEM); the gateway's uplink token comes from
# `gridlink-cloud gateway add` (written here empty until then).
set -eu

dir="${SECRETS_DIR:-./secrets}"
umask 022
mkdir -p "$dir"
chmod 700 "$dir"

random() {
	# 48 random bytes, base64 without padding or newline: URL- and YAML-safe enough for every field.
	head -c 48 /dev/urandom | base64 | tr -d '\n=+/' | cut -c 1-43
}

generate() {
	if [ -s "$dir/$1" ]; then
		echo "kept      $dir/$1"
	else
		random >"$dir/$1"
		echo "generated $dir/$1"
	fi
}

placeholder() {
	if [ -e "$dir/$1" ]; then
		echo "kept      $dir/$1"
	else
		: >"$dir/$1"
		echo "empty     $dir/$1 ($2)"
	fi
}

generate postgres_password
generate cloud_admin_token
generate cloud_data_secret
generate gateway_metrics_token
generate cloud_metrics_token
generate grafana_admin_password
generate demo_camera_password
placeholder gateway_uplink_token 'paste the token printed by gridlink-cloud gateway add'
placeholder cloud_tls_cert 'copy the PEM certificate chain for CLOUD_DOMAIN here'
placeholder cloud_tls_key 'copy its PEM private key here'
if [ ! -e "$dir/demo_credentials.json" ]; then
	printf '{"devices":{}}\n' >"$dir/demo_credentials.json"
	echo "empty     $dir/demo_credentials.json (the demo's device passwords)"
fi
chmod 644 "$dir"/*
