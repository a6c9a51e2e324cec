package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/cluster"
	"github.com/pacer-ha/pacer/crmexit"
	"github.com/pacer-ha/pacer/crmlevels"
	"github.com/pacer-ha/pacer/resourcecmd"
)

// resource runs crm resource SUBCOMMAND ....
func (a *app) resource(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usageErr("resource: missing subcommand (status, start, stop, move, clear, locate, manage, unmanage, param, meta)")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "migrate":
		fmt.Fprintf(a.stdout, "WARNING: This command 'migrate' is deprecated, please use 'move'\n")
		a.info(`"migrate" is accepted as "move"`)
		cmd = "move"
	case "unmove", "unmigrate":
		fmt.Fprintf(a.stdout, "WARNING: This command '%s' is deprecated, please use 'clear'\n", cmd)
		a.info(`"%s" is accepted as "clear"`, cmd)
		cmd = "clear"
	case "show", "list":
		cmd = "status"
	}
	switch cmd {
	case "status", "locate":
		return a.resourceStatus(ctx, cmd, rest)
	case "start", "stop", "manage", "unmanage":
		if len(rest) == 0 {
			return usageErr("resource %s: expected at least one resource", cmd)
		}
		nv := map[string][2]string{
			"start": {"target-role", "Started"}, "stop": {"target-role", "Stopped"},
			"manage": {"is-managed", "true"}, "unmanage": {"is-managed", "false"},
		}[cmd]
		name, value := nv[0], nv[1]
		return a.edit(ctx, func(c *cib.CIB, _ *cluster.Cluster) error {
			for _, r := range rest {
				if _, err := crmlevels.SetDeepMeta(c.Root(), r, name, value); err != nil {
					return usageErr("Resource not found: %s", r)
				}
			}
			return nil
		})
	case "move", "ban":
		return a.resourceMove(ctx, cmd, rest)
	case "clear":
		return a.resourceClear(ctx, rest)
	case "param", "meta":
		return a.resourceAttr(ctx, cmd, rest)
	case "cleanup", "refresh":
		return a.resourceCleanup(ctx, cmd, rest)
	case "failcount":
		return a.resourceFailcount(ctx, rest)
	case "restart":
		return a.resourceRestart(ctx, rest)
	case "trace", "untrace", "scores", "operations", "utilization", "secret", "maintenance", "promote", "demote":
		return crmexit.Wrap(crmexit.Unimplemented, fmt.Errorf("resource %s: not implemented yet in Pacer's crm", cmd))
	}
	return usageErr("resource: unknown command %q", cmd)
}

// toolErr turns resourcecmd's already-printed failures into crmsh's exit 1.
func toolErr(err error) error {
	var rep resourcecmd.Reported
	if errors.As(err, &rep) {
		return crmexit.Wrap(crmexit.Err, errReported)
	}
	return err
}

func (a *app) resourceStatus(ctx context.Context, cmd string, rest []string) error {
	c, err := a.readCIB(ctx)
	if err != nil {
		return err
	}
	cl, err := resourcecmd.View(c, a.now())
	if err != nil {
		return crmexit.Wrap(crmexit.Err, err)
	}
	if len(rest) == 0 {
		if cmd == "locate" {
			return usageErr("resource locate: expected a resource")
		}
		return resourcecmd.List(a.stdout, cl)
	}
	for _, id := range rest {
		r, prims := resourcecmd.Find(cl, id)
		if r == nil {
			fmt.Fprintf(a.stderr, "crm_resource: Resource '%s' not found\nError performing operation: %s\n", id, crmexit.NoSuch)
			return crmexit.Wrap(crmexit.Err, errReported)
		}
		resourcecmd.Locate(a.stdout, a.stderr, r, prims, false)
	}
	return nil
}

func (a *app) resourceMove(ctx context.Context, cmd string, rest []string) error {
	if len(rest) == 0 || len(rest) > 4 {
		return usageErr("resource %s: usage: %s <rsc> [<node>] [<lifetime>] [force]", cmd, cmd)
	}
	// crmsh runs crm_resource --move quietly, --ban not.
	p := &resourcecmd.PlacementRequest{Tool: "crm_resource", Resource: rest[0], Quiet: cmd == "move", Now: a.now()}
	for _, w := range rest[1:] {
		switch {
		case w == "force":
			p.Force = true
		case len(w) > 0 && w[0] == 'P':
			p.Lifetime = w
		case p.Node == "":
			p.Node = w
		default:
			return usageErr("resource %s: unexpected %q", cmd, w)
		}
	}
	var out bytes.Buffer
	err := a.edit(ctx, func(c *cib.CIB, cl *cluster.Cluster) error {
		if cmd == "ban" {
			return p.Ban(c, cl, &out, a.stderr)
		}
		return p.Move(c, cl, &out, a.stderr)
	})
	a.stdout.Write(out.Bytes())
	if err != nil {
		return toolErr(err)
	}
	what := map[string]string{"move": "Move", "ban": "Ban"}[cmd]
	if p.Node != "" {
		a.info("%s constraint created for %s to %s", what, p.Resource, p.Node)
	} else {
		a.info("%s constraint created for %s", what, p.Resource)
	}
	a.info("Use `crm resource clear %s` to remove this constraint", p.Resource)
	return nil
}

