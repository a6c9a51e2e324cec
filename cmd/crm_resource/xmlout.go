package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/pacer-ha/pacer/crmexit"
	"github.com/pacer-ha/pacer/crmmon"
	"github.com/pacer-ha/pacer/resourcecmd"
)

// messages collects what a command would print on stderr, one message per
// write: XML output reports them as <error> elements.
type messages struct{ list []string }

func (m *messages) Write(p []byte) (int, error) {
	m.list = append(m.list, strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// xmlCommands tells whether the command line asks for one of the commands
// with XML output.
func xmlCommands(o *options) bool {
	s := &o.state
	return s.list || s.listRaw || s.locate || s.why || s.constraints || s.stack || o.getParam != "" ||
		s.listOps || s.listAllOps
}

// runXML runs a state command with --output-as=xml: a pacemaker-result with
// the command's element and a status carrying the exit code and messages.
func runXML(ctx context.Context, o *options, stdout io.Writer) error {
	doc := etree.NewDocument()
	root := doc.CreateElement("pacemaker-result")
	root.CreateAttr("api-version", crmmon.APIVersion)
	root.CreateAttr("request", strings.TrimSpace(o.prog+" "+strings.Join(o.rawArgs, " ")))
	msgs := &messages{}
	err := xmlBody(ctx, o, root, msgs)
	code := crmexit.Of(err)
	st := root.CreateElement("status")
	st.CreateAttr("code", strconv.Itoa(int(code)))
	st.CreateAttr("message", code.String())
	if len(msgs.list) > 0 {
		errs := st.CreateElement("errors")
		for _, m := range msgs.list {
			errs.CreateElement("error").SetText(m)
		}
	}
	if werr := crmmon.WriteXML(stdout, doc); werr != nil && err == nil {
		return werr
	}
	if err != nil {
		var r reported
		if !errors.As(err, &r) {
			// Already in the XML: do not print it again.
			return crmexit.Wrap(code, reported{Code: code})
		}
	}
	return err
}

func xmlBody(ctx context.Context, o *options, root *etree.Element, stderr io.Writer) error {
	s := &o.state
	if o.getParam != "" {
		var out strings.Builder
		if err := paramCommand(ctx, o, &out, stderr, nil); err != nil {
			return err
		}
		if v, ok := strings.CutSuffix(out.String(), "\n"); ok {
			l := root.CreateElement("list")
			l.CreateAttr("name", "attributes")
			l.CreateAttr("count", "1")
			it := l.CreateElement("item")
			it.CreateAttr("name", o.getParam)
			it.SetText(v)
		}
		return nil
	}
	c, err := resourcecmd.ReadCIB(ctx, "crm_resource", stderr)
	if err != nil {
		return err
	}
	cl, err := resourcecmd.View(c, time.Now())
	if err != nil {
		fmt.Fprintf(stderr, "crm_resource: %v", err)
		return crmexit.Wrap(crmexit.Config, err)
	}
	needResource := func() error {
		if o.resource == "" {
			fmt.Fprint(stderr, "crm_resource: Must supply a resource id with -r")
			return fail(crmexit.Usage)
		}
		return nil
	}
	switch {
	case s.listOps || s.listAllOps:
		return resourcecmd.ListOperationsXML(root, stderr, cl, o.resource, o.node, s.listAllOps)
	case s.constraints, s.stack:
		if err := needResource(); err != nil {
			return err
		}
		r, _ := resourcecmd.Find(cl, o.resource)
		if r == nil {
			return resourcecmd.Failf(stderr, "crm_resource", crmexit.NoSuch, "Resource '%s' not found", o.resource)
		}
		resourcecmd.ConstraintsXML(root, cl, r, s.stack || s.recursive)
	case s.list, s.listRaw:
		if len(cl.Resources) == 0 {
			if s.listRaw {
				io.WriteString(stderr, "NO resources configured\n\n")
			} else {
				root.CreateElement("resources").CreateElement("item").SetText("No resources")
			}
			io.WriteString(stderr, "crm_resource: Error performing operation: No such object\n")
			return resourcecmd.Fail(crmexit.NoSuch)
		}
		if s.listRaw {
			resourcecmd.ListRawXML(root, cl)
		} else {
			crmmon.XMLResources(root.CreateElement("resources"), cl)
		}
	case s.locate:
		if err := needResource(); err != nil {
			return err
		}
		r, prims := resourcecmd.Find(cl, o.resource)
		if r == nil {
			return resourcecmd.Failf(stderr, "crm_resource", crmexit.NoSuch, "Resource '%s' not found", o.resource)
		}
		resourcecmd.LocateXML(root, r, prims)
	case s.why:
		return resourcecmd.WhyXML(root, stderr, cl, o.resource, o.node)
	}
	return nil
}
