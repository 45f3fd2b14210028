// The jail's namespaces (SECURITY.md "Layers") and its identity inside them.
#pragma once

#include "util/error.hpp"

#include <sys/types.h>

namespace assay::sandbox {

// Namespaces created by clone for a strict jail. The cgroup namespace is entered by the child
// after the supervisor has moved it into its cgroup, so the jail sees that group as its root.
[[nodiscard]] int jail_clone_namespaces();

// Outer ids the jail uid/gid (kJailUid, kJailGid) are mapped to: nobody/nogroup when the
// supervisor is root, else the supervisor's own ids (the only ones it may map).
[[nodiscard]] uid_t outer_jail_uid();
[[nodiscard]] gid_t outer_jail_gid();

// Supervisor side: writes the child's uid_map, setgroups and gid_map. Only the jail ids are
// mapped; in particular the jail's namespace has no root.
[[nodiscard]] Expected<void> write_id_maps(pid_t child);

// Child side: hostname and domain name "assay". Returns 0 or an errno.
int setup_uts() noexcept;

// Child side: file-system ids become the jail ids, so the tmpfs trees it creates belong to the
// jail user (files cannot be created by an id the namespace does not map). Returns 0 or errno.
int become_jail_fs_user() noexcept;

} // namespace assay::sandbox
