#!/usr/bin/env python3
"""mktar.py -- write an uncompressed, reproducible layer tar from a line spec.

    mktar.py OUT.tar < SPEC

For layer entries that a directory on disk cannot express, or that umoci does not
write: whiteouts, opaque dirs, hard links, xattrs, exact modes and owners. Used by
make-images.sh (then `umoci raw add-layer`). The same spec gives the same bytes:
PAX format, fixed mtime, empty user/group names, no end-of-archive surprises.

SPEC: one entry per line, in archive order; blank lines and lines starting with #
are skipped. Words are split on blanks; options are KEY=VALUE:

    dir      PATH                 [mode=0755] [uid=0] [gid=0] [mtime=N] [xattr.NAME=V]
    file     PATH                 [mode=0644] [uid=0] [gid=0] [mtime=N] [xattr.NAME=V] [data=TEXT]
    hardlink PATH TARGET          (TARGET: an earlier entry's path)
    symlink  PATH TARGET          [uid=0] [gid=0]
    fifo     PATH                 [mode=0644]
    whiteout PATH                 (a file DIR/.wh.NAME removing DIR/NAME from lower layers)
    opaque   DIR                  (a file DIR/.wh..wh..opq hiding DIR's lower contents)

TEXT takes Python escapes (\\n, \\x20 for a space); mode is octal (4755 is setuid).
"""

import codecs
import io
import posixpath
import sys
import tarfile

MTIME = 946684800  # 2000-01-01T00:00:00Z


def entry(kind, path, args, opts):
    ti = tarfile.TarInfo(path)
    ti.mtime = int(opts.get("mtime", MTIME))
    ti.uid = int(opts.get("uid", 0))
    ti.gid = int(opts.get("gid", 0))
    ti.uname = ti.gname = ""
    data = b""
    if kind == "dir":
        ti.type, ti.mode = tarfile.DIRTYPE, 0o755
    elif kind == "file":
        ti.type, ti.mode = tarfile.REGTYPE, 0o644
        data = codecs.decode(opts.get("data", ""), "unicode_escape").encode("latin-1")
    elif kind == "hardlink":
        ti.type, ti.mode, ti.linkname = tarfile.LNKTYPE, 0o644, args[0]
    elif kind == "symlink":
        ti.type, ti.mode, ti.linkname = tarfile.SYMTYPE, 0o777, args[0]
    elif kind == "fifo":
        ti.type, ti.mode = tarfile.FIFOTYPE, 0o644
    elif kind in ("whiteout", "opaque"):
        head, base = posixpath.split(path.rstrip("/"))
        name = ".wh..wh..opq" if kind == "opaque" else ".wh." + base
        ti.name = posixpath.join(path.rstrip("/") if kind == "opaque" else head, name)
        ti.type, ti.mode = tarfile.REGTYPE, 0o644
    else:
        raise SystemExit(f"mktar: unknown entry kind {kind!r}")
    if "mode" in opts:
        ti.mode = int(opts["mode"], 8)
    ti.size = len(data)
    for key, value in opts.items():
        if key.startswith("xattr."):
            ti.pax_headers["SCHILY.xattr." + key[len("xattr."):]] = value
    return ti, data


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: mktar.py OUT.tar < SPEC")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for lineno, line in enumerate(sys.stdin, 1):
            words = line.split()
            if not words or words[0].startswith("#"):
                continue
            if len(words) < 2:
                raise SystemExit(f"mktar: line {lineno}: no path")
            args = [w for w in words[2:] if "=" not in w]
            opts = dict(w.split("=", 1) for w in words[2:] if "=" in w)
            ti, data = entry(words[0], words[1], args, opts)
            tar.addfile(ti, io.BytesIO(data))
    with open(sys.argv[1], "wb") as f:
        f.write(buf.getvalue())


if __name__ == "__main__":
    main()
