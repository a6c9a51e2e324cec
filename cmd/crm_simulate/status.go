package main

import (
	"io"

	"github.com/pacer-ha/pacer/cluster"
	"github.com/pacer-ha/pacer/crmmon"
)

// renderStatus prints the crm_mon-style status block crm_simulate shows before and
// after the transition.
func renderStatus(w io.Writer, c *cluster.Cluster) error {
	return crmmon.RenderStatus(w, c, crmmon.Options{})
}