func (a *app) resourceClear(ctx context.Context, rest []string) error {
	if len(rest) != 1 {
		// crmsh 4.4's clear takes the resource only.
		return usageErr("resource.clear: Expected (rsc), takes exactly 1 arguments (%d given)", len(rest))
	}
	p := &resourcecmd.PlacementRequest{Tool: "crm_resource", Resource: rest[0], Quiet: true, Now: a.now()}
	err := a.edit(ctx, func(c *cib.CIB, cl *cluster.Cluster) error {
		return p.Clear(c, cl, a.stdout, a.stderr)
	})
	if err != nil {
		return toolErr(err)
	}
	a.info("Removed migration constraints for %s", p.Resource)
	return nil
}

// resourceAttr is param/meta RSC set|show|get|delete NAME [VALUE], done as
// crm_resource --set-parameter/--get-parameter/--delete-parameter.
func (a *app) resourceAttr(ctx context.Context, level string, rest []string) error {
	kind := crmlevels.Params
	if level == "meta" {
		kind = crmlevels.Meta
	}
	if len(rest) < 3 {
		return usageErr("resource %s: usage: %s <rsc> set|delete|show <name> [<value>]", level, level)
	}
	rsc, op, name := rest[0], rest[1], rest[2]
	notFound := func() error {
		fmt.Fprintf(a.stderr, "crm_resource: Resource '%s' not found\nError performing operation: %s\n", rsc, crmexit.NoSuch)
		return crmexit.Wrap(crmexit.Err, errReported)
	}
	switch op {
	case "set":
		if len(rest) != 4 {
			return usageErr("resource %s %s set: expected <name> <value>", level, rsc)
		}
		var out bytes.Buffer
		err := a.edit(ctx, func(c *cib.CIB, _ *cluster.Cluster) error {
			return crmlevels.SetAttr(c.Root(), &out, rsc, kind, name, rest[3])
		})
		if errors.Is(err, crmlevels.ErrNoResource) {
			return notFound()
		}
		if err != nil {
			return crmexit.Wrap(crmexit.Err, fmt.Errorf("resource %s %s set: %w", level, rsc, err))
		}
		_, err = a.stdout.Write(out.Bytes())
		return err
	case "show", "get":
		if len(rest) != 3 {
			return usageErr("resource %s %s %s: expected <name>", level, rsc, op)
		}
		c, err := a.readCIB(ctx)
		if err != nil {
			return err
		}
		v, ok, err := crmlevels.GetAttr(c.Root(), rsc, kind, name)
		if err != nil {
			return notFound()
		}
		if !ok {
			fmt.Fprintf(a.stderr, "Attribute '%s' not found for '%s'\n", name, rsc)
			return nil
		}
		fmt.Fprintln(a.stdout, v)
		return nil
	case "delete":
		if len(rest) != 3 {
			return usageErr("resource %s %s delete: expected <name>", level, rsc)
		}
		var out bytes.Buffer
		err := a.edit(ctx, func(c *cib.CIB, _ *cluster.Cluster) error {
			_, err := crmlevels.DeleteAttr(c.Root(), &out, rsc, kind, name)
			return err
		})
		if errors.Is(err, crmlevels.ErrNoResource) {
			return notFound()
		}
		if err != nil {
			return crmexit.Wrap(crmexit.Err, fmt.Errorf("resource %s %s delete: %w", level, rsc, err))
		}
		_, err = a.stdout.Write(out.Bytes())
		return err
	}
	return usageErr("Bad usage: Unknown command '%s', command: '%s %s %s %s'", op, level, rsc, op, name)
}

// resourceCleanup is cleanup|refresh [RSC] [NODE] [force], as crm_resource
// --cleanup/--refresh [--resource RSC] [--node NODE].
func (a *app) resourceCleanup(ctx context.Context, cmd string, rest []string) error {
	if len(rest) > 0 && rest[len(rest)-1] == "force" {
		rest = rest[:len(rest)-1]
	}
	if len(rest) > 2 {
		return usageErr("resource.%s: usage: %s [<rsc>] [<node>] [force]", cmd, cmd)
	}
	q := &resourcecmd.CleanupRequest{Tool: "crm_resource", Refresh: cmd == "refresh"}
	if len(rest) > 0 {
		q.Resource = rest[0]
	}
	if len(rest) > 1 {
		q.Node = rest[1]
	}
	var out bytes.Buffer
	err := a.edit(ctx, func(c *cib.CIB, cl *cluster.Cluster) error {
		return q.Run(c, cl, &out, a.stderr)
	})
	a.stdout.Write(out.Bytes())
	return toolErr(err)
}

