# store.bash -- checks of berth's image store for the image tests.
#
#   load ../lib/images/store
#   assert_store_verifies     every blob of $STORE is what its name says (sha256)

assert_store_verifies() {
	local f
	for f in "$STORE"/blobs/sha256/*; do
		[ -e "$f" ] || continue
		[ "$(sha256sum <"$f" | cut -d' ' -f1)" = "$(basename "$f")" ] || { echo "blob $f is corrupt" >&2; return 1; }
	done
}
