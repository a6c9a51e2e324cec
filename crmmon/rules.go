package crmmon

import (
	"time"

	"github.com/beevik/etree"

	"github.com/pacer-ha/pacer/cluster"
	"github.com/pacer-ha/pacer/rules"
)

// RuleOptions evaluates rule-guarded attribute sets with package rules at
// time now, so that what crm_mon shows honours date, node-attribute and
// rsc_expression rules as Pacemaker's does.
func RuleOptions(now time.Time) cluster.Options {
	nodeCtx := func(n *cluster.Node) *rules.Context {
		ctx := &rules.Context{Now: now}
		if n != nil {
			attrs := map[string]string{"#uname": n.Name, "#id": n.ID, "#kind": string(n.Type)}
			for k, v := range n.Attrs {
				attrs[k] = v
			}
			ctx.NodeAttrs = attrs
		}
		return ctx
	}
	return cluster.Options{
		EvalRule: func(rule *etree.Element, n *cluster.Node) bool {
			ok, _ := rules.Eval(rule, nodeCtx(n))
			return ok
		},
		EvalRscRule: func(rule *etree.Element, r *cluster.Resource) bool {
			ctx := nodeCtx(nil)
			ctx.Rsc = &rules.RscInfo{Class: r.Class, Provider: r.Provider, Type: r.Type}
			ok, _ := rules.Eval(rule, ctx)
			return ok
		},
	}
}
