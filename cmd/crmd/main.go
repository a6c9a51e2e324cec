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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(int(code))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) crmexit.Code {
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
			return runDaemon(ctx, o, stderr, getenv)
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
