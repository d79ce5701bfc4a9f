#!/usr/bin/env python3
"""evil_layers.py -- OCI image layouts whose single layer is malicious, one per case.

    evil_layers.py DIR          write DIR/CASE/ for every case, and DIR/cases.tsv
    evil_layers.py DIR CASE...  only those cases
    evil_layers.py --list       print "CASE<TAB>EXPECT<TAB>what it does" for every case

Each DIR/CASE is a valid OCI image layout (oci-layout, index.json tagged "latest",
blobs/sha256/ with manifest, config and one tar+gzip layer, digests and sizes right
except where the case is about them), so `skopeo inspect oci:DIR/CASE:latest` works
and `berth image pull oci:DIR/CASE:latest` gets as far as unpacking. DIR/cases.tsv
holds the same lines as --list. Python 3 standard library only; the output is
byte-for-byte reproducible.

EXPECT, what berth must do when it pulls and unpacks the image:
  refused    the pull fails with an error, and nothing is created or changed outside
             the destination (no file named escape*, evil*, outside* or victim* appears
             next to the destination or above it, no host file is linked or removed).
  contained  the pull may fail or succeed; when it succeeds, everything it wrote is
             inside the image's rootfs (a symlink is resolved as if the rootfs were /,
             an absolute name is taken relative to the rootfs), and nothing outside
             the destination is created, changed or removed.
  allowed    legal content that must be unpacked faithfully; listed because a
             security review should know about it (setuid root files, fifos).

Cases (see CASES below for the exact entries):
  dotdot                  refused    regular file ../../escape
  dotdot-nested           refused    data/../../escape (cleans to ../escape)
  absolute                contained  /etc/evil (absolute name)
  symlink-root-file       contained  link -> /, then the file link/escaped
  symlink-dotdot-file     contained  link -> ../../.., then link/escaped
  symlink-chain           contained  d/up -> .., then d/up/up/up/escaped
  hardlink-absolute       refused    shadow hard-linked to /etc/shadow (not in the image)
  hardlink-dotdot         refused    outside hard-linked to ../outside
  hardlink-via-symlink    refused    link -> /, then passwd hard-linked to link/etc/passwd
  pax-path-dotdot         refused    ustar name "benign", PAX path ../../pax-escape
  pax-linkpath-dotdot     refused    hard link whose PAX linkpath is ../../outside
  gnu-longname-dotdot     refused    GNU ././@LongLink name ../../ddd.../escape
  device-char             refused    char device dev/evil-mem 1:1 (policy: refuse, or skip
                                     with a warning; never a usable node when unprivileged)
  device-block            refused    block device dev/evil-sda 8:0 (same policy)
  fifo                    allowed    a named pipe; unpacking must not open or block on it
  huge-size-pax           refused    header claims 2^40 bytes (PAX size), stream ends after
                                     4 KiB: must fail fast, no 1 TiB allocation or file
  huge-size-base256       refused    the same with a GNU base-256 size field
  setuid-root             allowed    bin/evil-suid 4755 and bin/evil-sgid 2755, owned 0:0
  whiteout-dotdot         refused    .wh... (a whiteout of "..")
  whiteout-dotdot-path    refused    .wh.../../x
  whiteout-outside        refused    ../.wh.victim (a whiteout outside the rootfs)
  whiteout-via-symlink    contained  link -> /, then link/.wh.etc (must not delete /etc)
  opaque-via-symlink      contained  link -> ../../.., then link/.wh..wh..opq
  digest-mismatch         refused    layer bytes differ from the manifest's digest
  size-mismatch           refused    manifest's layer size is 1 byte short
  diffid-mismatch         refused    config's rootfs.diff_ids does not match the layer
"""

import gzip
import hashlib
import io
import json
import os
import sys
import tarfile

MTIME = 946684800  # 2000-01-01T00:00:00Z
BLOCK = 512


def info(name, kind=tarfile.REGTYPE, mode=0o644, data=b"", **kw):
    """A TarInfo plus its data; kw sets linkname, uid, gid, devmajor, devminor, size,
    pax (a dict of PAX records)."""
    ti = tarfile.TarInfo(name)
    ti.type = kind
    ti.mode = mode
    ti.mtime = MTIME
    ti.uname = ti.gname = ""
    ti.size = len(data)
    ti.linkname = kw.get("linkname", "")
    ti.uid = kw.get("uid", 0)
    ti.gid = kw.get("gid", 0)
    ti.devmajor = kw.get("devmajor", 0)
    ti.devminor = kw.get("devminor", 0)
    if "size" in kw:
        ti.size = kw["size"]
    ti.pax_headers = dict(kw.get("pax", {}))
    return ti, data


