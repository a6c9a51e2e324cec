package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/beevik/etree"

	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/cibclient"
	"github.com/pacer-ha/pacer/crmexit"
	"github.com/pacer-ha/pacer/lrmd"
)

// forceAction returns the agent action and OCF_CHECK_LEVEL of a force or
// validate command.
func forceAction(o *options) (action, level string, ok bool) {
	lvl := func(s string) string {
		if s == notGiven {
			return ""
		}
		return s
	}
	switch {
	case o.forceStart:
		return "start", "", true
	case o.forceStop:
		return "stop", "", true
	case o.forcePromote:
		return "promote", "", true
	case o.forceDemote:
		return "demote", "", true
	case o.forceCheck != "":
		return "monitor", lvl(o.forceCheck), true
	case o.validate != "":
		return "validate-all", lvl(o.validate), true
	}
	return "", "", false
}

// commandName is how Pacemaker names the operation in its output.
func commandName(o *options, action string) string {
	switch action {
	case "monitor":
		return "force-check"
	case "validate-all":
		return "validate"
	}
	return "force-" + action
}

// describeCode is Pacemaker's description of an exit status, including the
// OCF degraded codes crmexit does not name.
func describeCode(c crmexit.Code) string {
	switch c {
	case 190:
		return "Service is active but might fail soon"
	case 191:
		return "Service is promoted but might fail soon"
	}
	return c.String()
}

// rscConfig is what a force action needs from a configured resource.
type rscConfig struct {
	id, class, provider, typ string
	params, meta             map[string]string
	timeoutMS                uint64
}

func forceRun(ctx context.Context, ex *lrmd.Executor, o *options, action, level string, stdout, stderr io.Writer, getenv func(string) string) error {
	var rc rscConfig
	standalone := o.resource == "" && (o.class != "" || o.agent != "" || o.provider != "")
	if standalone {
		rc = rscConfig{id: "test", class: o.class, provider: o.provider, typ: o.agent, params: map[string]string{}, meta: map[string]string{}}
		if _, err := ex.RawMetadata(ctx, rc.class, rc.provider, rc.typ); err != nil || rc.class == "" || rc.typ == "" || (rc.class == lrmd.ClassOCF && rc.provider == "") {
			fmt.Fprintf(stderr, "crm_resource: %s:%s:%s is not a known resource\n", rc.class, rc.provider, rc.typ)
			return fail(crmexit.Usage)
		}
		for _, kv := range o.options {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				fmt.Fprintf(stderr, "crm_resource: Error parsing '%s' as a name=value pair\n", kv)
				return fail(crmexit.Usage)
			}
			rc.params[k] = v
		}
	} else {
		if o.resource == "" {
			fmt.Fprintln(stderr, "crm_resource: Must supply a resource id with -r")
			return fail(crmexit.Usage)
		}
		c, err := readCIB(ctx, stderr)
		if err != nil {
			return err
		}
		var found bool
		rc, found = resourceConfig(c, o.resource, action)
		if !found {
			fmt.Fprintf(stderr, "crm_resource: Resource '%s' not found\n", o.resource)
			fmt.Fprintf(stderr, "Error performing operation: %s\n", crmexit.NoSuch)
			return fail(crmexit.NoSuch)
		}
		if !o.force && (action == "start" || action == "promote" || action == "demote") && cloneActiveHere(c, o.resource) {
			fmt.Fprintf(stderr, "It is not safe to %s %s here: the cluster claims it is already active\n", commandName(o, action), o.resource)
			fmt.Fprintln(stderr, "Try setting target-role=Stopped first or specifying the force option")
			fmt.Fprintf(stderr, "crm_resource: Error performing operation: %s\n", crmexit.Unsafe)
			return fail(crmexit.Unsafe)
		}
	}
	if o.timeout != "" {
		ms, err := lrmd.ParseDuration(o.timeout)
		if err != nil || ms == 0 {
			fmt.Fprintf(stderr, "crm_resource: Invalid timeout '%s'\n", o.timeout)
			return fail(crmexit.Usage)
		}
		rc.timeoutMS = ms
	}
	if rc.timeoutMS == 0 {
		rc.timeoutMS = 20000
	}
	req := lrmd.Request{RscID: rc.id, Class: rc.class, Provider: rc.provider, Type: rc.typ, Action: action,
		TimeoutMS: rc.timeoutMS, Params: rc.params, Meta: rc.meta, CheckLevel: level}
	res := ex.Exec(ctx, req)

	spec := rc.class + ":"
	if rc.class == lrmd.ClassOCF {
		spec += rc.provider + ":"
	}
	spec += rc.typ
	what := commandName(o, action)
	if !standalone {
		what += " for " + rc.id
	}
	if res.Status != lrmd.StatusDone {
		fmt.Fprintf(stderr, "Operation %s (%s) could not be executed (%s: %s)\n", what, spec, res.Status, res.ExitReason)
		code := crmexit.Err
		if res.Status == lrmd.StatusNotInstalled {
			code = crmexit.NotInstalled
		}
		fmt.Fprintf(stderr, "crm_resource: Error performing operation: %s\n", describeCode(code))
		return fail(code)
	}
	reason := ""
	if res.ExitReason != "" {
		reason = ": " + res.ExitReason
	}
	fmt.Fprintf(stdout, "Operation %s (%s) returned %d (%s%s)\n", what, spec, res.RC, lrmd.RCString(res.RC), reason)
	if res.Stdout != "" {
		fmt.Fprintln(stdout, res.Stdout)
	}
	if res.Stderr != "" {
		fmt.Fprintln(stdout, res.Stderr)
	}
	if res.RC != lrmd.OCFSuccess {
		code := crmexit.Code(res.RC)
		fmt.Fprintf(stderr, "crm_resource: Error performing operation: %s\n", describeCode(code))
		return fail(code)
	}
	return nil
}