// resourceFailcount is failcount RSC show|delete NODE, and set NODE 0
// (the same as delete): the resource's fail-count attributes on the node.
func (a *app) resourceFailcount(ctx context.Context, rest []string) error {
	if len(rest) < 3 {
		return usageErr("resource.failcount: usage: failcount <rsc> set <node> <value> | delete <node> | show <node>")
	}
	rsc, op, node := rest[0], rest[1], rest[2]
	switch {
	case op == "show" && len(rest) == 3:
		c, err := a.readCIB(ctx)
		if err != nil {
			return err
		}
		n, err := crmlevels.FailCount(c.Root(), rsc, node)
		if err != nil {
			return usageErr("resource.failcount: %v", err)
		}
		fmt.Fprintf(a.stdout, "scope=status  name=fail-count-%s value=%s\n", rsc, n)
		return nil
	case op == "delete" && len(rest) == 3, op == "set" && len(rest) == 4 && rest[3] == "0":
		q := &resourcecmd.CleanupRequest{Tool: "crm_resource", Resource: rsc, Node: node, Quiet: true}
		return toolErr(a.edit(ctx, func(c *cib.CIB, cl *cluster.Cluster) error {
			return q.Run(c, cl, io.Discard, a.stderr)
		}))
	case op == "set" && len(rest) == 4:
		return crmexit.Wrap(crmexit.Unimplemented, fmt.Errorf("resource.failcount: setting a fail count other than 0 is not implemented in Pacer's crm"))
	}
	return usageErr("resource.failcount: unknown command %q", op)
}

// restartTimeout bounds the wait for the resources to stop.
const restartTimeout = 2 * time.Minute

// resourceRestart is restart RSC...: stop (target-role=Stopped), wait until
// the cluster reports them stopped, then start. Like crmsh, it needs a
// cluster: on a CIB file it writes the stop and then fails as there is no DC.
func (a *app) resourceRestart(ctx context.Context, rest []string) error {
	if len(rest) == 0 {
		return usageErr("resource restart: expected at least one resource")
	}
	st, err := a.open(ctx)
	if err != nil {
		return crmexit.Wrap(crmexit.Err, fmt.Errorf("cannot open the CIB: %w", err))
	}
	_, onFile := st.(*cib.FileBackend)
	m, inScript := st.(memStore)
	st.Close()
	if inScript {
		if !m.file {
			// A script writes once at its end: nothing would ever stop.
			return usageErr("resource restart: not possible inside a script on the live cluster; run it on its own")
		}
		onFile = true
	}
	a.info("ordering %s to stop", strings.Join(rest, ", "))
	set := func(value string) error {
		return a.edit(ctx, func(c *cib.CIB, _ *cluster.Cluster) error {
			for _, r := range rest {
				if _, err := crmlevels.SetDeepMeta(c.Root(), r, "target-role", value); err != nil {
					return usageErr("Resource not found: %s", r)
				}
			}
			return nil
		})
	}
	if err := set("Stopped"); err != nil {
		return err
	}
	if onFile {
		// As crmsh: the stop is written, nobody can say when it is done.
		fmt.Fprintln(a.stdout, "WARNING: can't find DC")
		return crmexit.Wrap(crmexit.Err, errReported)
	}
	deadline := time.Now().Add(restartTimeout)
	for {
		c, err := a.readCIB(ctx)
		if err != nil {
			return err
		}
		cl, err := resourcecmd.View(c, a.now())
		if err != nil {
			return crmexit.Wrap(crmexit.Err, err)
		}
		running := false
		for _, r := range rest {
			if _, prims := resourcecmd.Find(cl, r); prims != nil {
				active, _ := resourcecmd.ActiveNodes(prims)
				running = running || len(active) > 0
			}
		}
		if !running {
			break
		}
		if time.Now().After(deadline) {
			return usageErr("resource restart: %s did not stop in %s; not started again", strings.Join(rest, ", "), restartTimeout)
		}
		select {
		case <-ctx.Done():
			return crmexit.Wrap(crmexit.Err, ctx.Err())
		case <-time.After(time.Second):
		}
	}
	a.info("ordering %s to start", strings.Join(rest, ", "))
	return set("Started")
}
