// How a container asks network/cni for a network: annotations of its config,
// which `create`/`run` --network, -p, --cni-conf-dir and --cni-bin-dir
// write, and which a caller that passes only a bundle writes itself.
#pragma once

namespace berth::cni {

// "NAME[,NAME...]": the networks, attached as eth0, eth1, ... in this order.
inline constexpr const char* kNetworksAnnotation = "run.berth.cni.networks";
// A JSON array of {"hostPort", "containerPort", "protocol"[, "hostIP"]}: the
// portMappings capability argument (the portmap plugin).
inline constexpr const char* kPortMappingsAnnotation = "run.berth.cni.portMappings";
// A JSON object of further capability arguments (ipRanges, bandwidth, mac,
// ips, ...), each passed to the plugins that declare it.
inline constexpr const char* kCapabilityArgsAnnotation = "run.berth.cni.capabilityArgs";
// The configuration directory and the plugins' directories (':'-separated).
inline constexpr const char* kConfDirAnnotation = "run.berth.cni.confDir";
inline constexpr const char* kBinDirAnnotation = "run.berth.cni.binDir";

// "true": the container's /etc/hosts, /etc/resolv.conf and /etc/hostname are
// files of its state directory, bind-mounted, written from the first
// network's ADD result (its address, its DNS; the host's resolv.conf when the
// result has no nameserver) and the config's hostname (else the id).
inline constexpr const char* kEtcFilesAnnotation = "run.berth.cni.etcFiles";

// Seconds a plugin may take for one command before it is killed (1 to 3600,
// default 60).
inline constexpr const char* kPluginTimeoutAnnotation = "run.berth.cni.pluginTimeout";
inline constexpr int kDefaultPluginTimeout = 60;

inline constexpr const char* kDefaultConfDir = "/etc/berth/cni/net.d";
inline constexpr const char* kDefaultBinDir = "/usr/lib/cni";

}  // namespace berth::cni
