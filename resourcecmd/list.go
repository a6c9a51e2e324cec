package resourcecmd

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/pacer-ha/pacer/cluster"
	"github.com/pacer-ha/pacer/crmmon"
)

// primitiveLine matches crm_mon's line for one primitive: its state text
// names the node(s) it is on, which crm_resource --list leaves out.
var primitiveLine = regexp.MustCompile(`^(\s*\* \S+\t\([^)]*\):\t )(.*)$`)

// multiNodes is crm_mon's list of nodes for a multiply active primitive.
var multiNodes = regexp.MustCompile(` \[ [^\]]* \]`)

var stateWords = map[string]bool{"FAILED": true, "ORPHANED": true, "Started": true, "Stopped": true,
	"Promoted": true, "Unpromoted": true, "Master": true, "Slave": true, "Stopping": true,
	"Starting": true, "Migrating": true, "Demoting": true, "Promoting": true, "Monitoring": true}

// dropNodes removes the node name after a primitive's role and the node's
// own flags ("(UNCLEAN)").
func dropNodes(state string) string {
	state = multiNodes.ReplaceAllString(state, "")
	toks := strings.Split(state, " ")
	i := 0
	for i < len(toks) && stateWords[toks[i]] {
		i++
	}
	if i == 0 || i >= len(toks) || strings.HasPrefix(toks[i], "(") {
		return strings.Join(toks, " ")
	}
	rest := toks[i+1:]
	if len(rest) > 0 && rest[0] == "(UNCLEAN)" {
		rest = rest[1:]
	}
	return strings.Join(append(toks[:i:i], rest...), " ")
}

// List writes crm_resource --list: crm_mon's resource tree (inactive
// resources included) without the nodes primitives run on.
func List(w io.Writer, cl *cluster.Cluster) error {
	var buf bytes.Buffer
	if err := crmmon.RenderStatus(&buf, cl, crmmon.Options{Inactive: true}); err != nil {
		return fmt.Errorf("render resources: %w", err)
	}
	lines := strings.Split(buf.String(), "\n")
	start := -1
	for i, l := range lines {
		if strings.TrimSpace(l) == "* Full List of Resources:" {
			start = i + 1
			break
		}
	}
	var out strings.Builder
	if start < 0 || start >= len(lines) || strings.TrimSpace(strings.Join(lines[start:], "")) == "" ||
		strings.Contains(lines[start], "No resources") {
		return nil
	}
	out.WriteString("Full List of Resources:\n")
	for _, l := range lines[start:] {
		if l == "" {
			continue
		}
		l = strings.TrimPrefix(l, "  ")
		if m := primitiveLine.FindStringSubmatch(l); m != nil {
			l = m[1] + dropNodes(m[2])
		}
		out.WriteString(l)
		out.WriteByte('\n')
	}
	_, err := io.WriteString(w, out.String())
	return err
}

// ListRaw writes crm_resource --list-raw: every primitive id, depth first.
// Clone instances are listed as rsc:N; orphans and the implicit connection
// resources of guest nodes are included, as Pacemaker does.
func ListRaw(w io.Writer, cl *cluster.Cluster) error {
	var b strings.Builder
	var walk func(r *cluster.Resource)
	walk = func(r *cluster.Resource) {
		switch {
		case r.Kind == cluster.Primitive:
			b.WriteString(r.ID + "\n")
		default:
			for _, ch := range r.Children {
				walk(ch)
			}
		}
	}
	for _, r := range cl.Resources {
		walk(r)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// located is a node a resource is active on.
type located struct {
	node     string
	promoted bool
}

// locate lists where r is active, in Pacemaker's order.
func locate(r *cluster.Resource, prims []*cluster.Resource) []located {
	var locs []located
	for _, p := range prims {
		for _, n := range p.RunningOn {
			locs = append(locs, located{n.Name, p.Role == cluster.RolePromoted})
		}
	}
	// Pacemaker lists the nodes most recently found first.
	for i, j := 0, len(locs)-1; i < j; i, j = i+1, j-1 {
		locs[i], locs[j] = locs[j], locs[i]
	}
	if r.Kind != cluster.Primitive && r.Kind != cluster.Clone {
		// A group (or bundle) is where its members are, once per node.
		seen := map[string]bool{}
		var u []located
		for _, l := range locs {
			if !seen[l.node] {
				seen[l.node] = true
				u = append(u, l)
			}
		}
		locs = u
	}
	return locs
}

// Locate writes crm_resource --locate for r: one line per node it is active
// on (only the node names when quiet), or that it is not running.
func Locate(stdout, stderr io.Writer, r *cluster.Resource, prims []*cluster.Resource, quiet bool) {
	locs := locate(r, prims)
	if len(locs) == 0 {
		if !quiet {
			fmt.Fprintf(stderr, "resource %s is NOT running\n", r.ID)
		}
		return
	}
	for _, l := range locs {
		switch {
		case quiet:
			fmt.Fprintln(stdout, l.node)
		case l.promoted:
			fmt.Fprintf(stdout, "resource %s is running on: %s Promoted\n", r.ID, l.node)
		default:
			fmt.Fprintf(stdout, "resource %s is running on: %s\n", r.ID, l.node)
		}
	}
}
