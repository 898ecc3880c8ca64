// The bpf(2) calls BerthRuntime's cgroup v2 device filter needs, from the kernel's uapi header
// (Debian: linux-libc-dev). Each helper only fills `union bpf_attr` (whose anonymous members
// Swift cannot name) and makes the syscall (variadic `syscall` is not callable from Swift);
// the program itself and every decision stay in Swift. Each returns what the syscall returns,
// -1 with errno set on failure.
#include <linux/bpf.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static inline int berth_bpf(int command, union bpf_attr *attr) {
    return (int)syscall(__NR_bpf, command, attr, sizeof(*attr));
}

/// BPF_PROG_LOAD: `instructions` is `count` encoded `struct bpf_insn`; the verifier's log goes
/// to `log` when `log_level` is 1 (and the load fails with ENOSPC when it does not fit).
static inline int berth_bpf_prog_load(__u32 type, const void *instructions, __u32 count, const char *license,
                                      char *log, __u32 log_size, __u32 log_level) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.prog_type = type;
    attr.insns = (__u64)(unsigned long)instructions;
    attr.insn_cnt = count;
    attr.license = (__u64)(unsigned long)license;
    attr.log_buf = (__u64)(unsigned long)log;
    attr.log_size = log_size;
    attr.log_level = log_level;
    return berth_bpf(BPF_PROG_LOAD, &attr);
}

/// BPF_PROG_ATTACH of `program` to the cgroup directory open as `target`.
static inline int berth_bpf_prog_attach(int target, int program, __u32 attach_type, __u32 flags) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.target_fd = (__u32)target;
    attr.attach_bpf_fd = (__u32)program;
    attr.attach_type = attach_type;
    attr.attach_flags = flags;
    return berth_bpf(BPF_PROG_ATTACH, &attr);
}

/// BPF_PROG_DETACH of one program (attached with BPF_F_ALLOW_MULTI) from `target`.
static inline int berth_bpf_prog_detach(int target, int program, __u32 attach_type) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.target_fd = (__u32)target;
    attr.attach_bpf_fd = (__u32)program;
    attr.attach_type = attach_type;
    return berth_bpf(BPF_PROG_DETACH, &attr);
}

/// BPF_PROG_QUERY: the ids of the programs attached to `target` itself (not inherited ones).
/// `*count` holds the room in `ids` on entry and the number attached on return (ENOSPC when
/// more are attached than fit).
static inline int berth_bpf_prog_query(int target, __u32 attach_type, __u32 *ids, __u32 *count) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.query.target_fd = (__u32)target;
    attr.query.attach_type = attach_type;
    attr.query.prog_ids = (__u64)(unsigned long)ids;
    attr.query.prog_cnt = *count;
    int result = berth_bpf(BPF_PROG_QUERY, &attr);
    *count = attr.query.prog_cnt;
    return result;
}

/// BPF_PROG_GET_FD_BY_ID: a descriptor for an attached program, to detach it.
static inline int berth_bpf_prog_get_fd_by_id(__u32 id) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.prog_id = id;
    return berth_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
}
