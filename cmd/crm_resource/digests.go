package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/beevik/etree"

	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/crmexit"
	"github.com/pacer-ha/pacer/lrmd"
	"github.com/pacer-ha/pacer/opdigest"
)

// showDigests implements --digests: the op-digest ("all parameters") and
// op-secure-digest ("non-private parameters") Pacemaker would compute for the
// resource's most recent operation on the node (a start when there is none),
// with NAME=VALUE arguments overriding the configuration.
func showDigests(ctx context.Context, ex *lrmd.Executor, o *options, stdout, stderr io.Writer) error {
	if o.resource == "" {
		fmt.Fprintln(stderr, "crm_resource: Must supply a resource id with -r")
		return fail(crmexit.Usage)
	}
	if o.node == "" {
		fmt.Fprintln(stderr, "crm_resource: Must supply a node name with -N")
		return fail(crmexit.Usage)
	}
	overrides := map[string]string{}
	for _, a := range o.args {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			fmt.Fprintln(stderr, "crm_resource: Error parsing '--digests' as a name=value pair")
			return fail(crmexit.Usage)
		}
		overrides[k] = v
	}
	c, err := readCIB(ctx, stderr)
	if err != nil {
		return err
	}
	el := findResource(c, o.resource)
	if el == nil {
		fmt.Fprintf(stderr, "crm_resource: Resource '%s' not found\n", o.resource)
		fmt.Fprintf(stderr, "Error performing operation: %s\n", crmexit.NoSuch)
		return fail(crmexit.NoSuch)
	}
	ns := nodeState(c, o.node)
	if !nodeKnown(c, o.node) {
		fmt.Fprintf(stderr, "crm_resource: Node '%s' not found\n", o.node)
		fmt.Fprintf(stderr, "Error performing operation: %s\n", crmexit.NoSuch)
		return fail(crmexit.NoSuch)
	}
	if el.Tag != "primitive" {
		fmt.Fprintf(stderr, "crm_resource: Error performing operation: %s\n", crmexit.Unimplemented)
		return fail(crmexit.Unimplemented)
	}
	task, interval := lastOperation(ns, o.resource)
	params := map[string]string{}
	// A clone's or group's instance attributes apply to its members too.
	for p := el; p != nil && resourceTags[p.Tag]; p = p.Parent() {
		nvpairs(p, "instance_attributes", params)
	}
	for k, v := range overrides {
		params[k] = v
	}
	in := opdigest.Input{Op: opdigest.Op{Name: task, IntervalMS: interval, TimeoutMS: 20000},
		Fencing: el.SelectAttrValue("class", "") == lrmd.ClassStonith}
	for _, k := range sortedKeys(params) {
		in.Params = append(in.Params, opdigest.Param{Name: k, Value: params[k]})
	}
	timeoutSet := false
	for _, op := range el.FindElements("operations/op") {
		iv, _ := lrmd.ParseDuration(op.SelectAttrValue("interval", "0"))
		if op.SelectAttrValue("name", "") != task || iv != interval {
			continue
		}
		if ms, err := lrmd.ParseDuration(op.SelectAttrValue("timeout", "")); err == nil {
			in.Op.TimeoutMS, timeoutSet = ms, true
		}
		opParams := map[string]string{}
		nvpairs(op, "instance_attributes", opParams)
		for _, k := range sortedKeys(opParams) {
			in.Op.Params = append(in.Op.Params, opdigest.Param{Name: k, Value: opParams[k]})
		}
		break
	}
	if !timeoutSet {
		if d := c.Section("op_defaults"); d != nil {
			m := map[string]string{}
			nvpairs(d, "meta_attributes", m)
			if ms, err := lrmd.ParseDuration(m["timeout"]); err == nil {
				in.Op.TimeoutMS = ms
			}
		}
	}
	in.SecureParams = []string{}
	if md, err := ex.Metadata(ctx, el.SelectAttrValue("class", ""), el.SelectAttrValue("provider", ""), el.SelectAttrValue("type", "")); err == nil {
		if sp := md.SecureParams(); sp != nil {
			in.SecureParams = sp
		}
	}
	d := opdigest.Compute(in)
	fmt.Fprintf(stdout, "%s (all parameters)\n", d.All)
	fmt.Fprintf(stdout, "%s (non-private parameters)\n", d.Secure)
	return nil
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func nodeKnown(c *cib.CIB, name string) bool {
	if nodes := c.Section("nodes"); nodes != nil {
		for _, n := range nodes.SelectElements("node") {
			if n.SelectAttrValue("uname", "") == name {
				return true
			}
		}
	}
	return nodeState(c, name) != nil
}

func nodeState(c *cib.CIB, name string) *etree.Element {
	st := c.Section("status")
	if st == nil {
		return nil
	}
	for _, ns := range st.SelectElements("node_state") {
		if ns.SelectAttrValue("uname", "") == name {
			return ns
		}
	}
	return nil
}

// lastOperation is the task and interval of the resource's history entry
// with the highest call-id on the node, or a start.
func lastOperation(ns *etree.Element, rscID string) (string, uint64) {
	task, interval, best := "start", uint64(0), -1
	if ns == nil {
		return task, interval
	}
	for _, lr := range ns.FindElements("lrm/lrm_resources/lrm_resource") {
		if id, _, _ := strings.Cut(lr.SelectAttrValue("id", ""), ":"); id != rscID {
			continue
		}
		for _, op := range lr.SelectElements("lrm_rsc_op") {
			call, err := strconv.Atoi(op.SelectAttrValue("call-id", ""))
			if err != nil || call <= best {
				continue
			}
			best = call
			task = op.SelectAttrValue("operation", "start")
			interval, _ = strconv.ParseUint(op.SelectAttrValue("interval", "0"), 10, 64)
		}
	}
	return task, interval
}
