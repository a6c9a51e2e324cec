package main

import (
	"context"
	"slices"

	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/cibclient"
	"github.com/pacer-ha/pacer/ipc"
	"github.com/pacer-ha/pacer/resourcecmd"
)

// view is what crm_node reports on: this node's name, the cluster's nodes
// (InCCM: in this node's partition) and whether the partition has quorum.
type view struct {
	local   string
	members []resourcecmd.Member
	quorate bool
}

// liveView asks the local crmd: membership and quorum come from the
// membership layer, not from the CIB, which a node cut off from its DC
// cannot update (as Pacemaker's crm_node asks the cluster layer). ok is false
// when the environment names a CIB file or no crmd answers; the caller then
// reads the CIB as for a file.
func liveView(ctx context.Context, getenv func(string) string) (v view, ok bool) {
	if !cibclient.Live(getenv) {
		return view{}, false
	}
	sock := getenv(cibclient.EnvSocket)
	if sock == "" {
		sock = cibclient.DefaultSocket
	}
	cl, err := ipc.Dial(ctx, sock)
	if err != nil {
		return view{}, false
	}
	defer cl.Close()
	st, err := cl.Status(ctx)
	if err != nil {
		return view{}, false
	}
	doc, _, err := cl.Query(ctx)
	if err != nil {
		return view{}, false
	}
	c, err := cib.Parse(doc)
	if err != nil {
		return view{}, false
	}
	v = view{local: st.Node, quorate: st.Quorate, members: resourcecmd.Members(c)}
	for i := range v.members {
		v.members[i].InCCM = slices.Contains(st.Members, v.members[i].Name)
	}
	return v, true
}
