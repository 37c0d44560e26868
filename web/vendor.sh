#!/usr/bin/env bash
# vendor.sh (run by `make web` after `npm ci`): checks the committed browser
# libraries that web/static/vendor.txt lists against web/node_modules. A copy
# that differs is replaced and named, to be committed; a file under
# web/static/vendor that the list does not name is removed, since go:embed
# would put it in the binary.
set -euo pipefail
cd "$(dirname "$0")"

listed=$(awk '!/^#/ && NF == 2 { print $1 }' static/vendor.txt)
changed=0
while read -r dst src; do
	from="node_modules/$src"
	to="static/$dst"
	if [[ ! -f $from ]]; then
		echo "web/$from is missing: the lockfile no longer installs it; fix web/static/vendor.txt" >&2
		exit 1
	fi
	if ! cmp -s "$from" "$to"; then
		mkdir -p "$(dirname "$to")"
		cp "$from" "$to"
		echo "updated web/$to from web/$from: commit it"
		changed=1
	fi
done < <(awk '!/^#/ && NF == 2' static/vendor.txt)

while IFS= read -r f; do
	rel=${f#static/}
	if [[ $rel != vendor/README.md ]] && ! grep -qxF "$rel" <<<"$listed"; then
		rm "$f"
		echo "removed web/$f: web/static/vendor.txt does not list it"
		changed=1
	fi
done < <(find static/vendor -type f)
find static/vendor -mindepth 1 -type d -empty -delete

if [[ $changed == 0 ]]; then
	echo "web/static/vendor matches web/node_modules"
fi
