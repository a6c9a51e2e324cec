package main

import (
	"os"
	"runtime"
	"strconv"
	"syscall"
	"testing"
)

func TestPriorityFromEnv(t *testing.T) {
	for _, c := range []struct {
		in   string
		nice int
		ok   bool
		err  bool
	}{
		{"", defaultNice, true, false},
		{"none", 0, false, false},
		{"-5", -5, true, false},
		{"19", 19, true, false},
		{"-21", 0, false, true},
		{"high", 0, false, true},
	} {
		n, ok, err := priorityFromEnv(c.in)
		if (err != nil) != c.err || ok != c.ok || (ok && n != c.nice) {
			t.Errorf("priorityFromEnv(%q) = %d, %v, %v; want %d, %v, error %v", c.in, n, ok, err, c.nice, c.ok, c.err)
		}
	}
}

// TestRaisePriorityEveryThread: every thread of the process, including one
// the runtime starts afterwards, runs at the raised priority. It changes
// this test process's priority (and so that of the crmds later tests start).
func TestRaisePriorityEveryThread(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("raising a priority needs root (CAP_SYS_NICE)")
	}
	const want = -3
	orig, raised, err := raisePriority(want)
	if err != nil {
		t.Fatal(err)
	}
	if orig <= want {
		t.Skipf("already at nice %d", orig)
	}
	if !raised {
		t.Fatal("not raised")
	}
	// A new OS thread (a goroutine locked to it) inherits the value.
	done := make(chan struct{})
	go func() {
		syscallLock()
		<-done
	}()
	defer close(done)
	ents, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		tid, _ := strconv.Atoi(e.Name())
		p, err := syscall.Getpriority(syscall.PRIO_PROCESS, tid)
		if err != nil {
			continue // exited meanwhile
		}
		if 20-p != want {
			t.Errorf("thread %d at nice %d, want %d", tid, 20-p, want)
		}
	}
}

// syscallLock pins the calling goroutine to a fresh OS thread.
func syscallLock() { runtime.LockOSThread() }
