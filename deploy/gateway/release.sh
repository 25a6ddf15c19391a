#!/bin/sh
# Builds the gateway's release tarball for this machine's platform (better-sqlite3 is native code:
# build on the box's architecture, x64 or arm64, with the Node.js major it will run):
#
#   npm run release:gateway            # -> release/gridlink-gateway-<version>-linux-<arch>.tar.gz
#
# The tarball holds the compiled gateway and protocol (npm run build), their production
# node_modules, the example configuration, the systemd units and install.sh / uninstall.sh.
set -eu

root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
version="$(node -p 'require("./gateway/package.json").version')"
platform="$(node -p 'process.platform + "-" + process.arch')"
name="gridlink-gateway-$version-$platform"
out="${RELEASE_DIR:-$root/release}"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT

echo "building $name"
npm run build

dest="$stage/$name"
mkdir -p "$dest"
# Only the gateway and the protocol are workspaces of the release: npm installs their production
# dependencies at the versions the repository's lockfile pins, and nothing of the cloud's.
cp package-lock.json README.md "$dest/"
node -e '
  const pkg = require("./package.json");
  pkg.workspaces = ["protocol", "gateway"];
  delete pkg.devDependencies;
  pkg.scripts = {};
  require("fs").writeFileSync(process.argv[1], JSON.stringify(pkg, null, 2) + "\n");
' "$dest/package.json"
for workspace in protocol gateway; do
	mkdir -p "$dest/$workspace"
	# Without devDependencies: they name workspaces (the test harness) the release leaves out.
	node -e '
	  const pkg = require(process.argv[1]);
	  delete pkg.devDependencies;
	  require("fs").writeFileSync(process.argv[2], JSON.stringify(pkg, null, 2) + "\n");
	' "./$workspace/package.json" "$dest/$workspace/package.json"
done
cp -R protocol/dist "$dest/protocol/dist"
# The console's pages are built by the gateway at its first start (Vite reads the tsconfig chain):
# the base settings, and the gateway's own without its references to workspaces left out.
cp tsconfig.base.json "$dest/"
node -e '
  const config = require(process.argv[1]);
  delete config.references;
  require("fs").writeFileSync(process.argv[2], JSON.stringify(config, null, 2) + "\n");
' ./gateway/tsconfig.json "$dest/gateway/tsconfig.json"
cp -R gateway/dist gateway/web "$dest/gateway/"
cp gateway/README.md "$dest/gateway/"
cp gateway/src/config/gateway.example.yaml "$dest/gateway/gateway.example.yaml"
mkdir -p "$dest/deploy"
cp -R deploy/gateway "$dest/deploy/gateway"
find "$dest" -name '*.test.*' -delete
rm -f "$dest/deploy/gateway/release.sh"

(cd "$dest" && npm install --omit=dev --no-audit --no-fund --loglevel=error)
printf '%s\n' "$version" >"$dest/VERSION"

mkdir -p "$out"
tar -C "$stage" -czf "$out/$name.tar.gz" "$name"
echo "$out/$name.tar.gz"
