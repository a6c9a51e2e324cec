package main

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
)

// defaultNice is the nice value crmd gives itself (PACER_NICE overrides it;
// PACER_NICE=none leaves the priority alone). Corosync runs at real-time
// priority so that its token is answered on a busy host; crmd answers
// membership probes itself, and on a host whose CPUs are oversubscribed
// (measured: 2 CPUs, 25 runnable threads, 12 of them agents) it was not
// scheduled within probe_timeout and nodes were declared failed. A nice
// value rather than SCHED_RR: a busy-looping crmd must not freeze the host.
const defaultNice = -10

// raisePriority gives every thread of this process the nice value want when
// that is higher priority than the process has and it is allowed to. It
// returns the nice value the process had (the one agents get back) and
// whether it changed anything. Linux's nice value is per thread and a new
// thread inherits its creator's, so setting every existing thread covers
// the threads the Go runtime creates later; passes repeat until no thread
// is left at the old value.
func raisePriority(want int) (orig int, raised bool, err error) {
	prio, err := syscall.Getpriority(syscall.PRIO_PROCESS, 0)
	if err != nil {
		return 0, false, fmt.Errorf("reading the process priority: %w", err)
	}
	orig = 20 - prio // the raw syscall returns 20-nice
	if want >= orig {
		return orig, false, nil
	}
	for pass := 0; pass < 5; pass++ {
		ents, err := os.ReadDir("/proc/self/task")
		if err != nil {
			return orig, false, fmt.Errorf("listing threads: %w", err)
		}
		changed := 0
		for _, e := range ents {
			tid, err := strconv.Atoi(e.Name())
			if err != nil {
				continue
			}
			p, err := syscall.Getpriority(syscall.PRIO_PROCESS, tid)
			if err != nil || 20-p == want {
				continue // gone, or done
			}
			if err := syscall.Setpriority(syscall.PRIO_PROCESS, tid, want); err != nil {
				if pass == 0 && changed == 0 {
					return orig, false, fmt.Errorf("setting nice %d: %w", want, err)
				}
				continue
			}
			changed++
		}
		if changed == 0 {
			break
		}
	}
	return orig, true, nil
}

// priorityFromEnv parses PACER_NICE: empty is defaultNice, "none" is no
// change (ok false).
func priorityFromEnv(v string) (nice int, ok bool, err error) {
	switch v {
	case "":
		return defaultNice, true, nil
	case "none":
		return 0, false, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < -20 || n > 19 {
		return 0, false, fmt.Errorf("PACER_NICE=%q: want a nice value from -20 to 19, or none", v)
	}
	return n, true, nil
}
