package pengine

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pacer-ha/pacer/cluster"
)

// ScoreLines are the allocation scores crm_simulate -s prints.
func (t *Transition) ScoreLines() []string {
	w := t.w
	var out []string
	for _, r := range w.all {
		if len(r.children) > 0 {
			continue
		}
		for _, n := range w.nodes {
			out = append(out, fmt.Sprintf("pcmk__primitive_assign: %s allocation score on %s: %s", r.id, n.name, scoreString(r.scores[n.idx])))
		}
	}
	return out
}

func scoreString(s int) string {
	switch {
	case s >= inf:
		return "INFINITY"
	case s <= -inf:
		return "-INFINITY"
	}
	return fmt.Sprint(s)
}

// xmlEsc escapes text for an XML attribute value.
func xmlEsc(s string) string {
	if !strings.ContainsAny(s, `&<>"`) {
		return s
	}
	var b strings.Builder
	for _, c := range s {
		switch c {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&quot;")
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// graphRef is the short element an input trigger refers to.
func graphRef(a *Action) string {
	// Pseudo actions come first: those of ordering sets have neither a resource nor a node.
	switch {
	case a.Pseudo && a.Task == "stonith":
		// A guest node is "fenced" by recovering its container.
		return fmt.Sprintf(`<pseudo_event id="%d" operation="stonith" operation_key="%s" on_node="%s" on_node_uuid="%s"/>`,
			a.ID, xmlEsc(graphKey(a)), xmlEsc(a.NodeName()), xmlEsc(a.nodeUUID()))
	case a.Pseudo:
		return fmt.Sprintf(`<pseudo_event id="%d" operation="%s" operation_key="%s"/>`, a.ID, xmlEsc(a.Task), xmlEsc(graphKey(a)))
	case a.Rsc == nil, a.Task == "clear_failcount":
		return fmt.Sprintf(`<crm_event id="%d" operation="%s" operation_key="%s" on_node="%s" on_node_uuid="%s"/>`,
			a.ID, a.Task, xmlEsc(graphKey(a)), xmlEsc(a.NodeName()), xmlEsc(a.nodeUUID()))
	}
	return fmt.Sprintf(`<rsc_op id="%d" operation="%s" operation_key="%s" on_node="%s" on_node_uuid="%s"/>`,
		a.ID, a.Task, xmlEsc(graphKey(a)), xmlEsc(a.NodeName()), xmlEsc(a.nodeUUID()))
}

// graphKey is the operation key the graph gives an action: resource actions are
// RSC_TASK_INTERVAL, fencing stonith-NODE-ACTION, node actions TASK-NODE, and
// ordering-set pseudo actions their name.
func graphKey(a *Action) string {
	switch {
	case a.Task == "stonith":
		return fmt.Sprintf("stonith-%s-%s", a.NodeName(), a.FenceAction)
	case a.Rsc == nil && a.Node != nil:
		return a.Task + "-" + a.Node.name
	case a.Rsc == nil:
		return a.Task
	case a.Task == "cancel":
		// A cancel is keyed by the monitor it cancels.
		return fmt.Sprintf("%s_monitor_%d", a.Rsc.id, a.IntervalMS)
	}
	return a.Key()
}

// nodeUUID is the node's id, "" for actions without a node.
func (a *Action) nodeUUID() string {
	if a.Node == nil || a.Node.cn == nil {
		return ""
	}
	return a.Node.cn.ID
}

// GraphXML renders the transition graph as Pacemaker's <transition_graph>.
func (t *Transition) GraphXML() string {
	var b strings.Builder
	p := t.Cluster.Properties
	recheck := ""
	if !t.RecheckBy.IsZero() {
		recheck = fmt.Sprintf(` recheck-by="%d"`, t.RecheckBy.Unix())
	}
	fmt.Fprintf(&b, `<transition_graph cluster-delay="%s" stonith-timeout="%s" failed-stop-offset="INFINITY" failed-start-offset="INFINITY" batch-limit="0" transition_id="0"%s>`+"\n",
		p.String("cluster-delay", "60s"), p.String("stonith-timeout", "60s"), recheck)
	syn := t.Synapses()
	inputs := graphInputs(syn)
	for i, a := range syn {
		fmt.Fprintf(&b, "  <synapse id=\"%d\">\n    <action_set>\n", i)
		ref := graphRef(a)
		full := strings.TrimSuffix(ref, "/>") + ">\n"
		b.WriteString("      " + full)
		if a.Rsc != nil && !a.Pseudo {
			cr := a.Rsc.cr
			prov := ""
			if cr.Provider != "" {
				prov = fmt.Sprintf(` provider="%s"`, xmlEsc(cr.Provider))
			}
			// An anonymous clone's instances are one resource to the
			// executor (id without the instance number, as their history is
			// kept); long-id names the instance.
			id, long := a.Rsc.id, ""
			if anonymousInstance(cr) {
				id, long = cr.BaseID, fmt.Sprintf(` long-id="%s"`, xmlEsc(a.Rsc.id))
			}
			fmt.Fprintf(&b, "        <primitive id=\"%s\"%s class=\"%s\"%s type=\"%s\"/>\n", xmlEsc(id), long, xmlEsc(cr.Class), prov, xmlEsc(cr.Type))
		}
		attrs := []string{}
		var params [][2]string
		if a.IntervalMS > 0 {
			attrs = append(attrs, fmt.Sprintf(`CRM_meta_interval="%d"`, a.IntervalMS), fmt.Sprintf(`CRM_meta_name="%s"`, a.Task))
		}
		if a.Node != nil && !a.Pseudo {
			attrs = append(attrs, fmt.Sprintf(`CRM_meta_on_node="%s"`, xmlEsc(a.Node.name)), fmt.Sprintf(`CRM_meta_on_node_uuid="%s"`, xmlEsc(a.nodeUUID())))
		}
		if a.Task == "stonith" {
			attrs = append(attrs, fmt.Sprintf(`CRM_meta_stonith_action="%s"`, a.FenceAction))
		}
		if (a.Task == "migrate_to" || a.Task == "migrate_from") && a.Rsc != nil && len(a.Rsc.current) > 0 && a.Rsc.assigned != nil {
			attrs = append([]string{fmt.Sprintf(`CRM_meta_migrate_source="%s"`, xmlEsc(a.Rsc.current[0].name)),
				fmt.Sprintf(`CRM_meta_migrate_target="%s"`, xmlEsc(a.Rsc.assigned.name))}, attrs...)
		}
		switch a.Task {
		case "clear_failcount":
			attrs = append(attrs, `CRM_meta_op_no_wait="true"`, `CRM_meta_timeout="20000"`)
		case "do_shutdown":
			// The controller confirms it without waiting; no timeout.
			attrs = append(attrs, `CRM_meta_op_no_wait="true"`)
		default:
			var more []string
			more, params = t.opAttrs(a)
			attrs = append(attrs, more...)
		}
		attrs = append(attrs, `crm_feature_set="3.16.1"`)
		sortAttrs(attrs)
		if len(params) == 0 {
			fmt.Fprintf(&b, "        <attributes %s/>\n", strings.Join(attrs, " "))
		} else {
			fmt.Fprintf(&b, "        <attributes %s>\n", strings.Join(attrs, " "))
			for _, p := range params {
				fmt.Fprintf(&b, "          <param name=\"%s\" value=\"%s\"/>\n", xmlEsc(p[0]), xmlEsc(p[1]))
			}
			b.WriteString("        </attributes>\n")
		}
		if a.Task == "do_shutdown" && a.Node != nil {
			// The node the event takes down.
			fmt.Fprintf(&b, "        <downed>\n          <node id=\"%s\"/>\n        </downed>\n", xmlEsc(a.nodeUUID()))
		}
		tag := "rsc_op"
		switch {
		case a.Pseudo:
			tag = "pseudo_event"
		case a.Rsc == nil, a.Task == "clear_failcount":
			tag = "crm_event"
		}
		fmt.Fprintf(&b, "      </%s>\n    </action_set>\n", tag)
		ins := inputs[a]
		if len(ins) == 0 {
			b.WriteString("    <inputs/>\n")
		} else {
			b.WriteString("    <inputs>\n")
			for _, in := range ins {
				fmt.Fprintf(&b, "      <trigger>\n        %s\n      </trigger>\n", graphRef(in))
			}
			b.WriteString("    </inputs>\n")
		}
		b.WriteString("  </synapse>\n")
	}
	b.WriteString("</transition_graph>\n")
	return b.String()
}

func dotName(a *Action) string {
	if a.Task == "stonith" {
		return fmt.Sprintf("stonith '%s' %s", a.FenceAction, a.NodeName())
	}
	if a.Node == nil || a.Pseudo && a.Rsc != nil && a.Node == nil {
		return a.Key()
	}
	return a.Key() + " " + a.Node.name
}

// Dot renders the transition as Pacemaker's dot graph: actions by name, then the
// edges grouped by the action they lead to.
func (t *Transition) Dot(all bool) string {
	var b strings.Builder
	b.WriteString(" digraph \"g\" {\n")
	var nodes []string
	for _, a := range t.Actions {
		if !a.Executed() && !all {
			continue
		}
		style := `style=bold color="green"`
		font := "black"
		if !a.Executed() {
			style = `style=dashed color="red"`
			if a.Optional {
				style = `style=dashed color="blue"`
			}
		}
		if a.Pseudo {
			font = "orange"
		}
		nodes = append(nodes, fmt.Sprintf("\"%s\" [ %s fontcolor=\"%s\"]\n", dotName(a), style, font))
	}
	sort.Strings(nodes)
	for _, n := range nodes {
		b.WriteString(n)
	}
	type dotEdge struct{ then, line string }
	var edges []dotEdge
	for _, a := range t.Actions {
		for _, e := range a.out {
			if (!e.first.Executed() || !e.then.Executed()) && !all {
				continue
			}
			edges = append(edges, dotEdge{dotName(e.then), fmt.Sprintf("\"%s\" -> \"%s\" [ style = bold]\n", dotName(e.first), dotName(e.then))})
		}
	}
	sort.SliceStable(edges, func(i, j int) bool { return edges[i].then < edges[j].then })
	for _, e := range edges {
		b.WriteString(e.line)
	}
	b.WriteString("}\n")
	return b.String()
}

// anonymousInstance reports whether r is an instance of a clone that is not
// globally unique (or a member of such an instance's group).
func anonymousInstance(r *cluster.Resource) bool {
	if r.BaseID == "" || r.BaseID == r.ID {
		return false
	}
	for x := r.Parent; x != nil; x = x.Parent {
		if x.Kind == cluster.Clone {
			return !x.GloballyUnique
		}
	}
	return false
}
