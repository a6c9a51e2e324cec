package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/pacer-ha/pacer/clusterconf"
	"github.com/pacer-ha/pacer/crmexit"
	"github.com/pacer-ha/pacer/membership"
)

// DefaultConfig is where crmd looks for its configuration file.
const DefaultConfig = "/etc/pacer/crmd.conf"

func main() {
	// The first SIGTERM/SIGINT asks for a graceful stop (crmd run: move
	// this node's resources away first; other commands: stop), the second
	// stops at once.
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	graceful := make(chan struct{})
	go func() {
		<-sigs
		close(graceful)
		<-sigs
		cancel()
	}()
	code := run(ctx, graceful, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	signal.Stop(sigs)
	cancel()
	os.Exit(int(code))
}

func run(ctx context.Context, graceful <-chan struct{}, args []string, stdout, stderr io.Writer, getenv func(string) string) crmexit.Code {
	// Commands other than run stop at the first signal.
	daemonCtx := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-graceful:
			cancel()
		case <-ctx.Done():
		}
	}()
	root := &cobra.Command{
		Use:           "crmd",
		Short:         "crmd - Pacer's cluster daemon (membership, quorum, DC, replicated CIB, attributes)",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetArgs(args)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return crmexit.Wrap(crmexit.Usage, err) })

	var keyOut string
	var keyForce bool
	keygen := &cobra.Command{
		Use:   "keygen [-o FILE]",
		Short: "write a new cluster key (32 random bytes, mode 0600), like corosync-keygen",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := membership.WriteKeyFile(keyOut, keyForce); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "Wrote cluster key to %s; copy it to every node (same path, mode 0600).\n", keyOut)
			return nil
		},
	}
	keygen.Flags().StringVarP(&keyOut, "output", "o", clusterconf.DefaultKeyFile, "key file to write")
	keygen.Flags().BoolVar(&keyForce, "force", false, "replace an existing key file")

	var o runOptions
	runCmd := &cobra.Command{
		Use:   "run [--config FILE] [--name NODE]",
		Short: "run this node's daemon in the foreground",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDaemon(daemonCtx, graceful, o, stderr, getenv)
		},
	}
	f := runCmd.Flags()
	f.StringVarP(&o.config, "config", "c", DefaultConfig, "configuration file")
	f.StringVarP(&o.name, "name", "n", "", "which configured node this is (default: by host name or local address)")
	f.StringVar(&o.socket, "socket", "", "local API socket (default: $PACER_SOCKET, else RUN_DIR/crmd.sock)")
	f.BoolVar(&o.forceStart, "force-start", false, "this node is a lone survivor: take quorum until another node is seen (the others must really be down)")
	f.CountVarP(&o.verbose, "verbose", "V", "more logging (repeat for debug)")

	root.AddCommand(keygen, runCmd, demoCommand(ctx, stdout, stderr, getenv), statusCommand(ctx, stdout, getenv))
	if err := root.Execute(); err != nil {
		fmt.Fprintf(stderr, "crmd: %v\n", err)
		return crmexit.Of(err)
	}
	return crmexit.OK
}

type runOptions struct {
	config, name, socket string
	forceStart           bool
	verbose              int
}

func newLogger(w io.Writer, verbose int, node string) *slog.Logger {
	lvl := slog.LevelInfo
	if verbose > 0 {
		lvl = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: lvl})).With("node", node)
}
