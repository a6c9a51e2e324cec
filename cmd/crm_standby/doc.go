// Command crm_standby is Pacer's drop-in for Pacemaker's crm_standby: it
// queries, sets and deletes a node's "standby" attribute (permanent in the
// nodes section, or transient in the status section with -l reboot), on the
// CIB named by CIB_file or the cluster's, with the output and exit codes of
// Pacemaker's script (which runs crm_attribute).
package main
