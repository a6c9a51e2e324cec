// Package lrmd is Pacer's local resource executor: it runs resource agent
// actions on this node exactly as Pacemaker's executor (pacemaker-execd)
// runs them, so existing OCF, LSB and systemd agents work unmodified, and
// reports results in the form the controller records in the CIB.
//
// It knows nothing about the cluster: the caller (the controller, or a tool
// such as crm_resource --force-start) decides what to run.
//
// # API
//
//	ex := lrmd.New(lrmd.Options{})            // defaults: see Options
//	res := ex.Exec(ctx, lrmd.Request{RscID: "ip", Class: "ocf",
//	        Provider: "heartbeat", Type: "IPaddr2", Action: "start",
//	        TimeoutMS: 20000, Params: map[string]string{"ip": "10.0.0.5"}})
//	if res.OK() { ... }
//	entry := res.HistoryEntry(lrmd.HistoryID("ip", "start", 0, !res.OK()), "node1")
//
//	req := lrmd.RequestFromGraph(id, class, provider, typ, task, graphAttrs)
//	key, _ := ex.StartRecurring(monitorReq, func(r lrmd.Result) { ... })
//	ex.CancelRecurring("ip", "monitor", 10000)
//	md, _ := ex.Metadata(ctx, "ocf", "heartbeat", "IPaddr2")
//	probs, _ := ex.Validate(ctx, req)       // required/unknown parameters
//	params, _ := ex.WithDefaults(ctx, "ocf", "heartbeat", "IPaddr2", req.Params)
//	ms := ex.DefaultTimeoutMS(ctx, "ocf", "heartbeat", "IPaddr2", "start", 0)
//	ex.Standards(); ex.Providers(); ex.Agents("ocf", "heartbeat")
//
// # Classes
//
// ocf: the agent is OCF_ROOT/resource.d/PROVIDER/TYPE, searched in
// Options.OCFRoots (Pacer's own lib/ocf next to bin/, then /usr/lib/ocf);
// OCF_ROOT is set to the root the agent was found in. lsb: /etc/init.d/TYPE,
// monitor runs "status", exit codes mapped to OCF (status 1-3 not running,
// 4 and unknown codes a generic error). service:
// an LSB script of that name, else a systemd unit. systemd: systemctl
// start/stop/is-active/reload of TYPE(.service). stonith: handed to
// Options.Fencer.
//
// # Environment
//
// OCF agents inherit the executor's environment (as in Pacemaker) and see
// OCF_ROOT, OCF_RA_VERSION_MAJOR=1, OCF_RA_VERSION_MINOR=1,
// OCF_RESOURCE_INSTANCE, OCF_RESOURCE_TYPE, OCF_RESOURCE_PROVIDER,
// OCF_RESKEY_<param> for every parameter, OCF_RESKEY_CRM_meta_<meta> for
// every Request.Meta entry (dashes as underscores) plus timeout (always) and
// interval (when recurring) in ms, OCF_RESKEY_crm_feature_set,
// OCF_CHECK_LEVEL (from the parameter of that name or Request.CheckLevel),
// HA_SBIN_DIR and a PATH that starts with Options.ToolDir so agents calling
// crm_attribute, crm_master or attrd_updater reach Pacer's tools. The
// controller passes the graph's meta (name, clone_max, notify_*, ...) in
// Request.Meta; RequestFromGraph splits graph attributes accordingly.
//
// # Execution
//
// Every run gets its own process group, stdin from /dev/null and working
// directory /. On timeout the group gets SIGTERM, then SIGKILL after
// Options.KillGrace, and the result has op-status Timeout. Output is kept up
// to Options.OutputLimit per stream (the rest is read and dropped); the last
// "ocf-exit-reason:" line on stderr becomes the exit reason. At most one
// action per resource runs at a time (others queue, in order) and at most
// Options.MaxConcurrent on the node. A stop cancels the resource's recurring
// operations first. A missing or non-executable agent gives rc 5
// (not installed) with the reason; an agent killed by a signal it was not
// sent by the executor is an error (rc 1, op-status Error).
//
// Results carry call-id, rc-code, op-status, exec-time, queue-time and the
// op digests computed with package opdigest (restart and secure parameter
// lists from the agent's cached meta-data), and render as lrm_rsc_op.
package lrmd
