// Package agents holds Pacer's own OCF resource agents (provider "pacer",
// in ocf/pacer: Dummy, Stateful and ping), installed by "make agents" into
// lib/ocf/resource.d/pacer next to the tools. The Go code here is only their
// tests, which drive the agents through package lrmd with Pacer's tools and
// with Pacemaker's on PATH.
package agents
