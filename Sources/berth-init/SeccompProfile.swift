/// Docker's default seccomp profile as data, rule for rule in the order of moby's
/// `profiles/seccomp/default.json` (vendored in moby as vendor/github.com/moby/profiles/
/// seccomp/default.json; read this beside it): an allow-list, calls the kernel refuses with
/// EPERM by default (`defaultErrnoRet: 1`), argument conditions (socket families, personality
/// values, clone without namespace flags), and groups allowed only to a container holding a
/// capability (`includes.caps`) or refused to one that does not (`excludes.caps`).
/// `SeccompFilter` turns it into a libseccomp filter for the container's capabilities, this
/// machine's architecture and kernel.
enum SeccompProfile {
    /// What a call no rule allows gets: errno EPERM, as Docker's `defaultErrnoRet`.
    static let defaultErrno: Int32 = 1

    enum Action: Equatable {
        case allow
        case errno(Int32)
    }

    enum Comparison {
        case notEqual, less, lessOrEqual, equal, greaterOrEqual, greater, maskedEqual
    }

    /// One argument condition: `op(argument[index], value)`; for `maskedEqual`, `value` is the
    /// mask and `valueTwo` what the masked argument must equal (libseccomp's datum_a, datum_b).
    struct Argument {
        var index: UInt32
        var value: UInt64
        var valueTwo: UInt64
        var op: Comparison
    }

    /// When a rule applies (`includes`) or does not (`excludes`): any of the capabilities, any
    /// of the architectures (Docker's names: amd64, arm64, x86, …), a kernel at least this new.
    struct Condition {
        var caps: [String] = []
        var arches: [String] = []
        var minKernel: String?
    }

    struct Rule {
        var names: [String]
        var action: Action
        var args: [Argument] = []
        var includes = Condition()
        var excludes = Condition()
    }

    /// Docker's `archMap`, for the architectures Berth builds for: the native one and the
    /// sub-architectures a process on it can also make calls as.
    static let architectures: [String: [String]] = ["amd64": ["x86", "x32"], "arm64": ["arm"]]

