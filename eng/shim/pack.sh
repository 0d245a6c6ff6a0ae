#!/usr/bin/env bash
# Packs the Marten dependency shim (see Patched.DistributedLock.Postgres.nuspec) into eng/feed, the folder feed in nuget.config.
# A .nupkg is a zip of the nuspec plus the OPC parts; NuGet needs nothing else for a content-less metapackage.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
feed="$here/../feed"
out="$feed/patched.distributedlock.postgres.1.3.3.nupkg"
[ -f "$out" ] && [ "$out" -nt "$here/Patched.DistributedLock.Postgres.nuspec" ] && exit 0
mkdir -p "$feed"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/Patched.DistributedLock.Postgres.nuspec" "$work/"
cat > "$work/[Content_Types].xml" <<'XML'
<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml" /><Default Extension="nuspec" ContentType="application/octet" /></Types>
XML
mkdir -p "$work/_rels"
cat > "$work/_rels/.rels" <<'XML'
<?xml version="1.0" encoding="utf-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Type="http://schemas.microsoft.com/packaging/2010/07/manifest" Target="/Patched.DistributedLock.Postgres.nuspec" Id="R1" /></Relationships>
XML
rm -f "$out"
(cd "$work" && python3 -c "
import zipfile,sys
with zipfile.ZipFile(sys.argv[1],'w',zipfile.ZIP_DEFLATED) as z:
    for n in ['[Content_Types].xml','_rels/.rels','Patched.DistributedLock.Postgres.nuspec']:
        z.write(n,n)
" "$out")
echo "packed $out"
