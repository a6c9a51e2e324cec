// Package opdigest computes Pacemaker's operation digests: the op-digest,
// op-restart-digest and op-secure-digest attributes of an lrm_rsc_op entry.
//
// The executor records them when an action completes and the scheduler
// recomputes them from the configuration to notice that a resource's
// definition changed, so both sides must use this one package.
//
// # Canonical form
//
// A digest is the lower-case hex MD5 of this text (learned by black-box
// testing against Pacemaker 2.1.5's crm_simulate and checked against the
// digests recorded in its regression CIBs):
//
//	" <parameters" + for each parameter, sorted by name (byte order):
//	                 ` NAME="VALUE"` + "/>\n"
//
// with the value escaped as Pacemaker's XML writer does: & < > " ' become
// &amp; &lt; &gt; &quot; &apos;, a newline becomes the two characters \n,
// a carriage return \r, a tab four spaces, and any other byte outside
// printable ASCII a backslash and three octal digits (DEL is \177), except
// that escaping stops at the first multi-byte UTF-8 character: from there on
// the value is copied byte for byte, as Pacemaker 2.1.5 does. (Pacemaker then
// also writes such values unescaped into the XML it passes between daemons,
// so a special character after a non-ASCII one corrupts the value itself;
// Pacer's CIB does not, and such values have no well-defined digest.)
// No parameters gives " <parameters/>\n".
//
// # What goes in
//
// op-digest: the resource's instance attributes as evaluated for the node,
// plus the operation's own instance attributes (for example OCF_CHECK_LEVEL
// on a monitor; they override resource parameters of the same name), plus
// CRM_meta_timeout (the operation's effective timeout in milliseconds, with
// no start-delay added) only when the operation is recurring (interval > 0)
// and the entry was not recorded with a feature set below 2.0.
// The names id, crm_feature_set, op-digest, on_node, on_node_uuid,
// pcmk_external_ip and every other CRM_meta_* name are always left out.
//
// op-restart-digest: only the parameters named in the op-force-restart list
// (the agent's non-reloadable parameters); no meta attributes.
//
// op-secure-digest: everything op-digest uses except the names in the
// op-secure-params list (the agent's private parameters) and every CRM_meta_*
// name; for fencing devices (class stonith) also every pcmk_* parameter,
// because those are read by the fencer, not passed to the agent.
//
// Two entry points serve the two callers: Compute takes the configuration
// view (resource parameters plus op name, interval, timeout and op
// parameters), FromAction takes the flat parameter set an action is executed
// with (instance attributes mixed with CRM_meta_* values), as the executor
// sees it.
package opdigest
