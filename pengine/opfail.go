package pengine

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"
)

// OpFailure is one crm_simulate --op-fail: when the simulated transition runs the
// operation Key (RSC_TASK_INTERVALMS) on Node, it returns RC instead of succeeding.
type OpFailure struct {
	Key  string
	Node string
	RC   int
}

// ParseOpFailure reads RSC_TASK_INTERVALMS@NODE=RC.
func ParseOpFailure(spec string) (OpFailure, error) {
	key, rest, ok := strings.Cut(spec, "@")
	node, rcs, ok2 := strings.Cut(rest, "=")
	if !ok || !ok2 || key == "" || node == "" || strings.Count(key, "_") < 2 {
		return OpFailure{}, fmt.Errorf("invalid failed operation %q: expected RSC_TASK_INTERVALMS@NODE=RC, e.g. rsc1_start_0@node1=1", spec)
	}
	rc, err := strconv.Atoi(rcs)
	if err != nil {
		return OpFailure{}, fmt.Errorf("invalid failed operation %q: result code %q must be an integer", spec, rcs)
	}
	return OpFailure{Key: key, Node: node, RC: rc}, nil
}

// SimulateText is Simulate with crm_simulate's "Executing Cluster Transition"
// lines ("  * " items), honouring --op-fail: the first listed operation the
// transition runs returns the given result instead and the transition is
// aborted there (nothing after it runs); a result that is a failure also raises
// the resource's fail count on the node and records when it failed (at now, the
// wall clock).
func (t *Transition) SimulateText(root *etree.Element, fails []OpFailure, now time.Time) []string {
	status := root.SelectElement("status")
	if status == nil {
		status = root.CreateElement("status")
	}
	var lines []string
	for _, a := range t.ExecutionOrder() {
		hid := execute(status, a)
		lines = append(lines, "  * "+a.execLine(hid))
		f := matchFailure(a, fails)
		if f == nil {
			continue
		}
		op := failOp(status, a, hid, f.RC, now)
		lines = append(lines, fmt.Sprintf("Pretending action %d failed with rc=%d", a.ID, f.RC))
		if f.RC == 0 || a.Probe && (f.RC == 7 || f.RC == 8) {
			// Success, or a probe finding the resource running (or not): the
			// transition stops, but nothing failed.
			break
		}
		if op != nil {
			last := op.Copy()
			last.CreateAttr("id", hid+"_last_failure_0")
			op.Parent().AddChild(last)
		}
		n := a.Node
		name := fmt.Sprintf("%s#%s_%d", hid, a.Task, a.IntervalMS)
		bumpAttr(status, n, "fail-count-"+name, "")
		bumpAttr(status, n, "last-failure-"+name, strconv.FormatInt(now.Unix(), 10))
		lines = append(lines,
			fmt.Sprintf("  * Injecting attribute fail-count-%s=value++ into /node_state '%s'", name, n.cn.ID),
			fmt.Sprintf("  * Injecting attribute last-failure-%s=%d into /node_state '%s'", name, now.Unix(), n.cn.ID))
		break
	}
	return lines
}

// matchFailure finds the --op-fail entry for a resource action, by the resource's
// id or the id its history is recorded under.
func matchFailure(a *Action, fails []OpFailure) *OpFailure {
	if a.Rsc == nil || a.Pseudo || a.Node == nil {
		return nil
	}
	for i := range fails {
		f := &fails[i]
		if f.Node != a.Node.name {
			continue
		}
		for _, id := range []string{a.Rsc.id, a.historyID(), a.graphName()} {
			if f.Key == fmt.Sprintf("%s_%s_%d", id, a.Task, a.IntervalMS) {
				return f
			}
		}
	}
	return nil
}

// failOp rewrites the result execute just recorded for a (under the history id
// hid) into rc.
func failOp(status *etree.Element, a *Action, hid string, rc int, now time.Time) *etree.Element {
	key := fmt.Sprintf("%s_%s_%d", hid, a.Task, a.IntervalMS)
	ns := nodeState(status, a.Node)
	var found *etree.Element
	for _, op := range ns.FindElements("lrm/lrm_resources/lrm_resource/lrm_rsc_op") {
		if op.Parent().SelectAttrValue("id", "") == hid && op.SelectAttrValue("operation_key", "") == key {
			found = op
		}
	}
	if found == nil {
		return nil
	}
	tk := found.SelectAttrValue("transition-key", "")
	found.CreateAttr("rc-code", strconv.Itoa(rc))
	found.CreateAttr("transition-magic", fmt.Sprintf("0:%d;%s", rc, tk))
	found.CreateAttr("exit-reason", "User-injected result")
	found.CreateAttr("last-rc-change", strconv.FormatInt(now.Unix(), 10))
	return found
}

// bumpAttr sets a transient node attribute: to value, or when value is "" to one
// more than it was. It returns the value set.
func bumpAttr(status *etree.Element, n *node, name, value string) string {
	ns := nodeState(status, n)
	ta := ns.SelectElement("transient_attributes")
	if ta == nil {
		ta = ns.CreateElement("transient_attributes")
		ta.CreateAttr("id", n.cn.ID)
	}
	ia := ta.SelectElement("instance_attributes")
	if ia == nil {
		ia = ta.CreateElement("instance_attributes")
		ia.CreateAttr("id", "status-"+n.cn.ID)
	}
	var nv *etree.Element
	for _, e := range ia.SelectElements("nvpair") {
		if e.SelectAttrValue("name", "") == name {
			nv = e
		}
	}
	if nv == nil {
		nv = ia.CreateElement("nvpair")
		nv.CreateAttr("id", "status-"+n.cn.ID+"-"+strings.NewReplacer("#", ".", ":", "-").Replace(name))
		nv.CreateAttr("name", name)
	}
	if value == "" {
		old, _ := strconv.Atoi(nv.SelectAttrValue("value", "0"))
		value = strconv.Itoa(old + 1)
	}
	nv.CreateAttr("value", value)
	return value
}
