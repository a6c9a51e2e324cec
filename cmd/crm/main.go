// Command crm is Pacer's crm shell: crmsh's `crm` command line for the configure
// level (one-shot commands, scripts with -f, an interactive shell on stdin, and
// configure load). Other levels (resource, node, status, ra) come later.
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/cibclient"
	"github.com/pacer-ha/pacer/crmexit"
	"github.com/pacer-ha/pacer/crmlevels"
	"github.com/pacer-ha/pacer/crmsh"
	"github.com/pacer-ha/pacer/ipc"
	"github.com/pacer-ha/pacer/resourcecmd"
)

// store is how crm reaches the CIB; cibclient's Backend satisfies it, tests and
// future backends can swap it.
type store interface {
	Read(ctx context.Context) (*cib.CIB, error)
	Update(ctx context.Context, fn func(*cib.CIB) error) error
	Close() error
}

type options struct {
	file    string
	force   bool
	display string
	wait    bool
	debug   bool
	no      bool
}

type app struct {
	opts   options
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	open   func(context.Context) (store, error)
	// clock and executor default to the real time and a local lrmd
	// executor.
	clock    func() time.Time
	executor crmlevels.Agents
}

func main() {
	a := &app{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr,
		open: func(ctx context.Context) (store, error) { return cibclient.Open(ctx) }}
	err := a.command().Execute()
	os.Exit(int(crmexit.Of(err)))
}

func (a *app) command() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "crm [OPTIONS] [SUBCOMMAND ARGS...]",
		Short: "Pacer's crm shell (crmsh-compatible)",
		Long: `crm configures the cluster with crmsh's language, shows its status and
manages resources and nodes (levels configure, status, ra, resource, node).

Call a subcommand directly for single-shot use, give a script with -f, or run
crm (or "crm configure") without arguments to read commands from standard input.
The CIB is read and written through CIB_file when it is set, else the live cluster.`,
		Example: `  crm configure primitive p1 ocf:heartbeat:Dummy op monitor interval=10s
  crm configure location l1 p1 100: node1
  crm configure show
  crm configure show xml p1
  crm -f setup.crm
  crm configure load update cluster.crm
  echo "primitive p2 ocf:heartbeat:Dummy" | crm configure
  crm status
  crm resource stop p1
  crm resource move p1 node2
  crm node standby node1
  crm ra info ocf:heartbeat:IPaddr2`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			err := a.run(cmd.Context(), args)
			if err == nil && a.opts.wait {
				err = a.settle(cmd.Context())
			}
			if err != nil && !errors.Is(err, errReported) {
				for _, line := range strings.Split(err.Error(), "\n") {
					fmt.Fprintf(a.stderr, "ERROR: %s\n", line)
				}
			}
			// crmsh exits 1 for every failure (a missing CIB, an invalid one, a
			// bad command); only Pacer's missing levels say so with their own code.
			if c := crmexit.Of(err); c != crmexit.OK && c != crmexit.Err && c != crmexit.Unimplemented {
				err = crmexit.Wrap(crmexit.Err, err)
			}
			return err
		},
	}
	f := cmd.Flags()
	// Stop at the first argument so `location l1 p1 -inf: n1` is not read as flags.
	f.SetInterspersed(false)
	f.StringVarP(&a.opts.file, "file", "f", "", "load commands from FILE (- for standard input)")
	f.BoolVarP(&a.opts.force, "force", "F", false, "apply changes without asking for confirmation")
	f.StringVarP(&a.opts.display, "display", "D", "plain", "output type: plain, color-always, color or uppercase")
	f.BoolVarP(&a.opts.wait, "wait", "w", false, "wait until the cluster has carried out the change (no-op on a CIB file)")
	f.BoolVarP(&a.opts.debug, "debug", "d", false, "print debugging information")
	f.BoolVarP(&a.opts.no, "no", "n", false, "answer no when prompted")
	cmd.Version = "4.4.1 (Pacer)"
	return cmd
}

// waitLimit bounds -w.
const waitLimit = time.Hour

// settle implements -w: on the live cluster, wait until the scheduler has
// nothing left to do (a script writes once, at its end, so waiting after the
// whole run is waiting after its last line).
func (a *app) settle(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	st, err := a.open(ctx)
	if err != nil {
		return crmexit.Wrap(crmexit.Err, fmt.Errorf("cannot open the CIB: %w", err))
	}
	defer st.Close()
	if _, live := st.(*ipc.Backend); !live {
		return nil
	}
	if _, err := resourcecmd.WaitSettled(ctx, st, waitLimit); err != nil {
		return crmexit.Wrap(crmexit.Err, fmt.Errorf("waiting for the cluster: %w", err))
	}
	return nil
}

// errReported marks an error whose messages were already printed.
var errReported = crmexit.New(crmexit.Err, "errors reported")

