#!/bin/sh
# Removes the Gridlink gateway installed by install.sh: stops and disables its units, removes them,
# the journald drop-in and the link to the release. The configuration, the secrets and the data
# (registry, outbox, rules' state) are kept, so a reinstall picks up where it stopped, unless
# --purge is given: then they, and the system user gridlink, are removed as well.
#   --purge              also remove /etc/gridlink, /var/lib/gridlink and the user gridlink
#   --prefix DIR         remove from a staged tree instead of / (DESTDIR does the same)
#   --no-systemctl       do not stop, disable or reload units
set -eu

prefix="${DESTDIR:-}"
purge=no
systemctl=yes
while [ $# -gt 0 ]; do
	case "$1" in
	--purge) purge=yes; shift ;;
	--prefix) prefix="${2:?--prefix needs a directory}"; shift 2 ;;
	--no-systemctl) systemctl=no; shift ;;
	-h | --help) sed -n '2,/^set -eu/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "uninstall.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
prefix="${prefix%/}"
if [ -z "$prefix" ] && [ "$(id -u)" -ne 0 ]; then
	echo "uninstall.sh: run it as root (sudo), or on a staged tree with --prefix DIR" >&2
	exit 1
fi

units="$prefix/etc/systemd/system"
if [ "$systemctl" = yes ]; then
	for unit in gridlink-gateway.service gridlink-node-red.service; do
		[ ! -e "$units/$unit" ] || systemctl disable --now "$unit" || true
	done
fi
rm -f "$units/gridlink-gateway.service" "$units/gridlink-node-red.service" "$prefix/usr/local/bin/gridlink-gateway" \
	"$prefix/etc/systemd/journald.conf.d/gridlink.conf" "$prefix/opt/gridlink/gateway/current"
rmdir "$prefix/opt/gridlink/gateway" "$prefix/opt/gridlink" 2>/dev/null || true
if [ "$systemctl" = yes ]; then
	systemctl daemon-reload
	systemctl restart systemd-journald
fi
echo "removed the gateway's units and its link to the release"

if [ "$purge" = yes ]; then
	rm -rf "$prefix/etc/gridlink" "$prefix/var/lib/gridlink"
	if [ -z "$prefix" ] && id -u gridlink >/dev/null 2>&1; then userdel gridlink; fi
	echo "purged the configuration, the secrets, the data and the user gridlink"
else
	echo "kept $prefix/etc/gridlink and $prefix/var/lib/gridlink (remove them with --purge)"
fi
