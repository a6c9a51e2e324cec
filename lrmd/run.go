package lrmd

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// procResult is what running one agent process produced.
type procResult struct {
	exitCode   int
	signaled   bool
	signal     syscall.Signal
	timedOut   bool
	cancelled  bool
	startErr   error
	stdout     string
	stderr     string
	truncated  bool
	started    time.Time
	finished   time.Time
	exitReason string
}

// boundedBuffer keeps the first limit bytes written to it and counts the
// rest, so a chatty agent cannot grow the executor's memory.
type boundedBuffer struct {
	buf       bytes.Buffer
	limit     int
	truncated bool
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	if room := b.limit - b.buf.Len(); room > 0 {
		if len(p) > room {
			b.buf.Write(p[:room])
			b.truncated = true
		} else {
			b.buf.Write(p)
		}
	} else if len(p) > 0 {
		b.truncated = true
	}
	return len(p), nil
}

const exitReasonPrefix = "ocf-exit-reason:"

// exitReasonMax is the longest exit reason kept, as Pacemaker bounds it.
const exitReasonMax = 128

// parseExitReason returns the last ocf-exit-reason: line of an agent's stderr.
func parseExitReason(stderr string) string {
	reason := ""
	sc := bufio.NewScanner(strings.NewReader(stderr))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.Index(line, exitReasonPrefix); i >= 0 {
			reason = strings.TrimSpace(line[i+len(exitReasonPrefix):])
		}
	}
	if len(reason) > exitReasonMax {
		reason = reason[:exitReasonMax]
	}
	return reason
}

// runSpec describes one process to run.
type runSpec struct {
	path        string
	args        []string
	env         []string
	timeout     time.Duration
	killGrace   time.Duration // between SIGTERM and SIGKILL of the group
	outputLimit int
	// pipeGrace is how long to keep reading output after the agent exits:
	// a daemon it started may hold the pipe open forever.
	pipeGrace time.Duration
	// nice, when set, is applied to the process right after it starts.
	nice *int
}

// runProcess runs one agent in its own process group, kills the group on
// timeout or cancellation, and captures bounded output.
func runProcess(ctx context.Context, s runSpec) procResult {
	var res procResult
	outR, outW, err := os.Pipe()
	if err != nil {
		res.startErr = fmt.Errorf("creating stdout pipe: %w", err)
		return res
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		res.startErr = fmt.Errorf("creating stderr pipe: %w", err)
		return res
	}
	cmd := exec.Command(s.path, s.args...)
	cmd.Env = s.env
	cmd.Dir = "/"
	cmd.Stdout = outW
	cmd.Stderr = errW
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}

	res.started = time.Now()
	if err := cmd.Start(); err != nil {
		outR.Close()
		outW.Close()
		errR.Close()
		errW.Close()
		res.startErr = err
		res.finished = time.Now()
		return res
	}
	if s.nice != nil {
		// Best effort: an agent that already exited cannot be reniced.
		_ = syscall.Setpriority(syscall.PRIO_PROCESS, cmd.Process.Pid, *s.nice)
	}
	// The child has its own copies; ours must go so EOF can arrive.
	outW.Close()
	errW.Close()

	stdout := &boundedBuffer{limit: s.outputLimit}
	stderr := &boundedBuffer{limit: s.outputLimit}
	var wg sync.WaitGroup
	wg.Add(2)
	copyOut := func(dst *boundedBuffer, src *os.File) {
		defer wg.Done()
		buf := make([]byte, 32*1024)
		_, _ = io.CopyBuffer(dst, src, buf)
	}
	go copyOut(stdout, outR)
	go copyOut(stderr, errR)

	waitDone := make(chan error, 1)
	go func() { waitDone <- cmd.Wait() }()

	pgid := cmd.Process.Pid
	killGroup := func(sig syscall.Signal) { _ = syscall.Kill(-pgid, sig) }

	var timer <-chan time.Time
	if s.timeout > 0 {
		t := time.NewTimer(s.timeout)
		defer t.Stop()
		timer = t.C
	}
	var waitErr error
	select {
	case waitErr = <-waitDone:
	case <-timer:
		res.timedOut = true
		waitErr = terminate(killGroup, waitDone, s.killGrace)
	case <-ctx.Done():
		res.cancelled = true
		waitErr = terminate(killGroup, waitDone, s.killGrace)
	}
	res.finished = time.Now()
	// Anything the agent left running in its group after a kill goes too.
	if res.timedOut || res.cancelled {
		killGroup(syscall.SIGKILL)
	}

	drained := make(chan struct{})
	go func() { wg.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-time.After(s.pipeGrace):
		// A descendant holds the pipe; stop waiting for it.
		outR.Close()
		errR.Close()
		<-drained
	}
	outR.Close()
	errR.Close()

	res.stdout, res.stderr = stdout.buf.String(), stderr.buf.String()
	res.truncated = stdout.truncated || stderr.truncated
	res.exitReason = parseExitReason(res.stderr)

	var ee *exec.ExitError
	switch {
	case waitErr == nil:
		res.exitCode = 0
	case errors.As(waitErr, &ee):
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			res.signaled = true
			res.signal = ws.Signal()
			res.exitCode = -1
		} else {
			res.exitCode = ee.ExitCode()
		}
	default:
		res.startErr = waitErr
	}
	return res
}

// terminate sends TERM to the group, then KILL after grace, and returns the
// process's wait error.
func terminate(killGroup func(syscall.Signal), waitDone <-chan error, grace time.Duration) error {
	killGroup(syscall.SIGTERM)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case err := <-waitDone:
		return err
	case <-t.C:
		killGroup(syscall.SIGKILL)
		return <-waitDone
	}
}
