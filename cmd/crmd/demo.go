package main

import (
	"context"
	"io"

	"github.com/spf13/cobra"

	"github.com/pacer-ha/pacer/crmexit"
)

func demoCommand(ctx context.Context, stdout, stderr io.Writer, getenv func(string) string) *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "start a three-node demo cluster on loopback (no root, no configuration)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return crmexit.New(crmexit.Unimplemented, "crmd demo is not implemented yet")
		},
	}
}