    static let rules: [Rule] = [
        Rule(
            names: [
                "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "cachestat", "capget", "capset",
                "chdir", "chmod", "chown", "chown32", "clock_adjtime", "clock_adjtime64", "clock_getres",
                "clock_getres_time64", "clock_gettime", "clock_gettime64", "clock_nanosleep",
                "clock_nanosleep_time64", "close", "close_range", "connect", "copy_file_range", "creat", "dup",
                "dup2", "dup3", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait",
                "epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2", "execve", "execveat", "exit",
                "exit_group", "faccessat", "faccessat2", "fadvise64", "fadvise64_64", "fallocate", "fanotify_mark",
                "fchdir", "fchmod", "fchmodat", "fchmodat2", "fchown", "fchown32", "fchownat", "fcntl", "fcntl64",
                "fdatasync", "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr", "fsetxattr", "fstat",
                "fstat64", "fstatat64", "fstatfs", "fstatfs64", "fsync", "ftruncate", "ftruncate64", "futex",
                "futex_requeue", "futex_time64", "futex_wait", "futex_waitv", "futex_wake", "futimesat", "getcpu",
                "getcwd", "getdents", "getdents64", "getegid", "getegid32", "geteuid", "geteuid32", "getgid",
                "getgid32", "getgroups", "getgroups32", "getitimer", "getpeername", "getpgid", "getpgrp", "getpid",
                "getppid", "getpriority", "getrandom", "getresgid", "getresgid32", "getresuid", "getresuid32",
                "getrlimit", "get_robust_list", "getrusage", "getsid", "getsockname", "getsockopt",
                "get_thread_area", "gettid", "gettimeofday", "getuid", "getuid32", "getxattr", "getxattrat",
                "inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch", "io_cancel", "ioctl",
                "io_destroy", "io_getevents", "io_pgetevents", "io_pgetevents_time64", "ioprio_get", "ioprio_set",
                "io_setup", "io_submit", "ipc", "kill", "landlock_add_rule", "landlock_create_ruleset",
                "landlock_restrict_self", "lchown", "lchown32", "lgetxattr", "link", "linkat", "listen", "listmount",
                "listxattr", "listxattrat", "llistxattr", "_llseek", "lremovexattr", "lseek", "lsetxattr", "lstat",
                "lstat64", "madvise", "map_shadow_stack", "membarrier", "memfd_create", "memfd_secret", "mincore",
                "mkdir", "mkdirat", "mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap", "mmap2", "mprotect",
                "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive", "mq_timedreceive_time64", "mq_timedsend",
                "mq_timedsend_time64", "mq_unlink", "mremap", "mseal", "msgctl", "msgget", "msgrcv", "msgsnd",
                "msync", "munlock", "munlockall", "munmap", "name_to_handle_at", "nanosleep", "newfstatat",
                "_newselect", "open", "openat", "openat2", "pause", "pidfd_open", "pidfd_send_signal", "pipe",
                "pipe2", "pkey_alloc", "pkey_free", "pkey_mprotect", "poll", "ppoll", "ppoll_time64", "prctl",
                "pread64", "preadv", "preadv2", "prlimit64", "process_mrelease", "pselect6", "pselect6_time64",
                "pwrite64", "pwritev", "pwritev2", "read", "readahead", "readlink", "readlinkat", "readv", "recv",
                "recvfrom", "recvmmsg", "recvmmsg_time64", "recvmsg", "remap_file_pages", "removexattr",
                "removexattrat", "rename", "renameat", "renameat2", "restart_syscall", "riscv_hwprobe", "rmdir",
                "rseq", "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn",
                "rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_tgsigqueueinfo",
                "sched_getaffinity", "sched_getattr", "sched_getparam", "sched_get_priority_max",
                "sched_get_priority_min", "sched_getscheduler", "sched_rr_get_interval",
                "sched_rr_get_interval_time64", "sched_setaffinity", "sched_setattr", "sched_setparam",
                "sched_setscheduler", "sched_yield", "seccomp", "select", "semctl", "semget", "semop", "semtimedop",
                "semtimedop_time64", "send", "sendfile", "sendfile64", "sendmmsg", "sendmsg", "sendto", "setfsgid",
                "setfsgid32", "setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups", "setgroups32",
                "setitimer", "setpgid", "setpriority", "setregid", "setregid32", "setresgid", "setresgid32",
                "setresuid", "setresuid32", "setreuid", "setreuid32", "setrlimit", "set_robust_list", "setsid",
                "setsockopt", "set_thread_area", "set_tid_address", "setuid", "setuid32", "setxattr", "setxattrat",
                "shmat", "shmctl", "shmdt", "shmget", "shutdown", "sigaltstack", "signalfd", "signalfd4",
                "sigprocmask", "sigreturn", "socketcall", "socketpair", "splice", "stat", "stat64", "statfs",
                "statfs64", "statmount", "statx", "symlink", "symlinkat", "sync", "sync_file_range", "syncfs",
                "sysinfo", "tee", "tgkill", "time", "timer_create", "timer_delete", "timer_getoverrun",
                "timer_gettime", "timer_gettime64", "timer_settime", "timer_settime64", "timerfd_create",
                "timerfd_gettime", "timerfd_gettime64", "timerfd_settime", "timerfd_settime64", "times", "tkill",
                "truncate", "truncate64", "ugetrlimit", "umask", "uname", "unlink", "unlinkat", "uretprobe", "utime",
                "utimensat", "utimensat_time64", "utimes", "vfork", "vmsplice", "wait4", "waitid", "waitpid",
                "write", "writev",
            ],
            action: .allow
        ),
        Rule(
            names: ["process_vm_readv", "process_vm_writev", "ptrace"], action: .allow,
            includes: Condition(minKernel: "4.8")
        ),
        Rule(
            names: ["socket"], action: .allow,
            args: [Argument(index: 0, value: 38, valueTwo: 0, op: .less)]
        ),
        Rule(
            names: ["socket"], action: .allow,
            args: [Argument(index: 0, value: 39, valueTwo: 0, op: .equal)]
        ),
        Rule(
            names: ["socket"], action: .allow,
            args: [Argument(index: 0, value: 40, valueTwo: 0, op: .greater)]
        ),
        Rule(
            names: ["personality"], action: .allow,
            args: [Argument(index: 0, value: 0, valueTwo: 0, op: .equal)]
        ),
        Rule(
            names: ["personality"], action: .allow,
            args: [Argument(index: 0, value: 8, valueTwo: 0, op: .equal)]
        ),
        Rule(
            names: ["personality"], action: .allow,
            args: [Argument(index: 0, value: 131072, valueTwo: 0, op: .equal)]
        ),
        Rule(
            names: ["personality"], action: .allow,
            args: [Argument(index: 0, value: 131080, valueTwo: 0, op: .equal)]
        ),
        Rule(
            names: ["personality"], action: .allow,
            args: [Argument(index: 0, value: 4294967295, valueTwo: 0, op: .equal)]
        ),
        Rule(
            names: ["sync_file_range2", "swapcontext"], action: .allow,
            includes: Condition(arches: ["ppc64le"])
        ),
        Rule(
            names: ["arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2", "breakpoint", "cacheflush", "set_tls"], action: .allow,
            includes: Condition(arches: ["arm", "arm64"])
        ),
        Rule(
            names: ["arch_prctl"], action: .allow,
            includes: Condition(arches: ["amd64", "x32"])
        ),
        Rule(
            names: ["modify_ldt"], action: .allow,
            includes: Condition(arches: ["amd64", "x32", "x86"])
        ),
        Rule(
            names: ["s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr"], action: .allow,
            includes: Condition(arches: ["s390", "s390x"])
        ),
        Rule(
            names: ["riscv_flush_icache"], action: .allow,
            includes: Condition(arches: ["riscv64"])
        ),
        Rule(
            names: ["open_by_handle_at"], action: .allow,
            includes: Condition(caps: ["CAP_DAC_READ_SEARCH"])
        ),
        Rule(
            names: [
                "bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick",
                "lookup_dcookie", "lsm_get_self_attr", "lsm_list_modules", "lsm_set_self_attr", "mount",
                "mount_setattr", "move_mount", "open_tree", "perf_event_open", "quotactl", "quotactl_fd",
                "setdomainname", "sethostname", "setns", "syslog", "umount", "umount2", "unshare",
            ],
            action: .allow,
            includes: Condition(caps: ["CAP_SYS_ADMIN"])
        ),
        Rule(
            names: ["clone"], action: .allow,
            args: [Argument(index: 0, value: 2114060288, valueTwo: 0, op: .maskedEqual)],
            excludes: Condition(caps: ["CAP_SYS_ADMIN"], arches: ["s390", "s390x"])
        ),
        Rule(
            names: ["clone"], action: .allow,
            args: [Argument(index: 1, value: 2114060288, valueTwo: 0, op: .maskedEqual)],
            includes: Condition(arches: ["s390", "s390x"]),
            excludes: Condition(caps: ["CAP_SYS_ADMIN"])
        ),
        Rule(
            names: ["clone3"], action: .errno(38),
            excludes: Condition(caps: ["CAP_SYS_ADMIN"])
        ),
        Rule(
            names: ["reboot"], action: .allow,
            includes: Condition(caps: ["CAP_SYS_BOOT"])
        ),
        Rule(
            names: ["chroot"], action: .allow,
            includes: Condition(caps: ["CAP_SYS_CHROOT"])
        ),
        Rule(
            names: ["delete_module", "init_module", "finit_module"], action: .allow,
            includes: Condition(caps: ["CAP_SYS_MODULE"])
        ),
        Rule(
            names: ["acct"], action: .allow,
            includes: Condition(caps: ["CAP_SYS_PACCT"])
        ),
        Rule(
            names: ["kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev", "ptrace"], action: .allow,
            includes: Condition(caps: ["CAP_SYS_PTRACE"])
        ),
        Rule(
            names: ["iopl", "ioperm"], action: .allow,
            includes: Condition(caps: ["CAP_SYS_RAWIO"])
        ),
        Rule(
            names: ["settimeofday", "stime", "clock_settime", "clock_settime64"], action: .allow,
            includes: Condition(caps: ["CAP_SYS_TIME"])
        ),
        Rule(
            names: ["vhangup"], action: .allow,
            includes: Condition(caps: ["CAP_SYS_TTY_CONFIG"])
        ),
        Rule(
            names: ["get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"], action: .allow,
            includes: Condition(caps: ["CAP_SYS_NICE"])
        ),
        Rule(
            names: ["syslog"], action: .allow,
            includes: Condition(caps: ["CAP_SYSLOG"])
        ),
        Rule(
            names: ["bpf"], action: .allow,
            includes: Condition(caps: ["CAP_BPF"])
        ),
        Rule(
            names: ["perf_event_open"], action: .allow,
            includes: Condition(caps: ["CAP_PERFMON"])
        ),
    ]
}
