package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pacer-ha/pacer/ipc"
)

// DefaultSocket is where the local API listens unless PACER_SOCKET says otherwise.
const DefaultSocket = "/run/pacer/crmd.sock"

func statusCommand(ctx context.Context, stdout io.Writer, getenv func(string) string) *cobra.Command {
	var sock string
	cmd := &cobra.Command{
		Use:   "status [--socket PATH]",
		Short: "print this node's view of the cluster: DC, quorum, members, CIB version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if sock == "" {
				sock = getenv("PACER_SOCKET")
			}
			if sock == "" {
				sock = DefaultSocket
			}
			ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			cl, err := ipc.Dial(ctx, sock)
			if err != nil {
				return err
			}
			defer cl.Close()
			st, err := cl.Status(ctx)
			if err != nil {
				return err
			}
			dc := st.DC
			if dc == "" {
				dc = "(electing)"
			}
			q := "no"
			if st.Quorate {
				q = "yes"
			}
			fmt.Fprintf(stdout, "Cluster:  %s\nNode:     %s\nDC:       %s (term %d)\nQuorum:   %s\nMembers:  %s (of %s)\nCIB:      %d.%d.%d\n",
				st.Cluster, st.Node, dc, st.Term, q, strings.Join(st.Members, " "), strings.Join(st.Nodes, " "),
				st.Version[0], st.Version[1], st.Version[2])
			if len(st.Partition) > 0 {
				fmt.Fprintf(stdout, "Synced:   %s\n", strings.Join(st.Partition, " "))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&sock, "socket", "", "local API socket (default: $PACER_SOCKET, else "+DefaultSocket+")")
	return cmd
}