def d(name, mode=0o755):
    return info(name, tarfile.DIRTYPE, mode)


def f(name, data=b"evil\n", mode=0o644, **kw):
    return info(name, tarfile.REGTYPE, mode, data, **kw)


def symlink(name, target):
    return info(name, tarfile.SYMTYPE, 0o777, linkname=target)


def hardlink(name, target, **kw):
    return info(name, tarfile.LNKTYPE, 0o644, linkname=target, **kw)


def tar_bytes(entries, fmt=tarfile.PAX_FORMAT, truncate_after=None):
    """Raw tar written header by header, so that names are kept exactly as given
    (tarfile.add would strip a leading "/"). With truncate_after=N the stream stops
    after N bytes of the last entry's data: no padding, no end-of-archive blocks."""
    out = io.BytesIO()
    for i, (ti, data) in enumerate(entries):
        out.write(ti.tobuf(fmt, "utf-8", "surrogateescape"))
        last = i == len(entries) - 1
        if truncate_after is not None and last:
            out.write(b"A" * truncate_after)
            return out.getvalue()
        out.write(data)
        if len(data) % BLOCK:
            out.write(b"\0" * (BLOCK - len(data) % BLOCK))
    out.write(b"\0" * (2 * BLOCK))
    return out.getvalue()


TAIL = 4096  # bytes of data after a header that claims 2^40

# name -> (expect, description, function making the layer tar)
CASES = {
    "dotdot": ("refused", "regular file ../../escape",
               lambda: tar_bytes([f("../../escape")])),
    "dotdot-nested": ("refused", "data/../../escape (cleans to ../escape)",
                      lambda: tar_bytes([d("data"), f("data/../../escape")])),
    "absolute": ("contained", "/etc/evil (absolute name)",
                 lambda: tar_bytes([f("/etc/evil")])),
    "symlink-root-file": ("contained", "link -> /, then the file link/escaped",
                          lambda: tar_bytes([symlink("link", "/"), f("link/escaped")])),
    "symlink-dotdot-file": ("contained", "link -> ../../.., then link/escaped",
                            lambda: tar_bytes([symlink("link", "../../.."), f("link/escaped")])),
    "symlink-chain": ("contained", "d/up -> .., then d/up/up/up/escaped",
                      lambda: tar_bytes([d("d"), symlink("d/up", ".."), f("d/up/up/up/escaped")])),
    "hardlink-absolute": ("refused", "shadow hard-linked to /etc/shadow (not in the image)",
                          lambda: tar_bytes([hardlink("shadow", "/etc/shadow")])),
    "hardlink-dotdot": ("refused", "outside hard-linked to ../outside",
                        lambda: tar_bytes([hardlink("outside", "../outside")])),
    "hardlink-via-symlink": ("refused", "link -> /, then passwd hard-linked to link/etc/passwd",
                             lambda: tar_bytes([symlink("link", "/"),
                                                hardlink("passwd", "link/etc/passwd")])),
    "pax-path-dotdot": ("refused", "ustar name benign, PAX path ../../pax-escape",
                        lambda: tar_bytes([f("benign", pax={"path": "../../pax-escape"})])),
    "pax-linkpath-dotdot": ("refused", "hard link whose PAX linkpath is ../../outside",
                            lambda: tar_bytes([f("target"),
                                               hardlink("hl", "target",
                                                        pax={"linkpath": "../../outside"})])),
    "gnu-longname-dotdot": ("refused", "GNU ././@LongLink name ../../ddd.../escape",
                            lambda: tar_bytes([f("../../" + "d" * 120 + "/escape")],
                                              fmt=tarfile.GNU_FORMAT)),
    "device-char": ("refused", "char device dev/evil-mem 1:1 (or skipped with a warning)",
                    lambda: tar_bytes([d("dev"), info("dev/evil-mem", tarfile.CHRTYPE, 0o666,
                                                      devmajor=1, devminor=1)])),
    "device-block": ("refused", "block device dev/evil-sda 8:0 (or skipped with a warning)",
                     lambda: tar_bytes([d("dev"), info("dev/evil-sda", tarfile.BLKTYPE, 0o666,
                                                       devmajor=8, devminor=0)])),
    "fifo": ("allowed", "a named pipe; unpacking must not open or block on it",
             lambda: tar_bytes([info("fifo", tarfile.FIFOTYPE, 0o666)])),
    "huge-size-pax": ("refused", "header claims 2^40 bytes (PAX size), stream ends after 4 KiB",
                      lambda: tar_bytes([f("huge", size=1 << 40)], truncate_after=TAIL)),
    "huge-size-base256": ("refused", "header claims 2^40 bytes (GNU base-256), stream ends after 4 KiB",
                          lambda: tar_bytes([f("huge", size=1 << 40)], fmt=tarfile.GNU_FORMAT,
                                            truncate_after=TAIL)),
    "setuid-root": ("allowed", "bin/evil-suid 4755 and bin/evil-sgid 2755, owned 0:0",
                    lambda: tar_bytes([d("bin"),
                                       f("bin/evil-suid", b"#!/bin/sh\nid\n", 0o4755),
                                       f("bin/evil-sgid", b"#!/bin/sh\nid\n", 0o2755)])),
    "whiteout-dotdot": ("refused", ".wh... (a whiteout of ..)",
                        lambda: tar_bytes([f(".wh...", b"")])),
    "whiteout-dotdot-path": ("refused", ".wh.../../x",
                             lambda: tar_bytes([f(".wh.../../x", b"")])),
    "whiteout-outside": ("refused", "../.wh.victim (a whiteout outside the rootfs)",
                         lambda: tar_bytes([f("../.wh.victim", b"")])),
    "whiteout-via-symlink": ("contained", "link -> /, then link/.wh.etc (must not delete /etc)",
                             lambda: tar_bytes([symlink("link", "/"), f("link/.wh.etc", b"")])),
    "opaque-via-symlink": ("contained", "link -> ../../.., then link/.wh..wh..opq",
                           lambda: tar_bytes([symlink("link", "../../.."),
                                              f("link/.wh..wh..opq", b"")])),
    "digest-mismatch": ("refused", "layer bytes differ from the manifest's digest",
                        lambda: tar_bytes([f("file")])),
    "size-mismatch": ("refused", "manifest's layer size is 1 byte short",
                      lambda: tar_bytes([f("file")])),
    "diffid-mismatch": ("refused", "config's rootfs.diff_ids does not match the layer",
                        lambda: tar_bytes([f("file")])),
}


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def canonical(obj):
    return json.dumps(obj, separators=(",", ":"), sort_keys=True).encode()