// readCIB opens the CIB (CIB_file or the cluster) and reads it, printing
// Pacemaker's message when that fails.
func readCIB(ctx context.Context, stderr io.Writer) (*cib.CIB, error) {
	be, err := cibclient.Open(ctx)
	if err == nil {
		defer be.Close()
		var c *cib.CIB
		if c, err = be.Read(ctx); err == nil {
			return c, nil
		}
	}
	code := crmexit.Of(err)
	if code == crmexit.Err || code == crmexit.Disconnect {
		fmt.Fprintln(stderr, "crm_resource: Could not connect to the CIB: Transport endpoint is not connected")
		fmt.Fprintf(stderr, "Error performing operation: %s\n", crmexit.Disconnect)
		return nil, fail(crmexit.Disconnect)
	}
	fmt.Fprintf(stderr, "crm_resource: Could not connect to the CIB: %v\n", err)
	fmt.Fprintf(stderr, "Error performing operation: %s\n", code)
	return nil, fail(code)
}

// cloneActiveHere reports whether id names a clone with an instance the
// status section shows running on this host: forcing another copy to start
// there is what crm_resource refuses without --force.
func cloneActiveHere(c *cib.CIB, id string) bool {
	el := findResource(c, id)
	if el == nil || (el.Tag != "clone" && el.Tag != "master") {
		return false
	}
	prim := el.FindElement(".//primitive")
	st := c.Section("status")
	host, err := os.Hostname()
	if prim == nil || st == nil || err != nil {
		return false
	}
	pid := prim.SelectAttrValue("id", "")
	for _, ns := range st.SelectElements("node_state") {
		if ns.SelectAttrValue("uname", "") != host {
			continue
		}
		for _, lr := range ns.FindElements("lrm/lrm_resources/lrm_resource") {
			rid, _, _ := strings.Cut(lr.SelectAttrValue("id", ""), ":")
			if rid != pid {
				continue
			}
			for _, op := range lr.SelectElements("lrm_rsc_op") {
				if !strings.HasSuffix(op.SelectAttrValue("id", ""), "_last_0") {
					continue
				}
				rc := op.SelectAttrValue("rc-code", "")
				if op.SelectAttrValue("operation", "") != "stop" && (rc == "0" || rc == "8") {
					return true
				}
			}
		}
	}
	return false
}