func (a *app) run(ctx context.Context, args []string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if a.opts.file != "" {
		var data []byte
		var err error
		name := a.opts.file
		if name == "-" {
			data, err = io.ReadAll(a.stdin)
			name = "<stdin>"
		} else {
			data, err = os.ReadFile(name)
		}
		if err != nil {
			return crmexit.Wrap(crmexit.Err, fmt.Errorf("cannot read %s: %w", a.opts.file, err))
		}
		return a.script(ctx, name, string(data), "")
	}
	if len(args) == 0 {
		data, err := io.ReadAll(a.stdin)
		if err != nil {
			return crmexit.Wrap(crmexit.Err, fmt.Errorf("reading standard input: %w", err))
		}
		return a.script(ctx, "<stdin>", string(data), "")
	}
	switch args[0] {
	case "configure", "cib", "conf":
		if len(args) == 1 {
			data, err := io.ReadAll(a.stdin)
			if err != nil {
				return crmexit.Wrap(crmexit.Err, fmt.Errorf("reading standard input: %w", err))
			}
			return a.script(ctx, "<stdin>", string(data), "configure")
		}
		return a.oneShot(ctx, args[1:])
	case "help", "--help":
		return nil
	}
	if len(args) == 1 && (args[0] == "resource" || args[0] == "node" || args[0] == "ra") {
		// The level's prompt, or its commands on standard input.
		data, err := a.readStdin()
		if err != nil {
			return err
		}
		return a.script(ctx, "<stdin>", data, args[0])
	}
	if err, ok := a.level(ctx, args); ok {
		return err
	}
	return crmexit.Wrap(crmexit.Unimplemented, fmt.Errorf("%s: level not implemented yet in Pacer's crm", args[0]))
}

// oneShot runs one configure command; nothing is written when it fails.
func (a *app) oneShot(ctx context.Context, words []string) error {
	st, err := a.open(ctx)
	if err != nil {
		return crmexit.Wrap(crmexit.Err, fmt.Errorf("cannot open the CIB: %w", err))
	}
	defer st.Close()
	switch words[0] {
	case "show", "verify":
		c, err := st.Read(ctx)
		if err != nil {
			return err
		}
		err = crmsh.NewSession(c.Root(), a.stdout, a.stderr).Exec(words)
		if err == nil && words[0] == "verify" {
			// Beyond crmsh's reference checks, the CIB's own schema rules.
			err = c.Validate()
		}
		return crmexit.Wrap(crmexit.Err, err)
	case "load":
		asXML := len(words) == 4 && words[1] == "xml"
		if asXML {
			words = append(words[:1], words[2:]...)
		}
		if len(words) != 3 {
			return crmexit.Wrap(crmexit.Err, errors.New("usage: load [xml] {update|replace} FILE"))
		}
		data, err := os.ReadFile(words[2])
		if err != nil {
			return crmexit.Wrap(crmexit.Err, fmt.Errorf("load: %w", err))
		}
		return a.update(ctx, st, func(s *crmsh.Session, _ *cib.CIB) error {
			if asXML {
				return s.LoadXML(words[1], data)
			}
			return s.Load(words[1], string(data))
		})
	}
	return a.update(ctx, st, func(s *crmsh.Session, _ *cib.CIB) error { return s.Exec(words) })
}

// update runs fn on the CIB and writes the result, bumping the epoch as
// Pacemaker does for a configuration change.
func (a *app) update(ctx context.Context, st store, fn func(*crmsh.Session, *cib.CIB) error) error {
	err := st.Update(ctx, func(c *cib.CIB) error {
		before := configText(c)
		if err := fn(crmsh.NewSession(c.Root(), a.stdout, a.stderr), c); err != nil {
			return crmexit.Wrap(crmexit.Err, err)
		}
		if configText(c) != before {
			v := c.Version()
			v.Epoch++
			v.NumUpdates = 0
			c.SetVersion(v)
		}
		return nil
	})
	return err
}

func configText(c *cib.CIB) string {
	cfg := c.Root().SelectElement("configuration")
	if cfg == nil {
		return ""
	}
	d := cfg.Copy()
	doc := newDoc(d)
	s, _ := doc.WriteToString()
	return s
}

// script runs a crm script: level commands (configure, end, up, quit, commit)
// and configure commands. Like crmsh, a failing line is reported and skipped and
// the rest is applied; the exit status is then 1.
func (a *app) script(ctx context.Context, name, text, level string) error {
	st, err := a.open(ctx)
	if err != nil {
		return crmexit.Wrap(crmexit.Err, fmt.Errorf("cannot open the CIB: %w", err))
	}
	defer st.Close()
	failed := false
	interactive := name == "<stdin>" && isTTY(a.stdin)
	report := func(n int, err error) {
		failed = true
		if errors.Is(err, errReported) {
			return // the command printed its own messages
		}
		for _, l := range strings.Split(err.Error(), "\n") {
			fmt.Fprintf(a.stderr, "ERROR: %s:%d: %s\n", name, n, l)
		}
	}
	err = a.update(ctx, st, func(s *crmsh.Session, c *cib.CIB) error {
		sc := &crmsh.Script{Session: s, Level: level, ReadFile: os.ReadFile, Report: report,
			OtherLevels: []string{"ra", "resource", "node"}, OtherCommands: []string{"status"},
			Other: func(words []string) error {
				// The level commands work on the CIB this script is changing.
				sub := *a
				_, file := st.(*cib.FileBackend)
				sub.open = func(context.Context) (store, error) { return memStore{c, file}, nil }
				err, _ := sub.level(ctx, words)
				return err
			}}
		if !interactive {
			sc.Run(text)
			return nil
		}
		in := bufio.NewScanner(a.stdin)
		for n := 1; ; n++ {
			fmt.Fprintf(a.stdout, "crm(live)%s# ", sc.Level)
			if !in.Scan() {
				break
			}
			if _, more := sc.Line(n, in.Text()); !more {
				break
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if failed {
		return errReported
	}
	return nil
}

func isTTY(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// readStdin reads standard input unless it is a terminal (then the
// interactive prompt reads it line by line).
func (a *app) readStdin() (string, error) {
	if isTTY(a.stdin) {
		return "", nil
	}
	data, err := io.ReadAll(a.stdin)
	if err != nil {
		return "", crmexit.Wrap(crmexit.Err, fmt.Errorf("reading standard input: %w", err))
	}
	return string(data), nil
}