def write_layout(path, name, layer_tar):
    blobs = os.path.join(path, "blobs", "sha256")
    os.makedirs(blobs, exist_ok=True)

    def put(data):
        digest = sha256(data)
        with open(os.path.join(blobs, digest.split(":", 1)[1]), "wb") as out:
            out.write(data)
        return digest

    layer = gzip.compress(layer_tar, mtime=0)
    diff_id = sha256(layer_tar)
    if name == "diffid-mismatch":
        diff_id = sha256(layer_tar + b"\0")
    config = canonical({
        "architecture": "amd64", "os": "linux", "created": "2000-01-01T00:00:00Z",
        "config": {"Cmd": ["/bin/sh"], "Labels": {"org.berth.evil": name}},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
    })
    layer_digest, layer_size = put(layer), len(layer)
    if name == "digest-mismatch":  # the blob under that digest is a different gzip
        with open(os.path.join(blobs, layer_digest.split(":", 1)[1]), "wb") as out:
            out.write(gzip.compress(tar_bytes([f("file", b"not the layer you asked for\n")]), mtime=0))
    if name == "size-mismatch":
        layer_size -= 1
    manifest = canonical({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": put(config), "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": layer_digest, "size": layer_size}],
        "annotations": {"org.berth.evil": name},
    })
    index = {"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": put(manifest), "size": len(manifest),
        "annotations": {"org.opencontainers.image.ref.name": "latest"}}]}
    with open(os.path.join(path, "index.json"), "wb") as out:
        out.write(canonical(index))
    with open(os.path.join(path, "oci-layout"), "wb") as out:
        out.write(canonical({"imageLayoutVersion": "1.0.0"}))


def main(argv):
    if len(argv) == 2 and argv[1] == "--list":
        for name, (expect, what, _) in CASES.items():
            print(f"{name}\t{expect}\t{what}")
        return 0
    if len(argv) < 2 or argv[1].startswith("-"):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    out, names = argv[1], argv[2:] or list(CASES)
    unknown = [n for n in names if n not in CASES]
    if unknown:
        print(f"evil_layers: unknown case(s): {' '.join(unknown)}", file=sys.stderr)
        return 2
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "cases.tsv"), "w", encoding="utf-8") as tsv:
        for name in names:
            expect, what, make = CASES[name]
            write_layout(os.path.join(out, name), name, make())
            tsv.write(f"{name}\t{expect}\t{what}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
