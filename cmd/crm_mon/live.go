package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/cluster"
	"github.com/pacer-ha/pacer/crmexit"
)

// Escape sequences of the console view (xterm's, understood by every
// terminal emulator in use): the alternate screen keeps the user's scrollback
// untouched, as curses' smcup/rmcup do for Pacemaker's crm_mon.
const (
	enterScreen = "\x1b[?1049h\x1b[?25l" // alternate screen, cursor hidden
	leaveScreen = "\x1b[?25h\x1b[?1049l" // cursor shown, normal screen back
	homeCursor  = "\x1b[H"
	clearLine   = "\x1b[K" // to the end of the line
	clearBelow  = "\x1b[J" // to the end of the screen
)

// defaultInterval is Pacemaker's refresh period (-i).
const defaultInterval = 5 * time.Second

// pollPeriod is how often the CIB's version is checked between refreshes, so
// a change shows within this delay (Pacemaker's crm_mon is notified of diffs;
// Pacer's tools read the CIB, which is cheap).
const pollPeriod = 250 * time.Millisecond

// waitingText is what Pacemaker's crm_mon shows until the cluster answers.
const waitingText = "Waiting until cluster is available on this node ..."

// liveMode tells whether crm_mon keeps redrawing instead of printing once.
// Like Pacemaker 2.1.5: -1, -s, XML and HTML print once; so does a CIB file
// whose output is not a terminal (Pacemaker's crm_mon always prints a CIB file
// once; Pacer shows a file live on a terminal, which is how one watches a
// shadow CIB being edited). On the live cluster the console view runs whether
// or not stdout is a terminal, as Pacemaker's does (its curses output goes to
// a pipe too).
func liveMode(o *options, stdout io.Writer, getenv func(string) string) bool {
	if o.oneShot || o.simple || o.outputTo != "" {
		return false
	}
	switch o.outputAs {
	case "console":
	case "text":
		// Plain text without -1 prints every refresh on the live cluster.
		return !fileCIB(getenv)
	default:
		return false
	}
	if fileCIB(getenv) {
		return isTerminal(stdout)
	}
	return true
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// terminalRows is the height of w's terminal, or 0 when unknown.
func terminalRows(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok {
		return 0
	}
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil {
		return 0
	}
	return int(ws.Row)
}

// parseInterval reads -i the way Pacemaker's tools read a time specification
// (a bare number is seconds).
func parseInterval(s string) (time.Duration, error) {
	if s == "" {
		return defaultInterval, nil
	}
	d, err := cluster.ParseInterval(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("Invalid value '%s' for -i/--interval: give a positive time such as 5, 10s or 500ms", s)
	}
	return d, nil
}

// viewer draws successive frames on the console, or appends them for plain
// text.
type viewer struct {
	out     io.Writer
	console bool
}

func (v *viewer) begin() {
	if v.console {
		io.WriteString(v.out, enterScreen)
	}
}

func (v *viewer) end() {
	if v.console {
		io.WriteString(v.out, leaveScreen)
	}
}

// draw replaces the screen's content with text (cut to the terminal's height:
// a longer frame would scroll its top away).
func (v *viewer) draw(text string) {
	if !v.console {
		io.WriteString(v.out, text)
		return
	}
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if rows := terminalRows(v.out); rows > 0 && len(lines) > rows {
		lines = lines[:rows]
	}
	var b strings.Builder
	b.WriteString(homeCursor)
	for i, l := range lines {
		if i > 0 {
			b.WriteString("\r\n")
		}
		b.WriteString(l)
		b.WriteString(clearLine)
	}
	b.WriteString(clearBelow)
	io.WriteString(v.out, b.String())
}

// runLive redraws the status whenever the CIB's version changes and every
// interval, until ctx ends (SIGINT, SIGTERM) or the CIB file goes away. The
// terminal is restored on every way out.
func runLive(ctx context.Context, o *options, stdout, stderr io.Writer, getenv func(string) string, now func() time.Time) (code crmexit.Code) {
	interval, err := parseInterval(o.interval)
	if err != nil {
		fmt.Fprintf(stderr, "crm_mon: %v\n", err)
		return crmexit.Usage
	}
	file := fileCIB(getenv)
	if file {
		// A file that cannot be read at start is reported as in one-shot
		// mode, before the screen is switched.
		if _, err := load(ctx, o, getenv, now()); err != nil {
			return reportOnce(o, stdout, stderr, err)
		}
	}
	v := &viewer{out: stdout, console: o.outputAs == "console"}
	var quit <-chan struct{}
	restoreInput := func() {}
	if v.console && isTerminal(stdout) {
		quit, restoreInput = quitKeys(os.Stdin)
	}
	v.begin()
	var failure error
	defer func() {
		// Deferred so that a panic restores the terminal too.
		restoreInput()
		v.end()
		if failure != nil {
			fmt.Fprintln(stderr, failure)
		}
	}()

	winch := make(chan os.Signal, 1)
	signal.Notify(winch, syscall.SIGWINCH)
	defer signal.Stop(winch)
	tick := time.NewTicker(pollPeriod)
	defer tick.Stop()

	var (
		shown     bool // a status has been drawn
		lost      bool // the connection went away after a status was shown
		last      cib.Version
		lastDrawn time.Time
		force     = true
	)
	for {
		t := now()
		s, err := load(ctx, o, getenv, t)
		switch {
		case ctx.Err() != nil:
			// Interrupted mid-read.
		case err != nil && crmexit.Of(err) == crmexit.Config:
			failure = err
			return crmexit.Config
		case err != nil && file:
			failure = fmt.Errorf("crm_mon: Connection to the CIB terminated: %s", strings.TrimPrefix(err.Error(), "Could not connect to the CIB: "))
			return crmexit.Disconnect
		case err != nil:
			// The live cluster is not (or no longer) reachable: keep trying,
			// as Pacemaker's crm_mon does.
			if !lost && (shown || force) {
				msg := waitingText
				if shown {
					msg = "Connection to the cluster-daemons terminated\nReconnecting..."
					lost = true
				}
				v.draw(msg + "\n")
				force = false
			}
		default:
			if lost {
				force, lost = true, false
			}
			if force || !shown || s.version.Compare(last) != 0 || t.Sub(lastDrawn) >= interval {
				frame, err := render(o, s)
				if err != nil {
					failure = fmt.Errorf("crm_mon: %w", err)
					return crmexit.Of(err)
				}
				v.draw(string(frame))
				shown, last, lastDrawn, force = true, s.version, t, false
			}
		}
		select {
		case <-ctx.Done():
			// Pacemaker's crm_mon exits 0 when stopped while showing the
			// status, and 1 when stopped while still waiting for the cluster.
			if !shown {
				return crmexit.Err
			}
			return crmexit.OK
		case <-quit:
			// 'q' quits, as in Pacemaker's console.
			return crmexit.OK
		case <-winch:
			force = true
		case <-tick.C:
		}
	}
}

// quitKeys switches the terminal on f to character-at-a-time input without
// echo (as curses' cbreak and noecho do) and reports each 'q' typed; restore
// puts the terminal back as it was. Without a terminal it reports nothing.
func quitKeys(f *os.File) (quit <-chan struct{}, restore func()) {
	fd := int(f.Fd())
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return nil, func() {}
	}
	raw := *old
	raw.Lflag &^= unix.ICANON | unix.ECHO
	raw.Cc[unix.VMIN], raw.Cc[unix.VTIME] = 1, 0
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &raw); err != nil {
		return nil, func() {}
	}
	ch := make(chan struct{}, 1)
	go func() {
		// Ends with the process (or when stdin closes).
		buf := make([]byte, 1)
		for {
			n, err := f.Read(buf)
			if err != nil {
				return
			}
			if n == 1 && (buf[0] == 'q' || buf[0] == 'Q') {
				select {
				case ch <- struct{}{}:
				default:
				}
			}
		}
	}()
	return ch, func() { unix.IoctlSetTermios(fd, unix.TCSETS, old) }
}

// reportOnce reports a failure to read the CIB as one-shot mode does.
func reportOnce(o *options, stdout, stderr io.Writer, err error) crmexit.Code {
	fmt.Fprintln(stderr, err)
	if strings.HasPrefix(err.Error(), "Could not connect") {
		return crmexit.OK
	}
	return crmexit.Of(err)
}
