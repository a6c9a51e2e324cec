package resourcecmd

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/beevik/etree"

	"github.com/pacer-ha/pacer/cluster"
	"github.com/pacer-ha/pacer/crmmon"
	"github.com/pacer-ha/pacer/rules"
)

// readableScore prints a score as Pacemaker does (INFINITY, -INFINITY or
// the number).
func readableScore(s string) string {
	s = strings.TrimSpace(s)
	switch strings.TrimPrefix(s, "+") {
	case "INFINITY", "infinity":
		return "INFINITY"
	}
	if s == "-INFINITY" || s == "-infinity" {
		return "-INFINITY"
	}
	n, err := strconv.Atoi(strings.TrimPrefix(s, "+"))
	if err != nil {
		return s
	}
	switch {
	case n >= 1000000:
		return "INFINITY"
	case n <= -1000000:
		return "-INFINITY"
	}
	return strconv.Itoa(n)
}

type locationItem struct{ node, score, id string }

// locations are the location constraints naming rsc, newest first as
// Pacemaker lists them: a node score, or each rule's score on every node
// where the rule matches (in reverse name order).
func locations(cl *cluster.Cluster, rsc string) []locationItem {
	var out []locationItem
	cons := cl.Constraints
	if cons == nil {
		return nil
	}
	nodes := crmmon.SortedNodes(cl)
	for _, e := range cons.SelectElements("rsc_location") {
		if e.SelectAttrValue("rsc", "") != rsc {
			continue
		}
		if n := e.SelectAttrValue("node", ""); n != "" {
			out = append(out, locationItem{n, readableScore(e.SelectAttrValue("score", "0")), e.SelectAttrValue("id", "")})
			continue
		}
		for _, rule := range e.SelectElements("rule") {
			for _, n := range nodes {
				ctx := crmmon.RuleContext(cl, n, cl.Now)
				if ok, _ := rules.Eval(rule, ctx); !ok {
					continue
				}
				score, _ := rules.Score(rule, ctx)
				out = append(out, locationItem{n.Name, readableScore(strconv.Itoa(score)), rule.SelectAttrValue("id", "")})
			}
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

type colocItem struct{ other, score, id, role string }

// roleName is a colocation role as Pacemaker 2.1 names it.
func roleName(r string) string {
	switch strings.ToLower(r) {
	case "master", "promoted":
		return "Promoted"
	case "slave", "unpromoted":
		return "Unpromoted"
	case "stopped":
		return "Stopped"
	case "started":
		return "Started"
	}
	return r
}

// colocations lists the plain (set-less) colocations where rsc is the
// dependent (with == false: rsc="rsc") or the primary (with-rsc="rsc"),
// ordered by the other resource's id.
func colocations(cons *etree.Element, rsc string, dependents bool) []colocItem {
	var out []colocItem
	if cons == nil {
		return nil
	}
	for _, e := range cons.SelectElements("rsc_colocation") {
		a, b := e.SelectAttrValue("rsc", ""), e.SelectAttrValue("with-rsc", "")
		if dependents {
			a, b = b, a
		}
		if a != rsc || b == "" {
			continue
		}
		role := roleName(e.SelectAttrValue("with-rsc-role", ""))
		if role == "Started" {
			role = ""
		}
		out = append(out, colocItem{b, readableScore(e.SelectAttrValue("score", "0")), e.SelectAttrValue("id", ""), role})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].other < out[j].other })
	return out
}

func writeItem(w io.Writer, depth int, text string) {
	fmt.Fprintf(w, "%s* %s\n", strings.Repeat("  ", depth), text)
}

// constraintVisitor receives what --constraints shows, in order.
type constraintVisitor struct {
	// locations is the "Locations:" heading of rsc's location list.
	locations func(depth int, rsc string)
	location  func(depth int, rsc string, l locationItem)
	// colocations heads the colocations where rsc is the primary
	// (dependents) or the dependent.
	colocations func(depth int, rsc string, dependents bool)
	colocation  func(depth int, rsc string, c colocItem, dependents bool)
}

// walkConstraints visits the resource's location constraints, the resources
// colocated with it and those it is colocated with, each with its own
// locations (and theirs, recursively). Resource sets are not shown.
func walkConstraints(cl *cluster.Cluster, r *cluster.Resource, recursive bool, v constraintVisitor) {
	cons := cl.Constraints
	id := r.Top().ID
	if locs := locations(cl, id); len(locs) > 0 {
		v.locations(0, id)
		for _, l := range locs {
			v.location(1, id, l)
		}
	}
	for _, dependents := range []bool{true, false} {
		seen := map[string]bool{id: true}
		var walk func(depth int, rsc string)
		walk = func(depth int, rsc string) {
			items := colocations(cons, rsc, dependents)
			if len(items) == 0 {
				return
			}
			v.colocations(depth, rsc, dependents)
			for _, c := range items {
				if seen[c.other] {
					continue
				}
				seen[c.other] = true
				v.colocation(depth+1, rsc, c, dependents)
				if locs := locations(cl, c.other); len(locs) > 0 {
					v.locations(depth+2, c.other)
					for _, l := range locs {
						v.location(depth+3, c.other, l)
					}
				}
				if recursive {
					walk(depth+2, c.other)
				}
			}
		}
		walk(0, id)
	}
}

// Constraints writes crm_resource --constraints (--stack with recursive).
func Constraints(w io.Writer, cl *cluster.Cluster, r *cluster.Resource, recursive bool) {
	heading := func(depth int, title string) {
		if depth == 0 {
			fmt.Fprintln(w, title)
		} else {
			writeItem(w, depth, title)
		}
	}
	walkConstraints(cl, r, recursive, constraintVisitor{
		locations: func(depth int, _ string) { heading(depth, "Locations:") },
		location: func(depth int, rsc string, l locationItem) {
			writeItem(w, depth, fmt.Sprintf("Node %s (score=%s, id=%s, rsc=%s)", l.node, l.score, l.id, rsc))
		},
		colocations: func(depth int, rsc string, dependents bool) {
			if dependents {
				heading(depth, fmt.Sprintf("Resources colocated with %s:", rsc))
			} else {
				heading(depth, fmt.Sprintf("Resources %s is colocated with:", rsc))
			}
		},
		colocation: func(depth int, _ string, c colocItem, dependents bool) {
			role := ""
			if c.role != "" && dependents {
				role = ", needs role=" + c.role
			} else if c.role != "" {
				role = ", with role=" + c.role
			}
			writeItem(w, depth, fmt.Sprintf("%s (score=%s%s, id=%s)", c.other, c.score, role, c.id))
		},
	})
}
