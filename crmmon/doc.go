// Package crmmon renders a cluster.Cluster the way Pacemaker 2.1.5's crm_mon
// prints it: the text layout (node list, resource tree, clone and bundle
// summaries, failure and attribute sections, the one-line nagios check) and
// crm_mon's XML output schema.
//
// RenderStatus writes just the "Node List" / "Full List of Resources" block
// that crm_simulate prints as "Current cluster status:"; Render writes the
// full crm_mon -1 output for a set of Options.
package crmmon
