package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/cluster"
	"github.com/pacer-ha/pacer/crmexit"
	"github.com/pacer-ha/pacer/crmlevels"
	"github.com/pacer-ha/pacer/crmmon"
	"github.com/pacer-ha/pacer/lrmd"
)

// status is crm status [full|bynode|inactive|ops|timing|failcounts|simple|
// xml|noheaders|detail|brief|tickets|quiet|verbose]: crm_mon's one-shot
// output with the flags crmsh passes (-r when no option is given).
func (a *app) status(ctx context.Context, args []string) error {
	opts := crmmon.Options{Inactive: len(args) == 0}
	simple, asXML := false, false
	for _, w := range args {
		switch w {
		case "full":
			opts.GroupByNode, opts.Tickets, opts.Inactive, opts.FailCounts = true, true, true, true
			opts.Operations, opts.Timing = true, true
		case "bynode":
			opts.GroupByNode = true
		case "inactive":
			opts.Inactive = true
		case "ops":
			opts.Operations = true
		case "timing":
			opts.Operations, opts.Timing = true, true
		case "failcounts":
			opts.FailCounts = true
		case "simple":
			simple = true
		case "xml":
			asXML = true
		case "noheaders":
			opts.HideHeaders = true
		case "detail":
			opts.ShowDetail = true
		case "brief":
			opts.Brief = true
		case "tickets":
			opts.Tickets = true
		case "quiet", "verbose":
		default:
			return usageErr("status: unknown option %q (full, bynode, inactive, ops, timing, failcounts, simple, xml, noheaders, detail, brief, tickets)", w)
		}
	}
	st, err := a.open(ctx)
	if err != nil {
		return crmexit.Wrap(crmexit.Err, fmt.Errorf("cannot open the CIB: %w", err))
	}
	defer st.Close()
	c, err := st.Read(ctx)
	if err != nil {
		return crmexit.Wrap(crmexit.Err, fmt.Errorf("cannot read the CIB: %w", err))
	}
	// crm_mon names the stack only when it talks to a cluster.
	stack := "pacer"
	if m, ok := st.(memStore); ok && m.file {
		stack = ""
	}
	if _, isFile := st.(*cib.FileBackend); isFile {
		stack = ""
	}
	now := a.now()
	cl, err := cluster.UnpackWith(c.Root(), now, crmmon.RuleOptions(now))
	if err != nil {
		return crmexit.Wrap(crmexit.Err, fmt.Errorf("status: %w", err))
	}
	var buf bytes.Buffer
	switch {
	case simple:
		line, _ := crmmon.Nagios(cl)
		fmt.Fprintln(&buf, line)
	case asXML:
		err = crmmon.RenderXML(&buf, cl, crmmon.Header{Stack: stack, Now: now, Request: "crm_mon -1 --as-xml"}, opts)
	default:
		err = crmmon.Render(&buf, cl, crmmon.Header{Stack: stack, Now: now, Request: "crm_mon -1"}, opts)
	}
	if err != nil {
		return crmexit.Wrap(crmexit.Err, fmt.Errorf("status: %w", err))
	}
	// crmsh prints crm_mon's output followed by a newline.
	buf.WriteByte('\n')
	_, err = a.stdout.Write(buf.Bytes())
	return err
}

// ra is crm ra classes|providers TYPE [CLASS]|list CLASS [PROVIDER]|info AGENT.
func (a *app) ra(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usageErr("ra: missing subcommand (classes, providers, list, info)")
	}
	ex := a.agents()
	var err error
	switch args[0] {
	case "classes":
		err = crmlevels.Classes(a.stdout, ex)
	case "providers":
		if len(args) < 2 || len(args) > 3 {
			return usageErr("ra.providers: usage: providers <type> [<class>]")
		}
		err = crmlevels.Providers(a.stdout, ex, args[1])
	case "list":
		if len(args) < 2 || len(args) > 3 {
			return usageErr("ra.list: usage: list <class> [<provider>]")
		}
		prov := ""
		if len(args) == 3 {
			prov = args[2]
		}
		err = crmlevels.List(a.stdout, ex, args[1], prov)
		if err != nil {
			err = fmt.Errorf("ra.list: %w", err)
		}
	case "info", "meta":
		if len(args) < 2 {
			return usageErr("ra.info: usage: info [<class>:[<provider>:]]<type>")
		}
		err = crmlevels.Info(ctx, a.stdout, ex, strings.Join(args[1:], ":"))
	default:
		return usageErr("ra: unknown command %q", args[0])
	}
	if err != nil {
		return crmexit.Wrap(crmexit.Err, err)
	}
	return nil
}

func (a *app) agents() crmlevels.Agents {
	if a.executor != nil {
		return a.executor
	}
	return lrmd.New(lrmd.Options{})
}
