// tmpcopyup (runc's mount extension, which podman --read-only puts on its
// tmpfs mounts): what the destination holds is copied into the new tmpfs
// before the tmpfs covers it.
#pragma once

namespace berth::child {

// Copies every entry of the directory `from` into the directory `to`, each as
// what it is (directories, files, symlinks as links, device nodes, fifos;
// sockets are left out), with its mode, owner and times. Nothing is
// followed: the source is the container's image. Returns 0 or -errno, with
// *failed the name of the entry that failed (a pointer into a static buffer).
int copy_up(int from, int to, const char** failed) noexcept;

}  // namespace berth::child