var resourceTags = map[string]bool{"primitive": true, "group": true, "clone": true, "master": true, "bundle": true}

// findResource returns the resource element with id under resources.
func findResource(c *cib.CIB, id string) *etree.Element {
	res := c.Section("resources")
	if res == nil || id == "" {
		return nil
	}
	var found *etree.Element
	var walk func(e *etree.Element)
	walk = func(e *etree.Element) {
		for _, ch := range e.ChildElements() {
			if found != nil {
				return
			}
			if resourceTags[ch.Tag] && ch.SelectAttrValue("id", "") == id {
				found = ch
				return
			}
			if resourceTags[ch.Tag] {
				walk(ch)
			}
		}
	}
	walk(res)
	return found
}

// nvpairs collects the nvpairs of el's child sets named tag that carry no
// rule (rule-based sets need node context a local force action lacks).
func nvpairs(el *etree.Element, tag string, into map[string]string) {
	for _, set := range el.SelectElements(tag) {
		if set.SelectElement("rule") != nil {
			continue
		}
		for _, nv := range set.SelectElements("nvpair") {
			n := nv.SelectAttrValue("name", "")
			if _, seen := into[n]; n != "" && !seen {
				into[n] = nv.SelectAttrValue("value", "")
			}
		}
	}
}

// resourceConfig gathers a resource's agent, parameters, meta attributes and
// the configured timeout of action, as crm_resource passes them to the agent.
func resourceConfig(c *cib.CIB, id, action string) (rscConfig, bool) {
	el := findResource(c, id)
	if el == nil {
		return rscConfig{}, false
	}
	prim := el
	if el.Tag != "primitive" {
		prim = el.FindElement(".//primitive")
		if prim == nil {
			return rscConfig{}, false
		}
	}
	rc := rscConfig{
		id: id, class: prim.SelectAttrValue("class", ""), provider: prim.SelectAttrValue("provider", ""),
		typ: prim.SelectAttrValue("type", ""), params: map[string]string{}, meta: map[string]string{},
	}
	// A clone's or group's instance attributes apply to its members too.
	for p := prim; p != nil && resourceTags[p.Tag]; p = p.Parent() {
		nvpairs(p, "instance_attributes", rc.params)
	}
	// The primitive's own meta first, then its parents', then rsc_defaults.
	nvpairs(prim, "meta_attributes", rc.meta)
	for p := prim.Parent(); p != nil && resourceTags[p.Tag]; p = p.Parent() {
		nvpairs(p, "meta_attributes", rc.meta)
		if p.Tag == "clone" || p.Tag == "master" {
			rc.meta["clone"] = "0"
			if _, ok := rc.meta["globally-unique"]; !ok {
				rc.meta["globally-unique"] = "false"
			}
		}
	}
	if d := c.Section("rsc_defaults"); d != nil {
		nvpairs(d, "meta_attributes", rc.meta)
	}
	rc.meta["class"], rc.meta["id"], rc.meta["type"] = rc.class, prim.SelectAttrValue("id", id), rc.typ
	if rc.provider != "" {
		rc.meta["provider"] = rc.provider
	}
	for _, op := range prim.FindElements("operations/op") {
		if op.SelectAttrValue("name", "") != action {
			continue
		}
		t := op.SelectAttrValue("timeout", "")
		if t == "" {
			m := map[string]string{}
			nvpairs(op, "meta_attributes", m)
			t = m["timeout"]
		}
		if ms, err := lrmd.ParseDuration(t); err == nil {
			rc.timeoutMS = ms
		}
		break
	}
	if rc.timeoutMS == 0 {
		if d := c.Section("op_defaults"); d != nil {
			m := map[string]string{}
			nvpairs(d, "meta_attributes", m)
			if ms, err := lrmd.ParseDuration(m["timeout"]); err == nil {
				rc.timeoutMS = ms
			}
		}
	}
	return rc, true
}
